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
