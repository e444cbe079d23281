"""Calibrate the no-evidence rule (index/evidence.py) on the DEV split: answerable questions against
the `noanswer` ones (off-topic and near-domain), with the index's own vectors.

    python -m citaat.benchmarks.calibrate_evidence [--index DIR] [--split dev]

For every question it records the signals `judge_evidence` reads (best dense cosine, best BM25
score, the share of question terms the corpus knows, English or not) from the hits the chat itself
retrieves, then searches a grid of thresholds: among the settings that accept at least 97 % of the
answerable questions, the one that refuses the most off-topic questions (then the most near-domain
ones, then the loosest). Prints the chosen `EvidenceConfig` values and the rates; with
`--split test` it only reports the rates of the current defaults (look at test once, at the end).
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np

from citaat.app.config import AnswerConfig
from citaat.eval.dataset import NOANSWER, load_questions
from citaat.index.config import EvidenceConfig
from citaat.index.evidence import TermStats, judge_evidence
from citaat.index.search import Filters, Searcher

from .common import REPO, ensure_report_index

ACCEPT_FLOOR = 0.97


@dataclass(frozen=True)
class Top:
    """The two numbers of a hit list that the rule reads (best dense cosine, best BM25 score)."""

    dense_score: float | None
    bm25_score: float | None


class KnownShares:
    """TermStats whose per-question share is computed once (the grid asks thousands of times)."""

    def __init__(self, inner: TermStats) -> None:
        self.inner = inner
        self._memo: dict[str, float | None] = {}

    def known_share(self, question: str) -> float | None:
        if question not in self._memo:
            self._memo[question] = self.inner.known_share(question)
        return self._memo[question]


def signals(directory: Path, split: str) -> list[tuple[str, list, str]]:
    """(kind, [Top], question) per item: kind is 'answerable', 'offtopic' or 'neardomain'."""
    searcher = Searcher.open(directory)
    cfg = AnswerConfig()
    out = []
    for item in load_questions().select(split).items:
        if item.category == NOANSWER:
            kind = "offtopic" if item.note.startswith("offtopic") else "neardomain"
        else:
            kind = "answerable"
        hits = searcher.search(item.q, k=max(cfg.k, cfg.evidence_k), filters=Filters())
        dense = [h.dense_score for h in hits if h.dense_score is not None]
        lexical = [h.bm25_score for h in hits if h.bm25_score is not None]
        top = [Top(max(dense) if dense else None, max(lexical) if lexical else None)] if hits else []
        out.append((kind, top, item.q))
    return out


def rates(items: list[tuple[str, list, str]], cfg: EvidenceConfig, terms: TermStats, embedder: str) -> dict:
    kept: dict[str, list[bool]] = {"answerable": [], "offtopic": [], "neardomain": []}
    for kind, hits, q in items:
        kept[kind].append(judge_evidence(hits, cfg, embedder, q, terms).relevant)
    return {
        "accepted": float(np.mean(kept["answerable"])),
        "offtopic_refused": 1 - float(np.mean(kept["offtopic"])) if kept["offtopic"] else float("nan"),
        "neardomain_refused": 1 - float(np.mean(kept["neardomain"])) if kept["neardomain"] else float("nan"),
        "n": {k: len(v) for k, v in kept.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    args = parser.parse_args(argv)
    directory = args.index or ensure_report_index(REPO / "bench-work" / "report")
    searcher = Searcher.open(directory)
    terms = cast(TermStats, KnownShares(TermStats.of(searcher.chunks)))
    items = signals(directory, args.split)
    base = EvidenceConfig()
    print("current defaults:", rates(items, base, terms, searcher.embedder_name))
    if args.split == "test":
        return
    best = None
    grid = itertools.product(
        np.arange(0.80, 0.84, 0.005),  # dense_min
        np.arange(0.84, 0.93, 0.005),  # dense_sure
        np.arange(0.1, 0.95, 0.05),  # known_min
        (4.0, 6.0, 8.0, 10.0, 12.0, 15.0),  # bm25_min
    )
    for dense_min, dense_sure, known_min, bm25_min in grid:
        if dense_sure < dense_min:
            continue
        cfg = replace(
            base, dense_min=round(dense_min, 3), dense_sure=round(dense_sure, 3), known_min=round(known_min, 2),
            bm25_min=bm25_min,
        )
        r = rates(items, cfg, terms, searcher.embedder_name)
        if r["accepted"] < ACCEPT_FLOOR:
            continue
        key = (r["offtopic_refused"], r["neardomain_refused"], -cfg.dense_sure, -cfg.known_min)
        if best is None or key > best[0]:
            best = (key, cfg, r)
    if best is None:
        print(f"no setting accepts {ACCEPT_FLOOR:.0%} of the answerable questions")
        return
    _, cfg, r = best
    print(f"chosen: dense_min={cfg.dense_min} dense_sure={cfg.dense_sure} known_min={cfg.known_min} "
          f"bm25_min={cfg.bm25_min}")
    print("rates:", r)


if __name__ == "__main__":
    main()
