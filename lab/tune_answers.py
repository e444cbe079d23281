"""Tune the extractive answer on the DEV split, with cross-validation over dev folds.

    python -m lab.tune_answers [--index DIR] [--folds 5]

Searches once per answerable dev question (the hits do not depend on these settings), then, for
every setting of a small grid (weights of the term overlap and the search-rank prior of
app/scoring.py, the filler floor, the length of the opening excerpt), composes the answer of every
question and scores whether it opens with the answer: (lead@1 + lead@3) / 2 of citaat.eval.answers
("bevat", a gold snippet anywhere in the answer, is printed beside it). The answer's size limits
stay at the defaults (longer answers would raise the measure by showing more).

Prints, per fold, the setting chosen on the other folds and its score on the held-out fold (the
cross-validated estimate), then the setting chosen on all of dev: the one to put in AnswerConfig.
Never run it on test.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from citaat.app.config import AnswerConfig
from citaat.app.extractive import Excerpter, extractive_answer
from citaat.app.records import Answer
from citaat.app.service import Answerer
from citaat.benchmarks.common import REPO, ensure_report_index
from citaat.eval.answers import contains_snippet, leads_with
from citaat.eval.dataset import NOANSWER, Item, load_questions
from citaat.index.evidence import judge_evidence
from citaat.index.query import about_publication, question_shape
from citaat.index.search import Filters, Hit, Searcher
from citaat.ingest.respondents import parse_respondents

GRID = {
    "lexical_weight": (0.05, 0.1, 0.2),
    "rank_weight": (0.1, 0.2, 0.4),
    "floor_margin": (0.05, 0.08),
    "lead_chars": (300, 450),
}


def dev_cases(index: Path | None, cfg: AnswerConfig) -> tuple[Searcher, Answerer, list[tuple[Item, list[Hit] | None]]]:
    """The report's index (built under bench-work/ unless `index` is given) with every sentence
    embedded, and each answerable dev question with its hits, searched once (None when the evidence
    thresholds refuse it: such an answer holds no snippet whatever the sentence score)."""
    directory = index or ensure_report_index(REPO / "bench-work" / "report")
    searcher = Searcher.open(directory)
    answerer = Answerer(searcher, cfg)
    answerer.warm()
    cases: list[tuple[Item, list[Hit] | None]] = []
    for item in load_questions().select("dev"):
        if item.category == NOANSWER:
            continue
        hits = searcher.search(item.q, k=max(cfg.k, cfg.evidence_k), filters=Filters())
        judged = judge_evidence(hits, cfg.evidence, searcher.embedder_name, item.q, answerer.terms)
        cases.append((item, hits if judged.relevant else None))
    return searcher, answerer, cases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    base_cfg = AnswerConfig()
    searcher, answerer, cases = dev_cases(args.index, base_cfg)
    scorer = answerer.scorer

    settings: list[dict[str, Any]] = [
        dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())
    ]
    table = np.zeros((len(settings), len(cases)), dtype=float)
    contains = np.zeros((len(settings), len(cases)), dtype=bool)
    for s, setting in enumerate(settings):
        cfg = replace(base_cfg, **setting)
        excerpter = Excerpter(searcher, cfg)
        scorer.lexical_weight = cfg.lexical_weight
        scorer.rank_weight = cfg.rank_weight
        for c, (item, found) in enumerate(cases):
            if found is None:  # refused: no answer, no snippet
                continue
            _, codes = parse_respondents(item.q)  # as the service does
            shape = question_shape(item.q, bool(codes))
            composition = excerpter.compose(found, item.q, Filters(), codes, scorer, shape, about_publication(item.q))
            final = [p for p in extractive_answer(composition, Answer(question=item.q, text="", lead=""), {})][-1]
            assert isinstance(final, Answer)
            answer = final.to_dict(item.id)
            table[s, c] = (leads_with(item, answer, 1) + leads_with(item, answer, 3)) / 2
            contains[s, c] = contains_snippet(item, final.text)

    def label(setting: dict[str, Any]) -> str:
        return ", ".join(f"{k}={v}" for k, v in setting.items())

    default = next(
        (s for s, st in enumerate(settings) if all(getattr(base_cfg, k) == v for k, v in st.items())), None
    )
    if default is not None:
        print(f"current defaults: {table[default].mean():.3f} (bevat {contains[default].mean():.3f})")
    rng = np.random.default_rng(0)
    folds = np.array_split(rng.permutation(len(cases)), args.folds)
    held: list[float] = []
    for k, fold in enumerate(folds):
        train = np.setdiff1d(np.arange(len(cases)), fold)
        best = int(np.argmax(table[:, train].mean(axis=1)))
        held.extend(table[best, fold].tolist())
        print(f"fold {k + 1}: chosen {label(settings[best])}: train {table[best, train].mean():.3f}, "
              f"held out {table[best, fold].mean():.3f}")
    print(f"cross-validated (lead@1 + lead@3) / 2 on dev: {np.mean(held):.3f} (n={len(held)})")
    order = np.argsort(-table.mean(axis=1), kind="stable")
    print("best settings on all of dev (lead score, bevat):")
    for s in order[:8]:
        print(f"  {table[s].mean():.3f}  {contains[s].mean():.3f}  {label(settings[s])}")


if __name__ == "__main__":
    main()
