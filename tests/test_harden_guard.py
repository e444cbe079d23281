"""Issue 21, attacks 2, 4, 5, 8 and the small ones at the HTTP edge: the guard (app/guard.py) in
front of a stand-in app (unit level), and the real chat process's every route with a plain HTTP
client (nothing before login, Origin/Host, body limits, CSP)."""

from __future__ import annotations

import base64
import re
import socket
import time
from types import SimpleNamespace

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from citaat.app.guard import CSP, Guard, GuardPolicy, LoginThrottle

AUTH = ("onderzoeker", "geheim-wachtwoord")


def _stand_in(policy: GuardPolicy) -> tuple[TestClient, SimpleNamespace, Guard]:
    """A tiny app with Gradio's login contract (POST /login sets access-token-<id>) behind the guard."""
    server = SimpleNamespace(tokens={}, cookie_id="abc")
    demo = SimpleNamespace(app=server)

    async def login(request):
        form = await request.form()
        if (form.get("username"), form.get("password")) != AUTH:
            return JSONResponse({"detail": "Incorrect credentials."}, status_code=400)
        token = f"tok{len(server.tokens)}"
        server.tokens[token] = form["username"]
        response = JSONResponse({"success": True})
        response.set_cookie("access-token-abc", token)
        return response

    async def page(request):  # what Gradio's page would embed: respondent codes
        return PlainTextResponse("R13 R4 organisatie: Drechtsteden")

    async def echo(request):
        return PlainTextResponse(str(len(await request.body())))

    routes = [Route("/login", login, methods=["POST"]), Route("/", page), Route("/gradio_api/info", page),
              Route("/gradio_api/queue/join", echo, methods=["POST"]), Route("/gradio_api/upload", echo, methods=["POST"]),
              Route("/logout", page)]
    app = Starlette(routes=routes)
    guard = Guard(app, policy, demo=demo)
    return TestClient(guard, base_url="http://127.0.0.1:7860"), server, guard


def test_before_login_only_the_plain_login_page_is_served():
    client, _, _ = _stand_in(GuardPolicy(auth=AUTH))
    r = client.get("/")
    assert r.status_code == 200 and "R13" not in r.text and "Drechtsteden" not in r.text
    assert 'name="password"' in r.text and "<script" not in r.text and 'lang="nl"' in r.text
    assert client.get("/gradio_api/info").status_code == 401
    assert "inloggen vereist" in client.get("/gradio_api/info").json()["detail"]


def test_login_by_form_then_content_and_basic_auth():
    client, server, _ = _stand_in(GuardPolicy(auth=AUTH))
    r = client.post("/login", data={"username": AUTH[0], "password": AUTH[1]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "./" and server.tokens
    assert "R13" in client.get("/").text  # the session cookie now opens the page
    fresh, _, _ = _stand_in(GuardPolicy(auth=AUTH))
    basic = {"Authorization": "Basic " + base64.b64encode(f"{AUTH[0]}:{AUTH[1]}".encode()).decode()}
    assert fresh.get("/gradio_api/info", headers=basic).status_code == 200
    wrong = fresh.post("/login", data={"username": AUTH[0], "password": "fout"}, follow_redirects=False)
    assert wrong.status_code == 303 and wrong.headers["location"] == "./?fout=1"
    assert "klopt niet" in fresh.get("/?fout=1").text


def test_failed_logins_are_throttled_with_back_off_even_for_the_right_password():
    client, _, _ = _stand_in(GuardPolicy(auth=AUTH, free_attempts=3))
    for _ in range(3):
        client.post("/login", data={"username": AUTH[0], "password": "gok"}, follow_redirects=False)
    r = client.post("/login", data={"username": AUTH[0], "password": AUTH[1]}, follow_redirects=False)
    assert r.status_code == 429 and "te veel mislukte inlogpogingen" in r.json()["detail"]
    assert int(r.headers["retry-after"]) >= 1


def test_throttle_doubles_the_wait_and_a_success_clears_it():
    now = [0.0]
    throttle = LoginThrottle(free=2, max_wait=10, clock=lambda: now[0])
    waits = []
    for _ in range(6):
        throttle.failed("c")
        waits.append(throttle.wait("c"))
    assert waits == [0.0, 1.0, 2.0, 4.0, 8.0, 10.0]
    throttle.succeeded("c")
    assert throttle.wait("c") == 0.0


def test_sessions_expire():
    client, server, guard = _stand_in(GuardPolicy(auth=AUTH, session_hours=1))
    client.post("/login", data={"username": AUTH[0], "password": AUTH[1]}, follow_redirects=False)
    assert "R13" in client.get("/").text
    token = next(iter(server.tokens))
    guard._born[token] = time.time() - 3601  # the login was over an hour ago
    assert "R13" not in client.get("/").text and token not in server.tokens


def test_other_websites_and_foreign_hosts_are_refused_in_loopback_mode():
    client, _, _ = _stand_in(GuardPolicy(auth=None, loopback=True))
    evil = {"Origin": "http://evil.example"}
    r = client.post("/gradio_api/upload", content=b"x" * 1000, headers=evil)
    assert r.status_code == 403 and "andere website" in r.json()["detail"]
    assert client.post("/gradio_api/upload", content=b"x", headers={"Origin": "http://127.0.0.1:7860"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 403
    assert client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get("/").status_code == 200  # a normal visit


def test_bodies_are_bounded_except_uploads():
    client, _, _ = _stand_in(GuardPolicy(auth=None, max_body_bytes=1024))
    r = client.post("/gradio_api/queue/join", content=b"x" * 5000)
    assert r.status_code == 413 and "groter dan 1 kB" in r.json()["detail"]
    assert client.post("/gradio_api/upload", content=b"x" * 5000).text == "5000"


def test_every_response_carries_the_content_security_policy():
    client, _, _ = _stand_in(GuardPolicy(auth=None))
    r = client.get("/")
    assert r.headers["content-security-policy"] == CSP and "default-src 'self'" in CSP
    assert r.headers["referrer-policy"] == "same-origin"


# ---------------------------------------------------------------------------- the real process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(report_index, monkeypatch_module):
    """The chat (page + API) on the report index with a login, in this process."""
    from citaat.app.config import AnswerConfig, ServeConfig
    from citaat.app.service import Answerer
    from citaat.app.ui import build_app, launch
    from citaat.index.search import Searcher

    monkeypatch_module.setenv("CITAAT_TEST_PASSWORD", AUTH[1])
    answerer = Answerer(Searcher.open(report_index), AnswerConfig())
    serve = ServeConfig(port=_free_port(), user=AUTH[0], password_env="CITAAT_TEST_PASSWORD")
    demo = build_app(answerer, data_dir=None)
    launch(demo, serve, block=False, quiet=True, answerer=answerer)
    try:
        yield f"http://127.0.0.1:{serve.port}", demo, answerer
    finally:
        demo.close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_no_route_serves_content_before_login(served):
    url, demo, answerer = served
    codes = answerer.respondents()
    titles = {s for c in answerer.searcher.chunks for s in c.section if len(s) > 12}
    paths = {"/", "/config", "/gradio_api/info", "/gradio_api/openapi.json", "/api/openapi.json", "/api/docs",
             "/api/respondents", "/health", "/docs"}
    paths |= {_concrete(getattr(r, "path", "")) for r in demo.app.routes if getattr(r, "path", "")}
    with httpx.Client(base_url=url, timeout=30) as client:
        for path in sorted(paths):
            for method in ("GET", "POST"):
                r = client.request(method, path)
                body = r.text
                leaked = [c for c in codes if re.search(rf"\b{c}\b", body)] + [t for t in titles if t in body]
                assert not leaked, f"{method} {path} ({r.status_code}) leaks {leaked[:3]}"
                assert r.status_code in (200, 303, 401, 404, 405, 422), (method, path, r.status_code)
        # after logging in, the page is the app
        r = client.post("/login", data={"username": AUTH[0], "password": AUTH[1]})
        assert r.status_code == 303 and "R13" in client.get("/").text
        assert client.get("/").headers["content-security-policy"] == CSP


def test_the_chat_route_refuses_a_huge_question(served):
    url, _, _ = served
    with httpx.Client(base_url=url, timeout=30) as client:
        client.post("/login", data={"username": AUTH[0], "password": AUTH[1]})
        r = client.post("/gradio_api/queue/join", json={"data": ["x" * 200_000], "fn_index": 0, "session_hash": "s"})
        assert r.status_code == 413 and "groter dan 64 kB" in r.json()["detail"]


# ---------------------------------------------------------------------------- the JSON API's edges


@pytest.fixture(scope="module")
def api_client(report_index):
    from citaat.app.api import api_routes, create_api
    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.index.search import Searcher

    answerer = Answerer(Searcher.open(report_index), AnswerConfig())
    return TestClient(Starlette(routes=api_routes(create_api(answerer))))


def test_a_lone_surrogate_is_a_dutch_4xx_not_a_500(api_client):
    r = api_client.post("/api/ask", content=b'{"question": "vertrouwen \\ud800 x"}',
                        headers={"content-type": "application/json"})
    assert r.status_code == 422 and "ongeldige Unicode" in r.json()["detail"]
    r = api_client.post("/api/search", content=b'{"query": "\\udfff"}', headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_unparseable_bodies_and_unknown_paths_are_answered_in_dutch(api_client):
    r = api_client.post("/api/ask", content=b"question=x", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 422) and not re.search(r"[Tt]here was|error|Field", r.text)
    r = api_client.post("/api/ask", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and "error" not in r.text
    assert api_client.get("/api/bestaat-niet").json()["detail"] == "niet gevonden"
