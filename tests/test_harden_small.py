"""Issue 21, the small ones: zero-width characters in codes, escaping as the one rule, the
verifier on escaped quotations."""

from __future__ import annotations

import pytest

from citaat.app.records import quoted
from citaat.app.verify import occurs_in, verify
from citaat.ingest.respondents import normalize_code, parse_respondents
from citaat.ingest.text import escape_markdown, unescape_markdown


def test_zero_width_characters_are_stripped_before_codes_are_parsed():
    assert parse_respondents("Wat zegt R1\u200b3 over vertrouwen?") == ("Wat zegt over vertrouwen?", ("R13",))
    assert normalize_code("R\u200d13") == "R13" and normalize_code("\ufeff4") == "R4"


HOSTILE = [
    "![logo](http://127.0.0.1:7999/beacon-md.png)",
    '<img src="http://127.0.0.1:7999/beacon.png">',
    "[klik](http://evil.example) of www.evil.example of iemand@evil.example",
    "**✓ Alle citaten zijn gecontroleerd**",
    "# kop",
    "1. lijst",
    "&lt;b&gt; en `code` en ~~weg~~ en a_b_c",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_has_no_markdown_or_html_left_and_round_trips(text):
    from markdown_it import MarkdownIt

    shown = escape_markdown(text)
    rendered = MarkdownIt("commonmark").enable("strikethrough").render(shown)  # raw HTML on; autolinks: browser test
    assert "<img" not in rendered and "<a " not in rendered and "<strong>" not in rendered
    assert "<h1>" not in rendered and "<ol>" not in rendered and "<code>" not in rendered and "<s>" not in rendered
    assert unescape_markdown(shown) == " ".join(text.split())


def test_a_verified_quote_carries_no_formatting_of_its_own():
    source = "Wij zeiden: **✓ Alle citaten gecontroleerd** en ![logo](http://127.0.0.1:7999/b.png) (R13)"
    shown = quoted(source)
    assert "**" not in shown.replace("\\*", "") and "![" not in shown
    assert occurs_in(shown.strip("“”"), source)  # the verifier compares the unescaped text

    class Chunk:
        id, kind, respondents, text = "c1", "quote", ("R13",), source

    result = verify(f"{shown} [1]", [Chunk()])
    assert result.ok and result.text == f"{shown} [1]"


def test_the_chat_route_has_the_apis_limits():
    from citaat.app.ui import question_refusal

    assert question_refusal("Wat zegt R13?", 1000) is None
    assert "de grens is 1.000" in (question_refusal("woord " * 3_000_000, 1000) or "")
    assert "ongeldige Unicode" in (question_refusal("vertrouwen \ud800 x", 1000) or "")


def test_a_dead_upload_child_is_a_dutch_line_without_python_text(tmp_path, monkeypatch):
    from citaat.app import upload

    monkeypatch.setattr(upload.sys, "executable", "/bin/false")  # the child dies without a word
    result = upload._run_child(["ingest", str(tmp_path)], 10)
    assert result == {"error": "het inlezen is mislukt: het hulpproces stopte onverwacht (code 1)"}


class _HashEmbedder:
    """Deterministic vectors from the text (a different `salt` is a different model)."""

    def __init__(self, salt: str = "") -> None:
        self.salt = salt

    def embed_queries(self, texts):
        return self.embed_passages(texts)

    def embed_passages(self, texts):
        import hashlib

        import numpy as np

        rows = [np.frombuffer(hashlib.sha256((self.salt + t).encode()).digest()[:16], dtype=np.uint8) for t in texts]
        out = np.array(rows, dtype=np.float32).reshape(len(texts), 16) / 255.0
        return out


def _scorer(cache, salt=""):
    import threading

    from citaat.app.scoring import SentenceScorer
    from tests.sample_index import sample_chunks

    return SentenceScorer(sample_chunks(), _HashEmbedder(salt), 0.3, threading.Lock(), cache_file=cache)


def test_a_damaged_sentence_cache_is_rebuilt_with_a_dutch_line(tmp_path, caplog):
    cache = tmp_path / "cache" / "sentences-test.npz"
    first = _scorer(cache)
    first.warm()
    assert cache.is_file() and first._vectors
    raw = bytearray(cache.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one byte flipped
    cache.write_bytes(bytes(raw))
    with caplog.at_level("WARNING"):
        again = _scorer(cache)  # no zipfile.BadZipFile or zlib.error escapes
    assert not again._vectors
    assert "beschadigd" in caplog.text and "opnieuw berekend" in caplog.text and "Traceback" not in caplog.text


def test_a_valid_cache_of_other_vectors_is_not_used(tmp_path, caplog):
    cache = tmp_path / "sentences-test.npz"
    _scorer(cache, salt="ander model").warm()  # a self-consistent file, but another model's vectors
    with caplog.at_level("WARNING"):
        scorer = _scorer(cache)
    assert not scorer._vectors and "horen niet bij deze index of dit model" in caplog.text
    scorer.warm()
    assert _scorer(cache)._vectors  # rewritten: the right vectors are used from then on


def test_the_evidence_statistics_follow_the_searcher_swap(tmp_path):
    """After an upload the chat swaps in the new searcher; the no-evidence rule's term statistics
    must be the new corpus's, not those of the index the chat started with."""
    from dataclasses import replace

    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.index.build import build_index
    from citaat.index.search import Searcher
    from citaat.ingest.store import write_chunks
    from tests.sample_index import sample_chunks

    chunks = sample_chunks()
    write_chunks(tmp_path / "a", chunks)
    build_index(tmp_path / "a", progress=False)
    extra = replace(chunks[0], id="extra-zonnepanelen", text="Zonnepanelen op alle gemeentehuizen",
                    start=0, end=len("Zonnepanelen op alle gemeentehuizen"), doc="nieuw.txt", parent=None)
    write_chunks(tmp_path / "b", [*chunks, extra])
    build_index(tmp_path / "b", progress=False)
    answerer = Answerer(Searcher.open(tmp_path / "a"), AnswerConfig())
    before = answerer.terms.idf("zonnepanel")
    answerer.use_searcher(Searcher.open(tmp_path / "b"))
    assert answerer.terms is not None and answerer.terms.idf("zonnepanel") != before
    assert answerer.terms.idf("zonnepanel") == answerer.terms.of(answerer.searcher.chunks).idf("zonnepanel")
