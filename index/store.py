"""The on-disk search index beside chunks.jsonl, written atomically and verified on open.

Layout of an ingest directory DIR::

    DIR/chunks.jsonl                 (ingest's output)
    DIR/index/CURRENT                names the live version, e.g. "v-20250101T120000-3f2a"
    DIR/index/v-…/manifest.json      format, embedder, dimension, hashes, config (see below)
    DIR/index/v-…/vectors.faiss      FAISS index, row i = rows.json ids[i]
    DIR/index/v-…/rows.json          chunk ids and the hash of the text each row was made from
    DIR/index/v-…/bm25/…             bm25s' files

A build writes a complete new version directory under a temporary name, fsyncs every file,
renames it to its final name and only then replaces CURRENT (`atomic_write_bytes`: temp file,
fsync, rename). A crash, even SIGKILL, before that last rename leaves CURRENT naming the previous,
untouched version; after it, the new one is complete. Versions CURRENT does not name are removed
after a successful swap.

Opening checks everything that could make results silently wrong: the format version, the
sha256 and size of every index file, the sha256 of chunks.jsonl (stale chunks), and the embedder
name and dimension. Any mismatch raises `IndexMismatchError` telling the user to re-index.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from citaat.ingest.errors import CitaatError
from citaat.ingest.fsio import atomic_write_bytes, fsync_path, sha256_bytes, sha256_file
from citaat.ingest.store import CHUNKS_FILE, SOURCES_FILE

from .config import FORMAT_VERSION

INDEX_DIR = "index"
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
VECTORS_FILE = "vectors.faiss"
ROWS_FILE = "rows.json"
# Optional (IndexConfig.sentence_vectors): one vector per piece of a chunk, and which chunk row each belongs to.
PIECES_FILE = "pieces.faiss"
PIECE_ROWS_FILE = "pieces.json"
BM25_DIR = "bm25"
_TMP_PREFIX = ".tmp-"
_VERSION_PREFIX = "v-"


class SearchIndexError(CitaatError):
    """The search index cannot be used as it is; the message (Dutch) says what to do."""


class IndexMissingError(SearchIndexError):
    """There is no index (or no chunks.jsonl) in the directory."""


class IndexMismatchError(SearchIndexError):
    """The index does not match its chunks, its embedder or its own manifest: re-index."""


def reindex_hint(directory: Path) -> str:
    return f"bouw de index opnieuw met `citaat index {directory}`"


def source_hashes(directory: Path) -> dict[str, str | None]:
    """sha256 of the ingest outputs the index was built from."""
    chunks = directory / CHUNKS_FILE
    sources = directory / SOURCES_FILE
    return {
        "chunks_sha256": sha256_file(chunks) if chunks.is_file() else None,
        "sources_sha256": sha256_file(sources) if sources.is_file() else None,
    }


def new_version_dir(directory: Path) -> Path:
    """An empty temporary directory inside DIR/index for a build to fill."""
    root = directory / INDEX_DIR
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{_TMP_PREFIX}{secrets.token_hex(4)}"
    tmp.mkdir()
    return tmp


def _listed_files(version_dir: Path) -> list[Path]:
    return sorted(p for p in version_dir.rglob("*") if p.is_file() and p.name != MANIFEST_FILE)


def commit_version(
    directory: Path, tmp: Path, manifest: dict[str, Any], before_swap: Callable[[], object] | None = None
) -> Path:
    """Seal a filled temporary version (hashes into the manifest, fsync) and make it current.

    `before_swap` runs right before the commit point (e.g. publishing the staged chunks.jsonl the
    version was built from), so the two change together."""
    files: dict[str, dict[str, Any]] = {}
    for path in _listed_files(tmp):
        fsync_path(path)
        files[path.relative_to(tmp).as_posix()] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    manifest = {**manifest, "format_version": FORMAT_VERSION, "files": files}
    atomic_write_bytes(tmp / MANIFEST_FILE, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    for sub in {p.parent for p in _listed_files(tmp)} | {tmp}:
        fsync_path(sub)
    name = f"{_VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}"
    final = tmp.parent / name
    os.rename(tmp, final)
    fsync_path(tmp.parent)
    if before_swap is not None:
        before_swap()
    swap_current(directory, name)
    remove_stale_versions(directory)
    return final


def swap_current(directory: Path, name: str) -> None:
    """The commit point: CURRENT names the new version (atomic rename of a fsynced file)."""
    atomic_write_bytes(directory / INDEX_DIR / CURRENT_FILE, f"{name}\n".encode())


def current_version_dir(directory: Path) -> Path | None:
    pointer = directory / INDEX_DIR / CURRENT_FILE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not name.startswith(_VERSION_PREFIX) or "/" in name or "\\" in name:
        return None
    return directory / INDEX_DIR / name


def remove_stale_versions(directory: Path) -> None:
    """Delete versions and leftovers of crashed builds that CURRENT does not name."""
    current = current_version_dir(directory)
    root = directory / INDEX_DIR
    for child in root.iterdir():
        if child.is_dir() and child != current and child.name.startswith((_VERSION_PREFIX, _TMP_PREFIX)):
            shutil.rmtree(child, ignore_errors=True)


def open_version(directory: Path, deferred: Collection[str] = ()) -> tuple[Path, dict[str, Any]]:
    """The live version directory and its manifest, with every file's size and sha256 verified.

    Files named in `deferred` are only checked for presence and size here: the caller reads them
    once with `read_verified`, which checks the hash of the bytes it returns.
    """
    hint = reindex_hint(directory)
    if not (directory / CHUNKS_FILE).is_file():
        raise IndexMissingError(f"{directory}: geen {CHUNKS_FILE}", "lees eerst documenten in met `citaat ingest`")
    version = current_version_dir(directory)
    if version is None:
        raise IndexMissingError(f"{directory}: geen zoekindex gevonden", hint)
    if not (version / MANIFEST_FILE).is_file():
        raise IndexMismatchError(f"{directory}: zoekindex is onvolledig ({version.name} ontbreekt)", hint)
    try:
        manifest = json.loads((version / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IndexMismatchError(f"{directory}: manifest van de zoekindex is beschadigd", hint) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexMismatchError(f"{directory}: manifest van de zoekindex is beschadigd", hint)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{directory}: zoekindex heeft een ander formaat (versie {manifest.get('format_version')!r}, "
            f"verwacht {FORMAT_VERSION})",
            hint,
        )
    files = manifest["files"]
    for required in (VECTORS_FILE, ROWS_FILE):
        if required not in files:
            raise IndexMismatchError(f"{directory}: zoekindex mist {required}", hint)
    for rel, meta in files.items():
        path = version / rel
        if not path.is_file():
            raise IndexMismatchError(f"{directory}: indexbestand {rel} ontbreekt", hint)
        if path.stat().st_size != meta.get("size") or (rel not in deferred and sha256_file(path) != meta.get("sha256")):
            raise IndexMismatchError(f"{directory}: indexbestand {rel} is beschadigd of gewijzigd", hint)
    return version, manifest


def read_verified(directory: Path, version: Path, manifest: dict[str, Any], rel: str) -> bytes:
    """The bytes of one index file, after checking them against the manifest's sha256."""
    data = (version / rel).read_bytes()
    if sha256_bytes(data) != manifest["files"][rel].get("sha256"):
        raise IndexMismatchError(
            f"{directory}: indexbestand {rel} is beschadigd of gewijzigd", reindex_hint(directory)
        )
    return data


def check_sources(directory: Path, manifest: dict[str, Any]) -> None:
    """chunks.jsonl must be byte-identical to the one indexed."""
    if sha256_file(directory / CHUNKS_FILE) != manifest.get("chunks_sha256"):
        raise IndexMismatchError(
            f"{directory}: {CHUNKS_FILE} is gewijzigd sinds de index is gebouwd", reindex_hint(directory)
        )


def parse_rows(data: bytes) -> dict[str, Any]:
    rows = json.loads(data)
    return {"ids": list(rows["ids"]), "text_hashes": list(rows["text_hashes"])}


def write_rows(tmp: Path, ids: list[str], text_hashes: list[str]) -> None:
    (tmp / ROWS_FILE).write_text(json.dumps({"ids": ids, "text_hashes": text_hashes}), encoding="utf-8")
