"""The one sentence splitter: abbreviations, initials, respondent codes, quotations, line breaks."""

from __future__ import annotations

from citaat.ingest.sentences import sentence_bounds, sentence_spans


def sentences(text: str, protected=()) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, protected)]


def test_abbreviations_and_initials_end_nothing():
    text = "Dat zijn bijv. de raden. Zie H. van den Heuvel en o.a. Boogers. Klaar"
    assert sentences(text) == ["Dat zijn bijv. de raden.", "Zie H. van den Heuvel en o.a. Boogers.", "Klaar"]


def test_a_respondent_code_stays_with_its_sentence():
    text = "Hij zei: “Het werkt.” (R13). Daarna “Niet goedkoper?” (R27²) En verder “Klaar.” (R 4)."
    assert sentences(text) == [
        "Hij zei: “Het werkt.” (R13).",
        "Daarna “Niet goedkoper?” (R27²)",
        "En verder “Klaar.” (R 4).",
    ]


def test_a_lowercase_word_or_number_list_continues_the_sentence():
    assert sentences("De 3 K's: 1. kosten, 2. kwaliteit. Einde") == ["De 3 K's: 1. kosten, 2. kwaliteit.", "Einde"]


def test_protected_spans_and_line_breaks():
    text = "Hij zei “Een. Twee.” En toen.\nKop zonder punt\nLaatste"
    inner = (text.index("“"), text.index("”") + 1)
    assert sentences(text, [inner]) == ["Hij zei “Een. Twee.”", "En toen.", "Kop zonder punt", "Laatste"]
    assert "Twee.”" in sentences(text)  # without protection the quotation is cut


def test_bounds_are_offsets_of_sentence_starts():
    text = "Eén. Twee! Drie? Vier… Vijf"
    assert [text[b:] for b in sentence_bounds(text)] == [
        "Twee! Drie? Vier… Vijf",
        "Drie? Vier… Vijf",
        "Vier… Vijf",
        "Vijf",
    ]
    assert sentence_spans("   ") == []
