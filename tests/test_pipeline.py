"""`citaat ingest` / `citaat chunks`: incremental runs, bad input, output format, CLI behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citaat.cli import app
from citaat.ingest.pipeline import IngestConfig, ingest_paths
from citaat.ingest.store import read_chunks, read_sources

REPORT = """Een klein rapport

Inleiding

Dit is een fictief rapport over samenwerking tussen gemeenten in de bedrijfsvoering. Het dient alleen om de pijplijn te testen en bevat daarom een paar citaten van respondenten.

2.1 Vertrouwen

Vertrouwen wordt vaak genoemd: *“Vertrouwen is de basis van alles wat we samen doen”* (R3). Een ander zegt: “Zonder klik geen samenwerking” (R 7).

2.2 Geld

Over geld is men kritisch: “Bezuinigen was nooit het doel van deze samenwerking” (R12).
"""

CFG = IngestConfig(progress=False)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "rapport.txt").write_text(REPORT, encoding="utf-8")
    return d


def test_ingest_writes_jsonl_with_required_fields(corpus, tmp_path):
    out = tmp_path / "out"
    res = ingest_paths([corpus], out, CFG)
    assert not res.failed
    lines = (out / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    for row in rows:
        assert {"id", "doc", "kind", "text", "respondents", "section", "page", "start", "end", "parent"} <= row.keys()
        assert row["doc"] == "rapport.txt"
    quotes = {r["text"]: r for r in rows if r["kind"] == "quote"}
    assert quotes["Vertrouwen is de basis van alles wat we samen doen"]["respondents"] == ["R3"]
    assert quotes["Zonder klik geen samenwerking"]["respondents"] == ["R7"]
    assert quotes["Bezuinigen was nooit het doel van deze samenwerking"]["section"] == ["Inleiding", "2.2 Geld"]
    assert all(r["page"] is None for r in rows)  # a .txt has no pages


def test_reingest_unchanged_changes_nothing(corpus, tmp_path):
    out = tmp_path / "out"
    ingest_paths([corpus], out, CFG)
    before = (out / "chunks.jsonl").read_bytes()
    mtime = (out / "chunks.jsonl").stat().st_mtime_ns
    res = ingest_paths([corpus], out, CFG)
    assert [f.status for f in res.files] == ["unchanged"]
    assert (out / "chunks.jsonl").read_bytes() == before
    assert (out / "chunks.jsonl").stat().st_mtime_ns == mtime  # not even rewritten


def test_changed_file_replaced_and_other_ids_stable(corpus, tmp_path):
    out = tmp_path / "out"
    ingest_paths([corpus], out, CFG)
    old = {c.text: c.id for c in read_chunks(out)}
    (corpus / "rapport.txt").write_text(REPORT.replace("nooit het doel", "nooit echt het doel"), encoding="utf-8")
    res = ingest_paths([corpus], out, CFG)
    assert [f.status for f in res.files] == ["changed"]
    new = {c.text: c.id for c in read_chunks(out)}
    assert "Bezuinigen was nooit echt het doel van deze samenwerking" in new
    assert "Bezuinigen was nooit het doel van deze samenwerking" not in new
    # Chunks in sections that did not change keep their ids (eval labels stay valid).
    assert new["Vertrouwen is de basis van alles wat we samen doen"] == old["Vertrouwen is de basis van alles wat we samen doen"]


def test_removed_file_dropped(corpus, tmp_path):
    out = tmp_path / "out"
    (corpus / "tweede.md").write_text("# Notitie\n\nHij zei: “Samen staan we sterker dan alleen, echt waar” (R5).\n")
    ingest_paths([corpus], out, CFG)
    assert {c.doc for c in read_chunks(out)} == {"rapport.txt", "tweede.md"}
    (corpus / "tweede.md").unlink()
    res = ingest_paths([corpus], out, CFG)
    assert res.dropped == ["tweede.md"]
    assert {c.doc for c in read_chunks(out)} == {"rapport.txt"}
    assert set(read_sources(out)) == {"rapport.txt"}


def test_bad_files_get_one_line_and_others_are_ingested(corpus, tmp_path):
    (corpus / "leeg.txt").write_bytes(b"")
    (corpus / "kapot.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    (corpus / "binair.txt").write_bytes(bytes(range(256)) * 10)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--out", str(out), "--no-index", "-q"])
    assert result.exit_code == 2
    err_lines = [ln for ln in result.stderr.splitlines() if ln.startswith("citaat: ")]
    assert len(err_lines) == 3
    assert any("leeg.txt" in ln and "leeg (0 bytes)" in ln for ln in err_lines)
    assert any("kapot.pdf" in ln and "PDF" in ln for ln in err_lines)
    assert any("binair.txt" in ln and "binaire data" in ln for ln in err_lines)
    assert "Traceback" not in result.output + result.stderr
    assert {c.doc for c in read_chunks(out)} == {"rapport.txt"}


def test_failed_file_keeps_its_previous_chunks(corpus, tmp_path):
    out = tmp_path / "out"
    ingest_paths([corpus], out, CFG)
    n = len(read_chunks(out))
    (corpus / "rapport.txt").write_bytes(b"\x00\x01\x02" * 100)
    res = ingest_paths([corpus], out, CFG)
    assert res.failed and "vorige versie behouden" in res.failed[0].warnings
    assert len(read_chunks(out)) == n


def test_cli_chunks_filters(corpus, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(corpus), "--out", str(out), "--no-index", "-q"]).exit_code == 0
    res = runner.invoke(app, ["chunks", str(out), "--respondent", "r 7", "--kind", "quote", "--json"])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["Zonder klik geen samenwerking"]
    human = runner.invoke(app, ["chunks", str(out), "--respondent", "R12"])
    assert "Bezuinigen was nooit het doel" in human.stdout and "R12 · Inleiding > 2.2 Geld" in human.stdout
    bad = runner.invoke(app, ["chunks", str(tmp_path / "nergens")])
    assert bad.exit_code == 1 and "citaat ingest" in bad.stderr


def test_missing_path_is_reported(tmp_path):
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "bestaat-niet.pdf"), "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2 and "bestand niet gevonden" in res.stderr
