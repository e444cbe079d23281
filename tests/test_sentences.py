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


def test_background_warm_up_waits_while_questions_are_answered():
    """The chat's warm-up (quiet > 0) embeds nothing while questions keep coming, then finishes."""
    import threading
    import time

    import numpy as np

    from citaat.app.scoring import SentenceScorer
    from tests.sample_index import sample_chunks

    class CountingEmbedder:
        def __init__(self) -> None:
            self.passages = 0

        def embed_queries(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 4), dtype=np.float32)

        def embed_passages(self, texts: list[str]) -> np.ndarray:
            self.passages += len(texts)
            return np.ones((len(texts), 4), dtype=np.float32)

    emb = CountingEmbedder()
    scorer = SentenceScorer(sample_chunks(), emb, 0.3, threading.Lock())
    scorer.query_vector("Wat zegt R7 over vertrouwen?")  # a question was just answered
    warming = threading.Thread(target=scorer.warm, kwargs={"quiet": 0.4})
    warming.start()
    for _ in range(6):  # questions keep coming for ~0.6 s
        time.sleep(0.1)
        scorer.query_vector("Nog een vraag")
    assert emb.passages == 0 and warming.is_alive()
    warming.join(timeout=10)
    assert not warming.is_alive()
    assert emb.passages == sum(len(scorer.spans(c)) for c in sample_chunks())
