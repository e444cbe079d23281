"""Learned reranking of the fused candidates (`SearchConfig.rerank`).

After fusion the searcher's top `depth` candidates are reordered by a linear model over cheap
per-candidate features: what the retrievers said (RRF score and rank, chunk cosine, BM25 score and
rank), the chunk (kind, length, respondents), the share of the question's BM25 terms it contains,
the best and mean cosine of its pieces (index/pieces.py, each embedded alone: the piece vectors of
an index built with `IndexConfig.sentence_vectors`) and its
neighbourhood among the candidates (its parent or children, its section's rank). The rest keeps its fused order.

The model (`RerankModel`) is a standardisation plus one weight per feature, stored as JSON
(`MODEL_FILE`, fitted on the dev split of eval/data/questions.jsonl by
`python -m lab.exp_rerank fit`, see docs/lab/2026-12-01-zoeken-v4.md) and applied with
numpy. `candidate_features` is the one definition of the features: the experiment trains on its
output and the searcher scores with it.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from citaat.ingest.model import Chunk

from .bm25 import BM25Index
from .bm25 import idf as bm25_idf
from .fusion import Pool, ranked
from .vectors import PieceIndex, VectorStore

MODEL_FILE = Path(__file__).resolve().parent / "rerank_model.json"
MODEL_FORMAT = 1
KINDS = ("quote", "passage", "table", "turn")
FEATURES: tuple[str, ...] = (
    "rrf",
    "rrf_rel",
    "fused_rr",
    "fused_logrank",
    "dense_cos",
    "dense_gap",
    "dense_rr",
    "bm25",
    "bm25_rel",
    "bm25_rr",
    *(f"kind_{k}" for k in KINDS),
    "prefer_match",
    "has_respondent",
    "log_len",
    "overlap",
    "overlap_idf",
    "piece_max",
    "piece_gap",
    "piece_mean",
    "parent_cand",
    "parent_rr",
    "children_cand",
    "child_rr",
    "section_rr",
    "section_count20",
)
_TERM_CACHE_LIMIT = 200_000  # chunk rows whose term sets are kept (a bound for very large indexes)


class RerankModelError(ValueError):
    """A rerank model file that cannot be used (unreadable, other features, other format)."""


@dataclass(frozen=True)
class RerankModel:
    """score = ((x - mean) / scale) @ coef over `features`; the top `depth` fused candidates are reordered."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    depth: int
    note: str = ""

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (self.mean.shape == self.scale.shape == self.coef.shape == (n,)):
            raise RerankModelError("rerank-model: mean, scale en coef moeten één waarde per kenmerk hebben")
        if self.depth < 1 or not np.all(self.scale > 0) or not np.all(np.isfinite(self.coef)):
            raise RerankModelError("rerank-model: depth moet minstens 1 zijn, scale positief, coef eindig")

    def score(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.coef

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "depth": self.depth,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RerankModel:
        if d.get("format") != MODEL_FORMAT:
            raise RerankModelError(f"rerank-model: formaat {d.get('format')!r}, verwacht {MODEL_FORMAT}")
        features = tuple(d["features"])
        if features != FEATURES:
            raise RerankModelError("rerank-model: andere kenmerken dan deze versie berekent; fit het model opnieuw")
        return cls(
            features,
            np.asarray(d["mean"], dtype=np.float64),
            np.asarray(d["scale"], dtype=np.float64),
            np.asarray(d["coef"], dtype=np.float64),
            int(d["depth"]),
            str(d.get("note", "")),
        )

    @classmethod
    def load(cls, path: Path | str = MODEL_FILE) -> RerankModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, RerankModelError):
                raise
            raise RerankModelError(f"{path}: rerank-model niet leesbaar ({exc})") from None

    def save(self, path: Path | str = MODEL_FILE) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Candidates:
    """What the searcher knows of a query after fusion (all arrays aligned with `rows`).

    rows: every fused candidate row, best first; fused: their fused scores; dense_rank / bm25_rank:
    1-based rank in the chunk-vector and BM25 top lists (0 = not in it); cosine: chunk-vector cosine
    with the question; bm25: BM25 score; piece_max / piece_mean: best and mean cosine of its pieces.
    """

    rows: np.ndarray
    fused: np.ndarray
    dense_rank: np.ndarray
    bm25_rank: np.ndarray
    cosine: np.ndarray
    bm25: np.ndarray
    piece_max: np.ndarray
    piece_mean: np.ndarray

    @classmethod
    def of(cls, pool: Pool, vectors: VectorStore, pieces: PieceIndex) -> tuple[list[int], Candidates]:
        """The candidates of a hybrid pool (`Searcher.candidates`), best first, and what the
        features read of them."""
        if pool.qvec is None or pool.bm25_all is None:
            raise ValueError("herrangschikken vraagt dense en BM25")
        rows = ranked(pool.fused)
        arr = np.asarray(rows, dtype=np.int64)
        piece_max, piece_mean = pieces.max_and_mean_scores(pool.qvec, arr)
        dense_rank = {n: i for i, n in enumerate(pool.dense_rows, 1)}
        bm25_rank = {n: i for i, n in enumerate(pool.lexical_rows, 1)}
        return rows, cls(
            rows=arr,
            fused=np.asarray([pool.fused[n] for n in rows], dtype=np.float64),
            dense_rank=np.asarray([dense_rank.get(n, 0) for n in rows], dtype=np.int64),
            bm25_rank=np.asarray([bm25_rank.get(n, 0) for n in rows], dtype=np.int64),
            cosine=np.asarray(vectors.scores_for(pool.qvec, arr), dtype=np.float64),
            bm25=np.asarray(pool.bm25_all[arr], dtype=np.float64),
            piece_max=np.asarray(piece_max, dtype=np.float64),
            piece_mean=np.asarray(piece_mean, dtype=np.float64),
        )


class Reranker:
    """Computes the features of fused candidates over one index's chunks and reorders them."""

    def __init__(self, chunks: Sequence[Chunk], bm25: BM25Index, model: RerankModel | None = None) -> None:
        self.chunks = chunks
        self.model = model
        self.analyzer = bm25.analyzer
        by_id = {c.id: n for n, c in enumerate(chunks)}
        self.parent = np.asarray([by_id.get(c.parent, -1) if c.parent else -1 for c in chunks], dtype=np.int64)
        children: dict[int, list[int]] = defaultdict(list)
        for n, p in enumerate(self.parent.tolist()):
            if p >= 0:
                children[p].append(n)
        self.children = dict(children)
        # document frequency of every BM25 term: the postings of the index's own sparse matrix
        indptr = np.asarray(bm25.model.scores["indptr"])
        self._df = {
            t: int(indptr[i + 1] - indptr[i]) for t, i in bm25.model.vocab_dict.items() if 0 <= i < len(indptr) - 1
        }
        self.n_docs = len(chunks)
        self._terms: dict[int, frozenset[str]] = {}

    def idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return bm25_idf(self.n_docs, df)

    def terms(self, row: int) -> frozenset[str]:
        terms = self._terms.get(row)
        if terms is None:
            if len(self._terms) >= _TERM_CACHE_LIMIT:
                self._terms.clear()
            terms = self._terms[row] = frozenset(self.analyzer.tokenize(self.chunks[row].text))
        return terms

    def features(self, cand: Candidates, match: str, prefer: str | None, depth: int) -> np.ndarray:
        """The feature matrix (rows: the top `depth` candidates, columns: `FEATURES`)."""
        rows = cand.rows.tolist()
        head = rows[:depth]
        n = len(rows)
        if not head:
            return np.zeros((0, len(FEATURES)))
        fused_rank = {r: i for i, r in enumerate(rows, 1)}
        fused = cand.fused
        max_fused = float(fused.max()) or 1.0
        max_cos = float(cand.cosine.max())
        max_bm25 = float(cand.bm25.max()) or 1.0
        max_piece = float(cand.piece_max.max())
        # sections ranked by their best candidate; candidates per section in the top 20
        sec_rank: dict[tuple[str, ...], int] = {}
        for r in rows:
            sec_rank.setdefault(self.chunks[r].section, len(sec_rank) + 1)
        top20: dict[tuple[str, ...], int] = defaultdict(int)
        for r in rows[:20]:
            top20[self.chunks[r].section] += 1
        q_terms = frozenset(self.analyzer.tokenize(match))
        q_idf = sum(self.idf(t) for t in sorted(q_terms)) or 1.0  # sorted: the same sum in every process
        X = np.zeros((len(head), len(FEATURES)), dtype=np.float64)
        for i, r in enumerate(head):
            c = self.chunks[r]
            p = int(self.parent[r])
            kids = [m for m in self.children.get(r, ()) if m in fused_rank]
            shared = q_terms & self.terms(r) if q_terms else frozenset()
            X[i] = (
                fused[i],
                fused[i] / max_fused,
                1.0 / (i + 1),
                math.log(i + 1),
                cand.cosine[i],
                cand.cosine[i] - max_cos,
                1.0 / cand.dense_rank[i] if cand.dense_rank[i] else 0.0,
                cand.bm25[i],
                cand.bm25[i] / max_bm25,
                1.0 / cand.bm25_rank[i] if cand.bm25_rank[i] else 0.0,
                *(float(c.kind == k) for k in KINDS),
                float(prefer == c.kind),
                float(bool(c.respondents)),
                math.log(1 + len(c.text)),
                len(shared) / len(q_terms) if q_terms else 0.0,
                sum(self.idf(t) for t in sorted(shared)) / q_idf,
                cand.piece_max[i],
                cand.piece_max[i] - max_piece,
                cand.piece_mean[i],
                float(p >= 0 and p in fused_rank),
                1.0 / fused_rank[p] if p >= 0 and p in fused_rank else 0.0,
                float(len(kids)),
                max((1.0 / fused_rank[m] for m in kids), default=0.0),
                1.0 / sec_rank[c.section],
                float(top20.get(c.section, 0)),
            )
        assert n >= len(head)
        return X

    def order(self, cand: Candidates, match: str, prefer: str | None) -> np.ndarray:
        """Positions into `cand.rows` in the new order: the top `depth` by model score (ties keep
        the fused order), then the rest in fused order."""
        if self.model is None:
            raise RerankModelError("geen rerank-model geladen")
        depth = min(self.model.depth, len(cand.rows))
        scores = self.model.score(self.features(cand, match, prefer, depth))
        head = np.lexsort((np.arange(depth), -scores))
        return np.concatenate([head, np.arange(depth, len(cand.rows))]).astype(np.int64)


def reorder_scores(fused: Mapping[int, float], rows: Sequence[int], order: Sequence[int]) -> dict[int, float]:
    """The candidates in their new order with the fused scores handed down by position (the best
    score goes to the new first), so scores stay descending and on the fusion's scale."""
    values = [fused[r] for r in rows]
    return {rows[j]: values[i] for i, j in enumerate(order)}


__all__ = ["FEATURES", "MODEL_FILE", "Candidates", "RerankModel", "RerankModelError", "Reranker", "reorder_scores"]
