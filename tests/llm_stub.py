"""An adversarial OpenAI-compatible model for tests: a real HTTP server on 127.0.0.1 that answers
/v1/chat/completions with whatever reply a test sets, as one JSON body or as a Server-Sent Events
stream cut into small pieces (through words and quote marks). It can also misbehave at the end of
a stream: stop with another finish reason, leave out the `data: [DONE]` end marker, or close the
connection before the model said it finished."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


class StubLLM(ThreadingHTTPServer):
    """The server; set `reply` (and optionally `finish_reason`, `send_done`, `send_finish`) per test,
    or a `responder` that writes the reply from the request body (e.g. from the sources it got)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.requests: list[dict[str, Any]] = []
        self.reset()

    def reset(self, reply: str = "") -> None:
        self.reply = reply
        self.responder: Responder | None = None
        self.finish_reason = "stop"
        self.send_finish = True  # the last chunk with a finish reason
        self.send_done = True  # the `data: [DONE]` end marker
        self.piece_chars = 7

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class StubHandler(BaseHTTPRequestHandler):
    server: StubLLM

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.send_error(404)
            return
        srv = self.server
        reply = srv.responder(body) if srv.responder is not None else srv.reply
        model = body.get("model", "stub")
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            step = srv.piece_chars
            for n, i in enumerate(range(0, len(reply), step)):
                delta = {"content": reply[i : i + step]}
                if n == 0:
                    delta["role"] = "assistant"
                self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            if srv.send_finish:
                self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {}, "finish_reason": srv.finish_reason}]})
            if srv.send_done:
                self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True
            return
        payload = json.dumps({
            "id": "c1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                         "finish_reason": srv.finish_reason if srv.send_finish else None}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _event(self, obj: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
        self.wfile.flush()


@contextmanager
def running_stub() -> Iterator[StubLLM]:
    """A started stub server, shut down afterwards."""
    server = StubLLM()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
