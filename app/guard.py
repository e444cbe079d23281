"""The gate in front of everything the chat process serves (page, Gradio's routes, the JSON API).

    middleware = Middleware(Guard, policy=GuardPolicy(...), demo=demo)   # app/ui/serve.py `launch` adds it

One ASGI middleware, so every route, Gradio's own included, gets the same rules:

- **Nothing before login.** With a login, a request without a valid session (Gradio's cookie) or
  HTTP Basic credentials gets only `LOGIN_PAGE` (a plain Dutch form, no script, no data) on `/`,
  `POST /login`, and 401 on every other path. Gradio's own login page embeds the app's API
  description, whose dropdown choices are respondent codes and sheet values; it is never served.
- **Sessions expire** `session_hours` after the login; **failed logins are throttled** per client:
  after `free_attempts` failures each further one doubles a wait (at most `max_wait_s`), answered
  with 429 in Dutch, the right password included.
- **Other websites cannot act.** A state-changing request (anything but GET/HEAD/OPTIONS, and
  `GET /logout`) whose `Origin` is not the page's own, or that a browser marks `Sec-Fetch-Site:
  cross-site`, gets 403. On a loopback address the `Host` must be a loopback name too (DNS
  rebinding: evil.example resolving to 127.0.0.1).
- **Bodies are bounded** like the API's: `max_body_bytes` for every request except uploads (Gradio's
  `max_file_size` covers those).
- **The page loads nothing from elsewhere:** a Content-Security-Policy allowing only its own origin
  (plus inline script/style and data:/blob: images, which Gradio needs), `Referrer-Policy:
  same-origin` (no Referer to another site; `no-referrer` would make the browser send `Origin: null`
  with the page's own form posts) and `X-Content-Type-Options: nosniff` on every response.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
SAFE_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
]
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UPLOAD_PATHS = ("/gradio_api/upload",)
OPEN_PATHS = frozenset({"/favicon.ico", "/gradio_api/startup-events"})  # no content; Gradio calls the latter at start

LOGIN_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Citaat – inloggen</title>
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:15vh auto;padding:0 1rem;color:#1e293b}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1rem;padding:.5rem 1.2rem}}.fout{{color:#b91c1c}}</style></head>
<body><h1>Citaat</h1><p>Log in om de Citaat-chat te gebruiken.</p>{error}
<form method="post" action="login"><label for="u">Gebruiker</label>
<input id="u" name="username" autocomplete="username" required>
<label for="p">Wachtwoord</label><input id="p" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Inloggen</button></form></body></html>
"""


@dataclass(frozen=True)
class GuardPolicy:
    """What the guard enforces. auth: (user, password) or None (no login: loopback only).
    loopback: the server listens on a loopback address (Host must then be a loopback name)."""

    auth: tuple[str, str] | None = None
    loopback: bool = True
    max_body_bytes: int = 64 * 1024
    session_hours: float = 12.0
    free_attempts: int = 5
    max_wait_s: float = 900.0


class LoginThrottle:
    """Failed logins per client: after `free` failures, each further failure doubles the wait
    (1 s, 2 s, 4 s, … at most `max_wait`). A success clears the client's record."""

    def __init__(self, free: int = 5, max_wait: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.max_wait, self.clock = free, max_wait, clock
        self._failures: dict[str, tuple[int, float]] = {}  # client -> (failures, blocked until)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds the client must still wait before the next attempt (0: it may try)."""
        with self._lock:
            _, until = self._failures.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            count, _ = self._failures.get(client, (0, 0.0))
            count += 1
            until = self.clock() + min(self.max_wait, 2.0 ** (count - self.free)) if count >= self.free else 0.0
            self._failures[client] = (count, until)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers") or []}


def _hostname(value: str) -> str:
    """'127.0.0.1:7860' -> '127.0.0.1', '[::1]:7860' -> '::1', 'Evil.Example' -> 'evil.example'."""
    return (urlsplit(f"//{value}").hostname or "").lower()


class Guard:
    """ASGI middleware enforcing a `GuardPolicy` (see the module docstring). `demo`: the Gradio Blocks,
    whose app holds the session tokens (read at request time)."""

    def __init__(self, app: ASGIApp, policy: GuardPolicy, demo: Any = None) -> None:
        self.app = app
        self.policy = policy
        self.demo = demo
        self.throttle = LoginThrottle(policy.free_attempts, policy.max_wait_s)
        self._born: dict[str, float] = {}  # session token -> login time

    # ------------------------------------------------------------------ the request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # Gradio does not use one; the same host and login rules
            headers = _headers(scope)
            if self._refuse_cross_site(headers, "GET", "") or (
                self.policy.auth is not None and not self._authenticated(headers, "?")
            ):
                await send({"type": "websocket.close", "code": 1008})
                return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_safe_headers(send)
        headers = _headers(scope)
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        refusal = self._refuse_cross_site(headers, method, path)
        if refusal is not None:
            await self._reply(send, 403, refusal)
            return
        client = (scope.get("client") or ("?", 0))[0]
        if self.policy.auth is not None:
            is_login = path.rstrip("/") == "/login" and method == "POST"
            if is_login or b"authorization" in headers:
                wait = self.throttle.wait(client)
                if wait > 0:
                    await self._reply(
                        send, 429, f"te veel mislukte inlogpogingen; probeer het over {wait:.0f} s opnieuw",
                        extra=[(b"retry-after", str(int(wait) + 1).encode())],
                    )
                    return
            if is_login:
                await self._login(scope, receive, send, client, headers)
                return
            if not self._authenticated(headers, client):
                if path in OPEN_PATHS:
                    await self.app(scope, receive, send)
                elif path == "/" and method in SAFE_METHODS:
                    await self._login_page(send, error=b"fout=1" in scope.get("query_string", b""))
                else:
                    basic = [(b"www-authenticate", b'Basic realm="Citaat"')]
                    await self._reply(send, 401, "inloggen vereist", extra=basic)
                return
        if method not in SAFE_METHODS and not path.startswith(UPLOAD_PATHS):
            length = headers.get(b"content-length")
            limit = self.policy.max_body_bytes
            if length is not None and (not length.isdigit() or int(length) > limit):
                await self._reply(send, 413, f"het verzoek is groter dan {limit // 1024} kB")
                return
            receive = _bounded(receive, limit)
        try:
            await self.app(scope, receive, send)
        except _TooLarge:
            await self._reply(send, 413, f"het verzoek is groter dan {self.policy.max_body_bytes // 1024} kB")

    def _refuse_cross_site(self, headers: dict[bytes, bytes], method: str, path: str) -> str | None:
        """Why another website's request is refused, or None."""
        host = headers.get(b"host", b"").decode("latin-1")
        if self.policy.loopback and _hostname(host) not in LOOPBACK_NAMES:
            return "onbekende host: deze chat draait alleen op dit adres (127.0.0.1 of localhost)"
        changes = method not in SAFE_METHODS or path.rstrip("/") == "/logout"
        if not changes:
            return None
        origin = headers.get(b"origin")
        if origin is not None:
            parts = urlsplit(origin.decode("latin-1"))
            if parts.netloc.lower() != host.lower() or parts.scheme not in ("http", "https"):
                return "verzoek van een andere website geweigerd"
        elif headers.get(b"sec-fetch-site") == b"cross-site":
            return "verzoek van een andere website geweigerd"
        return None

    # ------------------------------------------------------------------ login and sessions

    def _tokens(self) -> dict[str, str]:
        app = getattr(self.demo, "server_app", None) or getattr(self.demo, "app", None)
        tokens = getattr(app, "tokens", None)
        return tokens if isinstance(tokens, dict) else {}

    def _cookie_id(self) -> str:
        app = getattr(self.demo, "server_app", None) or getattr(self.demo, "app", None)
        return str(getattr(app, "cookie_id", ""))

    def _authenticated(self, headers: dict[bytes, bytes], client: str) -> bool:
        auth = self.policy.auth
        assert auth is not None
        basic = headers.get(b"authorization", b"")
        if basic[:6].lower() == b"basic ":
            try:
                user, _, password = base64.b64decode(basic[6:].strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            if secrets.compare_digest(user.encode(), auth[0].encode()) and secrets.compare_digest(
                password.encode(), auth[1].encode()
            ):
                self.throttle.succeeded(client)
                return True
            self.throttle.failed(client)
            return False
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie header is no session
            return False
        cookie_id = self._cookie_id()
        tokens = self._tokens()
        for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
            token = cookies[name].value if name in cookies else None
            if token and token in tokens:
                born = self._born.get(token)
                if born is not None and time.time() - born < self.policy.session_hours * 3600:
                    return True
                tokens.pop(token, None)  # expired (or made before the guard knew it): log in again
                self._born.pop(token, None)
        return False

    async def _login(
        self, scope: Scope, receive: Receive, send: Send, client: str, headers: dict[bytes, bytes]
    ) -> None:
        """Gradio's POST /login, watched: the new session's time is recorded, a failure counted; a
        submission of `LOGIN_PAGE`'s form is answered with a redirect instead of JSON."""
        from_form = headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded")
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                cookie_name = f"access-token-{self._cookie_id()}="
                for key, value in message.get("headers", []):
                    text = value.decode("latin-1")
                    if key.lower() == b"set-cookie" and text.startswith(cookie_name):
                        self._born[text[len(cookie_name) :].split(";")[0]] = time.time()
                if from_form:
                    ok = message["status"] == 200
                    cookies = [(k, v) for k, v in message.get("headers", []) if k.lower() == b"set-cookie"]
                    message = {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [(b"location", b"./" if ok else b"./?fout=1"), (b"content-length", b"0"), *cookies],
                    }
            elif message["type"] == "http.response.body" and from_form:
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await self.app(scope, _bounded(receive, 8 * 1024), watch)
        except _TooLarge:
            await self._reply(send, 413, "het verzoek is te groot")
            return
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        else:
            self.throttle.failed(client)

    async def _login_page(self, send: Send, error: bool) -> None:
        note = '<p class="fout">Gebruiker of wachtwoord klopt niet.</p>' if error else ""
        body = LOGIN_PAGE.format(error=note).encode("utf-8")
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})

    # ------------------------------------------------------------------ replies

    @staticmethod
    def _with_safe_headers(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SAFE_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return wrapped

    @staticmethod
    async def _reply(send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            *(extra or [])]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def _bounded(receive: Receive, limit: int) -> Receive:
    """`receive`, raising _TooLarge once more than `limit` body bytes have come in."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
        return message

    return bounded


__all__ = ["CSP", "LOGIN_PAGE", "Guard", "GuardPolicy", "LoginThrottle"]
