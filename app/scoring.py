"""How well a piece of source text (a sentence of a passage, a quote, a table row) answers a question.

Two signals, like the searcher's but at sentence level:

- dense: the cosine between the question (embedded as a query) and the piece (embedded as a
  passage, after its section path, as the index embeds chunks) with the searcher's own embedder.
  Piece vectors are cached per chunk id in memory and, with a `cache_file`, on disk, so a chunk is
  embedded once (`SentenceScorer.warm` embeds the whole corpus ahead).
- lexical: the idf-weighted share of the question's BM25 terms (index/bm25.py) that the piece
  contains, the corpus idf coming from `index.evidence.TermStats`.

Terms match on their first `PREFIX` characters, so the stems of "succesfactoren" and
"succesfactor" (which the Snowball stemmer leaves apart) meet.

The search itself is a third signal: a piece of the hit ranked r gets `rank_weight` / (5 + r).

score = dense + `lexical_weight` × lexical + `rank_weight` / (5 + r). The pieces of a chunk are
`pieces(chunk)`: sentences for a passage, the whole text for a quote or turn, rows for a table.
A bonus for a section's first sentence and the mean cosine of a piece's chunk as a fourth signal
lost on dev and were removed (docs/lab/2026-12-01-zoeken-na-v5.md).

`score` scores the pieces of given chunks (the hits of a search). Scoring every sentence of the
corpus instead (the search rank as a prior) lost on dev and was removed
(docs/lab/2026-12-06-issue-20-het-antwoord-vooraan.md).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from citaat.index.bm25 import tokenize
from citaat.index.evidence import TermStats
from citaat.index.pieces import Span, pieces
from citaat.index.query import Query
from citaat.index.records import section_path
from citaat.ingest.fsio import atomic_write_bytes
from citaat.ingest.model import Chunk

log = logging.getLogger(__name__)

PREFIX = 8
# Bump when the text a piece is embedded as changes: cached vectors of another scheme are ignored.
SCHEME = "section-path+piece-v1"


def term_keys(text: str) -> set[str]:
    """The text's BM25 terms cut to their first `PREFIX` characters (how pieces and questions meet)."""
    return {t[:PREFIX] for t in tokenize(text)}


def _digest(ids: Sequence[str], counts: np.ndarray, vectors: np.ndarray) -> str:
    """The cache's recorded checksum: its chunk ids, piece counts and vectors."""
    h = hashlib.sha256("\n".join(ids).encode("utf-8"))
    h.update(np.ascontiguousarray(counts, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return h.hexdigest()


def _reason(exc: Exception) -> str:
    """A damaged cache's reason in Dutch (the Python exception goes no further than the debug log)."""
    log.debug("sentence cache error", exc_info=exc)
    return str(exc) if isinstance(exc, ValueError) and "klopt niet" in str(exc) else "onleesbaar bestand"


class EmbedderLike(Protocol):
    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class SentenceScorer:
    """Scores the pieces of chunks against a question (see the module docstring)."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        embedder: EmbedderLike | None,
        lexical_weight: float,
        lock: threading.Lock,
        rank_weight: float = 0.0,
        cache_file: Path | None = None,
    ) -> None:
        self.rank_weight = rank_weight
        self.cache_file = cache_file
        self._saved = 0
        self.embedder = embedder
        self.lexical_weight = lexical_weight
        self.terms = TermStats.of(chunks)
        self._chunks = chunks
        self._vectors: dict[str, np.ndarray] = {}
        self._spans: dict[str, list[Span]] = {}
        self._keys: dict[str, list[set[str]]] = {}
        self._lock = lock  # the embedder's (shared with the searcher)
        self._warming = threading.Lock()  # one warm-up at a time: a second caller waits, then has nothing to do
        self._asked = 0.0  # monotonic time of the last question scored; the warm-up waits for a quiet moment
        if cache_file is not None:
            self.load()

    # ------------------------------------------------------------------ the vector cache on disk

    def load(self) -> None:
        """Read the cached piece vectors of `cache_file`: ids hash the chunk text, so a vector is
        reused exactly while its chunk is unchanged. Verified like the index: the file's recorded
        digest must match its content, and the vectors of a sample of chunks must equal a fresh
        embedding of them (a valid cache of another model's vectors would give other answers).
        A damaged or mismatching cache is ignored with one Dutch log line and written anew."""
        path = self.cache_file
        if path is None or not path.is_file():
            return
        known = {c.id for c in self._chunks}
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["scheme"]) != SCHEME:
                    return
                ids, counts, vectors = data["ids"].tolist(), data["counts"], data["vectors"]
                recorded = str(data["digest"]) if "digest" in data.files else None
            if recorded is not None and recorded != _digest(ids, counts, vectors):
                raise ValueError("de vastgelegde controlesom klopt niet")
            if int(counts.sum()) != len(vectors):
                raise ValueError("het aantal vectoren klopt niet")
        except Exception as exc:  # noqa: BLE001 - any damage (zip, zlib, shapes): rebuild, never a traceback
            log.warning("zinvectoren in %s beschadigd (%s); ze worden opnieuw berekend", path, _reason(exc))
            return
        loaded: dict[str, np.ndarray] = {}
        pos = 0
        for cid, n in zip(ids, counts.tolist(), strict=True):
            if cid in known:
                loaded[cid] = vectors[pos : pos + n]
            pos += n
        if not self._sample_matches(loaded):
            log.warning("zinvectoren in %s horen niet bij deze index of dit model; ze worden opnieuw berekend", path)
            return
        self._vectors.update(loaded)
        self._saved = len(self._vectors)

    def _sample_matches(self, loaded: dict[str, np.ndarray], sample: int = 2) -> bool:
        """The cached vectors of up to `sample` chunks equal a fresh embedding of their pieces."""
        if self.embedder is None or not loaded:
            return True
        by_id = {c.id: c for c in self._chunks}
        ids = sorted(loaded)
        picked = [by_id[i] for i in dict.fromkeys([ids[0], ids[len(ids) // 2]][:sample])]
        for chunk in picked:
            if len(loaded[chunk.id]) != len(self.spans(chunk)):
                return False
        fresh = self._embed(picked)
        return all(np.allclose(fresh[c.id], loaded[c.id], atol=1e-3) for c in picked)

    def save(self) -> None:
        """Write the piece vectors to `cache_file` (atomically) when new ones were embedded."""
        path = self.cache_file
        if path is None or len(self._vectors) == self._saved or not self._vectors:
            return
        ids = list(self._vectors)
        buf = io.BytesIO()
        counts = np.array([len(self._vectors[i]) for i in ids], dtype=np.int64)
        vectors = np.concatenate([self._vectors[i] for i in ids]).astype(np.float32)
        np.savez(
            buf,
            scheme=np.array(SCHEME),
            ids=np.array(ids),
            counts=counts,
            vectors=vectors,
            digest=np.array(_digest(ids, counts, vectors)),
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, buf.getvalue(), durable=False)
        except OSError as exc:  # a read-only index directory: the cache stays in memory
            log.warning("zinvectoren niet bewaard in %s: %s", path, exc)
            return
        self._saved = len(ids)

    def spans(self, chunk: Chunk) -> list[Span]:
        spans = self._spans.get(chunk.id)
        if spans is None:
            spans = self._spans[chunk.id] = pieces(chunk)
        return spans

    def _ensure(self, chunks: Sequence[Chunk], background: bool = False) -> None:
        """Embed the pieces of the chunks not yet cached (one batch)."""
        if not background:
            self._asked = time.monotonic()
        if self.embedder is None:
            return
        todo = list({c.id: c for c in chunks if len(self._vectors.get(c.id, ())) != len(self.spans(c))}.values())
        if not todo:
            return
        self._vectors.update(self._embed(todo))

    def _embed(self, chunks: Sequence[Chunk]) -> dict[str, np.ndarray]:
        """The piece vectors of `chunks`, embedded now (one batch, under the embedder's lock)."""
        assert self.embedder is not None
        texts: list[str] = []
        for c in chunks:
            # embedded like the index embeds chunks: the section path, then the text
            head = f"{section_path(c.section)}\n" if c.section else ""
            texts.extend(head + " ".join(c.text[s:e].split()) for s, e in self.spans(c))
        with self._lock:
            vectors = self.embedder.embed_passages(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        out: dict[str, np.ndarray] = {}
        pos = 0
        for c in chunks:
            n = len(self.spans(c))
            out[c.id] = np.asarray(vectors[pos : pos + n], dtype=np.float32)
            pos += n
        return out

    def warm(self, batch: int = 8, pause: float = 0.005, quiet: float = 0.0) -> None:
        """Embed the pieces of every chunk now (the chat does this in the background) and save them.

        Small batches with a pause between them: each batch holds the embedder's lock, so a
        question asked meanwhile waits for at most one batch instead of the whole warm-up. With
        `quiet` > 0 a batch starts only when no question was scored for that many seconds: on 2
        cores the warm-up otherwise takes the CPU the first users' answers need, and each answer
        embeds the pieces it scores itself (docs/lab/2026-11-30-latentie-na-profilering.md)."""
        with self._warming:
            todo = [c for c in self._chunks if len(self._vectors.get(c.id, ())) != len(self.spans(c))]
            for i in range(0, len(todo), batch):
                while quiet > 0 and time.monotonic() - self._asked < quiet:
                    time.sleep(quiet / 4)
                self._ensure(todo[i : i + batch], background=True)
                time.sleep(pause)  # lets a waiting question take the lock before the next batch
            self.save()

    def query_vector(self, text: str) -> np.ndarray | None:
        """`text` embedded as a query (the searcher's memoised embedder: the search's own vector)."""
        self._asked = time.monotonic()
        if self.embedder is None:
            return None
        with self._lock:
            return np.asarray(self.embedder.embed_queries([text])[0], dtype=np.float32)

    def _weights(self, query: str) -> tuple[dict[str, float], float]:
        """The question's term keys with their idf, and their sum (the lexical signal's denominator)."""
        weights: dict[str, float] = {}
        for t in tokenize(query):
            weights[t[:PREFIX]] = max(weights.get(t[:PREFIX], 0.0), self.terms.idf(t))
        return weights, sum(weights.values()) or 1.0

    def for_chunks(self, chunks: Sequence[Chunk]) -> SentenceScorer:
        """A scorer with the same settings for another corpus (a rebuilt index), keeping the vectors
        of the chunks both share (ids hash the text, so an unchanged id is an unchanged text)."""
        other = SentenceScorer(
            chunks,
            self.embedder,
            self.lexical_weight,
            self._lock,
            self.rank_weight,
        )
        other.cache_file = self.cache_file
        known = {c.id for c in chunks}
        other._vectors = {cid: v for cid, v in self._vectors.items() if cid in known}
        return other

    def score(
        self, query: Query, chunks: Sequence[Chunk], ranks: dict[str, int] | None = None
    ) -> dict[str, list[tuple[Span, float]]]:
        """chunk id -> [(piece span, score)] for every piece of every chunk, in text order: the
        cosine with the vector the search embedded (`Query.embed`), the terms of the text searched.
        `ranks` (chunk id -> rank of the search hit that found it) adds `rank_weight` / (5 + rank)."""
        ranks = ranks or {}
        self._ensure(chunks)
        qvec = self.query_vector(query.embed)
        weights, total = self._weights(query.search_text)
        out: dict[str, list[tuple[Span, float]]] = {}
        for c in chunks:
            if c.id in out:
                continue
            spans = self.spans(c)
            dense = (
                self._vectors[c.id] @ qvec
                if qvec is not None and c.id in self._vectors and len(spans)
                else np.zeros(len(spans))
            )
            scored = []
            keys = self._keys.get(c.id)
            if keys is None:
                keys = self._keys[c.id] = [term_keys(c.text[s:e]) for s, e in spans]
            for n, ((s, e), d) in enumerate(zip(spans, dense, strict=True)):
                have = keys[n] & weights.keys()
                lexical = sum(weights[t] for t in have) / total
                bonus = self.rank_weight / (5 + ranks[c.id]) if c.id in ranks else 0.0
                scored.append(((s, e), float(d) + self.lexical_weight * lexical + bonus))
            out[c.id] = scored
        return out


__all__ = ["SentenceScorer", "pieces", "term_keys"]
