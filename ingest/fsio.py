"""Crash-safe file writes and file hashes: one definition for the ingest output, the index and eval.

An atomic write goes to a temporary file in the same directory, is fsynced, renamed over the
target, and the directory is fsynced, so a crash leaves either the old or the new file and readers
never see half of one. Directory fsync is best effort: not every filesystem allows it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import CitaatError


def fsync_path(path: Path | str) -> None:
    """fsync a file or a directory (a directory best effort)."""
    path = Path(path)
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() and hasattr(os, "O_DIRECTORY") else 0)
    with contextlib.suppress(OSError):
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so that `path` holds either the old or the new content, never a mix.

    durable=False skips both fsyncs: the file then survives a killed process (the page cache does)
    but not a power cut; for scratch files that are cheaper to redo than to sync.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_path(path.parent)


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """`atomic_write_bytes` of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's content (read in blocks, never whole)."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# ---------------------------------------------------------------------------- one writer per directory

WRITER_LOCK = ".writer.lock"
_held: dict[str, tuple[int, int]] = {}  # resolved directory -> (fd, depth) held by this process


@contextlib.contextmanager
def writer_lock(directory: Path | str) -> Iterator[None]:
    """Hold DIR/.writer.lock (an exclusive `flock`) while changing the data directory: one writer at
    a time. Re-entrant within a process. The kernel drops the lock when its holder dies, however
    it dies, so a lock file left by a killed process is never stale; a live holder's process id is
    named in the refusal (`WriterBusy`)."""
    import fcntl

    directory = Path(directory)
    key = str(directory.resolve())
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise WriterBusy(directory, holder) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held[key] = (fd, 1)
    try:
        yield
    finally:
        del _held[key]
        os.close(fd)  # closing the descriptor releases the lock


class WriterBusy(CitaatError):
    def __init__(self, directory: Path, holder: str) -> None:
        who = f"proces {holder}" if holder.isdigit() else "een ander proces"
        super().__init__(
            f"{directory} wordt al bijgewerkt door {who}",
            "wacht tot dat klaar is (of stop dat proces) en probeer het dan opnieuw",
        )
