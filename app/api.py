"""The JSON API for programs, served by the `citaat chat` process beside the page.

    api = create_api(answerer, auth=("user", "secret"))   # a FastAPI app; routes below
    routes = api_routes(api)    # what the chat mounts: /api/…, /health and /docs

Endpoints (paths as mounted; the OpenAPI description is at /api/openapi.json, the docs at /docs):

    POST /api/ask          {"question", "history"?, filters?}  -> the `citaat ask` object (Answer.to_dict)
    POST /api/search       {"query", "k"?, filters?}           -> {"q", "hits": [Hit.to_dict()]}
    (filters: "respondents", "rol", "organisatie", "attributes" ["NAAM=WAARDE"], "section", "kind",
    "doc": the CLI's filter options, parsed by app/requests.py with the same Dutch messages)
    GET  /api/chunks/{id}  -> the chunk as in chunks.jsonl
    GET  /api/respondents  -> {"respondents": ["R1", …]}
    GET  /health           -> {"status": "ok", "chunks": n, "embedder": name}; open without login

Login follows the page: when the chat runs with a login (`--user` and `--password-env`), every
/api call needs the same user and password as HTTP Basic auth, or the session cookie of a login on
the page; without a login (loopback only, `ServeConfig.check`) the API is open. Bad input gets a
4xx with a Dutch `detail`; bodies over `MAX_BODY_BYTES` are refused with 413 before they are read.

Answers and searches run on one worker thread in arrival order (`_on_worker`): the work holds the
GIL, so parallel threads only took turns and made the latency tail long; with a language model the
answer waits on the model server and runs in FastAPI's thread pool instead, in parallel. The login
check is a coroutine, so a request does not hop through the thread pool twice. Handlers return
their JSON object already encoded (`_json`): FastAPI's own path (a response model,
`jsonable_encoder` over every nested value, then encoding) cost more CPU than the extractive answer
itself (docs/lab/2026-11-30-latentie-na-profilering.md); the bytes are the same object.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citaat.index.records import Filters
from citaat.ingest.errors import CitaatError

from .question import clean_question
from .requests import AskRequest, SearchRequest, UnknownRespondent, known_respondents, parse_filters
from .service import Answerer

PREFIX = "/api"
MAX_BODY_BYTES = 64 * 1024  # a question is at most a few thousand characters; history adds a little
MAX_K = 100
MAX_HISTORY = 50
MAX_LIST = 100  # respondents per request
# encoded answers kept (AnswerCache); CITAAT_ANSWER_CACHE=0 turns the cache off
ANSWER_CACHE_SIZE = 256

SessionUser = Callable[[Request], str | None]

# CPU-bound work (extractive answers, searches) runs on one thread, first come first served: on the
# GIL more threads only take turns, and their switching made the latency tail long.
# CITAAT_API_WORKERS=N runs it on N threads, for measuring only: 2 gained nothing
# (docs/lab/2026-12-06-issue-24-echt-draaien.md).
API_WORKERS = 1


def _workers() -> int:
    raw = os.environ.get("CITAAT_API_WORKERS", "")
    return max(1, int(raw)) if raw.strip().isdigit() else API_WORKERS


_WORKER = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="citaat-api")


async def _on_worker(fn: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_WORKER, fn)


def _prefetch(answerer: Answerer, question: str, history: list[str]) -> None:
    """Start embedding a new question while its request waits for the worker: the query vectors of
    the requests in the queue are computed together, in the background, on another core."""
    if not history:
        q, _ = clean_question(question, answerer.config.max_question_chars)
        if q:
            answerer.prefetch(q)


# ---------------------------------------------------------------------- request bodies


class FilterBody(BaseModel):
    """The filters every endpoint that searches or answers takes (the CLI's options, app/requests.py)."""

    model_config = ConfigDict(extra="forbid")
    respondents: list[str] = Field(default_factory=list, max_length=MAX_LIST, description="Alleen deze respondenten.")
    rol: str | None = Field(None, description="Alleen respondenten met deze rol (respondentenlijst).")
    organisatie: str | None = Field(None, description="Alleen respondenten van deze organisatie.")
    attributes: list[str] = Field(
        default_factory=list, max_length=MAX_LIST, description="Respondentkenmerken NAAM=WAARDE, bv. rol=wethouder."
    )
    section: str | None = Field(None, description="Begin van een (sub)sectienaam.")
    kind: str | None = Field(None, description="quote, passage, table of turn.")
    doc: str | None = Field(None, description="Alleen dit document (bestandsnaam).")

    def filters(self, known: list[str]) -> Filters:
        """The request's Filters (RequestError for a bad value, UnknownRespondent for a code not in `known`)."""
        parsed = parse_filters(
            self.respondents, self.section, self.kind, self.doc, self.rol, self.organisatie, self.attributes
        )
        return known_respondents(parsed, known)


class AskBody(FilterBody):
    question: str = Field(description="De vraag, in het Nederlands.", examples=["Wat zegt R13 over vertrouwen?"])
    history: list[str] = Field(
        default_factory=list, max_length=MAX_HISTORY, description="Eerdere vragen van het gesprek, oudste eerst."
    )


class SearchBody(FilterBody):
    query: str = Field(description="Zoekwoorden of een vraag.", examples=["vertrouwen tussen gemeenten"])
    k: int = Field(10, description=f"Aantal resultaten (1–{MAX_K}).")


# ---------------------------------------------------------------------- responses

# what the OpenAPI description says the JSON handlers return (they build their Response themselves)
_OBJECT: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {"schema": {"type": "object"}}}}}


def _encode(obj: Any) -> bytes:
    """`obj` (plain JSON types: the records' to_dict()) as the bytes a JSONResponse would send."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _bytes(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _json(obj: Any) -> Response:
    """`obj` as a JSON response, encoded once, without FastAPI's response validation."""
    return _bytes(_encode(obj))


class AnswerCache:
    """The last `size` encoded /api/ask answers of the extractive mode, least recently used out.

    The extractive answer is a function of the question, the earlier questions, the filters and
    the index, so a repeated request gets the same bytes without answering again. The key holds
    the first three; an entry also remembers the searcher it was answered on and its published
    index version, and counts only while both are still the answerer's (after an upload the chat
    swaps in a new searcher: every older entry misses). With a language model nothing is cached
    (its answers need not repeat). `hits` and `misses` count lookups. Concurrent requests for the
    same missing answer compute it once (`get_or_compute`): the others wait for that one."""

    def __init__(self, size: int = ANSWER_CACHE_SIZE) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._entries: OrderedDict[Any, tuple[Any, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Any, threading.Event] = {}

    def get_or_compute(self, key: Any, searcher: Any, compute: Callable[[], bytes]) -> bytes:
        """The cached answer, or `compute()` once for all concurrent callers with this key and searcher."""
        body = self.get(key, searcher)
        if body is not None:
            return body
        flight_key = (key, id(searcher), _version_of(searcher))
        with self._lock:
            flight = self._flights.get(flight_key)
            leader = flight is None
            if flight is None:
                flight = self._flights[flight_key] = threading.Event()
        if not leader:
            flight.wait(timeout=120)
            body = self.get(key, searcher)
            return body if body is not None else compute()  # the first one failed: answer here
        try:
            body = compute()
            self.put(key, searcher, body)
            return body
        finally:
            with self._lock:
                self._flights.pop(flight_key, None)
            flight.set()

    def get(self, key: Any, searcher: Any) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is searcher and entry[1] == _version_of(searcher):
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[2]
            self.misses += 1
            return None

    def put(self, key: Any, searcher: Any, body: bytes) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (searcher, _version_of(searcher), body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _version_of(searcher: Any) -> str:
    return str(getattr(searcher, "version", "") or "")


def _cache_size() -> int:
    raw = os.environ.get("CITAAT_ANSWER_CACHE", "")
    return int(raw) if raw.strip().isdigit() else ANSWER_CACHE_SIZE


# ---------------------------------------------------------------------- errors


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def _dutch(error: dict[str, Any]) -> str:
    """One pydantic error as a Dutch sentence naming the field."""
    kind, name = error.get("type", ""), _field(tuple(error.get("loc", ())))
    if kind == "missing":
        return f"veld '{name}' ontbreekt"
    if kind == "extra_forbidden":
        return f"veld '{name}' bestaat niet"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "de body is geen geldig JSON-object"
    if kind in ("string_type",):
        return f"veld '{name}' moet tekst zijn"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"veld '{name}' moet een geheel getal zijn"
    if kind in ("list_type",):
        return f"veld '{name}' moet een lijst zijn"
    if kind == "too_long":
        return f"veld '{name}' is te lang"
    return f"veld '{name}' is ongeldig"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:  # noqa: ARG001
    assert isinstance(exc, RequestValidationError)
    return _problem(422, "; ".join(dict.fromkeys(_dutch(e) for e in exc.errors())) or "ongeldig verzoek")


# Starlette's and FastAPI's own English details, said in Dutch
_DUTCH_DETAILS = {
    "There was an error parsing the body": "de body kon niet gelezen worden (geen geldige JSON of UTF-8)",
    "Not Found": "niet gevonden",
    "Method Not Allowed": "deze methode is hier niet toegestaan",
}


async def _request_error(request: Request, exc: Exception) -> JSONResponse:  # noqa: ARG001
    """A bad filter or other value (app/requests.py): the same Dutch line as the CLI prints."""
    assert isinstance(exc, CitaatError)
    return _problem(404 if isinstance(exc, UnknownRespondent) else 422, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:  # noqa: ARG001
    assert isinstance(exc, StarletteHTTPException)
    detail = _DUTCH_DETAILS.get(str(exc.detail), exc.detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413, by header or while reading."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = _problem(413, f"het verzoek is groter dan {self.limit // 1024} kB")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await too_big(scope, receive, send)
            return
        # read the body (bounded) before the app sees it, then hand it on in one message
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(message), send)
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > self.limit:
                await too_big(scope, receive, send)
                return
        await self.app(scope, _replay({"type": "http.request", "body": bytes(body), "more_body": False}, receive), send)


def _replay(first: Message, then: Receive | None = None) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive


# ---------------------------------------------------------------------- the app


def create_api(
    answerer: Answerer,
    auth: tuple[str, str] | None = None,
    session_user: SessionUser | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    cache_size: int | None = None,
) -> FastAPI:
    """The API over one answerer. `auth` is the page's (user, password) or None for an open API;
    `session_user` (optional) names the user of a request logged in on the page, or None.
    `cache_size`: answers kept by `AnswerCache` (default CITAAT_ANSWER_CACHE or 256; 0: none)."""
    max_chars = answerer.config.max_question_chars
    api = FastAPI(
        title="Citaat API",
        summary="Vragen en zoeken in de geïndexeerde interviews, met letterlijke citaten.",
        version=_version(),
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(CitaatError, _request_error)
    api.add_middleware(BodyLimit, limit=max_body_bytes)
    basic = HTTPBasic(auto_error=False, realm="Citaat")

    async def login(request: Request, credentials: HTTPBasicCredentials | None = Depends(basic)) -> None:  # noqa: B008
        if auth is None:
            return
        if credentials is not None:
            user_ok = secrets.compare_digest(credentials.username.encode(), auth[0].encode())
            password_ok = secrets.compare_digest(credentials.password.encode(), auth[1].encode())
            if user_ok and password_ok:
                return
        elif session_user is not None and session_user(request) is not None:
            return
        raise HTTPException(
            401, "inloggen vereist: gebruik dezelfde gebruiker en hetzelfde wachtwoord als voor de chat",
            headers={"WWW-Authenticate": 'Basic realm="Citaat"'},
        )

    def text(value: str, name: str) -> str:
        if not _encodable(value):  # a lone surrogate ("\ud800") is valid JSON but no text
            raise HTTPException(422, f"veld '{name}' bevat ongeldige Unicode (een losse surrogaat)")
        value = value.strip()
        if not value:
            raise HTTPException(422, f"veld '{name}' is leeg")
        if len(value) > max_chars:
            raise HTTPException(422, f"veld '{name}' is langer dan {max_chars} tekens ({len(value)})")
        return value

    protected = [Depends(login)]

    cache = AnswerCache(_cache_size() if cache_size is None else cache_size)
    api.state.answer_cache = cache

    @api.post("/ask", dependencies=protected, summary="Beantwoord een vraag met geciteerde bronnen",
              response_class=Response, responses=_OBJECT)
    async def ask(body: AskBody) -> Response:
        question = text(body.question, "question")
        history = [h for h in (text(h, "history") if h.strip() else "" for h in body.history) if h]
        request = AskRequest(question, tuple(history), body.filters(answerer.respondents()))
        filters = request.filters

        def compute() -> bytes:
            return _encode(answerer.answer(request.question, list(request.history), request.filters).to_dict())

        if answerer.llm is not None:  # waits on the model server: the thread pool, in parallel
            return _bytes(await run_in_threadpool(compute))
        _prefetch(answerer, question, history)
        if cache.size <= 0:
            return _bytes(await _on_worker(compute))
        key = (question, tuple(history), filters)
        return _bytes(await _on_worker(lambda: cache.get_or_compute(key, answerer.index, compute)))

    @api.post("/search", dependencies=protected, summary="Zoek citaten en passages",
              response_class=Response, responses=_OBJECT)
    async def search(body: SearchBody) -> Response:
        query = text(body.query, "query")
        if not 1 <= body.k <= MAX_K:
            raise HTTPException(422, f"veld 'k' moet tussen 1 en {MAX_K} liggen (niet {body.k})")
        request = SearchRequest(query, body.filters(answerer.respondents()), k=body.k)

        def compute() -> bytes:
            hits = answerer.hits(request.query, k=request.k, filters=request.filters)
            return _encode({"q": request.query, "hits": [h.to_dict() for h in hits]})

        return _bytes(await _on_worker(compute))

    @api.get("/chunks/{chunk_id}", dependencies=protected, summary="Eén chunk, zoals in chunks.jsonl",
             response_class=Response, responses=_OBJECT)
    def chunk(chunk_id: str) -> Response:
        try:
            found = answerer.chunk(chunk_id)
        except KeyError:
            raise HTTPException(404, f"chunk {chunk_id!r} bestaat niet in deze index") from None
        return _json(found.to_dict())

    @api.get("/respondents", dependencies=protected, summary="De respondentcodes in de index")
    def respondents() -> dict[str, list[str]]:
        return {"respondents": answerer.respondents()}

    api.state.health = lambda: {
        "status": "ok",
        "chunks": len(answerer.chunks),
        "embedder": answerer.embedder_name,
    }
    return api


def api_routes(api: FastAPI) -> list[BaseRoute]:
    """The routes the chat process serves for programs: the API under /api, /health (open, for a
    load balancer) and /docs (a redirect to the API's docs)."""
    health = api.state.health

    async def health_route(request: Request) -> JSONResponse:  # noqa: ARG001
        return JSONResponse(health())

    async def docs_route(request: Request) -> RedirectResponse:  # noqa: ARG001
        return RedirectResponse(f"{PREFIX}/docs")

    return [
        Route("/health", health_route, methods=["GET"]),
        Route("/docs", docs_route, methods=["GET"]),
        Mount(PREFIX, app=api),
    ]


def gradio_session_user(demo: Any) -> SessionUser:
    """The user logged in on the Gradio page of `demo` (by its session cookie), read at request time."""

    def user(request: Request) -> str | None:
        app = getattr(demo, "app", None)
        if app is None:
            return None
        cookie_id = getattr(app, "cookie_id", "")
        token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        tokens: dict[str, str] = getattr(app, "tokens", {}) or {}
        return tokens.get(token) if token else None

    return user


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("citaat")
    except PackageNotFoundError:
        return "0.0.0+unknown"


__all__ = [
    "MAX_BODY_BYTES",
    "AnswerCache",
    "AskBody",
    "FilterBody",
    "SearchBody",
    "api_routes",
    "create_api",
    "gradio_session_user",
]
