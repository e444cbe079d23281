"""Load on the running chat app: 20 concurrent sessions × 5 questions on loopback, zero errors.

The app runs as `citaat chat` in a child process (extractive mode, no language model) on the
report and the example transcripts; benchmarks/load_test.py drives it through the chat endpoint
with one HTTP connection per session (Gradio's REST protocol; `gradio_client` is the other option). The run is bounded: exactly 100 requests, and it stops after
`MAX_SECONDS` whatever happens. Latencies are printed, not asserted (the machine is shared).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from citaat.benchmarks import load_test as lt

pytestmark = pytest.mark.bench

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "transcripts"
MAX_SECONDS = 480.0




@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, report_pdf: Path) -> Path:
    from citaat.index.build import build_index
    from citaat.ingest.pipeline import IngestConfig, ingest_paths

    out = tmp_path_factory.mktemp("load") / "data"
    res = ingest_paths([report_pdf, EXAMPLES], out, IngestConfig(progress=False))
    assert not res.failed
    build_index(out, progress=False)
    return out


@pytest.fixture(scope="module")
def app_url(index_dir: Path):
    port = lt.free_port()
    proc = lt.start_app(index_dir, port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        lt.stop_app(proc)


def test_twenty_sessions_five_questions_without_errors(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    res = lt.run_load(app_url, sessions=20, questions_per_session=5, request_timeout=240, max_seconds=MAX_SECONDS)
    s = res.summary()
    with capsys.disabled():
        # a freshly built index: the first questions embed their sentences (docs/benchmarks.md, "Koude start")
        print(f"\n[load, cold index] {s['requests']} requests, {s['errors']} errors, p50 {s['p50_ms'] / 1000:.2f} s, "
              f"p95 {s['p95_ms'] / 1000:.2f} s, max {s['max_ms'] / 1000:.2f} s, {s['throughput_qps']:.1f} q/s, "
              f"{s['wall_s']:.0f} s")
    assert res.errors == 0, res.error_samples
    assert res.requests == res.ok == 100
    assert 0 < s["p50_ms"] <= s["p95_ms"]


def test_follow_up_questions_stay_in_their_own_session(app_url: str) -> None:
    """Two clients at once: each one's second answer sees only its own first question."""
    from gradio_client import Client

    a, b = Client(app_url, verbose=False), Client(app_url, verbose=False)
    a.predict("Hoe belangrijk is vertrouwen tussen gemeenten?", api_name="/vraag")
    b.predict("Welke risico's noemen de geïnterviewden bij ICT?", api_name="/vraag")
    out_a = a.predict("En over personeel?", api_name="/vraag")
    users = [m for m in out_a[0] if m["role"] == "user"]
    texts = [" ".join(p.get("text", "") for p in m["content"]) if isinstance(m["content"], list) else m["content"]
             for m in users]
    assert texts == ["Hoe belangrijk is vertrouwen tussen gemeenten?", "En over personeel?"]


def test_the_lean_client_gets_the_answers_gradio_client_gets(app_url: str) -> None:
    """The same conversation (a question and a follow-up) through the REST/SSE client and through
    gradio_client, each in its own session: the same final answers."""
    import asyncio
    import uuid

    import aiohttp
    from gradio_client import Client

    questions = ["Hoe belangrijk is vertrouwen tussen gemeenten?", "En over personeel?"]
    official = Client(app_url, verbose=False)
    expected = [lt.answer_text(official.predict(q, api_name="/vraag")) for q in questions]

    async def lean() -> list[str]:
        rest = lt._chat_defaults(app_url, 30)
        session = uuid.uuid4().hex
        async with aiohttp.ClientSession() as http:
            return [lt.answer_text(await lt.ask_chat(http, app_url.rstrip("/"), q, session, rest)) for q in questions]

    got = asyncio.run(lean())
    assert got == expected and all(a.strip() for a in got)
    assert got[0] != got[1]  # the follow-up is answered in its conversation, not as the first question again


def test_both_clients_run_the_load_without_errors(app_url: str) -> None:
    for client in lt.CLIENTS:
        res = lt.run_load(app_url, sessions=2, questions_per_session=2, client=client, max_seconds=120)
        assert res.requests == res.ok == 4, (client, res.error_samples)


@pytest.mark.parametrize("client", lt.CLIENTS)
def test_a_dead_server_counts_every_request_as_an_error(client: str) -> None:
    """The zero-errors check can fail: with nothing listening every request is an error, quickly."""
    res = lt.run_load(f"http://127.0.0.1:{lt.free_port()}/", sessions=2, questions_per_session=3,
                      request_timeout=5, max_seconds=30, client=client)
    assert res.requests == 6 and res.errors == 6 and res.ok == 0


@pytest.mark.parametrize("url", ["http://10.1.2.3:7860/", "http://192.168.1.5/", "http://example.org/",
                                 "http://8.8.8.8:80/"])
def test_only_loopback_targets_are_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        lt.run_load(url, sessions=1, questions_per_session=1)


@pytest.mark.parametrize("url", ["http://127.0.0.1:1/", "http://localhost:1/", "http://[::1]:1/", "http://127.3.4.5:1/"])
def test_loopback_targets_pass_the_check(url: str) -> None:
    lt.check_loopback(url)


def test_answer_text_reads_the_last_assistant_message() -> None:
    out = ([{"role": "user", "content": "v"}, {"role": "assistant", "content": [{"type": "text", "text": "antwoord"}]}],)
    assert lt.answer_text(out) == "antwoord"
    assert lt.answer_text(([],)) == ""


def test_api_fifty_clients_ten_questions_without_errors(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON API of the same process: 50 clients × 10 POST /api/ask, every answer with text."""
    from citaat.benchmarks.api_load_test import run_api_load

    res = run_api_load(app_url, clients=50, questions_per_client=10, max_seconds=MAX_SECONDS)
    s = res.summary()
    with capsys.disabled():
        print(f"\n[api load] {s['requests']} requests, {s['errors']} errors, p50 {s['p50_ms']:.0f} ms, "
              f"p95 {s['p95_ms']:.0f} ms, {s['throughput_qps']:.1f} q/s")
    assert res.errors == 0, res.error_samples
    assert res.requests == res.ok == 500
