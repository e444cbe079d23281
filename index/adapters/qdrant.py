"""Qdrant as a `VectorStore` (index/vectors.py), selected by `SearchConfig(qdrant=QdrantConfig(...))`.

Why: one machine holds ~10⁶ chunks comfortably (FAISS HNSW, see docs/lab/2026-11-27-schaal.md);
beyond that, or with several app servers, the vectors move to a vector database. Qdrant runs
in-process here (`qdrant-client` local mode, `QdrantConfig(location=":memory:")` or a directory) and as a
server or cluster elsewhere (`QdrantConfig(location="http://host:6333")`) with the same code. See
docs/scaling.md. Needs the `qdrant` extra.

Qdrant point id = row number, so `Searcher` (fusion, filters, duplicate collapsing), the chat app
and eval do not change. Each index version gets its own collection (`citaat-<version>`), filled
from the verified FAISS file by `sync`; a rebuilt index therefore never mixes old and new vectors,
and stale collections are dropped after the new one is complete. Each point carries its chunk
(`Chunk.to_dict()`) as payload, for server-side filtering. Inner product (Distance.DOT) on our
L2-normalised vectors is cosine, the same score FAISS gives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from citaat.ingest.model import Chunk

from ..config import QdrantConfig, SearchConfig
from ..vectors import clip_request

try:
    from qdrant_client import QdrantClient, models
except ImportError:
    raise ImportError("qdrant-client is niet geïnstalleerd: `pip install 'citaat[qdrant]'`") from None

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "citaat"
BATCH_SIZE = 1024  # points per upload call
TIMEOUT_S = 30


def is_server(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def connect(location: str) -> QdrantClient:
    """A client for ":memory:", an on-disk directory or a server URL."""
    if location == ":memory:":
        return QdrantClient(location=":memory:")
    if is_server(location):
        return QdrantClient(url=location, timeout=TIMEOUT_S)
    return QdrantClient(path=location)


class QdrantVectorStore:
    """A Qdrant collection whose point ids are the index's row numbers."""

    def __init__(
        self, client: QdrantClient, collection: str, dim: int, size: int, server: bool = False, exact: bool = False
    ) -> None:
        self.client = client
        self.collection = collection
        self._dim = dim
        self._size = size
        # Local mode always searches exactly; a server uses HNSW unless `exact`.
        self.search_params = models.SearchParams(exact=exact) if server else None
        self.approximate = server and not exact

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
        config: SearchConfig,
        chunks: Sequence[Chunk] | None = None,
        client: QdrantClient | None = None,
    ) -> QdrantVectorStore:
        """The collection for this index version, uploaded first if it is missing or incomplete.

        `vectors` row i becomes point i, with `chunks[i]` as its payload. Other collections with
        the same prefix (older versions) are deleted once this one is complete.
        """
        qdrant = config.qdrant or QdrantConfig()
        client = client or connect(qdrant.location)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, d = vectors.shape
        name = f"{COLLECTION_PREFIX}-{version}"
        complete = client.collection_exists(name) and client.count(name, exact=True).count == n
        if not complete:
            if client.collection_exists(name):
                client.delete_collection(name)
            client.create_collection(name, vectors_config=models.VectorParams(size=d, distance=models.Distance.DOT))
            for lo in range(0, n, BATCH_SIZE):
                hi = min(n, lo + BATCH_SIZE)
                client.upsert(
                    name,
                    points=models.Batch(
                        ids=list(range(lo, hi)),
                        vectors=vectors[lo:hi].tolist(),
                        payloads=[c.to_dict() for c in chunks[lo:hi]] if chunks is not None else None,
                    ),
                    wait=True,
                )
            log.info("uploaded %d vectors to Qdrant collection %s", n, name)
        for other in client.get_collections().collections:
            if other.name != name and other.name.startswith(f"{COLLECTION_PREFIX}-"):
                client.delete_collection(other.name)
        return cls(client, name, d, n, is_server(qdrant.location), qdrant.exact)

    # ------------------------------------------------------------------ searching

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top `depth` rows by inner product, best first, optionally only among `allowed` rows."""
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
            search_params=self.search_params,
            with_payload=False,
        )
        points = res.points
        return (
            np.array([int(p.id) for p in points], dtype=np.int64),
            np.array([float(p.score) for p in points], dtype=np.float32),
        )

    def scores_for(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of `query` with the stored vectors of `rows` (fetched from Qdrant)."""
        ids = [int(r) for r in np.asarray(rows, dtype=np.int64)]
        if not ids:
            return np.zeros(0, np.float32)
        got: dict[int, Any] = {
            int(p.id): p.vector for p in self.client.retrieve(self.collection, ids=ids, with_vectors=True)
        }
        mat = np.asarray([got[i] for i in ids], dtype=np.float32)
        return mat @ np.asarray(query, dtype=np.float32).ravel()

    def close(self) -> None:
        self.client.close()


__all__ = ["QdrantVectorStore", "connect", "is_server"]
