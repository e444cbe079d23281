"""Calibrate the no-evidence rule (index/evidence.py) on the DEV split: answerable questions against
the `noanswer` ones (off-topic and near-domain), with the index's own vectors.

    python -m citaat.benchmarks.calibrate_evidence [--index DIR] [--split dev]

For every question it records the signals `judge_evidence` reads (best dense cosine, best BM25
score, the share of question terms the corpus knows, English or not) from the hits the chat itself
retrieves, then searches a grid of thresholds: among the settings that accept at least 97 % of the
answerable questions, the one that refuses the most off-topic questions (then the most near-domain
ones, then the loosest), also over `rare_zipf` (which unknown question words count against it).
Prints the cross-validated rates over dev folds (the setting chosen on the other folds, counted on
the held-out fold), the `EvidenceConfig` values chosen on all of dev and their rates; with
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
from citaat.index.language import is_english
from citaat.index.search import Filters, Searcher

from .common import REPO, ensure_report_index

ACCEPT_FLOOR = 0.97


@dataclass(frozen=True)
class Top:
    """The two numbers of a hit list that the rule reads (best dense cosine, best BM25 score)."""

    dense_score: float | None
    bm25_score: float | None


@dataclass(frozen=True)
class Signals:
    """What `judge_evidence` reads of one question, with its kind ('answerable', 'offtopic',
    'neardomain'): the hits' best scores, English or not, and the known share per `rare_zipf`."""

    kind: str
    q: str
    top: list[Top]
    english: bool
    known: dict[float, float | None]


RARE_ZIPF = (0.0, 2.5, 3.0, 3.5)


def signals(directory: Path, split: str) -> list[Signals]:
    searcher = Searcher.open(directory)
    cfg = AnswerConfig()
    terms = TermStats.of(searcher.chunks)
    out = []
    for item in load_questions().select(split).items:
        if item.category == NOANSWER:
            head = item.note.split(":", 1)[0].strip()
            kind = head if head in ("offtopic", "neardomain") else "overig"
        else:
            kind = "answerable"
        hits = searcher.search(item.q, k=max(cfg.k, cfg.evidence_k), filters=Filters())
        dense = [h.dense_score for h in hits if h.dense_score is not None]
        lexical = [h.bm25_score for h in hits if h.bm25_score is not None]
        top = [Top(max(dense) if dense else None, max(lexical) if lexical else None)] if hits else []
        known = {z: terms.known_share(item.q, z) for z in RARE_ZIPF}
        out.append(Signals(kind, item.q, top, is_english(item.q), known))
    return out


class _Fixed:
    """TermStats stand-in that answers `known_share` from a question's precomputed shares."""

    def __init__(self, item: Signals) -> None:
        self.item = item

    def known_share(self, question: str, rare_zipf: float = 0.0) -> float | None:
        return self.item.known[rare_zipf]


def judged(items: list[Signals], cfg: EvidenceConfig, embedder: str) -> dict[str, list[bool]]:
    """kind -> [relevant?] with the real rule (`judge_evidence`)."""
    kept: dict[str, list[bool]] = {}
    for it in items:
        verdict = judge_evidence(it.top, cfg, embedder, it.q, cast(TermStats, _Fixed(it)))
        kept.setdefault(it.kind, []).append(verdict.relevant)
    return kept


def rates(kept: dict[str, list[bool]]) -> dict[str, float | dict[str, int]]:
    def refused(kind: str) -> float:
        return 1 - float(np.mean(kept[kind])) if kept.get(kind) else float("nan")

    return {
        "accepted": float(np.mean(kept["answerable"])),
        "offtopic_refused": refused("offtopic"),
        "neardomain_refused": refused("neardomain"),
        "n": {k: len(v) for k, v in kept.items()},
    }


def grid_relevant(items: list[Signals]) -> tuple[list[EvidenceConfig], np.ndarray]:
    """Every grid setting and the rule's verdict per (setting, question), vectorised (the same rule
    as `judge_evidence` for the calibrated embedder; `main` checks the chosen one with the real rule)."""
    base = EvidenceConfig()
    dense = np.array([t.top[0].dense_score if t.top and t.top[0].dense_score is not None else -1.0 for t in items])
    bm25 = np.array([t.top[0].bm25_score if t.top and t.top[0].bm25_score is not None else -1.0 for t in items])
    english = np.array([t.english for t in items])
    has = np.array([bool(t.top) for t in items])
    configs: list[EvidenceConfig] = []
    rows: list[np.ndarray] = []
    for rare in RARE_ZIPF:
        known = np.array([np.nan if t.known[rare] is None else t.known[rare] for t in items])
        for dense_min, dense_sure, known_min, bm25_min in itertools.product(
            np.arange(0.80, 0.84, 0.005),  # dense_min
            np.arange(0.84, 0.93, 0.005),  # dense_sure
            np.arange(0.1, 0.95, 0.05),  # known_min
            (4.0, 6.0, 8.0, 10.0, 12.0, 15.0),  # bm25_min
        ):
            if dense_sure < dense_min:
                continue
            cfg = replace(
                base, dense_min=round(float(dense_min), 3), dense_sure=round(float(dense_sure), 3),
                known_min=round(float(known_min), 2), bm25_min=bm25_min, rare_zipf=rare,
            )
            floor = np.where(english, cfg.dense_min_english, cfg.dense_min)
            terms_ok = english | np.isnan(known) | (known >= cfg.known_min)
            relevant = has & (
                (bm25 >= cfg.bm25_min)
                | (dense >= np.maximum(cfg.dense_sure, floor))
                | ((dense >= floor) & terms_ok)
            )
            configs.append(cfg)
            rows.append(relevant)
    return configs, np.array(rows)


def choose(configs: list[EvidenceConfig], relevant: np.ndarray, kinds: np.ndarray, idx: np.ndarray) -> int | None:
    """Among the settings that accept ≥ ACCEPT_FLOOR of the answerable questions in `idx`, the one
    that refuses the most off-topic ones, then the most near-domain ones, then the loosest."""
    sub, k = relevant[:, idx], kinds[idx]
    accepted = sub[:, k == "answerable"].mean(axis=1)
    off = 1 - sub[:, k == "offtopic"].mean(axis=1)
    near = 1 - sub[:, k == "neardomain"].mean(axis=1)
    best, key = None, None
    for n in np.flatnonzero(accepted >= ACCEPT_FLOOR):
        cfg = configs[n]
        this = (off[n], near[n], -cfg.rare_zipf, -cfg.dense_sure, -cfg.known_min)
        if key is None or this > key:
            best, key = int(n), this
    return best


def label(cfg: EvidenceConfig) -> str:
    return (f"dense_min={cfg.dense_min} dense_sure={cfg.dense_sure} known_min={cfg.known_min} "
            f"bm25_min={cfg.bm25_min} rare_zipf={cfg.rare_zipf}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    directory = args.index or ensure_report_index(REPO / "bench-work" / "report")
    embedder = Searcher.open(directory).embedder_name
    items = signals(directory, args.split)
    print("current defaults:", rates(judged(items, EvidenceConfig(), embedder)))
    if args.split == "test":
        return
    configs, relevant = grid_relevant(items)
    kinds = np.array([t.kind for t in items])
    # cross-validation over dev folds: choose on the other folds, count on the held-out one
    rng = np.random.default_rng(0)
    folds = np.array_split(rng.permutation(len(items)), args.folds)
    held = np.zeros(len(items), dtype=bool)
    for k, fold in enumerate(folds):
        train = np.setdiff1d(np.arange(len(items)), fold)
        n = choose(configs, relevant, kinds, train)
        if n is None:
            print(f"fold {k + 1}: no setting accepts {ACCEPT_FLOOR:.0%}")
            continue
        held[fold] = relevant[n, fold]
        print(f"fold {k + 1}: {label(configs[n])}")
    cv = {kind: held[kinds == kind] for kind in ("answerable", "offtopic", "neardomain")}
    print(f"cross-validated on dev: accepted {cv['answerable'].mean():.3f}, offtopic refused "
          f"{1 - cv['offtopic'].mean():.3f}, neardomain refused {1 - cv['neardomain'].mean():.3f}")
    n = choose(configs, relevant, kinds, np.arange(len(items)))
    if n is None:
        print(f"no setting accepts {ACCEPT_FLOOR:.0%} of the answerable questions")
        return
    print("chosen on all of dev:", label(configs[n]))
    print("rates (judge_evidence):", rates(judged(items, configs[n], embedder)))


if __name__ == "__main__":
    main()
