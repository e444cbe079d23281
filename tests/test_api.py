"""The JSON API (app/api.py) on the real report: every endpoint, bad input in Dutch, the body limit
and the login rules, through FastAPI's TestClient on exactly the routes the chat process mounts."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette

from citaat.app.api import api_routes, create_api
from citaat.app.config import AnswerConfig
from citaat.app.service import Answerer
from citaat.index.search import Filters

QUESTION = "Wat maakt samenwerking in de bedrijfsvoering succesvol?"


@pytest.fixture(scope="module")
def answerer(report_index) -> Answerer:
    from citaat.index.search import Searcher

    return Answerer(Searcher.open(report_index), AnswerConfig())


def _client(answerer: Answerer, **kwargs) -> TestClient:
    return TestClient(Starlette(routes=api_routes(create_api(answerer, **kwargs))))


@pytest.fixture(scope="module")
def client(answerer) -> TestClient:
    return _client(answerer)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


# ---------------------------------------------------------------------------- endpoints


def test_ask_returns_the_citaat_ask_object(client, answerer):
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == json.loads(json.dumps(answerer.answer(QUESTION).to_dict()))
    assert body["sources"] and body["answer"] and body["mode"] == "extractive"
    # every quoted source text is verbatim text of its chunk
    for src in body["sources"]:
        chunk = client.get(f"/api/chunks/{src['id']}").json()
        assert " ".join(src["text"].split()) in " ".join(chunk["text"].split())


def test_ask_with_respondent_filter_and_history(client, answerer):
    code = answerer.respondents()[0]
    r = client.post("/api/ask", json={"question": "Wat zegt deze respondent?", "respondents": [code.lower()]})
    assert r.status_code == 200, r.text
    assert all(code in s["respondents"] for s in r.json()["sources"])
    expected = answerer.answer("En over personeel?", [QUESTION], Filters()).to_dict()
    r = client.post("/api/ask", json={"question": "En over personeel?", "history": [QUESTION]})
    assert r.json() == json.loads(json.dumps(expected))


def test_search_returns_hit_objects(client, answerer):
    r = client.post("/api/search", json={"query": "vertrouwen tussen gemeenten", "k": 4})
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    expected = [h.to_dict() for h in answerer.searcher.search("vertrouwen tussen gemeenten", k=4)]
    assert hits == json.loads(json.dumps(expected)) and len(hits) == 4
    r = client.post("/api/search", json={"query": "vertrouwen", "k": 5, "kind": "quote"})
    assert r.status_code == 200 and {h["kind"] for h in r.json()["hits"]} == {"quote"}
    code = answerer.respondents()[1]
    r = client.post("/api/search", json={"query": "samenwerking", "respondents": [code]})
    assert r.json()["hits"] and all(code in h["respondents"] for h in r.json()["hits"])


def test_chunks_respondents_health_docs(client, answerer):
    chunk = answerer.searcher.chunks[3]
    r = client.get(f"/api/chunks/{chunk.id}")
    assert r.status_code == 200 and r.json() == json.loads(json.dumps(chunk.to_dict()))
    r = client.get("/api/respondents")
    assert r.json() == {"respondents": answerer.respondents()} and "R13" in r.json()["respondents"]
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["chunks"] == len(answerer.searcher.chunks)
    r = client.get("/docs", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/api/docs"
    assert "swagger" in client.get("/api/docs").text.lower()
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/ask", "/search", "/chunks/{chunk_id}", "/respondents"} <= set(paths)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/ask", {"question": "   "}, 422, "'question' is leeg"),
        ("/api/ask", {"question": "vraag " * 400}, 422, "langer dan 1000 tekens"),
        ("/api/ask", {}, 422, "'question' ontbreekt"),
        ("/api/ask", {"question": 5}, 422, "'question' moet tekst zijn"),
        ("/api/ask", {"question": "Wat?", "respondents": ["R999"]}, 404, "R999 komt in de index niet voor"),
        ("/api/ask", {"question": "Wat?", "respondents": ["iemand"]}, 422, "geen respondentcode"),
        ("/api/ask", {"question": "Wat?", "vraag": "x"}, 422, "'vraag' bestaat niet"),
        ("/api/search", {"query": "x", "k": 0}, 422, "'k' moet tussen 1 en 100"),
        ("/api/search", {"query": "x", "k": 1000}, 422, "'k' moet tussen 1 en 100"),
        ("/api/search", {"query": "x", "k": "veel"}, 422, "'k' moet een geheel getal zijn"),
        ("/api/search", {"query": "x", "kind": "roman"}, 422, "soort 'roman' bestaat niet"),
    ],
)
def test_bad_input_gets_a_dutch_4xx(client, path, body, status, words):
    r = client.post(path, json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_bad_json_unknown_chunk_and_oversized_body(client):
    r = client.post("/api/ask", content=b"{niet json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "geen geldig JSON" in r.json()["detail"]
    r = client.get("/api/chunks/bestaat-niet")
    assert r.status_code == 404 and "bestaat niet" in r.json()["detail"]
    big = json.dumps({"question": "x", "history": ["a" * 1000] * 80})
    r = client.post("/api/ask", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "groter dan 64 kB" in r.json()["detail"]

    def chunked():  # no Content-Length: the limit holds while reading
        for _ in range(80):
            yield b"a" * 1000

    r = client.post("/api/ask", content=chunked(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# ---------------------------------------------------------------------------- login


def test_login_required_when_the_chat_has_one(answerer):
    client = _client(answerer, auth=("onderzoeker", "geheim"))
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 401
    r = client.get("/api/respondents", headers=_basic("onderzoeker", "fout"))
    assert r.status_code == 401 and "inloggen vereist" in r.json()["detail"]
    assert r.headers["www-authenticate"].startswith("Basic")
    assert client.get("/api/respondents", headers=_basic("iemand", "geheim")).status_code == 401
    assert client.get("/api/respondents", headers=_basic("onderzoeker", "geheim")).status_code == 200
    r = client.post("/api/search", json={"query": "vertrouwen"}, headers=_basic("onderzoeker", "geheim"))
    assert r.status_code == 200 and r.json()["hits"]
    assert client.get("/health").status_code == 200  # a load balancer's probe needs no login


def test_page_session_counts_as_login(answerer):
    client = _client(answerer, auth=("u", "p"), session_user=lambda req: "u" if req.cookies.get("s") == "ok" else None)
    client.cookies.set("s", "nee")
    assert client.get("/api/respondents").status_code == 401
    client.cookies.set("s", "ok")
    assert client.get("/api/respondents").status_code == 200


def test_open_without_login(client):
    assert client.get("/api/respondents").status_code == 200


def test_concurrent_requests_answer_as_sequential_ones(client, answerer):
    """No lock around searches: parallel asks and searches give exactly the sequential results."""
    from concurrent.futures import ThreadPoolExecutor

    questions = ["Hoe belangrijk is vertrouwen tussen gemeenten?", "Welke risico's noemen ze bij ICT?",
                 "Wat zegt R13 over de blauwe aanpak?", "Welke rol speelt de gemeenteraad?"] * 3
    expected = [json.loads(json.dumps(answerer.answer(q).to_dict())) for q in questions]
    searched = [[h.to_dict() for h in answerer.searcher.search(q, k=8)] for q in questions]
    with ThreadPoolExecutor(8) as pool:
        asked = list(pool.map(lambda q: client.post("/api/ask", json={"question": q}).json(), questions))
        found = list(pool.map(lambda q: client.post("/api/search", json={"query": q, "k": 8}).json(), questions))
    assert asked == expected
    assert [f["hits"] for f in found] == json.loads(json.dumps(searched))


class _Counting:
    """An answerer stand-in that counts answers and lets a test swap the searcher (as an upload does)."""

    def __init__(self, real: Answerer) -> None:
        self.real, self.calls, self.llm = real, 0, None
        self.searcher, self.config = real.searcher, real.config

    def answer(self, *args, **kwargs):
        self.calls += 1
        return self.real.answer(*args, **kwargs)

    def respondents(self) -> list[str]:
        return self.real.respondents()

    @property
    def index(self) -> object:  # the swappable index, as Answerer.index
        return self.searcher

    def prefetch(self, question: str) -> None:
        self.real.prefetch(question)


def test_a_repeated_question_is_answered_once_until_the_index_changes(answerer):
    import copy

    counting = _Counting(answerer)
    api = create_api(counting, cache_size=8)  # type: ignore[arg-type]
    client = TestClient(Starlette(routes=api_routes(api)))
    first = client.post("/api/ask", json={"question": QUESTION})
    again = client.post("/api/ask", json={"question": QUESTION})
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and counting.calls == 1
    assert api.state.answer_cache.hits == 1
    # another history or filter is another answer
    client.post("/api/ask", json={"question": QUESTION, "history": ["Hoe ging de harmonisatie van systemen?"]})
    assert counting.calls == 2
    # a new searcher (an upload swapped the index in): answered again, on the new index
    counting.searcher = copy.copy(answerer.searcher)
    client.post("/api/ask", json={"question": QUESTION})
    assert counting.calls == 3
    # the same searcher with another published version: answered again
    counting.searcher.version = "v-nieuw"
    client.post("/api/ask", json={"question": QUESTION})
    assert counting.calls == 4


def test_no_cache_with_a_language_model_or_size_zero(answerer):
    counting = _Counting(answerer)
    client = TestClient(Starlette(routes=api_routes(create_api(counting, cache_size=0))))  # type: ignore[arg-type]
    for _ in range(2):
        client.post("/api/ask", json={"question": QUESTION})
    assert counting.calls == 2
    counting = _Counting(answerer)
    counting.llm = object()  # any model (the answer itself stays extractive here): its answers need not repeat
    client = TestClient(Starlette(routes=api_routes(create_api(counting, cache_size=8))))  # type: ignore[arg-type]
    for _ in range(2):
        client.post("/api/ask", json={"question": QUESTION})
    assert counting.calls == 2


def test_concurrent_misses_of_one_answer_compute_it_once():
    import threading

    from citaat.app.api import AnswerCache

    cache, calls, started = AnswerCache(4), [], threading.Event()
    searcher = object()

    def compute() -> bytes:
        calls.append(1)
        started.set()
        threading.Event().wait(0.2)  # long enough for the others to arrive
        return b"{}"

    results: list[bytes] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", searcher, compute)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", searcher, compute)))
              for _ in range(5)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(10)
    assert results == [b"{}"] * 6 and len(calls) == 1
