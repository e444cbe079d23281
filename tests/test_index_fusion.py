"""Fusion formulas checked against hand-computed values, and duplicate collapsing."""

from __future__ import annotations

import pytest

from citaat.index.fusion import collapse_duplicates, is_duplicate, ranked, rrf
from citaat.index.records import Hit
from citaat.ingest.model import Chunk


def test_rrf_matches_hand_computed_values():
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 62)
    assert fused["d"] == pytest.approx(1 / 63)
    assert ranked(fused) == ["b", "c", "a", "d"]


def test_rrf_weights_and_small_k():
    fused = rrf([["a", "b"], ["b", "a"]], k=0, weights=[2.0, 1.0])
    assert fused["a"] == pytest.approx(2 / 1 + 1 / 2)
    assert fused["b"] == pytest.approx(2 / 2 + 1 / 1)
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[1.0, 2.0])


def test_rrf_empty_lists():
    assert rrf([[], []]) == {}


def _hit(id_, start, text, rank, kind="passage", parent=None, doc="d.pdf"):
    return Hit(Chunk(id_, doc, kind, text, (), (), 1, start, start + len(text), parent), score=1.0 / rank, rank=rank)


PASSAGE = "Vertrouwen is de basis. “Zonder vertrouwen tussen de wethouders komt er niets van” (R13)."
QUOTE = "Zonder vertrouwen tussen de wethouders komt er niets van"


def test_collapse_keeps_the_better_ranked_and_records_the_other():
    quote = _hit("q", 25, QUOTE, 1, kind="quote", parent="p")
    passage = _hit("p", 0, PASSAGE, 2)
    other = _hit("o", 500, "Een heel ander onderwerp over ICT en begroting.", 3)
    out = collapse_duplicates([quote, passage, other])
    assert [h.id for h in out] == ["q", "o"]
    assert out[0].collapsed == ("p",)
    assert [h.rank for h in out] == [1, 2]
    # Passage ranked first: the passage stays, the quote is recorded on it.
    out = collapse_duplicates([passage, other, quote])
    assert [h.id for h in out] == ["p", "o"] and out[0].collapsed == ("q",)


def test_collapse_by_span_and_by_text_without_parent_link():
    passage = _hit("p", 0, PASSAGE, 1)
    inside = _hit("s", 25, QUOTE, 2, kind="quote")  # no parent link, span inside
    assert [h.id for h in collapse_duplicates([passage, inside])] == ["p"]
    elsewhere = _hit("e", 900, QUOTE, 2, kind="quote")  # same text repeated elsewhere
    assert [h.id for h in collapse_duplicates([passage, elsewhere])] == ["p"]
    other_doc = _hit("x", 25, QUOTE, 2, kind="quote", doc="ander.pdf")
    assert [h.id for h in collapse_duplicates([passage, other_doc])] == ["p", "x"]


def test_short_texts_are_not_called_duplicates():
    a = _hit("a", 0, "Ja. " + "x" * 96, 1)
    b = _hit("b", 200, "Ja.", 2)
    assert [h.id for h in collapse_duplicates([a, b])] == ["a", "b"]


def test_is_duplicate_is_the_rule_collapsing_uses_on_plain_chunks():
    passage = _hit("p", 0, PASSAGE, 1).chunk
    quote = _hit("q", 900, "  " + QUOTE.upper()[2:], 2, kind="quote").chunk
    assert is_duplicate(passage, quote) and is_duplicate(quote, passage)  # case and whitespace do not count
    other_doc = _hit("x", 900, QUOTE, 2, kind="quote", doc="ander.pdf").chunk
    assert not is_duplicate(passage, other_doc)


def test_a_hit_reads_through_to_its_chunk():
    hit = _hit("q", 25, QUOTE, 1, kind="quote", parent="p")
    assert (hit.id, hit.kind, hit.text, hit.parent, hit.start, hit.page) == ("q", "quote", QUOTE, "p", 25, 1)
    assert hit.to_dict() == {"id": "q", "text": QUOTE, "kind": "quote", "respondents": [], "section": [],
                             "page": 1, "score": 1.0}
