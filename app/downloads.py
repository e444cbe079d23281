"""Export files of the page, written when they are first downloaded instead of with every answer.

    pending = PendingExports(directory)
    paths = pending.add(sources, name, title, question, answer, meta, formats, ...)   # names only
    app_kwargs["middleware"] = [Middleware(WriteOnDownload, pending=pending)]

Every chat answer (and every search or respondent view) offers four downloads: CSV, XLSX, Markdown
and REFI-QDA. Writing them took about 10 ms of CPU per answer (XLSX 8 ms), plus Gradio's copy of
each file into its cache, while most answers are never exported. So `add` only reserves the names:
an empty file per format in a fresh random subdirectory (Gradio serves the directory as a static
path, `gr.set_static_paths`, so it neither hashes nor copies the file, and its path is not
guessable), and remembers how to write it. `WriteOnDownload`, an ASGI middleware in front of
Gradio, writes the file when its `/gradio_api/file=` URL is requested and then lets Gradio serve it
as usual (same login check, same headers). The content is fixed at answer time (the export's date
is the answer's), so a later download gives the same file.

Subdirectories older than `EXPORT_MAX_AGE_S` are removed now and then (`prune`), together with what
is still pending for them; pending entries are also capped at `max_pending` (the oldest reserved
files are then removed, so a download never gives an empty file).
"""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .export import EXPORT_MAX_AGE_S, export_paths, prune_exports, write_export

PRUNE_EVERY_S = 60.0


class PendingExports:
    """Export files named at answer time and written on first download (see module docstring)."""

    def __init__(self, directory: Path, max_age_s: float = EXPORT_MAX_AGE_S, max_pending: int = 20_000) -> None:
        self.directory = Path(directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_age_s = max_age_s
        self.max_pending = max_pending
        self._jobs: OrderedDict[str, Callable[[], Any]] = OrderedDict()
        self._lock = threading.Lock()  # guards _jobs
        self._write_lock = threading.Lock()  # one write at a time: a second request waits for the file
        self._last_prune = -PRUNE_EVERY_S

    def add(self, sources: Sequence[Any], name: str, formats: Sequence[str], **kwargs: Any) -> tuple[Path, ...]:
        """Reserve one file per format for these sources (an empty file each) and remember how to
        write it: `write_export(sources, path, fmt, **kwargs)`. Returns the paths in `formats` order."""
        self._prune_now_and_then()
        folder = self.directory / secrets.token_hex(8)
        folder.mkdir()
        paths = export_paths(folder, name, formats)
        jobs: list[tuple[str, Callable[[], Any]]] = []
        for path, fmt in zip(paths, formats, strict=True):
            path.touch()
            jobs.append((str(path), _job(sources, path, fmt, kwargs)))
        with self._lock:
            self._jobs.update(jobs)
            dropped = [self._jobs.popitem(last=False)[0] for _ in range(len(self._jobs) - self.max_pending)]
        for key in dropped:  # never an empty download: a file no longer pending is gone
            Path(key).unlink(missing_ok=True)
        return paths

    def pending(self, path: str) -> bool:
        with self._lock:
            return path in self._jobs

    def materialize(self, path: str) -> bool:
        """Write the file at `path` if it is still pending; True when it was written now."""
        with self._write_lock:
            with self._lock:
                job = self._jobs.pop(path, None)
            if job is None:
                return False
            job()
            return True

    def prune(self) -> int:
        """Remove export subdirectories older than max_age_s (and their pending entries), and old
        files of our own directly in the directory; returns how many subdirectories went."""
        cutoff = time.time() - self.max_age_s
        removed = 0
        for folder in self.directory.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
                    prefix = str(folder) + "/"
                    with self._lock:
                        for key in [k for k in self._jobs if k.startswith(prefix)]:
                            del self._jobs[key]
            except OSError:
                continue
        prune_exports(self.directory, self.max_age_s)
        return removed

    def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_prune >= PRUNE_EVERY_S:
            self._last_prune = now
            self.prune()


def _job(sources: Sequence[Any], path: Path, fmt: str, kwargs: dict[str, Any]) -> Callable[[], Any]:
    items = list(sources)
    return lambda: write_export(items, path, fmt, **kwargs)


class WriteOnDownload:
    """ASGI middleware: a GET or HEAD of `/gradio_api/file=<path>` for a pending export writes the
    file first (in a worker thread), then the request goes on to Gradio unchanged."""

    def __init__(self, app: ASGIApp, pending: PendingExports) -> None:
        self.app = app
        self.pending = pending

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            path: str = scope.get("path", "")
            at = path.find("/file=")
            if at >= 0:
                target = path[at + len("/file=") :]
                if self.pending.pending(target):
                    import anyio.to_thread

                    await anyio.to_thread.run_sync(self.pending.materialize, target)
        await self.app(scope, receive, send)


__all__ = ["PendingExports", "WriteOnDownload"]
