"""Warm `citaat ask` latency on dev questions: the number to compare two versions of the answer by.

    python -m citaat.benchmarks.bench_ask_latency [--index DIR] [--n 120]

Opens the index once, embeds every sentence ahead (`Answerer.warm`), answers five questions to
warm the caches, then times the answers to the first `n` answerable dev questions (each new to
the process). Run it in a checkout of each version, alternately, on a quiet machine: only
differences measured in one sitting mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from citaat.app.config import AnswerConfig
from citaat.app.service import Answerer
from citaat.eval.dataset import NOANSWER, load_questions
from citaat.index.search import Searcher

from .common import REPO, ensure_report_index


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--n", type=int, default=120)
    args = parser.parse_args(argv)
    directory = args.index or ensure_report_index(REPO / "bench-work" / "report")
    answerer = Answerer(Searcher.open(directory), AnswerConfig())
    answerer.warm()
    questions = [i.q for i in load_questions().select("dev") if i.category != NOANSWER][: args.n]
    for q in questions[:5]:
        answerer.answer(q)
    ms = []
    for q in questions:
        t = time.perf_counter()
        answerer.answer(q)
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    print(f"warm ask: p50 {statistics.median(ms):.1f} ms, p90 {ms[int(0.9 * len(ms))]:.1f} ms (n={len(ms)})")


if __name__ == "__main__":
    main()
