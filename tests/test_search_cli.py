"""`citaat index` and `citaat search`: JSON formats, human output and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sample_index import write_sample
from typer.testing import CliRunner

from citaat.cli import app
from citaat.ingest.store import CHUNKS_FILE

HIT_KEYS = {"id", "text", "kind", "respondents", "section", "page", "score"}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    directory = write_sample(tmp_path_factory.mktemp("cli"))
    result = CliRunner().invoke(app, ["index", str(directory), "--quiet"])
    assert result.exit_code == 0, result.output
    return directory


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_index_command_reports_what_it_did(tmp_path):
    directory = write_sample(tmp_path / "data")
    result = run("index", str(directory))
    assert result.exit_code == 0, result.output
    assert "Zoekindex: 15 chunks (15 ingebed, 0 hergebruikt, exact)" in result.stderr
    again = run("index", str(directory))
    assert "(0 ingebed, 15 hergebruikt" in again.stderr


def test_json_output(indexed):
    result = run("search", "Wat zegt R9 over de tekorten?", "--index", str(indexed), "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["q"] == "Wat zegt R9 over de tekorten?"
    assert 1 <= len(data["hits"]) <= 2
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
        assert hit["respondents"] == ["R9"]
        assert isinstance(hit["section"], list) and isinstance(hit["score"], float)


def test_batch_queries_write_one_json_line_per_query(indexed, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "a", "q": "Wat zegt R13 over vertrouwen?"}\n\n{"id": 7, "q": "salarisadministratie"}\n',
        encoding="utf-8",
    )
    result = run("search", "--queries", str(queries), "--index", str(indexed), "-k", "3")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", 7]
    assert all(set(line) == {"id", "hits"} for line in lines)
    assert all(set(h) == HIT_KEYS for line in lines for h in line["hits"])
    assert all("R13" in h["respondents"] for h in lines[0]["hits"])
    assert lines[1]["hits"][0]["id"] == "r7:u:00"


def test_human_output_puts_the_quote_first(indexed):
    result = run("search", "belastingdienst", "--index", str(indexed), "-k", "2", "--kind", "quote")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(" 1. “Wij wilden samen de beste belastingdienst")
    assert lines[1].strip() == "R2 · Succesfactoren > 2.2 Gezamenlijke ambitie · p. 4 · quote"


def test_cli_filters(indexed):
    result = run(
        "search",
        "vertrouwen",
        "--index",
        str(indexed),
        "--respondent",
        "r 13",
        "--respondent",
        "R4",
        "--section",
        "succes",
        "--json",
    )
    hits = json.loads(result.stdout)["hits"]
    assert hits and all({"R13", "R4"} & set(h["respondents"]) for h in hits)
    assert all(h["section"][0] == "Succesfactoren" for h in hits)
    result = run(
        "search", "gemeenteraden", "--index", str(indexed), "--doc", "interview-r7", "--mode", "bm25", "--json"
    )
    assert {h["id"][:3] for h in json.loads(result.stdout)["hits"]} == {"r7:"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--index", "{missing}"], "geen chunks.jsonl"),
        (["search", "x", "--index", "{noindex}"], "citaat index"),
        (["search", "x", "--index", "{idx}", "--mode", "fuzzy"], "--mode 'fuzzy' bestaat niet"),
        (["search", "x", "--index", "{idx}", "--kind", "quotes"], "soort 'quotes' bestaat niet"),
        (["search", "x", "--index", "{idx}", "--respondent", "Jan"], "geen respondentcode"),
        (["search", "--index", "{idx}"], "óf een vraag óf --queries"),
        (["search", "--queries", "{badq}", "--index", "{idx}"], "bad.jsonl:1: geen geldige JSON"),
    ],
    ids=["no-dir", "no-index", "mode", "kind", "respondent", "no-query", "bad-batch"],
)
def test_errors_are_one_line_without_traceback(indexed, tmp_path, args, message):
    noindex = write_sample(tmp_path / "noindex")
    badq = tmp_path / "bad.jsonl"
    badq.write_text("not json\n", encoding="utf-8")
    paths = {"missing": tmp_path / "nope", "noindex": noindex, "idx": indexed, "badq": badq}
    result = run(*[a.format(**paths) for a in args])
    assert result.exit_code != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("citaat: ")
    assert "Traceback" not in result.output


def test_stale_index_error_says_to_reindex(indexed, tmp_path):
    directory = tmp_path / "stale"
    shutil.copytree(indexed, directory)
    path = directory / CHUNKS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("koffie", "thee"), encoding="utf-8")
    result = run("search", "koffie", "--index", str(directory))
    assert result.exit_code == 1
    assert f"bouw de index opnieuw met `citaat index {directory}`" in result.stderr


def test_qdrant_url_serves_the_same_hits(indexed, tmp_path):
    """`--qdrant-url` puts the vectors in Qdrant through the VectorStore seam; local mode (":memory:"
    or a directory) gives the FAISS results."""
    pytest.importorskip("qdrant_client")
    args = ["search", "Wat zegt R9 over de tekorten?", "--index", str(indexed), "-k", "4", "--json"]
    faiss_hits = json.loads(run(*args).output)["hits"]
    for location in (":memory:", str(tmp_path / "qdrant")):
        result = run(*args, "--qdrant-url", location)
        assert result.exit_code == 0, result.output
        hits = json.loads(result.output)["hits"]
        assert [h["id"] for h in hits] == [h["id"] for h in faiss_hits]


def test_qdrant_url_unreachable_is_one_dutch_line(indexed):
    pytest.importorskip("qdrant_client")
    result = run("search", "tekorten", "--index", str(indexed), "--qdrant-url", "http://127.0.0.1:9")
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "qdrant" in result.output.lower()
