"""The committed seed of the report's vectors (tests/data/report-seed, see conftest.py) is what the
model gives: the report indexed from nothing has the same chunks, and every chunk and piece vector
equals the seed's. When this fails after a deliberate change, re-seed with scripts/seed_tests.sh."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import SEED, build_report_index

pytestmark = pytest.mark.slow


def _vectors(index_dir: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    version = index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    ids = json.loads((version / "rows.json").read_text(encoding="utf-8"))["ids"]
    chunks = faiss.read_index(str(version / "vectors.faiss"))
    pieces = faiss.read_index(str(version / "pieces.faiss"))
    return ids, chunks.reconstruct_n(0, chunks.ntotal), pieces.reconstruct_n(0, pieces.ntotal)


def test_the_seed_equals_a_build_from_nothing(tmp_path, report_pdf):
    built = build_report_index(tmp_path / "fresh", report_pdf, cache=None, seed=None)
    ids, chunk_vectors, piece_vectors = _vectors(built / "index")
    seed_ids, seed_chunks, seed_pieces = _vectors(SEED / "index")
    assert ids == seed_ids, "the report's chunks changed: re-seed with scripts/seed_tests.sh"
    assert piece_vectors.shape == seed_pieces.shape
    assert np.allclose(chunk_vectors, seed_chunks, atol=1e-3), "re-seed with scripts/seed_tests.sh"
    assert np.allclose(piece_vectors, seed_pieces, atol=1e-3), "re-seed with scripts/seed_tests.sh"
