"""Atomic writes leave the old or the new file, never a temporary one; hashes match hashlib."""

from __future__ import annotations

import hashlib

import pytest

from citaat.ingest import fsio


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    fsio.atomic_write_text(path, "één")
    fsio.atomic_write_text(path, "twee", durable=False)
    assert path.read_text(encoding="utf-8") == "twee"
    assert [p.name for p in path.parent.iterdir()] == ["a.txt"]


def test_failed_write_keeps_the_old_content(tmp_path, monkeypatch):
    path = tmp_path / "a.bin"
    fsio.atomic_write_bytes(path, b"old")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fsio.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        fsio.atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_hashes(tmp_path):
    data = bytes(range(256)) * 5000
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert fsio.sha256_file(path) == fsio.sha256_bytes(data) == hashlib.sha256(data).hexdigest()
    fsio.fsync_path(path)
    fsio.fsync_path(tmp_path)
