"""Answer benchmark: the extractive answer of every question of one split, its quality and its speed.

    python -m lab.bench_answers --split dev [--index DIR] [--out answers.jsonl] [--json eval/figures/answers-dev.json]

Opens the index once (the report's, ingested into ./bench-work/report unless --index is given),
embeds every sentence of the corpus ahead (`Answerer.warm`, what the chat does in the background)
and answers each question once: the time per question is a warm `citaat ask` (model loaded,
sentence vectors cached, the question itself new). Writes the answers as `citaat ask --json`
lines and prints the answer metrics of citaat.eval.answers (lead@1/lead@3, length, duplicates,
apparatus, per shape) and the latency p50 / p95. Beside lead@1/lead@3 it prints the search's own
Hit@1/Hit@3 on the same questions, judged the same way (a gold snippet in the hit's text), and the
follow-up accuracy on the two-turn dialogues of the split (eval/data/dialogues.jsonl).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from citaat.app.config import AnswerConfig
from citaat.app.service import Answerer
from citaat.benchmarks.common import REPO, ensure_report_index
from citaat.eval.answers import contains_snippet, format_answer_report, load_dialogues, score_answers, score_dialogues
from citaat.eval.dataset import load_questions
from citaat.index.search import Searcher
from citaat.index.stats import latency_summary
from citaat.ingest.fsio import atomic_write_text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="the figures (no timings) for eval/figures/")
    args = parser.parse_args(argv)

    directory = args.index or ensure_report_index(REPO / "bench-work" / "report")
    qset = load_questions().select(args.split)
    answerer = Answerer(Searcher.open(directory), AnswerConfig())
    t0 = time.perf_counter()
    answerer.warm()
    warm_s = time.perf_counter() - t0
    answers: dict[str, dict[str, object]] = {}
    search_hits: list[list[bool]] = []
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
        if item.answerable:  # the search's own ranking, judged as the answer's excerpts are
            hits = answerer.searcher.search(answer.query or item.q, k=3, filters=answer.filters)
            search_hits.append([contains_snippet(item, h.text) for h in hits])
        lines.append(json.dumps(obj, ensure_ascii=False))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = score_answers(qset, answers)
    print(format_answer_report(result, f"Antwoorden ({args.split}, {len(qset)} vragen)"))
    n = len(search_hits)
    hit1 = sum(any(h[:1]) for h in search_hits) / n if n else 0.0
    hit3 = sum(any(h[:3]) for h in search_hits) / n if n else 0.0
    print(
        f"\nzoeken op dezelfde vragen (snippet in de treffer): Hit@1 {hit1:.3f}, Hit@3 {hit3:.3f} (n={n}); "
        f"antwoord: lead@1 {result['lead@1']:.3f}, lead@3 {result['lead@3']:.3f}"
    )
    dialogues = [d for d in load_dialogues() if args.split == "all" or d["split"] == args.split]
    turns = {d["id"]: answerer.answer(d["q"], history=d["history"]).to_dict(d["id"]) for d in dialogues}
    follow = score_dialogues(dialogues, turns)
    print(f"vervolgvragen: {follow['followup_accuracy']} goed herkend (n={follow['n']}; fout: {follow['wrong']})")
    if args.json:  # the recorded figures docs/benchmarks.md is generated from (eval/figures.py)
        record = {**result, "search_hit@1": round(hit1, 4), "search_hit@3": round(hit3, 4)}
        record["followup_accuracy"] = follow["followup_accuracy"]
        record["followup_n"] = follow["n"]
        atomic_write_text(args.json, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    lat = latency_summary(extractive_ms)
    all_lat = latency_summary(ms)
    print(
        f"\nwarm-up (alle zinnen inbedden): {warm_s:.1f} s\n"
        f"extractief antwoord, warm: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms (n={len(extractive_ms)}); "
        f"alle antwoorden incl. weigeringen: p50 {all_lat['p50']:.1f} ms"
    )


if __name__ == "__main__":
    main()
