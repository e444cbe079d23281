"""Qdrant as the vector store behind the same interface as `index.vectors.VectorIndex`.

Why: one machine holds ~10⁶ chunks comfortably (FAISS HNSW, see docs/benchmarks.md § Schaal);
beyond that, or with several app servers, the vectors move to a vector database. Qdrant runs
in-process here (`qdrant-client` local mode, `location=":memory:"` or a directory) and as a server
or cluster elsewhere (`location="http://host:6333"`) with the same code. See docs/scaling.md.

The store answers `search(query, depth, allowed)` and `scores_for(query, rows)` exactly like
`VectorIndex`, with Qdrant point id = row number, so `Searcher` (fusion, filters, duplicate
collapsing), the chat app and eval do not change. Each index version gets its own collection
(`<prefix>-<version>`), filled from the verified FAISS file by `sync`; a rebuilt index therefore
never mixes old and new vectors, and stale collections are dropped after the new one is complete.

Selecting it: `open_searcher(dir, store=VectorStoreConfig(backend="qdrant", location=...))`, or
the environment variable CITAAT_VECTOR_STORE=qdrant[:LOCATION] for `vector_store_config()`.
Inner product (Distance.DOT) on our L2-normalised vectors is cosine, the same score FAISS gives.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from citaat.ingest.errors import ConfigError

from .vectors import clip_request

log = logging.getLogger(__name__)

Backend = Literal["faiss", "qdrant"]
BACKENDS: tuple[str, ...] = ("faiss", "qdrant")
ENV = "CITAAT_VECTOR_STORE"


@dataclass(frozen=True)
class VectorStoreConfig:
    """backend: "faiss" (in-process, the default) or "qdrant". location (qdrant): ":memory:", a
    directory for embedded on-disk storage, or the URL of a Qdrant server. exact: brute-force
    search on a server too (local mode is always exact). batch_size: points per upload call."""

    backend: Backend = "faiss"
    location: str = ":memory:"
    collection_prefix: str = "citaat"
    exact: bool = False
    batch_size: int = 1024
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"onbekende vectoropslag {self.backend!r}", f"kies uit {', '.join(BACKENDS)}")
        if self.batch_size < 1:
            raise ConfigError("batch_size moet minstens 1 zijn")

    @property
    def is_server(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def vector_store_config(value: str | None = None) -> VectorStoreConfig:
    """From "faiss", "qdrant" or "qdrant:LOCATION" (default: the CITAAT_VECTOR_STORE variable, else faiss)."""
    raw = (value if value is not None else os.environ.get(ENV, "")).strip()
    if not raw or raw == "faiss":
        return VectorStoreConfig()
    backend, _, location = raw.partition(":")
    if backend != "qdrant":
        raise ConfigError(f"onbekende vectoropslag {backend!r}", f"kies uit {', '.join(BACKENDS)}")
    return VectorStoreConfig(backend="qdrant", location=location or ":memory:")


def _client(cfg: VectorStoreConfig) -> Any:
    try:
        from qdrant_client import QdrantClient
    except ImportError:
        raise ImportError("qdrant-client is niet geïnstalleerd: `pip install qdrant-client`") from None
    if cfg.location == ":memory:":
        return QdrantClient(location=":memory:")
    if cfg.is_server:
        return QdrantClient(url=cfg.location, timeout=int(cfg.timeout))
    return QdrantClient(path=cfg.location)


class QdrantVectorStore:
    """A Qdrant collection whose point ids are the index's row numbers (the `VectorIndex` interface)."""

    def __init__(self, client: Any, collection: str, dim: int, size: int, cfg: VectorStoreConfig) -> None:
        self.client = client
        self.collection = collection
        self._dim = dim
        self._size = size
        self.cfg = cfg
        self.approximate = cfg.is_server and not cfg.exact

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return self._size

    # ------------------------------------------------------------------ filling

    @classmethod
    def sync(
        cls,
        vectors: np.ndarray,
        version: str,
        cfg: VectorStoreConfig,
        payloads: list[dict[str, Any]] | None = None,
        client: Any = None,
    ) -> QdrantVectorStore:
        """The collection for this index version, uploaded first if it is missing or incomplete.

        `vectors` row i becomes point i (with `payloads[i]` for server-side filtering). Other
        collections with the same prefix (older versions) are deleted once this one is complete.
        """
        from qdrant_client import models

        client = client or _client(cfg)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, d = vectors.shape
        name = f"{cfg.collection_prefix}-{version}"
        complete = client.collection_exists(name) and client.count(name, exact=True).count == n
        if not complete:
            if client.collection_exists(name):
                client.delete_collection(name)
            client.create_collection(name, vectors_config=models.VectorParams(size=d, distance=models.Distance.DOT))
            for lo in range(0, n, cfg.batch_size):
                hi = min(n, lo + cfg.batch_size)
                client.upsert(
                    name,
                    points=models.Batch(
                        ids=list(range(lo, hi)),
                        vectors=vectors[lo:hi].tolist(),
                        payloads=payloads[lo:hi] if payloads is not None else None,
                    ),
                    wait=True,
                )
            log.info("uploaded %d vectors to Qdrant collection %s", n, name)
        for other in client.get_collections().collections:
            if other.name != name and other.name.startswith(f"{cfg.collection_prefix}-"):
                client.delete_collection(other.name)
        return cls(client, name, d, n, cfg)

    # ------------------------------------------------------------------ searching

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top `depth` rows by inner product, best first, optionally only among `allowed` rows."""
        from qdrant_client import models

        allowed, depth = clip_request(len(self), depth, allowed)
        if depth <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        flt = None
        if allowed is not None:
            flt = models.Filter(must=[models.HasIdCondition(has_id=[int(r) for r in allowed])])
        res = self.client.query_points(
            self.collection,
            query=np.asarray(query, dtype=np.float32).ravel().tolist(),
            limit=depth,
            query_filter=flt,
            search_params=models.SearchParams(exact=self.cfg.exact) if self.cfg.is_server else None,
            with_payload=False,
        )
        points = res.points
        return (
            np.array([int(p.id) for p in points], dtype=np.int64),
            np.array([float(p.score) for p in points], dtype=np.float32),
        )

    def close(self) -> None:
        self.client.close()

    def scores_for(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of `query` with the stored vectors of `rows` (fetched from Qdrant)."""
        ids = [int(r) for r in np.asarray(rows, dtype=np.int64)]
        if not ids:
            return np.zeros(0, np.float32)
        got = {int(p.id): p.vector for p in self.client.retrieve(self.collection, ids=ids, with_vectors=True)}
        mat = np.asarray([got[i] for i in ids], dtype=np.float32)
        return mat @ np.asarray(query, dtype=np.float32).ravel()


def chunk_payload(chunk: Any) -> dict[str, Any]:
    """What a point carries besides its vector: the chunk id and the fields filters use."""
    return {
        "chunk_id": chunk.id,
        "doc": chunk.doc,
        "kind": chunk.kind,
        "respondents": list(chunk.respondents),
        "section": list(chunk.section),
    }


def open_searcher(
    directory: Path | str,
    config: Any = None,
    store: VectorStoreConfig | None = None,
    embedder: Any = None,
) -> Any:
    """`Searcher.open` with the vector store picked by `store` (default: `vector_store_config()`).

    With "qdrant" the verified index is opened as usual and its vectors are served from the
    Qdrant collection of this index version (uploaded on first use); everything else — BM25,
    fusion, filters, the Hit records — is the same `Searcher`.
    """
    from citaat.index.search import Searcher
    from citaat.index.store import current_version_dir

    store = store or vector_store_config()
    searcher = Searcher.open(directory, config, embedder)
    if store.backend == "faiss":
        return searcher
    version = current_version_dir(Path(searcher.directory))
    assert version is not None  # Searcher.open verified it
    # A copy: `VectorIndex.vectors` is a view into the FAISS index, freed once it is replaced below.
    searcher.vectors = QdrantVectorStore.sync(  # type: ignore[assignment]  # same interface as VectorIndex
        np.array(searcher.vectors.vectors, dtype=np.float32, copy=True),
        version.name,
        store,
        payloads=[chunk_payload(c) for c in searcher.chunks],
    )
    return searcher


__all__ = ["QdrantVectorStore", "VectorStoreConfig", "open_searcher", "vector_store_config"]
