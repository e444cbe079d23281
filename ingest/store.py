"""Reading and atomically writing the ingest output directory (chunks.jsonl + sources.json).

Every write is atomic (`fsio.atomic_write_text`): a crash mid-write leaves the previous file intact
and readers never see half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import CitaatError
from .fsio import atomic_write_text, fsync_path
from .model import Chunk

CHUNKS_FILE = "chunks.jsonl"
SOURCES_FILE = "sources.json"
STAGED_DIR = ".staged"
REBUILD_HINT = "lees de documenten opnieuw in met `citaat ingest` om het te herstellen"


class StoreError(CitaatError):
    """The ingest directory is missing, unreadable or damaged; the hint says what to do."""


def staged_dir(out_dir: Path) -> Path:
    """Where a run that also builds the index puts its new output until the index is ready."""
    return Path(out_dir) / STAGED_DIR


def write_chunks(out_dir: Path, chunks: Iterable[Chunk], *, staged: bool = False) -> None:
    lines = [c.to_json() for c in chunks]
    target = staged_dir(out_dir) if staged else Path(out_dir)
    atomic_write_text(target / CHUNKS_FILE, "".join(line + "\n" for line in lines))


def publish_staged(out_dir: Path) -> bool:
    """Move staged chunks.jsonl (then sources.json) into place, each by an atomic rename.

    Called by the index build right before it makes its new version current, so chunks.jsonl and
    the index change together; a crash before this point leaves the previous pair untouched.
    Returns whether anything was staged.
    """
    stage = staged_dir(out_dir)
    moved = False
    for name in (CHUNKS_FILE, SOURCES_FILE):
        if (stage / name).is_file():
            os.replace(stage / name, Path(out_dir) / name)
            moved = True
    if moved:
        fsync_path(out_dir)
    shutil.rmtree(stage, ignore_errors=True)
    return moved


def has_staged(out_dir: Path) -> bool:
    return (staged_dir(out_dir) / CHUNKS_FILE).is_file()


def read_chunks(out_dir: Path) -> list[Chunk]:
    """Load chunks.jsonl; a missing or damaged file raises StoreError naming the fix."""
    path = Path(out_dir) / CHUNKS_FILE
    if not path.is_file():
        raise StoreError(f"{path}: niet gevonden", f"lees eerst documenten in met `citaat ingest PAD --out {out_dir}`")
    chunks: list[Chunk] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                chunks.append(Chunk.from_dict(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise StoreError(f"{path}: regel {n} is beschadigd ({exc})", REBUILD_HINT) from None
    return chunks


def read_sources(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / SOURCES_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: beschadigd ({exc})", REBUILD_HINT) from None
    if not isinstance(data, dict):
        raise StoreError(f"{path}: beschadigd (geen JSON-object)", REBUILD_HINT)
    return data


def write_sources(out_dir: Path, sources: dict[str, Any], *, staged: bool = False) -> None:
    target = staged_dir(out_dir) if staged else Path(out_dir)
    atomic_write_text(target / SOURCES_FILE, json.dumps(sources, ensure_ascii=False, indent=1))
