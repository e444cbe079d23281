"""Exports (app/export.py) and respondent attributes: CSV (',' and ';'), XLSX, Markdown and the
REFI-QDA project (.qdpx), each recording date, query, filters and index version; golden on the
real report (the QDPX is parsed back and every selection's text is checked at its positions);
respondent sheets, attribute filters and `citaat export` from the command line."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sample_index import write_sample

from citaat.app.config import AnswerConfig
from citaat.app.export import (
    CSV_COLUMNS,
    ExportError,
    ExportMeta,
    escape_markdown,
    export_query,
    export_sources,
    qdpx_bytes,
    to_markdown,
)
from citaat.app.records import LABEL_REPORT, LABEL_UNATTRIBUTED, Answer, Source, source_label
from citaat.app.service import Answerer
from citaat.index.search import Filters, Searcher
from citaat.ingest.attributes import SheetError, read_sheet, write_sheet
from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Chunk

NS = {"q": "urn:QDA-XML:project:1.0"}
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The element order of ProjectType in the REFI-QDA Project schema (Project.xsd, v1.0).
PROJECT_ORDER = [
    "Users",
    "CodeBook",
    "Variables",
    "Cases",
    "Sources",
    "Notes",
    "Links",
    "Sets",
    "Graphs",
    "Description",
]


@pytest.fixture(scope="module")
def report_answerer(report_index) -> Answerer:
    return Answerer(Searcher.open(report_index), AnswerConfig())


def parse_qdpx(path: Path):
    """(project root, {guid: source text}) of a .qdpx, checking the archive layout on the way."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "project.qde" in names
        root = ET.fromstring(zf.read("project.qde"))
        texts = {}
        for ts in root.findall("q:Sources/q:TextSource", NS):
            ref = ts.get("plainTextPath")
            assert ref and ref.startswith("internal://")
            texts[ts.get("guid")] = zf.read("sources/" + ref.removeprefix("internal://")).decode("utf-8")
    return root, texts


def check_structure(root) -> None:
    """What the schema requires: namespace, element order, GUIDs on every element that needs one,
    references that point at existing elements."""
    assert root.tag == "{urn:QDA-XML:project:1.0}Project" and root.get("name")
    order = [el.tag.split("}")[1] for el in root]
    assert order == sorted(order, key=PROJECT_ORDER.index)
    guids = {el.get("guid") for el in root.iter() if el.get("guid")}
    for el in root.iter():
        if el.get("guid"):
            assert GUID_RE.match(el.get("guid")), el.get("guid")
        if el.get("targetGUID"):
            assert el.get("targetGUID") in guids, el.tag
    for sel in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"):
        assert int(sel.get("startPosition")) < int(sel.get("endPosition"))


# --------------------------------------------------------------------------- golden on the report


def test_qdpx_of_r13_golden_on_the_report(report_answerer, tmp_path):
    searcher = report_answerer.searcher
    expected = [c for c in searcher.chunks if "R13" in c.respondents]
    path, count = export_query(report_answerer, "", Filters(respondents=("R13",)), "qdpx", tmp_path / "r13.qdpx")
    assert count == len(expected) > 5
    root, texts = parse_qdpx(path)
    check_structure(root)
    (source,) = root.findall("q:Sources/q:TextSource", NS)
    assert source.get("name") == "succesvol-samenwerken-bedrijfsvoering.pdf"
    assert source.find("q:Description", NS).text == "Het volledige document."  # the PDF, read again
    text = texts[source.get("guid")]
    selections = source.findall("q:PlainTextSelection", NS)
    assert len(selections) == count
    spans = {(int(sel.get("startPosition")), int(sel.get("endPosition"))) for sel in selections}
    assert all(sel.find("q:Coding/q:CodeRef", NS) is not None for sel in selections)
    # every exported excerpt sits at its chunk's offsets in the re-read report text
    sources = export_sources(report_answerer, "", Filters(respondents=("R13",)))
    assert {s.chunk.id for s in sources} == {c.id for c in expected}
    want = {(s.chunk.start + s.start, s.chunk.start + s.end): s.text for s in sources}
    assert spans == set(want)
    assert all(text[a:b] == quote for (a, b), quote in want.items())
    cases = {c.get("name"): c for c in root.findall("q:Cases/q:Case", NS)}
    assert len(cases["R13"].findall("q:SelectionRef", NS)) == count  # passages may hold others' quotes too
    (code,) = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert code.get("name") == "Filter: respondent R13" and code.get("isCodable") == "true"
    description = root.find("q:Description", NS).text
    assert f"indexversie: {searcher.version}" in description and "filters: respondent R13" in description


def test_qdpx_of_a_query_quotes_are_at_their_positions(report_answerer, tmp_path):
    path, count = export_query(
        report_answerer, "vertrouwen tussen gemeenten", Filters(kind="quote"), "qdpx", tmp_path / "q.qdpx", k=15
    )
    root, texts = parse_qdpx(path)
    check_structure(root)
    sources = report_answerer.search("vertrouwen tussen gemeenten", Filters(kind="quote"), 15)
    assert count == len(sources) == 15
    quotes = {s.text for s in sources}
    for ts in root.findall("q:Sources/q:TextSource", NS):
        text = texts[ts.get("guid")]
        for sel in ts.findall("q:PlainTextSelection", NS):
            assert text[int(sel.get("startPosition")) : int(sel.get("endPosition"))] in quotes
    assert root.find("q:CodeBook/q:Codes/q:Code", NS).get("name") == "Zoekvraag: vertrouwen tussen gemeenten"


def test_labels_on_the_report_are_honest(report_answerer):
    chunks = report_answerer.searcher.chunks
    quotes = [c for c in chunks if c.kind == "quote"]
    labels = [source_label(c) for c in quotes]
    attributed = [lab for lab in labels if lab.startswith("citaat — R")]
    assert len(attributed) == sum(1 for c in quotes if c.respondents) == 110
    assert labels.count(LABEL_UNATTRIBUTED) == len(quotes) - 110 == 27
    assert all(source_label(c) == LABEL_REPORT for c in chunks if c.kind in ("passage", "table"))


def test_xlsx_and_csv_record_date_query_filters_and_version(report_answerer, tmp_path):
    from openpyxl import load_workbook

    filters = Filters(kind="quote")
    xlsx, n = export_query(report_answerer, "Wat zegt men over vertrouwen?", filters, "xlsx", tmp_path / "v.xlsx", k=8)
    wb = load_workbook(xlsx)
    info = {row[0].value: row[1].value for row in wb["Export"].iter_rows()}
    assert info["zoekopdracht"] == "Wat zegt men over vertrouwen?" and info["filters"] == "soort quote"
    assert info["indexversie"] == report_answerer.searcher.version and info["aantal"] == str(n) == "8"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", info["geëxporteerd"])
    sheet = wb["Citaten"]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == CSV_COLUMNS
    body = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(body) == 8 and all(r["label"].startswith("citaat") for r in body)

    path, _ = export_query(report_answerer, "", Filters(respondents=("R13",)), "csv", tmp_path / "r13.csv", sep=";")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Dutch characters
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows and all("R13" in r["respondent"] and r["filters"] == "respondent R13" for r in rows)
    assert all(
        r["zoekvraag"].startswith("(geen") and r["indexversie"] == report_answerer.searcher.version for r in rows
    )


def test_empty_query_without_filters_is_refused(report_answerer, tmp_path):
    with pytest.raises(ExportError, match="zoekvraag of een filter"):
        export_query(report_answerer, "  ", Filters(), "csv", tmp_path / "x.csv")
    with pytest.raises(ExportError, match="bestaat niet"):
        export_query(report_answerer, "x", Filters(), "pdf", tmp_path / "x.pdf")


# --------------------------------------------------------------------------- Markdown, labels


def test_markdown_shows_the_question_as_typed():
    question = "<img src=x onerror=alert(1)> **vet** [link](http://x)"
    md = to_markdown([], "Antwoord", question, None, ExportMeta(query=question, kind="vraag"))
    assert "<img" not in md.replace("\\<img", "") and "\\<img src=x onerror=alert(1)\\>" in md
    assert "\\*\\*vet\\*\\*" in md and "\\[link\\](http\\://x)" in md
    assert "- geëxporteerd: " in md and "- filters: geen" in md
    assert escape_markdown("a\n_b_ `c`") == "a \\_b\\_ \\`c\\`"


def test_source_labels():
    def chunk(kind, codes, meta=None):
        return Chunk("c", "d", kind, "tekst", codes, (), None, 0, 5, meta=meta or {})

    assert source_label(chunk("quote", ("R13",))) == "citaat — R13"
    assert source_label(chunk("turn", ("R36",))) == "citaat — R36"
    assert source_label(chunk("quote", ())) == "citaat, geen respondentcode"
    assert source_label(chunk("passage", ("R13",))) == "rapporttekst"
    assert source_label(chunk("passage", ("R13",)), ("R13",)) == "citaat — R13"  # a quote excerpted
    assert source_label(chunk("passage", ("R13",)), ()) == "rapporttekst"
    assert source_label(chunk("passage", ("R36",), {"interview": True})) == "interviewfragment — R36"
    assert source_label(chunk("table", ())) == "rapporttekst"
    src = Source(1, chunk("quote", ("R2",)), 0, 5, "tekst")
    assert src.label == "citaat — R2"
    assert Answer(question="q", text="t", lead="t", sources=(src,)).to_dict()["sources"][0]["label"] == "citaat — R2"


def test_qdpx_falls_back_to_the_fragments_when_the_file_is_gone():
    a = Chunk("a", "weg.txt", "quote", "eerste citaat", ("R1",), ("H",), None, 100, 113)
    b = Chunk("b", "weg.txt", "quote", "tweede", ("R2",), ("H",), None, 40, 46)
    sources = [Source(1, a, 0, 13, a.text), Source(2, b, 0, 6, b.text)]
    data = qdpx_bytes(sources, ExportMeta(query="q"))
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    check_structure(root)
    ts = root.find("q:Sources/q:TextSource", NS)
    text = zipfile.ZipFile(io.BytesIO(data)).read("sources/" + ts.get("plainTextPath")[11:]).decode()
    assert text == "tweede\n\neerste citaat"
    spans = [(int(s.get("startPosition")), int(s.get("endPosition"))) for s in ts.findall("q:PlainTextSelection", NS)]
    assert sorted(text[a:b] for a, b in spans) == ["eerste citaat", "tweede"]
    assert "Alleen de geëxporteerde fragmenten" in ts.find("q:Description", NS).text


# --------------------------------------------------------------------------- respondent attributes


@pytest.mark.parametrize(
    "content",
    [
        "R13,gemeentesecretaris,Drechtsteden\nR4,wethouder,Kreekendam\n",
        "code;rol;organisatie\nR13;gemeentesecretaris;Drechtsteden\nr 4;wethouder;Kreekendam\n",
        "respondent\trol\torganisatie\nR13\tgemeentesecretaris\tDrechtsteden\n4\twethouder\tKreekendam\n",
    ],
    ids=["no-header", "semicolon-header", "tab-header"],
)
def test_read_sheet(tmp_path, content):
    path = tmp_path / "respondenten.csv"
    path.write_text(content, encoding="utf-8")
    sheet = read_sheet(path)
    assert sheet.columns == ["rol", "organisatie"]
    assert sheet.respondents == {
        "R13": {"rol": "gemeentesecretaris", "organisatie": "Drechtsteden"},
        "R4": {"rol": "wethouder", "organisatie": "Kreekendam"},
    }
    assert sheet.matching([("rol", "Wethouder")]) == {"R4"}


def test_sheet_problems_are_dutch(tmp_path):
    empty = tmp_path / "leeg.csv"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(SheetError, match="leeg"):
        read_sheet(empty)
    odd = tmp_path / "raar.csv"
    odd.write_text("code,rol\nR1,a\nJan,b\nR1,c\n", encoding="utf-8")
    sheet = read_sheet(odd)
    assert sheet.respondents == {"R1": {"rol": "c"}}
    assert any("regel 3" in w and "geen respondentcode" in w for w in sheet.warnings)
    assert any("regel 4" in w and "al eerder" in w for w in sheet.warnings)
    with pytest.raises(SheetError, match="kan niet gelezen"):
        read_sheet(tmp_path / "bestaat-niet.csv")


@pytest.fixture(scope="module")
def sample_searcher(tmp_path_factory) -> Searcher:
    from citaat.index.build import build_index

    directory = write_sample(tmp_path_factory.mktemp("sample-attr"))
    build_index(directory, progress=False)
    sheet_path = directory / "lijst.csv"
    sheet_path.write_text(
        "code,rol,organisatie\nR13,wethouder,A\nR4,gemeentesecretaris,B\nR25,wethouder,B\n", encoding="utf-8"
    )
    write_sheet(directory, read_sheet(sheet_path))
    return Searcher.open(directory)


def test_attribute_filter(sample_searcher):
    hits = sample_searcher.search("vertrouwen koffie klik", k=20, filters=Filters(attributes={"rol": "Wethouder"}))
    assert hits and all(set(h.respondents) & {"R13", "R25"} for h in hits)
    both = Filters(attributes=(("rol", "wethouder"), ("organisatie", "b")))
    assert {r for n in sample_searcher.allowed_rows(both) for r in sample_searcher.chunks[int(n)].respondents} >= {
        "R25"
    }
    assert all("R25" in sample_searcher.chunks[int(n)].respondents for n in sample_searcher.allowed_rows(both))
    with pytest.raises(ConfigError, match="onbekend respondentkenmerk"):
        sample_searcher.allowed_rows(Filters(attributes={"leeftijd": "40"}))
    assert Filters(attributes={"Rol ": " wethouder "}).describe() == "rol = wethouder"


def test_attribute_filter_without_a_sheet_says_how_to_add_one(report_answerer):
    with pytest.raises(ConfigError, match="--respondents"):
        report_answerer.searcher.allowed_rows(Filters(attributes={"rol": "wethouder"}))


def test_qdpx_cases_carry_the_attributes_as_variables(sample_searcher, tmp_path):
    answerer = Answerer(sample_searcher, AnswerConfig())
    path, count = export_query(answerer, "", Filters(attributes={"rol": "wethouder"}), "qdpx", tmp_path / "w.qdpx")
    root, _ = parse_qdpx(path)
    check_structure(root)
    variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", NS)}
    assert sorted(variables.values()) == ["organisatie", "rol"]
    assert all(v.get("typeOfVariable") == "Text" for v in root.findall("q:Variables/q:Variable", NS))
    cases = {c.get("name"): c for c in root.findall("q:Cases/q:Case", NS)}
    assert {"R13", "R25"} <= set(cases)
    values = {
        variables[vv.find("q:VariableRef", NS).get("targetGUID")]: vv.find("q:TextValue", NS).text
        for vv in cases["R25"].findall("q:VariableValue", NS)
    }
    assert values == {"rol": "wethouder", "organisatie": "B"}


def test_xlsx_keeps_text_that_looks_like_a_formula(tmp_path):
    from openpyxl import load_workbook

    from citaat.app.export import to_xlsx

    text = "=SOM(A1) zei hij\x07"
    chunk = Chunk("c", "d.txt", "quote", text, ("R1",), ("H",), None, 0, len(text))
    to_xlsx([Source(1, chunk, 0, len(text), chunk.text)], tmp_path / "f.xlsx", ExportMeta(query="=1+1"))
    wb = load_workbook(tmp_path / "f.xlsx")
    header = [c.value for c in wb["Citaten"][1]]
    row = dict(zip(header, [c.value for c in wb["Citaten"][2]], strict=True))
    assert row["citaat"] == "=SOM(A1) zei hij" and wb["Citaten"]["C2"].data_type == "s"
    assert row["zoekvraag"] == "=1+1"
