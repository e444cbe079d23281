"""Respondent codes: every written form, footnote marks, the bare number and question parsing."""

from __future__ import annotations

import re

import pytest

from citaat.ingest.respondents import (
    FOOTNOTE_MARKS,
    MENTION,
    REPORT_CODE,
    REPORT_CODE_RE,
    find_codes,
    format_code,
    is_bare,
    normalize_code,
    parse_code,
    parse_respondents,
    report_code,
)


@pytest.mark.parametrize(
    ("text", "code", "bare"),
    [
        ("(R13)", "R13", False),
        ("(R 20)", "R20", False),
        ("(R27²)", "R27", False),
        ("(R4¹³)", "R4", False),
        ("(R5*)", "R5", False),
        ("(R6†)", "R6", False),
        ("(13)", "R13", True),
        ("(7⁴)", "R7", True),
    ],
)
def test_report_forms(text, code, bare):
    m = REPORT_CODE_RE.fullmatch(text)
    assert m is not None and report_code(m) == code and is_bare(m) is bare
    assert re.fullmatch(REPORT_CODE, text)


@pytest.mark.parametrize("text", ["(R1234)", "(R)", "(r13)", "(R 13 )", "(R13a)", "R13"])
def test_not_report_codes(text):
    assert REPORT_CODE_RE.fullmatch(text) is None


def test_every_footnote_mark_is_accepted_in_both_forms():
    for mark in FOOTNOTE_MARKS:
        assert REPORT_CODE_RE.fullmatch(f"(R9{mark})"), mark
        assert normalize_code(f"R9{mark}") == "R9", mark


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("R13", "R13"),
        ("r 13", "R13"),
        ("R-7", "R7"),
        ("R_7", "R7"),
        ("Respondent 12", "R12"),
        ("respondent 12", "R12"),
        ("RESPONDENT 12", "R12"),
        ("Resp. 12", "R12"),
        ("resp12", "R12"),
        (" 12 ", "R12"),
        ("R027", "R27"),
        ("R27²", "R27"),
        ("R0", None),
        ("0", None),
        ("1000", None),
        ("R1000", None),
        ("X1", None),
        ("Jan", None),
        ("R2D2", None),
        ("", None),
    ],
)
def test_normalize_code(value, code):
    assert normalize_code(value) == code


def test_parse_code_needs_the_prefix():
    assert parse_code("12") is None
    assert parse_code("R 12") == "R12"


def test_format_code():
    assert format_code(7) == "R7"
    assert format_code("013") == "R13"


def test_find_codes_in_running_text():
    text = "“Dit is het.” [R13] en (R 4), R-5, respondent 7, R27², R2D2, Marr12 en per 13 gemeenten"
    assert [(text[c.start : c.end], c.code) for c in find_codes(text)] == [
        ("R13", "R13"),
        ("R 4", "R4"),
        ("R-5", "R5"),
        ("respondent 7", "R7"),
        ("R27²", "R27"),
    ]
    assert find_codes("R0 en R1234") == []


def test_mention_pattern_embeds_in_other_regexes():
    listing = re.compile(rf"^(?:{MENTION}\s*,?\s*)+$")
    assert listing.match("R3, r 7, Respondent 9")
    assert not listing.match("R3, Jan")


@pytest.mark.parametrize(
    ("question", "text", "codes"),
    [
        ("Wat zegt R13 over vertrouwen?", "Wat zegt over vertrouwen?", ("R13",)),
        ("Wat zeggen respondenten 4 en 25 over koffie?", "Wat zeggen over koffie?", ("R4", "R25")),
        ("Vergelijk R4, R25 of R13", "Vergelijk", ("R4", "R25", "R13")),
        ("Wat zegt R27² over de raad?", "Wat zegt over de raad?", ("R27",)),
        ("R3 & r 7 en R3", "", ("R3", "R7")),
        ("Wat zegt R0?", "Wat zegt?", ()),  # removed from the text, but no code
        ("Wie is R2D2?", "Wie is R2D2?", ()),
    ],
)
def test_parse_respondents(question, text, codes):
    assert parse_respondents(question) == (text, codes)
