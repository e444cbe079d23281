"""The coding assistant: codebook parsing, ranking over speech units, decisions, matrix, exports, CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from citaat.app.coding import CodingService, read_codebook, to_markdown, to_xlsx_bytes, write_coding_export
from citaat.cli import app
from citaat.eval.coding import evaluate, load_gold
from citaat.index.coding import CodebookError, is_speech, parse_codebook
from citaat.index.search import Searcher

CODEBOOK = Path(__file__).resolve().parents[1] / "eval" / "data" / "coding" / "codebook.csv"
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture(scope="module")
def searcher(report_index) -> Searcher:
    return Searcher.open(report_index)


# ------------------------------------------------------------------ codebook


def test_codebook_semicolon_comma_bom_and_examples():
    codes = parse_codebook("\ufeffcode;beschrijving;voorbeelden\nA;over a, en b;id1 | een tekst\nB;over b;\n")
    assert [(c.code, c.description, c.examples) for c in codes] == [
        ("A", "over a, en b", ("id1", "een tekst")),
        ("B", "over b", ()),
    ]
    codes = parse_codebook('Code,Omschrijving\nvertrouwen,"vertrouwen, op elkaar rekenen"\n')
    assert codes[0].description == "vertrouwen, op elkaar rekenen" and codes[0].examples == ()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "leeg"),
        ("titel;uitleg\nA;b\n", "kolom 'code' ontbreekt"),
        ("code;beschrijving\nA;\n", "heeft geen beschrijving"),
        ("code;beschrijving\nA;x\na;y\n", "twee keer"),
        ("code;beschrijving\n;x\n", "code is leeg"),
        ("code;beschrijving\nA;x;y;z\n", "kolommen"),
        ("code;beschrijving\n", "geen codes"),
    ],
)
def test_broken_codebook_names_file_and_reason(text, reason):
    with pytest.raises(CodebookError) as err:
        parse_codebook(text, "mijn.csv")
    assert str(err.value).startswith("mijn.csv") and reason in str(err.value)


def test_unreadable_codebook_files(tmp_path):
    binary = tmp_path / "plaatje.csv"
    binary.write_bytes(b"\x89PNG\x00\x00\xff\xfe\x00")
    with pytest.raises(CodebookError, match="plaatje.csv: geen tekstbestand"):
        read_codebook(binary)
    with pytest.raises(CodebookError, match="niet gevonden"):
        read_codebook(tmp_path / "weg.csv")
    assert len(read_codebook(CODEBOOK)) == 10


def test_cli_broken_codebook_is_one_dutch_line(tmp_path, report_index):
    bad = tmp_path / "kapot.csv"
    bad.write_text("code;uitleg\nA;b\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", "--codebook", str(bad), "--index", str(report_index)])
    assert result.exit_code != 0
    assert "kapot.csv" in result.output and "kolom 'beschrijving' ontbreekt" in result.output
    assert "Traceback" not in result.output
    empty = CliRunner().invoke(app, ["code", "--codebook", str(CODEBOOK), "--index", str(report_index), "-r", "R99"])
    assert empty.exit_code != 0 and "geen citaten of interviewbeurten in deze selectie" in empty.output


# ------------------------------------------------------------------ ranking


def test_ranking_covers_every_speech_unit_and_only_speech(searcher):
    run = CodingService(searcher).run(read_codebook(CODEBOOK), kind="quote")
    speech = {c.id for c in searcher.chunks if is_speech(c) and c.kind == "quote"}
    assert len(speech) == 110
    for r in run.results:
        ids = [u.chunk.id for u in r.units]
        assert set(ids) == speech and len(ids) == len(speech)
        scores = [u.score for u in r.units]
        assert scores == sorted(scores, reverse=True)
        assert any(u.suggested for u in r.units)
        assert all(u.sentence and u.sentence in " ".join(u.chunk.text.split()) for u in r.units if u.suggested)
    one = CodingService(searcher).run(read_codebook(CODEBOOK), kind="quote", respondents=("R13",))
    assert {c for r in one.results for u in r.units for c in u.chunk.respondents} == {"R13"}
    # a selection keeps every unit's score and suggestion (scored over the whole scope)
    whole = {(r.code.code, u.chunk.id): (u.score, u.suggested) for r in run.results for u in r.units}
    assert all(whole[(r.code.code, u.chunk.id)] == (u.score, u.suggested) for r in one.results for u in r.units)


def test_ranking_is_deterministic(searcher):
    codes = read_codebook(CODEBOOK)
    a = CodingService(searcher).run(codes, kind="quote").json_lines()
    b = CodingService(searcher).run(codes, kind="quote").json_lines()
    assert a == b
    first = json.loads(a[0])
    assert set(first) == {"code", "beschrijving", "ranking"}
    assert set(first["ranking"][0]) == {"id", "text", "respondents", "section", "page", "score", "suggested"}


def test_quality_on_dev_beats_the_baselines(searcher):
    """The dev split only (the test split is read once, by eval/coding.py, for the report)."""
    m = evaluate(searcher, load_gold(), "dev")
    assert m["map_zero_shot"] >= m["baseline_e5_map"] + 0.10
    assert m["map_zero_shot"] > m["baseline_tfidf_map"] > m["baseline_random_map"]
    assert m["micro_f1"] >= 0.5


# ------------------------------------------------------------------ decisions


def _rank(run, code: str, unit: str) -> int:
    units = next(r for r in run.results if r.code.code == code).units
    return [u.chunk.id for u in units].index(unit)


def test_decisions_persist_and_move_the_ranking(searcher, tmp_path):
    codes = read_codebook(CODEBOOK)
    service = CodingService(searcher, tmp_path)
    before = service.run(codes, kind="quote")
    vorm = next(r for r in before.results if r.code.code == "vorm")
    # the report prints R18's "lichte regeling" twice: two units, one text
    twins = [u.chunk.id for u in vorm.units if "lichte regeling is" in u.chunk.text]
    assert len(twins) == 2
    service.decide("vorm", twins[0], "reject")
    service.decide("vorm", twins[0], "reject")  # idempotent
    after = CodingService(searcher, tmp_path).run(codes, kind="quote")  # a new service reads the file
    unit = next(u for u in next(r for r in after.results if r.code.code == "vorm").units if u.chunk.id == twins[0])
    assert unit.decision == "reject" and not unit.coded
    assert _rank(after, "vorm", twins[1]) > _rank(before, "vorm", twins[1])

    service.decide("vorm", twins[0], None)
    far = vorm.units[-1].chunk.id
    service.decide("vorm", far, "accept")
    accepted = service.run(codes, kind="quote")
    assert _rank(accepted, "vorm", far) < _rank(before, "vorm", far)
    assert far in {u.chunk.id for u in next(r for r in accepted.results if r.code.code == "vorm").coded}
    assert (tmp_path / "coding.sqlite3").is_file()


# ------------------------------------------------------------------ matrix and exports


def test_matrix_counts_match_cells(searcher):
    run = CodingService(searcher).run(read_codebook(CODEBOOK), kind="quote")
    rows = run.matrix()
    assert [r[1] for r in rows][:3] == ["R1", "R2", "R3"]
    for _group, resp, counts in rows:
        for n, r in zip(counts, run.results, strict=True):
            cell = run.cell(resp, r.code.code)
            assert n == len(cell) and all(resp in u.chunk.respondents and u.coded for u in cell)
    assert sum(sum(c) for _, _, c in rows) == sum(len(r.coded) for r in run.results)


def test_qdpx_selections_sit_at_their_exact_text(searcher, report_index, tmp_path):
    codes = read_codebook(CODEBOOK)
    run = CodingService(searcher).run(codes, kind="quote")
    path = write_coding_export(run, tmp_path / "codering.qdpx", directory=report_index)
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/")}
    code_el = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in code_el] == [c.code for c in codes]
    guid_code = {c.get("guid"): c.get("name") for c in code_el}
    by_text = {}
    for r in run.results:
        for u in r.coded:
            by_text.setdefault(u.chunk.text, set()).add(r.code.code)
    found = 0
    for ts in root.findall("q:Sources/q:TextSource", NS):
        text = texts[f"sources/{ts.get('plainTextPath', '').removeprefix('internal://')}"]
        for sel in ts.findall("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition", "0")), int(sel.get("endPosition", "0"))
            exact = text[start:end]
            assert exact in by_text, exact[:60]
            names = {guid_code[c.get("targetGUID")] for c in sel.findall("q:Coding/q:CodeRef", NS)}
            assert names and names <= by_text[exact]
            found += 1
    coded_units = {u.chunk.id for r in run.results for u in r.coded}
    assert found == len(coded_units) > 20


def test_xlsx_and_markdown(searcher, tmp_path):
    from openpyxl import load_workbook

    run = CodingService(searcher).run(read_codebook(CODEBOOK), kind="quote", codebook_name="codebook.csv")
    path = tmp_path / "codering.xlsx"
    path.write_bytes(to_xlsx_bytes(run))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Matrix", "Coderingen", "Codeboek", "Export"]
    matrix = list(wb["Matrix"].iter_rows(values_only=True))
    assert matrix[0][0] == "respondent" and list(matrix[0][1:]) == [r.code.code for r in run.results]
    assert len(list(wb["Coderingen"].iter_rows())) - 1 == sum(len(r.coded) for r in run.results)
    info = dict(wb["Export"].iter_rows(values_only=True))
    assert info["codeboek"] == "codebook.csv" and info["indexversie"] == searcher.version
    md = to_markdown(run)
    assert md.startswith("# Codering") and "## vertrouwen (" in md


def test_cli_json_and_export(report_index, tmp_path):
    out = tmp_path / "c.md"
    result = CliRunner().invoke(
        app,
        [
            "code",
            "--codebook",
            str(CODEBOOK),
            "--index",
            str(report_index),
            "--kind",
            "quote",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert [x["code"] for x in lines] == [c.code for c in read_codebook(CODEBOOK)]
    assert all(len(x["ranking"]) == 110 for x in lines)
    assert out.read_text(encoding="utf-8").startswith("# Codering")
    assert not (report_index / "coding.sqlite3").exists()  # coding only reads the index directory


def test_new_code_clusters_only_uncovered_and_deterministic(searcher):
    from citaat.index.coding import new_code_clusters, speech_rows

    rows = speech_rows(searcher.chunks, "quote")
    covered = set(rows[:40].tolist())
    a = new_code_clusters(searcher, rows, covered)
    assert a == new_code_clusters(searcher, rows, covered)
    assert a and all(len(c.rows) >= 3 and c.terms and c.central == c.rows[0] for c in a)
    inside = [r for c in a for r in c.rows]
    assert len(inside) == len(set(inside)) and not set(inside) & covered
    assert set(inside) <= set(rows.tolist())


def test_matrix_groups_by_respondent_attribute(searcher):
    run = CodingService(searcher).run(read_codebook(CODEBOOK)[:2], kind="quote")
    run.attribute_columns = ["rol"]
    run.attributes = {"R3": {"rol": "wethouder"}, "R13": {"rol": "directeur"}, "R2": {"rol": "wethouder"}}
    rows = run.matrix("rol")
    assert [(g, r) for g, r, _ in rows[:3]] == [("directeur", "R13"), ("wethouder", "R2"), ("wethouder", "R3")]
    assert all(g == "" for g, _, _ in rows[3:])  # respondents without the attribute come last
    from citaat.app.ui.coding import matrix_table

    headers, table = matrix_table(run, "rol")
    assert headers[:2] == ["rol", "respondent"] and table[0][:2] == ["directeur", "R13"]


def test_codebook_example_ids_are_coded_and_pull_the_ranking(searcher):
    codes = read_codebook(CODEBOOK)
    service = CodingService(searcher)
    before = service.run(codes, kind="quote")
    ict = next(r for r in before.results if r.code.code == "ict")
    last = ict.units[-1].chunk.id
    with_example = [c if c.code != "ict" else type(c)(c.code, c.description, (last,)) for c in codes]
    after = service.run(with_example, kind="quote")
    unit = next(u for u in next(r for r in after.results if r.code.code == "ict").units if u.chunk.id == last)
    assert unit.decision == "accept" and unit.coded
    assert _rank(after, "ict", last) < _rank(before, "ict", last)
