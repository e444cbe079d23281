"""The scale benchmark at CI size (`bench_scale.py --scale small`): it runs end to end and its numbers hold up.

The full size is run by hand (see docs/benchmarks.md, section Schaal); here the same code runs on
60 synthetic transcripts (~6,000 chunks) within about a minute, and the helpers it reports with
are checked against hand-computed values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from citaat.benchmarks import bench_scale as bench
from citaat.benchmarks import synth_corpus as synth

REPO = Path(__file__).resolve().parents[1]




def test_percentiles_and_recall_by_hand() -> None:
    assert bench.percentiles([5.0, 1.0, 3.0, 2.0, 4.0]) == pytest.approx((3.0, 4.8))  # linear interpolation
    assert bench.percentiles(list(map(float, range(1, 101)))) == pytest.approx((50.5, 95.05))
    found = np.array([[1, 2, 3, 4], [9, 8, 7, 6]])
    truth = np.array([[1, 2, 5, 6], [6, 7, 8, 9]])
    assert bench.recall_at_k(found, truth, k=4) == pytest.approx((2 / 4 + 4 / 4) / 2)
    # Ties: rows 0 and 1 are the same vector; finding 1 where exact picked 0 is as good.
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    assert bench.recall_at_k(np.array([[1]]), np.array([[0]]), k=1) == 0.0
    assert bench.tie_recall_at_k(np.array([[1]]), np.array([[0]]), vectors, q, k=1) == 1.0
    assert bench.tie_recall_at_k(np.array([[2]]), np.array([[0]]), vectors, q, k=1) == 0.0


def test_synthetic_corpus_is_deterministic_and_scales_by_prefix(tmp_path: Path) -> None:
    a = synth.generate(tmp_path / "a", 7, seed=3, exchanges=4)
    b = synth.generate(tmp_path / "b", 7, seed=3, exchanges=4)
    synth.generate(tmp_path / "c", 10, seed=3, exchanges=4)
    synth.generate(tmp_path / "d", 7, seed=4, exchanges=4)
    names = [p.name for p in a.files]
    assert names == [p.name for p in b.files]
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "c" / n).read_bytes() for n in names)
    assert any(not (tmp_path / "d" / n).exists() or (tmp_path / "d" / n).read_bytes() != (tmp_path / "a" / n).read_bytes()
               for n in names)
    assert {p.suffix for p in a.files} == {".txt", ".md", ".vtt", ".srt", ".docx"}


def test_synthetic_transcripts_ingest_with_their_codes(tmp_path: Path) -> None:
    from citaat.ingest.pipeline import IngestConfig, ingest_paths
    from citaat.ingest.store import read_chunks

    info = synth.generate(tmp_path / "in", 10, seed=7, exchanges=5)
    res = ingest_paths([tmp_path / "in"], tmp_path / "out", IngestConfig(progress=False))
    assert not res.failed
    assert res.chunk_count == 10 * 5 * 2  # one passage and one turn per exchange
    turns = [c for c in read_chunks(tmp_path / "out") if c.kind == "turn"]
    by_doc = {c.doc: c.respondents for c in turns}
    for i, path in enumerate(info.files):
        assert by_doc[path.name] == (f"R{i + 1}",), path.name


def test_write_section_replaces_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Zoeken\n\nzoek-tekst\n\n## Schaal\n\noud\n\n## Belasting\n\nlast-tekst\n")
    bench.write_section(doc, "nieuw")
    text = doc.read_text()
    assert "oud" not in text and "## Schaal\n\nnieuw\n" in text
    assert "## Zoeken\n\nzoek-tekst" in text and "## Belasting\n\nlast-tekst" in text
    assert text.index("## Zoeken") < text.index("## Schaal") < text.index("## Belasting")
    bench.write_section(tmp_path / "nieuw.md", "eerste")
    assert (tmp_path / "nieuw.md").read_text() == "# Benchmarks\n\n## Schaal\n\neerste\n"


@pytest.mark.bench
def test_small_scale_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = bench.run("small", tmp_path / "work", sample=24, n_queries=40)
    md = bench.markdown(r, "img/x.png")
    with capsys.disabled():
        print("\n" + md)
    assert r["chunks"] >= 5_000 and r["ingest"]["failed"] == 0
    assert r["build"]["chunks"] == r["chunks"]
    assert r["embedding"]["chunks_per_s"] > 0 and r["embedding"]["sample"] == 24
    rows = {(row["method"].split()[0], row["param"]): row for row in r["faiss"]}
    assert rows[("exact", "-")]["recall"] == 1.0
    assert all(row["tie_recall"] >= row["recall"] for row in r["faiss"])
    # HNSW with a wide beam finds nearly all of the exact top 10; a narrow IVF probe finds fewer.
    assert rows[("HNSW", "efSearch=256")]["recall"] >= 0.95
    assert rows[("IVF", "nprobe=4")]["recall"] < rows[("IVF", "nprobe=64")]["recall"]
    s = r["search"]
    assert 0 < s["e2e"][0] <= s["e2e"][1]
    assert "| `Searcher.search` end-to-end |" in md and "recall@10" in md
    png = tmp_path / "plot.png"
    bench.plot(r, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_full_size_transcripts_are_all_ingestible_by_construction() -> None:
    """All 1,000 full-size transcripts: codes the parser reads (R1–R999), interviewer ≠ respondent."""
    import re

    for i in range(synth.SCALES["full"]):
        iv = synth.make_interview(i, 7, 1)
        assert re.fullmatch(r"R[1-9]\d{0,2}", iv.code), iv.code
        assert iv.interviewer != iv.respondent, i
