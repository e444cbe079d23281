"""`citaat ingest --respondents/--interviewer/--speaker` and `citaat export` from the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sample_index import write_sample
from typer.testing import CliRunner

from citaat.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "transcripts"


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_ingest_with_sheet_and_speaker_flags(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "R38-whisperx-ict-grevendal.json", src / "gesprek-ict.json")  # no code in the name
    sheet = tmp_path / "respondenten.csv"
    sheet.write_text("code;rol;organisatie\nR38;directeur;ICT Grevendal\nR77;wethouder;Nergens\n", encoding="utf-8")
    out = tmp_path / "data"
    result = run(
        "ingest",
        src,
        "--out",
        out,
        "--no-index",
        "-q",
        "--respondents",
        sheet,
        "--speaker",
        "SPEAKER_01=R38",
        "--interviewer",
        "SPEAKER_00",
    )
    assert result.exit_code == 0, result.output
    assert "R77 komt in geen enkel ingelezen document voor" in result.stderr
    assert "geraden" not in result.stderr  # the flags said who is who: nothing was guessed
    stored = json.loads((out / "respondents.json").read_text(encoding="utf-8"))
    assert stored["respondents"]["R38"] == {"rol": "directeur", "organisatie": "ICT Grevendal"}
    chunks = [json.loads(line) for line in (out / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    turns = [c for c in chunks if c["kind"] == "turn"]
    assert turns and all(c["respondents"] == ["R38"] and c["context"] for c in turns)


def test_a_speaker_name_that_matches_nobody_is_reported(tmp_path):
    result = run("ingest", EXAMPLES / "R39-zoom-governance.vtt", "--out", tmp_path / "d", "--no-index", "-q",
                 "--interviewer", "Sanne Vissser", "--speaker", "joost mulder=R39")
    assert result.exit_code == 0, result.output
    assert "sprekersnaam sanne vissser komt in geen enkel transcript voor" in result.stderr
    assert "joost mulder" not in result.stderr


def test_ingest_prints_the_guess_on_its_own_line(tmp_path):
    out = tmp_path / "data"
    result = run("ingest", EXAMPLES / "R39-zoom-governance.vtt", "--out", out, "--no-index", "-q")
    assert result.exit_code == 0, result.output
    assert "let op:" in result.stderr and "geraden: Sanne Visser is de interviewer" in result.stderr


def test_bad_flags_are_one_line(tmp_path):
    for args, msg in [
        (("--speaker", "Jan Smit"), "geen koppeling NAAM=CODE"),
        (("--respondents", tmp_path / "weg.csv"), "kan niet gelezen worden"),
    ]:
        result = run("ingest", EXAMPLES / "R39-zoom-governance.vtt", "--out", tmp_path / "d", "--no-index", "-q", *args)
        assert result.exit_code == 1 and msg in result.stderr and "Traceback" not in result.output


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    directory = write_sample(tmp_path_factory.mktemp("cli-export"))
    (directory / "lijst.csv").write_text("R13,wethouder,A\nR4,gemeentesecretaris,B\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["index", str(directory), "--quiet"])
    assert result.exit_code == 0, result.output
    from citaat.ingest.attributes import read_sheet, write_sheet

    write_sheet(directory, read_sheet(directory / "lijst.csv"))
    return directory


def test_export_formats(indexed, tmp_path):
    result = run("export", "", "--index", indexed, "--respondent", "R13", "--out", tmp_path / "r13.csv", "--sep", ";")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r13.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows and all("R13" in r["respondent"] and r["rol"] for r in rows)
    assert f"{len(rows)} resultaten geëxporteerd" in result.stderr
    for fmt in ("xlsx", "md", "qdpx"):
        out = tmp_path / f"x.{fmt}"
        result = run("export", "vertrouwen", "--index", indexed, "--rol", "wethouder", "--out", out)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert zipfile.ZipFile(tmp_path / "x.qdpx").namelist()[0] == "project.qde"
    md = (tmp_path / "x.md").read_text(encoding="utf-8")
    assert "- filters: rol = wethouder" in md and "- indexversie: v-" in md
    assert "(citaat — R13; R13: wethouder, A)" in md


def test_export_errors_are_one_line(indexed, tmp_path):
    cases = [
        (("export", "", "--index", indexed, "--out", tmp_path / "a.csv"), "geef een zoekvraag of een filter"),
        (("export", "x", "--index", indexed, "--out", tmp_path / "a.pdf"), "exportformaat 'pdf' bestaat niet"),
        (("export", "x", "--index", indexed, "--out", tmp_path / "a.csv", "--sep", "|"), "--sep"),
        (
            ("export", "x", "--index", indexed, "--out", tmp_path / "a.csv", "-a", "leeftijd=3"),
            "onbekend respondentkenmerk",
        ),
        (("search", "x", "--index", indexed, "-a", "rol"), "geen NAAM=WAARDE"),
    ]
    for args, msg in cases:
        result = run(*args)
        assert result.exit_code == 1 and msg in result.stderr, result.output
