"""The researcher workbench without a browser: conversations in SQLite (app/conversations.py), the
cited PDF page with its quote highlighted (app/pageview.py), honest labels (Source.label) and the
chat's view helpers (escaped questions, linked citations, the filter note, the header counts)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from sample_index import sample_chunks

from citaat.app.conversations import ConversationStore, new_owner
from citaat.app.pageview import locate, render_quote
from citaat.app.records import Source
from citaat.app.ui import filter_note, header_html, link_citations, quote_counts, sources_html, user_markdown
from citaat.index.search import Filters
from citaat.ingest.model import Chunk


def _source(chunk: Chunk, n: int = 1) -> Source:
    return Source(n=n, chunk=chunk, start=0, end=len(chunk.text), context=chunk.text)


def _by_kind(kind: str, attributed: bool) -> Chunk:
    return next(c for c in sample_chunks() if c.kind == kind and bool(c.respondents) == attributed)


# ------------------------------------------------------------------------------ labels and counts


def test_labels_say_what_a_source_is():
    quote = _by_kind("quote", True)
    assert _source(quote).label == f"citaat — {quote.respondents[0]}"
    unattributed = dataclasses.replace(quote, respondents=())
    assert _source(unattributed).label == "citaat, geen respondentcode"
    table = _by_kind("table", False)
    assert _source(table).label == "rapporttekst"
    passage = _by_kind("passage", True)
    own_text = Source(1, passage, 0, 10, passage.text, excerpt_respondents=())  # the researchers' own words
    assert own_text.label == "rapporttekst"
    turn = _by_kind("turn", True)
    assert _source(turn).label == "citaat — R7"


def test_header_counts_only_attributed_interview_quotes():
    chunks = sample_chunks()
    unattributed = dataclasses.replace(_by_kind("quote", True), id="x", respondents=())
    answerer = SimpleNamespace(chunks=(*chunks, unattributed))
    speech = [c for c in chunks if c.kind in ("quote", "turn") and c.respondents]
    people = {r for c in speech for r in c.respondents}
    assert quote_counts(answerer) == (len(speech), len(people))  # type: ignore[arg-type]
    assert f"{len(speech)} citaten van {len(people)} respondenten" in header_html(answerer, "uit")  # type: ignore[arg-type]


def test_source_cards_show_the_label_and_link_to_the_page():
    quote = _by_kind("quote", True)
    html = sources_html([_source(quote, 2)], turn=3, selected=2)
    assert f"citaat — {quote.respondents[0]}" in html
    assert 'href="#pagina-3-2" class="cz-page">Bekijk op de pagina' in html
    assert 'class="cz-card cz-selected" id="bron-2"' in html
    turn = _by_kind("turn", True)
    assert "Bekijk in het transcript" in sources_html([_source(turn)], turn=0)


# ------------------------------------------------------------------------------ chat view helpers


def test_user_text_is_shown_as_typed():
    typed = "Wat zegt <b>R13</b> over *vertrouwen* [1] & # kop?"
    shown = user_markdown(typed)
    assert "<b>" not in shown.replace("\\<b>", "") and "\\<b\\>R13\\</b\\>" in shown
    assert "\\*vertrouwen\\*" in shown and "\\[1\\]" in shown


def test_citations_become_links_to_their_answer():
    text = "[1] “Citaat” — R13 · sectie · p. 4 en [12], maar niet [x] of [3](url)"
    linked = link_citations(text, 5)
    assert '<a href="#bron-5-1" class="cz-ref">[1]</a>' in linked
    assert '<a href="#bron-5-12" class="cz-ref">[12]</a>' in linked
    assert "[x]" in linked and "[3](url)" in linked


def test_a_filter_that_overrides_the_question_says_so():
    note = filter_note("Wat zegt R24 over vertrouwen?", Filters(respondents=("R13",)))
    assert note is not None and "het filter (R13) gaat voor" in note and "R24 uit de vraag is niet gebruikt" in note
    assert filter_note("Wat zegt R13 over vertrouwen?", Filters(respondents=("R13",))) is None
    assert filter_note("Wat zegt R24 over vertrouwen?", Filters()) is None


# ------------------------------------------------------------------------------ conversations


def test_conversations_persist_per_browser(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    me, other = new_owner(), new_owner()
    quote = _by_kind("quote", True)
    conv = store.add_turn(None, me, "Wat zegt <b>R13</b>?", "Antwoord [1]", [_source(quote)])
    assert store.add_turn(conv, me, "En verder?", "Nog een antwoord", []) == conv
    reopened = ConversationStore(path)  # a reload (or a restart) reads the same file
    turns = reopened.turns(conv, me)
    assert [t.question for t in turns] == ["Wat zegt <b>R13</b>?", "En verder?"]
    assert turns[0].sources[0]["id"] == quote.id and turns[0].sources[0]["label"].startswith("citaat — ")
    assert [c.id for c in reopened.list(me)] == [conv] and reopened.list(me)[0].turns == 2
    # another browser neither sees, continues nor deletes it
    assert reopened.turns(conv, other) == [] and reopened.list(other) == []
    assert reopened.add_turn(conv, other, "Ook ik?", "x", []) != conv
    assert not reopened.delete(conv, other) and reopened.turns(conv, me)
    md = reopened.export_markdown(conv, me)
    assert md is not None
    assert "```text\nWat zegt <b>R13</b>?\n```" in md  # the question as typed, never rendered
    assert f"`{quote.id}`" in md and "## Vraag 2" in md and "Geëxporteerd op" in md
    assert reopened.delete(conv, me) and reopened.turns(conv, me) == [] and reopened.export_markdown(conv, me) is None


# ------------------------------------------------------------------------------ the page view


def test_locate_ignores_line_breaks_hyphens_and_quote_marks():
    page = "Zij zei: “De samen-\r\nwerking is goed,\r\nmaar traag” (R4). Verder"
    start, end = locate(page, "De samenwerking is goed, maar traag") or (0, 0)
    assert page[start:end] == "De samen-\r\nwerking is goed,\r\nmaar traag"
    # the quote runs on to the next page: its beginning is marked
    start, end = locate(page, "maar traag” (R4). Verder gaat het over iets anders") or (0, 0)
    assert page[start:end].startswith("maar traag")
    assert locate(page, "komt niet voor op deze pagina") is None


def test_page_view_highlights_the_quote(report_pdf):
    quote = "Wat een belangrijke succesfactor is dat je elkaar veel ziet, dus er is verbondenheid."
    image, found = render_quote(report_pdf, 5, quote)
    assert found
    plain, _ = render_quote(report_pdf, 5, "deze zin staat niet op de pagina, dus niets wordt gemarkeerd")
    assert image.size == plain.size
    # the highlight is the only difference: amber pixels where the plain page has none
    def amber(img) -> int:
        px = np.asarray(img).astype(int)
        r, g, b = px[..., 0], px[..., 1], px[..., 2]
        return int(((r > 240) & (g > 200) & (g < 235) & (b < 170)).sum())

    assert amber(image) > 500 and amber(plain) == 0
    with pytest.raises(ValueError):
        render_quote(report_pdf, 999, quote)


def test_upload_only_on_loopback_or_behind_the_login(monkeypatch):
    from citaat.app.config import ServeConfig

    assert ServeConfig(host="127.0.0.1").allows_upload
    assert not ServeConfig(host="0.0.0.0").allows_upload  # (check() refuses to start this anyway)
    monkeypatch.setenv("CITAAT_TEST_PW", "geheim")
    assert ServeConfig(host="0.0.0.0", user="onderzoek", password_env="CITAAT_TEST_PW").allows_upload
    assert not ServeConfig(share=True).allows_upload


def test_respondent_menu_filters_by_attributes_too():
    """'rol: bestuurder' in the respondent menu is an attribute filter (citaat ingest --respondents)."""
    from citaat.app.ui import attribute_choices, make_filters
    from citaat.ingest.attributes import RespondentSheet

    sheet = RespondentSheet(
        columns=["rol", "organisatie"],
        respondents={"R13": {"rol": "gemeentesecretaris", "organisatie": "Drechtsteden"}, "R2": {"rol": "bestuurder"}},
    )
    assert attribute_choices(sheet) == ["rol: bestuurder", "rol: gemeentesecretaris", "organisatie: Drechtsteden"]
    assert attribute_choices(None) == []
    f = make_filters(["R13", "rol: bestuurder"], "", "")
    assert f.respondents == ("R13",) and f.attributes == (("rol", "bestuurder"),)
    assert make_filters([], "", "").is_empty()
