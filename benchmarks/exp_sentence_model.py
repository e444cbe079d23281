"""Experiment: a learned sentence score for the extractive answer (issue 10, "answer contains").

The answer shows the best scoring pieces (sentences, quotes, table rows) of the top evidence; today
their score is a hand-weighted sum (app/scoring.py: dense cosine + 0.05 × idf term share + 0.2 /
(5 + search rank)). Here every piece of the 30 best hits of each answerable DEV question gets a
feature vector (that sum's parts, the same relative to the best piece, the hit's own dense and BM25
scores, kind, length, position), labelled 1 when it holds a gold snippet. A logistic regression
(scikit-learn, standardised features) is fitted on four dev folds; on the held-out fold its linear
score, divided by its dense weight so that `floor_margin` keeps its meaning, replaces the sum, and
the real selection (`Excerpter.select`) builds the answer, counted with `contains_snippet`.
The current score is counted on the same folds. The test split is never read.

    python -m citaat.benchmarks.exp_sentence_model [--index DIR] [--folds 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from citaat.app.config import AnswerConfig
from citaat.app.extractive import Excerpter, extractive_answer
from citaat.app.records import Answer
from citaat.app.scoring import SentenceScorer, _keys
from citaat.eval.answers import contains_snippet
from citaat.eval.dataset import Item, normalize_text
from citaat.index.search import Filters, Hit
from citaat.ingest.model import Chunk
from citaat.ingest.respondents import parse_respondents

from .tune_answers import dev_cases

FEATURES = (
    "dense", "lexical", "prior", "context", "lead", "first",
    "kind_quote", "kind_table", "kind_passage", "log_len", "hit_dense", "hit_bm25_rel", "direct",
    "log_pieces",
)


@dataclass
class Case:
    item: Item
    hits: list[Hit]
    codes: tuple[str, ...]
    # chunk id -> (features per piece, label per piece)
    rows: dict[str, tuple[np.ndarray, np.ndarray]]


def piece_features(
    scorer: SentenceScorer, query: str, chunks: Sequence[Chunk], ranks: dict[str, int], hits: Sequence[Hit]
) -> dict[str, np.ndarray]:
    """chunk id -> (pieces × FEATURES) for the pieces `scorer.score` would score."""
    scorer._ensure(chunks)
    qvec = scorer.query_vector(query)
    weights, total = scorer._weights(query)
    by_rank = {h.rank: h for h in hits}
    top_bm25 = max((h.bm25_score or 0.0 for h in hits), default=0.0) or 1.0
    raw: dict[str, list[list[float]]] = {}
    for c in chunks:
        if c.id in raw:
            continue
        spans = scorer.spans(c)
        dense = scorer._vectors[c.id] @ qvec if qvec is not None and len(spans) else np.zeros(len(spans))
        context = float(np.mean(dense)) if len(spans) else 0.0
        rank = ranks.get(c.id, 99)
        hit = by_rank.get(rank)
        rows = []
        for n, ((s, e), d) in enumerate(zip(spans, dense, strict=True)):
            have = _keys(c.text[s:e]) & weights.keys()
            lexical = sum(weights[t] for t in have) / total
            prior = 1.0 / (5 + rank)
            rows.append([
                float(d), lexical, prior, context,
                1.0 if n == 0 and c.id in scorer._opens else 0.0, 1.0 if n == 0 else 0.0,
                1.0 if c.kind == "quote" and c.respondents else 0.0, 1.0 if c.kind == "table" else 0.0,
                1.0 if c.kind == "passage" else 0.0, math.log(max(e - s, 1)),
                float(hit.dense_score or 0.0) if hit else 0.0,
                float(hit.bm25_score or 0.0) / top_bm25 if hit else 0.0,
                1.0 if hit is not None and hit.id == c.id else 0.0,
                math.log(len(spans)),
            ])
        raw[c.id] = rows
    return {cid: np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)) for cid, rows in raw.items()}


class ModelScorer:
    """Stands in for the SentenceScorer in `Excerpter.select`: the learned linear score per piece."""

    def __init__(self, base: SentenceScorer, case: Case, weights: np.ndarray) -> None:
        self.base, self.case, self.weights = base, case, weights

    def covers(self, chunks: Sequence[Chunk]) -> bool:
        return False

    def score(self, query: str, chunks: Sequence[Chunk], ranks: dict[str, int] | None = None) -> dict[str, Any]:
        out = {}
        for c in chunks:
            x, _ = self.case.rows[c.id]
            scores = x @ self.weights
            out[c.id] = [(span, float(v)) for span, v in zip(self.base.spans(c), scores, strict=True)]
        return out


def answer_contains(excerpter: Excerpter, case: Case, scorer: Any) -> bool:
    units = excerpter.select(case.hits, case.item.q, Filters(), case.codes, scorer, None)
    final = list(extractive_answer(units, (), Answer(question=case.item.q, text="", lead=""), {}))[-1]
    assert isinstance(final, Answer)
    return contains_snippet(case.item, final.text)


def fit(cases: Sequence[Case], c_reg: float, positive_weight: float, scale: float = 1.0) -> np.ndarray:
    """Raw-scale weights (dense weight 1) of a logistic regression on the pieces of `cases`."""
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([r[0] for case in cases for r in case.rows.values()])
    y = np.concatenate([r[1] for case in cases for r in case.rows.values()])
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=c_reg, max_iter=2000, class_weight={0: 1.0, 1: positive_weight})
    model.fit((x - mu) / sd, y)
    w = model.coef_[0] / sd
    dense_w = w[0]
    return scale * w / (dense_w if dense_w > 1e-6 else 1.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    cfg = AnswerConfig()
    searcher, answerer, answerable = dev_cases(args.index, cfg)
    scorer = answerer.scorer
    excerpter = Excerpter(searcher, cfg)
    cases: list[Case] = []
    for item, hits in answerable:
        if hits is None:  # refused
            continue
        _, codes = parse_respondents(item.q)
        found = excerpter.candidates(hits, Filters(), codes)
        ranks = {cid: rank for cid, (_, rank) in found.items()}
        chunks = [chunk for chunk, _ in found.values()]
        feats = piece_features(scorer, item.q, chunks, ranks, hits)
        snippets = [normalize_text(s) for s in item.snippets]
        rows = {}
        for c in chunks:
            labels = np.array([
                1.0 if any(s in normalize_text(c.text[a:b]) for s in snippets) else 0.0 for a, b in scorer.spans(c)
            ])
            rows[c.id] = (feats[c.id], labels)
        cases.append(Case(item, hits, codes, rows))
    n_dev = len(answerable)
    print(f"{len(cases)} answered dev questions (of {n_dev} answerable); "
          f"{sum(int(r[1].sum() > 0) for c in cases for r in c.rows.values())} chunks with a labelled piece")
    current = np.array([answer_contains(excerpter, case, scorer) for case in cases])
    print(f"current score: contains {current.sum() / n_dev:.3f} over all answerable dev questions")
    grid = [(c, p, m) for c in (0.1, 1.0) for p in (1.0, 5.0) for m in (0.5, 1.0, 2.0)]
    rng = np.random.default_rng(0)
    results = []
    for rep in range(args.repeats):
        folds = np.array_split(rng.permutation(len(cases)), args.folds)
        held = np.zeros(len(cases), dtype=bool)
        for fold in folds:
            train = [cases[i] for i in np.setdiff1d(np.arange(len(cases)), fold)]
            # inner choice of (C, positive weight) on the training folds, in-sample (cheap)
            best, best_score = grid[0], -1.0
            s: float
            for c_reg, pw, m in grid:
                w = fit(train, c_reg, pw, m)
                s = float(np.mean([answer_contains(excerpter, case, ModelScorer(scorer, case, w)) for case in train]))
                if s > best_score:
                    best, best_score = (c_reg, pw, m), s
            w = fit(train, *best)
            for i in fold:
                held[i] = answer_contains(excerpter, cases[i], ModelScorer(scorer, cases[i], w))
        results.append(held.sum() / n_dev)
        print("  last fold chose", best)
        print(f"repeat {rep + 1}: learned contains {held.sum() / n_dev:.3f} (current {current.sum() / n_dev:.3f})")
    print(f"cross-validated learned contains: {np.mean(results):.3f} ± {np.std(results):.3f}; "
          f"current {current.sum() / n_dev:.3f}")
    w = fit(cases, 1.0, 1.0, 0.5)
    weights = {f: round(float(v), 3) for f, v in zip(FEATURES, w, strict=True)}
    print("weights fitted on all of dev (dense = 1):", weights)


if __name__ == "__main__":
    main()
