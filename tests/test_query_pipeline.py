"""One `Query` per question and the searcher's public stages (issue 23): the question is understood
once, the search is `rank(candidates(...))`, `with_parts` shares an opened index, and the answer
service neither probes nor changes the searcher."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_index import write_sample

from citaat.app.config import AnswerConfig
from citaat.app.service import Answerer
from citaat.index.build import build_index
from citaat.index.config import SearchConfig
from citaat.index.embedders import QueryCache
from citaat.index.query import Query
from citaat.index.search import Filters, Searcher


@pytest.fixture(scope="module")
def directory(tmp_path_factory) -> Path:
    directory: Path = write_sample(tmp_path_factory.mktemp("sample-query"))
    build_index(directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def searcher(directory) -> Searcher:
    return Searcher.open(directory)


def test_a_query_holds_what_every_stage_reads():
    q = Query.of("Welke respondent zegt dat R13 het vertrouwen mist?")
    assert q.filters.respondents == ("R13",) and q.respondents == ("R13",)
    assert "R13" not in q.embed and q.embed.startswith("Welke respondent zegt dat")
    assert q.match == "het vertrouwen mist"  # the frame stripped for BM25 only
    assert q.prefer == "quote" and q.shape == "person" and not q.english
    assert Query.of("What do the interviewees say about trust?").english
    assert Query.of("Wat zegt R13 over geld?", strip=False).match == "Wat zegt over geld?"


def test_an_explicit_filter_wins_and_a_followup_keeps_its_own_codes():
    q = Query.of("Wat zegt R13 over geld?", Filters(respondents=("R9",), kind="quote"))
    assert q.filters.respondents == ("R9",) and q.filters.kind == "quote" and q.respondents == ("R9",)
    # a follow-up searches with the previous topic's words, which may name a respondent; the answer
    # is about the codes the follow-up itself names
    follow = Query.of("En over geld?", search_text="En over geld? (R13 vertrouwen)")
    assert follow.filters.respondents == ("R13",) and follow.respondents == ()
    assert follow.text == "En over geld?" and "R13" not in follow.embed and "vertrouwen" in follow.embed


def test_search_is_rank_of_candidates(searcher):
    for text in ("vertrouwen tussen gemeenten", "Wat zegt R13 over vertrouwen?", "Hoeveel draagvlak is er?"):
        q = searcher.query(text)
        depth = max(searcher.config.candidates, 3 * 5)
        pool = searcher.candidates(q, depth)
        staged = searcher.rank(q, pool, 5)
        assert [(h.id, h.score) for h in staged] == [(h.id, h.score) for h in searcher.search(text, k=5)]
        assert [(h.id, h.score) for h in searcher.search(q, k=5)] == [(h.id, h.score) for h in staged]
    pool = searcher.candidates(searcher.query("Wat zegt R13 over vertrouwen?"), 50)
    assert pool.fused and all("R13" in searcher.chunks[n].respondents for n in pool.fused)
    assert searcher.candidates(searcher.query("geld", Filters(doc="bestaat-niet")), 50).available == 0


def test_with_parts_shares_the_index_and_leaves_the_original_alone(searcher):
    dense = searcher.with_parts(config=SearchConfig(mode="dense"))
    assert dense.config.mode == "dense" and searcher.config == SearchConfig()
    assert dense.vectors is searcher.vectors and dense.bm25 is searcher.bm25 and dense.chunks is searcher.chunks
    assert dense.embedder is searcher.embedder and dense.version == searcher.version
    hits = dense.search("ruzie over geld", k=3)
    assert all(h.matched_by == ("dense",) for h in hits)
    assert any("bm25" in h.matched_by for h in searcher.search("ruzie over de tekorten", k=3))


def test_the_answerer_uses_the_searchers_memoised_vector_without_changing_the_searcher(directory, monkeypatch):
    import sys

    import citaat.ingest.respondents as respondents_module

    searcher = Searcher.open(directory)
    assert isinstance(searcher.embedder, QueryCache)
    embedder = searcher.embedder
    answerer = Answerer(searcher, AnswerConfig(), sentence_cache=None)
    assert searcher.embedder is embedder and answerer.scorer.embedder is embedder
    parsed: list[str] = []
    real = respondents_module.parse_respondents

    def counting(text: str):
        parsed.append(text)
        return real(text)

    for name, module in list(sys.modules.items()):  # every module that imported it by name
        if name.startswith("citaat") and getattr(module, "parse_respondents", None) is real:
            monkeypatch.setattr(module, "parse_respondents", counting)
    misses = embedder.misses
    answer = answerer.answer("Wat zegt R13 over vertrouwen?")
    assert answer.sources and all("R13" in s.chunk.respondents for s in answer.sources)
    assert parsed == ["Wat zegt R13 over vertrouwen?"]  # respondent codes parsed once per question
    assert embedder.misses == misses + 1  # the question embedded once: search, scorer and evidence share it
