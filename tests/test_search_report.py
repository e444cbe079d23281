"""Search on the real report (../shared/corpus, never copied into the repository)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citaat.index.search import Filters, Searcher

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus"


@pytest.fixture(scope="module")
def report(report_index) -> Searcher:
    return Searcher.open(report_index)


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_respondent_question_finds_the_quote(report):
    hits = report.search("Wat zegt R16 over transparantie?", k=5)
    assert all("R16" in h.respondents for h in hits)
    assert "open, eerlijk en transparant communiceren" in _ws(hits[0].text)


def test_paraphrased_question(report):
    hits = report.search("Wat is volgens een geïnterviewde de allerbelangrijkste succesfactor tussen mensen?", k=5)
    assert any("De allerbelangrijkste succesfactor is de klik tussen de mensen" in _ws(h.text) for h in hits)


def test_table_question_and_filters(report):
    # Since "Zoeken v2" the indexed text carries no section path (chosen by CV on dev), so the table of
    # motives no longer matches "motief" through its heading: it ranks 6th, behind passages on motives.
    hits = report.search("Welk motief om samen te werken scoort het laagst?", k=10)
    assert any(h.kind == "table" and "druk vanuit de provincie of rijk" in _ws(h.text) for h in hits)
    faal = report.search("risico's", k=10, filters=Filters(section="faalfactoren", kind="quote"))
    assert len(faal) == 10 and all(h.section[0] == "Faalfactoren" and h.kind == "quote" for h in faal)
    assert all(h.page and h.respondents for h in faal)


def test_listings(report):
    respondents = report.respondents()
    assert "R22" not in respondents and {"R1", "R13", "R28"} <= set(respondents)
    assert any(s[0] == "Succesfactoren" for s in report.sections())
