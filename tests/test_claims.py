"""Claim search (index/claims.py) and result pages (index/paging.py): golden tests on the real
report, the paging rule on a ranking that changes with depth, and the CLI's --claim / --offset."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from citaat.cli import app
from citaat.index.claims import ClaimSearch, claim_sentences, content_words
from citaat.index.paging import page, same_result, segment_base
from citaat.index.records import Hit
from citaat.index.search import Filters, Searcher
from citaat.ingest.model import Chunk

TRUST_CLAIM = (
    "Gemeenten die elkaar vertrouwen werken beter samen; zonder dat vertrouwen strandt de samenwerking "
    "al in de beginfase."
)


@pytest.fixture(scope="module")
def report(report_index) -> Searcher:
    return Searcher.open(report_index)


@pytest.fixture(scope="module")
def claims(report) -> ClaimSearch:
    return ClaimSearch(report)


def _about_trust(hit: Hit) -> bool:
    return "vertrouw" in hit.text.casefold() or any("vertrouwen" in s.casefold() for s in hit.section)


# --------------------------------------------------------------------------- sentences and words


def test_claim_is_cut_into_sentences_and_clauses():
    assert claim_sentences(TRUST_CLAIM) == [
        "Gemeenten die elkaar vertrouwen werken beter samen",
        "zonder dat vertrouwen strandt de samenwerking al in de beginfase.",
    ]
    assert claim_sentences("  Eén zin.\n\nNog een zin, bijv. deze.  ") == ["Eén zin.", "Nog een zin, bijv. deze."]
    assert claim_sentences("   ") == []


def test_content_words_drop_stopwords_and_keep_the_written_form():
    assert content_words("Gemeenten die elkaar vertrouwen, werken beter samen met de gemeenten.") == [
        "Gemeenten", "elkaar", "vertrouwen", "werken", "beter", "samen"
    ]


# --------------------------------------------------------------------------- golden: the report


def test_trust_claim_finds_respondent_quotes_about_trust(claims):
    result = claims.search(TRUST_CLAIM, k=10)
    assert len(result.sentences) == 2 and len(result.hits) == 10
    assert [h.hit.rank for h in result.hits] == list(range(1, 11))
    # interview evidence by default: every result is a quote (the report has no transcript turns)
    assert all(h.hit.kind == "quote" for h in result.hits), [h.hit.kind for h in result.hits]
    assert not result.report_text and result.to_dict()["report_text"] is False
    quotes = [h.hit for h in result.hits if h.hit.respondents]
    assert sum(_about_trust(q) for q in quotes) >= 3, [q.text[:60] for q in quotes]
    assert any(_about_trust(h.hit) and h.hit.respondents for h in result.hits[:5])
    # Every result says which claim sentence(s) it was found for, with its rank there.
    for h in result.hits:
        assert len(h.sentence_ranks) == 2 and h.supports
        assert all(h.sentence_ranks[i] is not None for i in h.supports)
    assert {i for h in result.hits for i in h.supports} == {0, 1}


ISSUE_CLAIM = "Gemeenten die elkaar vertrouwen werken beter samen; zonder vertrouwen loopt samenwerking vast."


def test_report_text_comes_only_on_request_and_never_the_apparatus(claims, report):
    from citaat.ingest.apparatus import apparatus_kind, mark_apparatus

    apparatus = {c.id for c in mark_apparatus(report.chunks) if apparatus_kind(c)}  # one document: the report
    assert len(apparatus) >= 10
    default = claims.search(ISSUE_CLAIM, k=30)
    assert {h.hit.kind for h in default.hits} == {"quote"}
    assert sum(bool(h.hit.respondents) for h in default.hits[:10]) >= 8
    with_report = claims.search(ISSUE_CLAIM, k=30, report_text=True)
    assert with_report.report_text and "passage" in {h.hit.kind for h in with_report.hits}
    # the cover blurb (p. 1, before the first heading) was #4 before issue 22; no apparatus at all now
    assert not any(h.hit.id in apparatus for h in [*default.hits, *with_report.hits])
    # what an apparatus-blind search finds for the same claim: the blurb is there, so the test can fail
    plain = report.search(ISSUE_CLAIM, k=30)
    assert any(h.id in apparatus and h.page == 1 for h in plain)
    # a kind filter searches that kind alone
    tables = claims.search(ISSUE_CLAIM, k=5, filters=Filters(kind="passage"))
    assert {h.hit.kind for h in tables.hits} == {"passage"}
    # a respondent filter keeps to that respondent's quotes, also for quotes found through a passage
    r7 = claims.search(ISSUE_CLAIM, k=5, filters=Filters(respondents=("R7",)))
    assert r7.hits and all(h.hit.respondents == ("R7",) for h in r7.hits)


def test_claim_pages_continue_without_overlap_or_gap(claims):
    whole = claims.search(TRUST_CLAIM, k=50)
    pages = [claims.search(TRUST_CLAIM, k=10, offset=o) for o in range(0, 50, 10)]
    assert [h.hit.id for p in pages for h in p.hits] == [h.hit.id for h in whole.hits]
    assert [h.hit.rank for p in pages for h in p.hits] == list(range(1, 51))
    hits = [h.hit for h in whole.hits]
    assert not any(same_result(a, b) for i, a in enumerate(hits) for b in hits[i + 1 :])
    assert all(p.has_more for p in pages) and pages[3].offset == 30


def test_plain_search_pages_start_with_the_plain_search_and_go_past_the_first_segment(report):
    query = "vertrouwen tussen gemeenten"
    base = segment_base(report.config.candidates)

    def ranking(n: int) -> list[Hit]:
        return report.search(query, k=n)

    first = page(ranking, 10)
    assert [h.id for h in first.hits] == [h.id for h in report.search(query, k=10)]
    deep = [page(ranking, 10, offset).hits for offset in range(0, 90, 10)]
    ids = [h.id for p in deep for h in p]
    assert len(ids) == 90 > base and len(set(ids)) == 90
    assert [h.rank for p in deep for h in p] == list(range(1, 91))
    assert ids == [h.id for h in page(ranking, 90).hits]


def test_the_next_page_reuses_the_segments_already_ranked(report):
    calls: list[int] = []

    class Counting:
        chunks = report.chunks
        config = report.config

        def search(self, query, k=None, filters=None):
            calls.append(k)
            return report.search(query, k=k, filters=filters)

    claims = ClaimSearch(Counting())
    first = claims.search(TRUST_CLAIM, k=30)
    # per claim sentence: one search among quotes, one among all chunks twice as deep (PASSAGE_DEPTH)
    assert calls == [33, 66, 33, 66]
    second = claims.search(TRUST_CLAIM, k=30, offset=30)
    assert calls == [33, 66, 33, 66, 66, 132, 66, 132]  # only the new, deeper segment is searched
    assert not {h.hit.id for h in first.hits} & {h.hit.id for h in second.hits}


def test_notice_names_the_claim_words_that_occur_in_no_quote(claims):
    result = claims.search("De blockchainpilot met kwantumcomputers geeft de gemeenten vertrouwen.", k=5)
    assert result.wording.absent_words == ("blockchainpilot", "kwantumcomputers")
    assert result.notice is not None and "‘blockchainpilot’, ‘kwantumcomputers’" in result.notice
    assert "op betekenis" in result.notice
    assert result.hits  # still matched on meaning
    everything_absent = claims.wording("Blockchainpilots en kwantumcomputers.")
    assert everything_absent.notice is not None and "geen van de woorden" in everything_absent.notice


def test_no_notice_when_the_claim_words_occur_in_quotes(claims):
    wording = claims.wording("Wederzijds vertrouwen tussen de secretarissen is echt heel belangrijk.")
    assert wording.content_words and wording.absent_words == ()
    assert wording.notice is None


def test_an_empty_or_overlong_claim_is_refused_in_dutch(claims):
    from citaat.index.claims import MAX_SENTENCES
    from citaat.ingest.errors import ConfigError

    with pytest.raises(ConfigError, match="de bewering is leeg"):
        claims.search("  \n ")
    with pytest.raises(ConfigError, match=f"{MAX_SENTENCES + 1} zinnen; claimzoeken neemt er hoogstens"):
        claims.search(" ".join(f"Zin nummer {i} gaat over vertrouwen." for i in range(MAX_SENTENCES + 1)))


def test_a_kind_filter_applies_to_claim_search(claims):
    result = claims.search(TRUST_CLAIM, k=8, filters=Filters(kind="quote"))
    assert len(result.hits) == 8 and all(h.hit.kind == "quote" for h in result.hits)


# --------------------------------------------------------------------------- the paging rule


def _hit(n: int) -> Hit:
    text = f"tekst {n}"
    chunk = Chunk(id=f"c{n}", doc="d", kind="passage", text=text, respondents=(), section=(), page=1,
                  start=100 * n, end=100 * n + len(text))
    return Hit(chunk, score=1.0 / (n + 1), rank=0)


def test_page_never_repeats_or_skips_when_deeper_rankings_reorder():
    # Looking deeper moves c40 to the top: a naive slice of the deeper list would repeat c0..c2
    # on the next page (they move down) and never show what page one showed in their place.
    def ranking(n: int) -> list[Hit]:
        order = list(range(200))
        if n > 4:
            order.remove(40)
            order.insert(0, 40)
        return [replace(_hit(i), rank=r) for r, i in enumerate(order[:n], 1)]

    pages = [page(ranking, 2, offset, base=4).hits for offset in range(0, 10, 2)]
    ids = [h.id for p in pages for h in p]
    assert ids[:4] == ["c0", "c1", "c2", "c3"]  # the first segment is the shallow ranking
    assert ids[4] == "c40" and len(set(ids)) == len(ids) == 10
    naive = [h.id for h in ranking(10)]
    assert naive[2:4] != ids[2:4]  # what slicing would have shown as the second page
    last = page(ranking, 5, 195, base=4)
    assert len(last.hits) == 5 and not last.has_more


# --------------------------------------------------------------------------- the CLI


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_claim_json_and_human_output(report_index, tmp_path):
    result = _run("search", "--index", str(report_index), "--claim", TRUST_CLAIM, "-k", "3", "--offset", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"claim", "sentences", "offset", "has_more", "report_text", "absent_words", "notice", "hits"}
    assert data["report_text"] is False and {h["kind"] for h in data["hits"]} == {"quote"}
    assert data["offset"] == 2 and data["has_more"] is True and len(data["sentences"]) == 2
    assert [h["rank"] for h in data["hits"]] == [3, 4, 5]
    assert all({"supports", "sentence_ranks", "id", "text", "respondents"} <= set(h) for h in data["hits"])
    assert all(1 <= s <= 2 for h in data["hits"] for s in h["supports"])
    # "strandt" is lemmatised to "stranden", which a quote uses; "beginfase" occurs in none
    assert data["absent_words"] == ["beginfase"] and "‘beginfase’" in data["notice"]

    claim_file = tmp_path / "bewering.txt"
    claim_file.write_text(TRUST_CLAIM + "\n", encoding="utf-8")
    human = _run("search", "--index", str(report_index), "--claim-file", str(claim_file), "-k", "2")
    assert human.exit_code == 0, human.output
    assert "[1] Gemeenten die elkaar vertrouwen werken beter samen" in human.stdout
    assert "Let op: Het woord ‘beginfase’" in human.stdout
    assert len(re.findall(r"gevonden voor zin \[\d\] \(plaats \d+\)", human.stdout)) == 2
    assert "Meer resultaten: --offset 2" in human.stderr

    both = _run("search", "--index", str(report_index), "--claim", TRUST_CLAIM, "--ook-rapporttekst", "-k", "10",
                "--json")
    assert both.exit_code == 0, both.output
    assert json.loads(both.stdout)["report_text"] is True
    assert "passage" in {h["kind"] for h in json.loads(both.stdout)["hits"]}
    wrong = _run("search", "vertrouwen", "--index", str(report_index), "--ook-rapporttekst")
    assert wrong.exit_code != 0 and "--ook-rapporttekst werkt alleen met --claim" in wrong.output


def test_cli_offset_pages_an_ordinary_query(report_index):
    def hits(*extra: str) -> dict:
        result = _run("search", "vertrouwen tussen gemeenten", "--index", str(report_index), "--json", *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    four = hits("-k", "4")
    second = hits("-k", "2", "--offset", "2")
    assert second["offset"] == 2 and second["has_more"] is True
    assert [h["id"] for h in second["hits"]] == [h["id"] for h in four["hits"][2:]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vraag", "--claim", "bewering"], "geef óf een vraag"),
        (["--claim", "x", "--claim-file", "{missing}"], "niet allebei"),
        (["--claim-file", "{missing}"], "bestand bestaat niet"),
        (["--claim-file", "{empty}"], "het bestand is leeg"),
        (["vraag", "--offset", "-1"], "--offset mag niet negatief zijn"),
        (["--claim", "Een bewering.", "--mode", "bm25"], "--mode werkt niet met --claim"),
    ],
)
def test_cli_claim_errors_are_one_dutch_line(report_index, tmp_path, args, message):
    empty = tmp_path / "leeg.txt"
    empty.write_text("  \n", encoding="utf-8")
    values = {"{missing}": str(tmp_path / "weg.txt"), "{empty}": str(empty)}
    result = _run("search", "--index", str(report_index), *[values.get(a, a) for a in args])
    assert result.exit_code != 0
    assert result.stderr.startswith("citaat: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- the "Zoek citaten" service


def test_finder_more_results_continue_the_table(report):
    from citaat.app.finder import QuoteFinder, claim_markdown
    from citaat.app.service import Answerer

    answerer = Answerer(report)
    finder = QuoteFinder(answerer)
    first = finder.page("vertrouwen tussen gemeenten")
    assert [s.chunk.id for s in first.sources] == [s.chunk.id for s in answerer.search("vertrouwen tussen gemeenten")]
    assert len(first.sources) == 30 and first.has_more and first.next_offset == 30
    more = finder.page("vertrouwen tussen gemeenten", offset=first.next_offset, first_n=31)
    assert [s.n for s in more.sources] == list(range(31, 31 + len(more.sources)))
    assert len(more.sources) >= 25
    assert not {s.chunk.id for s in first.sources} & {s.chunk.id for s in more.sources}

    claim = finder.page(TRUST_CLAIM, claim=True)
    assert claim.sentences and len(claim.supports) == len(claim.sources) and claim.has_more
    assert all(claim.supports) and claim.notice and "‘beginfase’" in claim.notice
    panel = claim_markdown(claim.sentences, claim.sources, claim.supports, claim.notice)
    assert panel.startswith("> ⚠ Het woord ‘beginfase’")
    assert "1. Gemeenten die elkaar vertrouwen werken beter samen — *gevonden: resultaat 1" in panel

    listing = finder.page("", Filters(respondents=("R14",)))
    assert listing.sources and not listing.has_more and all("R14" in s.respondents for s in listing.sources)
