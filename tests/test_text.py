"""The comparison forms of text: squashed spaces (with an offset map) and the quotation form."""

from __future__ import annotations

from citaat.ingest.text import normalize, squash_spaces, squash_spaces_with_map


def test_squash_spaces():
    assert squash_spaces("  een\n\t twee  drie ") == "een twee drie"
    assert squash_spaces(" \n ") == ""


def test_squash_spaces_with_map_points_into_the_input():
    text = " a*b \n\u00adc  "
    out, where = squash_spaces_with_map(text, drop="*\u00ad")
    assert out == "ab c" == squash_spaces(text.replace("*", "").replace("\u00ad", ""))
    assert [text[i] for n, i in enumerate(where) if out[n] != " "] == ["a", "b", "c"]


def test_normalize_folds_marks_dashes_and_the_ellipsis():
    assert normalize("“Dit  is\n een – test…”") == '"Dit is een - test..."'
    assert normalize("‘zo’n’ — „ja”") == "'zo'n' - \"ja\""
