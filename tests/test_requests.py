"""One request parser (app/requests.py): the same filters on every command and endpoint that
searches or answers, and the same Dutch message for a bad filter from the CLI, the API and the
service itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sample_index import REPORT, write_sample
from starlette.applications import Starlette
from typer.testing import CliRunner

from citaat.app.api import api_routes, create_api
from citaat.app.config import AnswerConfig
from citaat.app.requests import RequestError, UnknownRespondent, known_respondents, parse_filters
from citaat.app.service import Answerer
from citaat.app.ui import make_filters
from citaat.cli import app
from citaat.index.search import Filters, Searcher

QUESTION = "Wat zeggen ze over vertrouwen tussen gemeenten?"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    directory = write_sample(tmp_path_factory.mktemp("requests"))
    result = CliRunner().invoke(app, ["index", str(directory), "--quiet"])
    assert result.exit_code == 0, result.output
    from citaat.ingest.attributes import read_sheet, write_sheet

    (directory / "lijst.csv").write_text("R13,wethouder,A\nR4,gemeentesecretaris,B\n", encoding="utf-8")
    write_sheet(directory, read_sheet(directory / "lijst.csv"))
    return directory


@pytest.fixture(scope="module")
def client(indexed) -> TestClient:
    answerer = Answerer(Searcher.open(indexed), AnswerConfig())
    return TestClient(Starlette(routes=api_routes(create_api(answerer, cache_size=0))))


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_parse_filters_reads_every_filter():
    f = parse_filters(["r 13", "R4", " "], "Succesfactoren", "quote", "rapport", "wethouder", "A", ["regio=Noord"])
    assert f == Filters(("R13", "R4"), "Succesfactoren", "quote", "rapport",
                        (("rol", "wethouder"), ("organisatie", "A"), ("regio", "Noord")))
    assert parse_filters().is_empty() and parse_filters("", "", "", "", "", "", []).is_empty()
    assert parse_filters("R7").respondents == ("R7",)  # one code as a plain string
    # the page's menu gives (name, value) pairs: the same Filters as the CLI's --rol
    assert make_filters(["R13", "rol: wethouder"], "", "") == parse_filters(["R13"], rol="wethouder")


def test_codes_not_in_the_index_are_named():
    f = parse_filters(["R13", "R99"])
    with pytest.raises(UnknownRespondent, match="respondent R99 komt in de index niet voor"):
        known_respondents(f, ["R13", "R4"])
    assert known_respondents(parse_filters(["R4"]), ["R13", "R4"]).respondents == ("R4",)


# (CLI options, API body fields, parse_filters arguments) of one bad filter each
BAD = {
    "code": (["-r", "Jan"], {"respondents": ["Jan"]}, {"respondents": ["Jan"]}),
    "kind": (["--kind", "roman"], {"kind": "roman"}, {"kind": "roman"}),
    "attribute": (["--attribuut", "rolwethouder"], {"attributes": ["rolwethouder"]}, {"attributes": ["rolwethouder"]}),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_filter_gets_the_same_dutch_message_everywhere(name, indexed, client, tmp_path):
    cli_args, body, kwargs = BAD[name]
    with pytest.raises(RequestError) as raised:
        parse_filters(**kwargs)
    message = str(raised.value)
    assert message and "Traceback" not in message
    commands = [
        ["search", "vertrouwen", "--index", indexed],
        ["ask", QUESTION, "--index", indexed],
        ["export", "vertrouwen", "--index", indexed, "--out", tmp_path / "x.csv"],
        ["chat", "--index", indexed],  # refused before the index is opened or anything is served
    ]
    for command in commands:
        result = run(*command, *cli_args)
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr.strip().splitlines() == [f"citaat: {message}"], (command, result.stderr)
    for path, text in (("/api/ask", {"question": QUESTION}), ("/api/search", {"query": "vertrouwen"})):
        response = client.post(path, json={**text, **body})
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == message


def _chunks(directory: Path) -> dict[str, dict]:
    """The chunks by id; "found": the respondents of the chunk or of its passage (an attribute filter
    passes a passage, and the answer may show a quote inside it)."""
    lines = (directory / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    chunks = {c["id"]: c for c in map(json.loads, lines)}
    for c in chunks.values():
        c["found"] = set(c["respondents"]) | set(chunks[c["parent"]]["respondents"] if c.get("parent") else ())
    return chunks


@pytest.mark.parametrize(
    ("options", "holds"),
    [
        (["--respondent", "R13"], lambda s, c: "R13" in c["found"]),
        (["--rol", "wethouder"], lambda s, c: "R13" in c["found"]),
        (["--organisatie", "B"], lambda s, c: "R4" in c["found"]),
        (["--attribuut", "rol=gemeentesecretaris"], lambda s, c: "R4" in c["found"]),
        (["--section", "Succesfactoren"], lambda s, c: s["section"][0] == "Succesfactoren"),
        (["--kind", "quote"], lambda s, c: s["kind"] == "quote"),
        (["--doc", Path(REPORT).stem], lambda s, c: c["doc"] == REPORT),
        (["--qdrant-url", ":memory:"], lambda s, c: True),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else "",
)
def test_ask_takes_every_filter(options, holds, indexed):
    if options[0] == "--qdrant-url":
        pytest.importorskip("qdrant_client")
    result = run("ask", QUESTION, "--index", indexed, "--json", *options)
    assert result.exit_code == 0, result.output + result.stderr
    answer = json.loads(result.stdout)
    chunks = _chunks(indexed)
    assert answer["sources"], answer["answer"]
    assert all(holds(s, chunks[s["id"]]) for s in answer["sources"]), answer["sources"]


def test_ask_with_qdrant_answers_as_with_faiss(indexed):
    pytest.importorskip("qdrant_client")
    faiss = run("ask", QUESTION, "--index", indexed, "--json", "--kind", "quote")
    qdrant = run("ask", QUESTION, "--index", indexed, "--json", "--kind", "quote", "--qdrant-url", ":memory:")
    assert faiss.exit_code == qdrant.exit_code == 0, qdrant.output + qdrant.stderr
    ids = [[s["id"] for s in json.loads(r.stdout)["sources"]] for r in (faiss, qdrant)]
    assert ids[0] and ids[0] == ids[1]


def test_the_api_takes_every_filter(client, indexed):
    body = {"query": "vertrouwen", "k": 5, "rol": "wethouder", "section": "Succesfactoren", "kind": "quote"}
    hits = client.post("/api/search", json=body).json()["hits"]
    assert hits and all("R13" in h["respondents"] and h["kind"] == "quote" for h in hits)
    asked = client.post("/api/ask", json={"question": QUESTION, "attributes": ["organisatie=B"]})
    chunks, sources = _chunks(indexed), asked.json()["sources"]
    assert asked.status_code == 200 and sources and all("R4" in chunks[s["id"]]["found"] for s in sources)
    missing = client.post("/api/search", json={"query": "vertrouwen", "respondents": ["R99"]})
    assert missing.status_code == 404 and "R99 komt in de index niet voor" in missing.json()["detail"]


def test_chat_starts_with_the_filters_given(indexed):
    from citaat.app.ui import build_app

    answerer = Answerer(Searcher.open(indexed), AnswerConfig())
    filters = parse_filters(["R13"], "succesfactoren", "quote", rol="wethouder")
    demo = build_app(answerer, filters=filters)
    widgets = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    resp, section, kind = (widgets[f"filter-{name}"] for name in ("respondent", "section", "kind"))
    assert resp.value == ["R13", "rol: wethouder"] and kind.value == "quote"
    assert section.value == "Succesfactoren"  # the chapter as the menu spells it
    # the page reads them back as the same Filters (app/ui make_filters)
    assert make_filters(resp.value, section.value, kind.value) == Filters(
        ("R13",), "Succesfactoren", "quote", None, (("rol", "wethouder"),))
    # a section that is only the start of a name is offered as it was given
    demo = build_app(answerer, filters=parse_filters(section="Succes"))
    section = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "filter-section")
    assert section.value == "Succes" and ("Succes", "Succes") in section.choices
    assert make_filters([], "", "") == Filters()  # "Filters wissen" still clears everything


def test_chat_refuses_a_code_the_index_lacks(indexed):
    result = run("chat", "--index", indexed, "--respondent", "R99")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["citaat: respondent R99 komt in de index niet voor"]
