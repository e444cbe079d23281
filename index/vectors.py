"""Dense vectors in FAISS: exact inner product for small corpora, HNSW above a size threshold.

Vectors are L2-normalised, so inner product is cosine similarity. Row i of the index is row i of
the index's chunk-id list. Filtered searches are pre-filtered (a FAISS `IDSelector` over the
allowed rows), so a filter never eats the top k. With HNSW and a very selective filter the graph
walk can miss allowed rows, so those searches score the allowed rows exactly instead.

`VectorStore` is what the searcher needs of any vector store; `VectorIndex` (FAISS) is the
default one and the canonical, verified copy of the vectors; index/adapters/qdrant.py serves the
same rows from Qdrant. The searcher picks one by `SearchConfig.vector_store`.
"""

from __future__ import annotations

from typing import Any, Protocol

import faiss
import numpy as np

from .config import IndexConfig

_DEFAULT_EF = IndexConfig().hnsw_ef_search
# Below this fraction of allowed rows an HNSW search is replaced by exact scoring of those rows.
_HNSW_EXACT_FILTER_FRACTION = 0.05


class _IndexBacked(np.ndarray):
    """An array over memory that a FAISS index owns; `owner` keeps that index alive."""

    owner: Any = None


def clip_request(n: int, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray | None, int]:
    """Normalise a search request over `n` rows: an `allowed` set that covers every row is no
    filter, and depth never exceeds the rows that can qualify (0 = nothing to search)."""
    if allowed is not None and len(allowed) >= n:
        allowed = None
    return allowed, min(depth, n if allowed is None else len(allowed))


class VectorStore(Protocol):
    """Dense search over the index's rows (row i = chunk i), scores are inner products.

    search: the top `depth` rows, best first, only among `allowed` rows if given (fewer when
    fewer qualify). scores_for: exact scores of given rows. approximate: whether `search` may
    miss a better row (HNSW, a Qdrant server without exact search).
    """

    @property
    def dim(self) -> int: ...

    @property
    def approximate(self) -> bool: ...

    def __len__(self) -> int: ...

    def search(
        self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def scores_for(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray: ...


class VectorIndex:
    """A FAISS inner-product index plus a zero-copy view of its stored vectors."""

    def __init__(self, index: faiss.Index, ef_search: int = _DEFAULT_EF) -> None:
        self.index = index
        self.ef_search = ef_search
        self.approximate = isinstance(index, faiss.IndexHNSW)
        flat: Any = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
        n, d = index.ntotal, index.d
        # The stored vectors without a copy. The view holds the index, so the memory outlives
        # every view taken from it (even after this VectorIndex is gone).
        self.vectors: np.ndarray = np.zeros((0, d), np.float32)
        if n:
            view = faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d).view(_IndexBacked)
            view.owner = index
            self.vectors = view

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, cfg: IndexConfig) -> VectorIndex:
        """Exact `IndexFlatIP` below `cfg.hnsw_threshold` vectors, `IndexHNSWFlat` (inner product) above."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, d = vectors.shape
        index: Any
        if n >= cfg.hnsw_threshold:
            index = faiss.IndexHNSWFlat(d, cfg.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = cfg.hnsw_ef_construction
            index.hnsw.efSearch = cfg.hnsw_ef_search
        else:
            index = faiss.IndexFlatIP(d)
        if n:
            index.add(vectors)
        return cls(index, cfg.hnsw_ef_search)

    def to_bytes(self) -> bytes:
        return faiss.serialize_index(self.index).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, ef_search: int = _DEFAULT_EF) -> VectorIndex:
        return cls(faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8)), ef_search)

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top `depth` rows by inner product, best first, optionally only among `allowed` rows.

        Returns (rows int64, scores float32); fewer than `depth` when fewer rows qualify.
        """
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        n = len(self)
        allowed, depth = clip_request(n, depth, allowed)
        if depth <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if allowed is not None and self.approximate and len(allowed) < _HNSW_EXACT_FILTER_FRACTION * n:
            return self.exact_scores_topk(q[0], allowed, depth)
        params: Any = None
        if allowed is not None or self.approximate:
            sel = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)) if allowed is not None else None
            if self.approximate:
                params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, depth))  # type: ignore[attr-defined]
            else:
                params = faiss.SearchParameters()
            if sel is not None:
                params.sel = sel
        scores, rows = self.index.search(q, depth, params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def exact_scores_topk(self, query: np.ndarray, rows: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner products of `query` with the given rows, best `depth` first."""
        rows = np.asarray(rows, dtype=np.int64)
        scores = self.scores_for(query, rows)
        order = np.argsort(-scores, kind="stable")[:depth]
        return rows[order], scores[order]

    def scores_for(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of `query` with the stored vectors of `rows`."""
        return self.vectors[np.asarray(rows, dtype=np.int64)] @ np.asarray(query, dtype=np.float32).ravel()


class PieceIndex:
    """Piece (sentence) vectors beside the chunk vectors: row i of `vectors` is a piece of chunk
    `rows[i]` (pieces stored in chunk order). A chunk scores by its best piece (max-sim)."""

    def __init__(self, vectors: VectorIndex, rows: np.ndarray, n_chunks: int) -> None:
        self.vectors = vectors
        self.rows = np.asarray(rows, dtype=np.int64)
        if len(self.rows) != len(vectors) or (len(self.rows) and np.any(np.diff(self.rows) < 0)):
            raise ValueError("piece rows must be one per vector, in chunk order")
        self.n_chunks = n_chunks
        # pieces of chunk r are [starts[r], ends[r])
        self.starts = np.searchsorted(self.rows, np.arange(n_chunks), side="left")
        self.ends = np.searchsorted(self.rows, np.arange(n_chunks), side="right")

    def __len__(self) -> int:
        return len(self.rows)

    def allowed_pieces(self, allowed: np.ndarray | None) -> np.ndarray | None:
        """The piece rows of the allowed chunk rows (None = all)."""
        if allowed is None:
            return None
        parts = [np.arange(self.starts[r], self.ends[r]) for r in np.asarray(allowed, dtype=np.int64).tolist()]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def search(
        self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None
    ) -> tuple[list[int], dict[int, float]]:
        """The `depth` chunk rows whose best piece is closest to `query`, best first, with that
        piece's cosine; only among `allowed` chunk rows if given."""
        pieces = self.allowed_pieces(allowed)
        available = len(self) if pieces is None else len(pieces)
        want = depth * 4
        while True:
            prows, pscores = self.vectors.search(query, want, pieces)
            best: dict[int, float] = {}
            for r, s in zip(self.rows[prows].tolist(), pscores.tolist(), strict=True):
                if r not in best:  # pieces come best first: the first one of a chunk is its best
                    best[r] = s
            if len(best) >= depth or want >= available:
                break
            want *= 4
        top = list(best)[:depth]
        return top, {r: best[r] for r in top}

    def max_scores(self, query: np.ndarray, chunk_rows: np.ndarray) -> np.ndarray:
        """Exact best-piece cosine of each given chunk row (-1 for a chunk without pieces)."""
        return self.max_and_mean_scores(query, chunk_rows)[0]

    def max_and_mean_scores(self, query: np.ndarray, chunk_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact best and mean piece cosine of each given chunk row (-1 and 0 for a chunk without pieces)."""
        chunk_rows = np.asarray(chunk_rows, dtype=np.int64)
        best = np.full(len(chunk_rows), -1.0, dtype=np.float32)
        mean = np.zeros(len(chunk_rows), dtype=np.float32)
        if not len(chunk_rows):
            return best, mean
        counts = self.ends[chunk_rows] - self.starts[chunk_rows]
        has = counts > 0
        if not has.any():
            return best, mean
        ranges = [np.arange(self.starts[r], self.ends[r]) for r in chunk_rows[has].tolist()]
        idx = np.concatenate(ranges).astype(np.int64)
        scores = self.vectors.scores_for(query, idx)
        offsets = np.concatenate([[0], np.cumsum(counts[has])[:-1]]).astype(np.int64)
        best[has] = np.maximum.reduceat(scores, offsets)
        mean[has] = np.add.reduceat(scores, offsets) / counts[has]
        return best, mean
