"""A GGUF model the organisation has, run locally as a managed child process (`--llm-gguf`).

The child (`python -m citaat.app.local_llm MODEL --port N`) loads the model with xllamacpp (the
prebuilt llama.cpp wheel of the extra `local-llm`), whose `Server` serves llama.cpp's own
OpenAI-compatible HTTP endpoints (/v1/chat/completions with streaming, /health). The parent picks
a free port on 127.0.0.1, writes the child's log to a file in the data directory, waits until
/health answers and stops the child with the chat (`stop()`, or when the parent dies: the child
exits when its stdin closes). Citaat then talks to it as to any OpenAI-compatible server, so the
answer goes through the same verifier as every other model.

Errors a user can fix are Dutch `LLMError`s: the file is missing, is not a GGUF, needs more memory
than is free, or the child stopped while loading (the log file says why).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from .llm import COMPACT_SYSTEM_PROMPT, SYSTEM_PROMPT, LLMError

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
LOG_NAME = "llm-server.log"
# the model's weights are mapped whole; the context and compute buffers come on top
MEMORY_FACTOR = 1.2
MEMORY_SLACK = 256 * 2**20
# a small model on a shared 2-core CPU reads ~100 prompt tokens and writes ~35 per second
# (docs/benchmarks.md): it gets three sources (not six) in the compact prompt and room for three short
# sentences; a longer reply would cost seconds per sentence, and SmolLM2 rambles to any limit
LOCAL_MAX_UNITS = 3
LOCAL_MAX_TOKENS = 128


def check_gguf(path: Path) -> None:
    """Raise a Dutch LLMError unless `path` is a readable GGUF file."""
    if not path.exists():
        raise LLMError(f"{path}: het modelbestand bestaat niet", "geef het pad van een .gguf-bestand")
    if not path.is_file():
        raise LLMError(f"{path}: is geen bestand", "geef het pad van een .gguf-bestand")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise LLMError(f"{path}: het modelbestand is niet leesbaar ({exc.strerror})") from exc
    if magic != GGUF_MAGIC:
        raise LLMError(
            f"{path}: is geen GGUF-model (het bestand begint niet met 'GGUF')",
            "zet het model om naar GGUF (llama.cpp: convert_hf_to_gguf.py) of kies een .gguf-bestand",
        )


def available_memory() -> int | None:
    """Bytes of memory free for a new process (Linux MemAvailable), None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(path: Path, available: int | None = None) -> None:
    """Raise a Dutch LLMError when the model clearly does not fit in the free memory."""
    free = available_memory() if available is None else available
    need = int(path.stat().st_size * MEMORY_FACTOR) + MEMORY_SLACK
    if free is not None and need > free:
        raise LLMError(
            f"{path}: te weinig geheugen voor dit model (nodig ongeveer {need / 2**30:.1f} GB, "
            f"vrij {free / 2**30:.1f} GB)",
            "kies een kleiner of sterker gekwantiseerd model (bv. Q4), of sluit andere programma's",
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, lines: int = 4) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


_OOM_WORDS = ("out of memory", "failed to allocate", "cannot allocate", "bad_alloc", "memoryerror")


class LocalModel:
    """A GGUF model served by a child process on 127.0.0.1; `url` is its OpenAI-compatible /v1 base.

    `start()` returns once /health answers (or raises a Dutch LLMError); `stop()` ends the child.
    Also a context manager.
    """

    def __init__(
        self,
        model: Path,
        log_dir: Path,
        threads: int | None = None,
        context: int = 4096,
        load_timeout: float = 300.0,
        compact_prompt: bool = True,
    ) -> None:
        self.model = Path(model)
        self.log_path = Path(log_dir) / LOG_NAME
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        self.context = context
        self.load_timeout = load_timeout
        self.compact_prompt = compact_prompt  # which system prompt `warm_up` reads (LLMConfig.compact_prompt)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._warming: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def name(self) -> str:
        return self.model.stem

    def start(self) -> LocalModel:
        """Launch the child and wait until it serves (then warm it up in the background)."""
        return self.launch().wait_ready()

    def launch(self) -> LocalModel:
        """Start the child and return at once: the model loads while the caller does other work
        (the CLI opens the index meanwhile); `wait_ready()` then waits for it."""
        check_gguf(self.model)
        check_memory(self.model)
        try:
            import xllamacpp  # noqa: F401  (only to fail early, with the extra's name)
        except ImportError as exc:
            raise LLMError(
                "--llm-gguf heeft llama.cpp nodig (xllamacpp)", "installeer het met: pip install 'citaat[local-llm]'"
            ) from exc
        self.port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        cmd = [sys.executable, "-m", "citaat.app.local_llm", str(self.model), "--port", str(self.port),
               "--threads", str(self.threads), "--context", str(self.context)]
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, warm: bool = True) -> LocalModel:
        """Wait until the launched child answers /health (or raise a Dutch LLMError and stop it);
        with `warm`, the system prompt is then read once in the background (see `warm_up`)."""
        if self.process is None:
            self.launch()
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        log.info("local model %s on %s (log: %s)", self.name, self.url, self.log_path)
        if warm:
            self._warming = threading.Thread(target=self.warm_up, name="citaat-llm-warm", daemon=True)
            self._warming.start()
        return self

    def warm_up(self) -> None:
        """Have the server read the system prompt once (one token of reply): llama.cpp keeps the
        prompt's KV cache and reuses its common prefix, so the first question reads only its sources
        and question. A question sent meanwhile waits for it (one slot), which costs nothing extra:
        that prefix had to be read anyway. Errors are only logged."""
        import httpx

        system = COMPACT_SYSTEM_PROMPT if self.compact_prompt else SYSTEM_PROMPT
        body = {
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": ""}],
            "max_tokens": 1,
            "temperature": 0.0,
        }
        try:
            httpx.post(f"{self.url}/chat/completions", json=body, timeout=self.load_timeout)
        except httpx.HTTPError as exc:
            log.info("warming the local model failed: %s", exc)

    def _wait_healthy(self) -> None:
        import httpx

        assert self.process is not None
        deadline = time.monotonic() + self.load_timeout
        health = f"http://127.0.0.1:{self.port}/health"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise self._died(code)
            try:
                if httpx.get(health, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise LLMError(
            f"{self.model}: het model was na {self.load_timeout:.0f} s nog niet geladen",
            f"kies een kleiner model; zie {self.log_path}",
        )

    def _died(self, code: int) -> LLMError:
        tail = _log_tail(self.log_path)
        if code in (-9, 137) or any(word in tail.lower() for word in _OOM_WORDS):
            return LLMError(
                f"{self.model}: te weinig geheugen om het model te laden",
                f"kies een kleiner of sterker gekwantiseerd model; zie {self.log_path}",
            )
        return LLMError(
            f"{self.model}: het model kon niet geladen worden (proces stopte met code {code})",
            f"zie {self.log_path}" + (f": {tail[-300:]}" if tail else ""),
        )

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            if proc.stdin is not None:
                proc.stdin.close()  # the child's signal to leave
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        elif proc is not None and proc.stdin is not None:
            proc.stdin.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """End the child at once (SIGKILL), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> LocalModel:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve(model: str, port: int, threads: int, context: int) -> None:
    """The child: load the model, serve it on 127.0.0.1:port until stdin closes."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.port = port
    params.n_parallel = 1
    params.n_ctx = context
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    server = xllamacpp.Server(params)  # starts llama.cpp's HTTP server; serves until deleted
    print(f"citaat: model served on {server.listening_address}", flush=True)
    sys.stdin.buffer.read()  # EOF: the parent stopped us or died
    del server


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m citaat.app.local_llm")
    parser.add_argument("model")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", type=int, default=4096)
    args = parser.parse_args(argv)
    serve(args.model, args.port, args.threads, args.context)


if __name__ == "__main__":
    main()


__all__ = ["LocalModel", "check_gguf", "check_memory", "free_port"]
