"""Answer benchmark: the extractive answer of every question of one split, its quality and its speed.

    python -m citaat.benchmarks.bench_answers --split dev [--index DIR] [--out answers-dev.jsonl]

Opens the index once (the report's, ingested into ./bench-work/report unless --index is given),
embeds every sentence of the corpus ahead (`Answerer.warm`, what the chat does in the background)
and answers each question once: the time per question is a warm `citaat ask` (model loaded,
sentence vectors cached, the question itself new). Writes the answers as `citaat ask --json`
lines and prints the answer metrics of citaat.eval.answers and the latency p50 / p95.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from citaat.app.config import AnswerConfig
from citaat.app.service import Answerer
from citaat.eval.answers import format_answer_report, score_answers
from citaat.eval.dataset import load_questions
from citaat.index.search import Searcher
from citaat.index.stats import latency_summary

from .common import REPO, ensure_report_index


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    directory = args.index or ensure_report_index(REPO / "bench-work" / "report")
    qset = load_questions().select(args.split)
    answerer = Answerer(Searcher.open(directory), AnswerConfig())
    t0 = time.perf_counter()
    answerer.warm()
    warm_s = time.perf_counter() - t0
    answers: dict[str, dict[str, object]] = {}
    ms: list[float] = []
    extractive_ms: list[float] = []
    lines = []
    for item in qset:
        t = time.perf_counter()
        answer = answerer.answer(item.q)
        elapsed = (time.perf_counter() - t) * 1000
        ms.append(elapsed)
        if answer.mode == "extractive":
            extractive_ms.append(elapsed)
        obj = answer.to_dict(item.id)
        answers[item.id] = obj
        lines.append(json.dumps(obj, ensure_ascii=False))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = score_answers(qset, answers)
    print(format_answer_report(result, f"Antwoorden ({args.split}, {len(qset)} vragen)"))
    lat = latency_summary(extractive_ms)
    all_lat = latency_summary(ms)
    print(
        f"\nwarm-up (alle zinnen inbedden): {warm_s:.1f} s\n"
        f"extractief antwoord, warm: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms (n={len(extractive_ms)}); "
        f"alle antwoorden incl. weigeringen: p50 {all_lat['p50']:.1f} ms"
    )


if __name__ == "__main__":
    main()
