"""Searcher behaviour on the synthetic sample: filters, respondent codes in questions, modes, dedup."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_index import write_sample

from citaat.index.build import build_index
from citaat.index.config import SearchConfig
from citaat.index.search import Filters, Searcher
from citaat.ingest.respondents import parse_respondents


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> Searcher:
    directory: Path = write_sample(tmp_path_factory.mktemp("sample"))
    build_index(directory, progress=False)
    return Searcher.open(directory)


@pytest.fixture()
def fresh(searcher) -> Searcher:
    """The shared searcher with its default config restored, so tests never see each other's config."""
    searcher.config = SearchConfig()
    return searcher


@pytest.mark.parametrize(
    ("question", "text", "codes"),
    [
        ("Wat zegt R13 over vertrouwen?", "Wat zegt over vertrouwen?", ("R13",)),
        ("wat vindt r 13 van de ICT", "wat vindt van de ICT", ("R13",)),
        ("Wat zegt respondent 9 over geld?", "Wat zegt over geld?", ("R9",)),
        ("Wat zeggen respondenten 4 en 25 over koffie?", "Wat zeggen over koffie?", ("R4", "R25")),
        ("Vergelijk R4, R25 of R13", "Vergelijk", ("R4", "R25", "R13")),
        ("Wat zegt R-7 over de raad?", "Wat zegt over de raad?", ("R7",)),
        ("Hoeveel gemeenten werken sinds 2017 samen?", "Hoeveel gemeenten werken sinds 2017 samen?", ()),
        ("Wat is de rol van de raad per 13 gemeenten?", "Wat is de rol van de raad per 13 gemeenten?", ()),
        ("Wie is R2D2?", "Wie is R2D2?", ()),
    ],
    ids=["R13", "r-space", "respondent", "list", "comma-list", "dash", "year", "per-13", "not-a-code"],
)
def test_parse_respondents(question, text, codes):
    assert parse_respondents(question) == (text, codes)


def test_filters_normalise_codes():
    assert Filters(respondents=("r 13", "13", "R13", "Respondent 4")).respondents == ("R13", "R4")
    assert Filters(respondents="R9").respondents == ("R9",)  # type: ignore[arg-type]
    assert Filters(section="  ").is_empty()
    with pytest.raises(ValueError, match="geen respondentcode"):
        Filters(respondents=("Jan",))


def test_respondent_filter(fresh):
    hits = fresh.search("vertrouwen", k=10, filters=Filters(respondents=("R13",)))
    assert hits and all("R13" in h.respondents for h in hits)
    found = sorted({h.id for h in hits} | {c for h in hits for c in h.collapsed})  # the collapsed ones too
    assert found == ["rapport:p:00", "rapport:p:03", "rapport:q:000", "rapport:q:030"]


def test_respondent_in_question_becomes_a_filter(fresh):
    hits = fresh.search("Wat zegt R13 over vertrouwen?", k=10)
    assert hits and all("R13" in h.respondents for h in hits)
    hits = fresh.search("Wat zegt r 7 over de salarisadministratie?", k=3)
    assert hits[0].id == "r7:u:00"


def test_explicit_respondent_filter_wins(fresh):
    hits = fresh.search("Wat zegt R13 over de tekorten?", k=10, filters=Filters(respondents=("R9",)))
    assert hits and all(h.respondents == ("R9",) for h in hits)


@pytest.mark.parametrize(
    ("section", "expected_top"),
    [
        ("faal", "Faalfactoren"),
        ("FAALFACTOREN", "Faalfactoren"),
        ("3.2", "Faalfactoren"),
        ("succesfactoren > 2.2", "Succesfactoren"),
        ("gezamenlijke amb", "Succesfactoren"),
    ],
    ids=["prefix", "case", "element", "joined-path", "element-words"],
)
def test_section_prefix_filter(fresh, section, expected_top):
    hits = fresh.search("vertrouwen en samenwerking", k=10, filters=Filters(section=section))
    assert hits
    needle = section.casefold()
    for h in hits:
        assert h.section[0] == expected_top
        assert " > ".join(h.section).casefold().startswith(needle) or any(
            s.casefold().lstrip("0123456789. ").startswith(needle) or s.casefold().startswith(needle) for s in h.section
        )


def test_kind_and_doc_filters(fresh):
    turns = fresh.search("fusie en gemeenteraden", k=10, filters=Filters(kind="turn"))
    assert {h.id for h in turns} == {"r7:u:00", "r7:u:01"}
    assert turns[0].id == "r7:u:01" and turns[0].context == "Wat zou u anders doen?"
    for doc in ("interview-r7", "INTERVIEW-R7.DOCX"):
        assert {h.doc for h in fresh.search("samenwerking", k=10, filters=Filters(doc=doc))} == {"interview-r7.docx"}
    assert fresh.search("samenwerking", filters=Filters(doc="bestaat-niet")) == []
    assert fresh.search("samenwerking", filters=Filters(kind="quote", respondents=("R7",))) == []


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_filtered_search_still_returns_k_hits_with_shallow_candidates(fresh, mode):
    # Only 2 candidates per retriever: post-filtering would lose quotes; pre-filtering does not.
    fresh.config = SearchConfig(candidates=2)
    hits = fresh.search("vertrouwen tussen gemeenten", k=3, filters=Filters(kind="quote"), mode=mode)
    if mode == "bm25":  # BM25 only returns chunks that share a term with the question
        assert 1 <= len(hits) <= 3
    else:
        assert len(hits) == 3
    assert all(h.kind == "quote" for h in hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_duplicates_are_collapsed(fresh):
    hits = fresh.search("Als de servers platliggen is het vertrouwen weg", k=5)
    ids = [h.id for h in hits]
    assert hits[0].id in {"rapport:q:030", "rapport:p:03"}
    assert not {"rapport:q:030", "rapport:p:03"} <= set(ids)
    assert {"rapport:q:030", "rapport:p:03"} - {hits[0].id} <= set(hits[0].collapsed)


def test_modes_and_hit_fields(fresh):
    dense = fresh.search("ruzie over geld", k=3, mode="dense")
    assert all(h.matched_by == ("dense",) and h.dense_score is not None for h in dense)
    lexical = fresh.search("ruzie over de tekorten", k=3, mode="bm25")
    assert lexical[0].respondents == ("R9",) and lexical[0].matched_by == ("bm25",)
    assert fresh.search("xyzzy quux", mode="bm25") == []
    hybrid = fresh.search("ruzie over de tekorten", k=3)
    top = hybrid[0]
    assert top.matched_by == ("dense", "bm25") and top.rank == 1 and top.page is not None
    assert top.to_dict().keys() == {"id", "text", "kind", "respondents", "section", "page", "score"}
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)
    with pytest.raises(ValueError, match="zoekmodus"):
        fresh.search("x", mode="fuzzy")
