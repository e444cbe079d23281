"""Respondent codes: the one place that says what a code looks like, how it is read and written.

Two written forms exist:

- In the report, after a quote: `(R13)`, `(R 20)`, `(R27²)` (footnote marks after the number are
  ignored) and the bare `(13)`. Whether a bare number is a code depends on what stands before it
  (attribution.py accepts it only directly after a closing quote mark), so `REPORT_CODE_RE`
  reports it and `is_bare` tells it apart.
- In running text (questions, generated answers, transcript headers and labels, file names):
  `R13`, `r 13`, `R-13`, `R_13`, `resp. 13`, `respondent 13`, `respondenten 13`, in any case; in a
  question also a list: `respondenten 4 en 25`, `R3, R7 of R9`.

Every form becomes the canonical `R<n>` (`format_code`), n from 1 to 999. Other regexes that must
recognise a code embed the pattern strings `REPORT_CODE` and `MENTION` instead of their own copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Zero-width characters (and the BOM) are invisible: 'R1\u200b3' reads as R13, so they are removed
# before a code is parsed (text.clean_inline removes them from documents with the same pattern).
ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def strip_zero_width(text: str) -> str:
    return ZERO_WIDTH_RE.sub("", text)


# Marks a footnote may leave after the number: superscript digits, an asterisk, a dagger.
FOOTNOTE_MARKS = "¹²³⁴⁵⁶⁷⁸⁹⁰*†"
_FOOTNOTE = f"[{re.escape(FOOTNOTE_MARKS)}]*"
_NUMBER = r"\d{1,3}(?!\d)"

# The report form, as a pattern string without groups (to embed) and compiled with groups.
REPORT_CODE = rf"\((?:R\s?)?\d{{1,3}}{_FOOTNOTE}\)"
REPORT_CODE_RE = re.compile(rf"\((?P<prefix>R\s?)?(?P<num>\d{{1,3}}){_FOOTNOTE}\)")

# The running-text form. A code is not part of a longer word or number ("R2D2", "R1234"); an
# underscore counts as a separator so file names such as "interview_R12_def" match.
_WORD_BEFORE = r"(?<![^\W_])"
_WORD_AFTER = r"(?![^\W_])"
_PREFIX = r"(?:respondent(?:en)?|resp\.?|r)"
_SEP = r"\s?[-_]?\s?"
MENTION = rf"(?i:{_WORD_BEFORE}{_PREFIX}{_SEP}{_NUMBER}{_FOOTNOTE}{_WORD_AFTER})"
MENTION_RE = re.compile(rf"(?i:{_WORD_BEFORE}{_PREFIX}{_SEP}(?P<num>{_NUMBER}){_FOOTNOTE}{_WORD_AFTER})")
# A question may list more codes after the first: "respondenten 4 en 25", "R3, R7 of R9".
_LIST_RE = re.compile(
    rf"(?i:{_WORD_BEFORE}{_PREFIX}{_SEP}{_NUMBER}{_FOOTNOTE}"
    rf"(?:\s*(?:,|en|of|&)\s*(?:r{_SEP})?{_NUMBER}{_FOOTNOTE})*{_WORD_AFTER})"
)
_NUMBER_RE = re.compile(_NUMBER)


def format_code(number: int | str) -> str:
    """The canonical code of a respondent number: 13 -> 'R13'."""
    return f"R{int(number)}"


def _valid(number: str) -> str | None:
    return format_code(number) if 0 < int(number) < 1000 else None


def report_code(match: re.Match[str]) -> str:
    """The code of a `REPORT_CODE_RE` match: '(R 20)' -> 'R20', '(27²)' -> 'R27'."""
    return format_code(match.group("num"))


def is_bare(match: re.Match[str]) -> bool:
    """True for a `REPORT_CODE_RE` match without the R: '(13)'."""
    return match.group("prefix") is None


def mention_code(match: re.Match[str]) -> str | None:
    """The code of a `MENTION_RE` match ('r 13' -> 'R13'); None for number 0."""
    return _valid(match.group("num"))


def parse_code(value: str) -> str | None:
    """A whole string that is a written code ('R 12', 'r12', 'Resp. 12', 'Respondent 12') -> 'R12'."""
    m = MENTION_RE.fullmatch(" ".join(value.split()))
    return mention_code(m) if m else None


def normalize_code(value: str) -> str | None:
    """A code given where only a code is expected (a filter, a field): also a bare '12' -> 'R12'."""
    value = strip_zero_width(value).strip()
    return _valid(value) if value.isdigit() else parse_code(value)


@dataclass(frozen=True)
class CodeMention:
    """A code written in running text: text[start:end] reads as `code`."""

    start: int
    end: int
    code: str


def find_codes(text: str) -> list[CodeMention]:
    """Respondent codes in running text: R13, [R13], (R 13), R-13, respondent 13 -> 'R13'.
    Remembered per text: the answer asks it of the same sentences on every question."""
    return list(_codes(text))


@lru_cache(maxsize=16384)
def _codes(text: str) -> tuple[CodeMention, ...]:
    out = []
    for m in MENTION_RE.finditer(text):
        code = mention_code(m)
        if code is not None:
            out.append(CodeMention(m.start(), m.end(), code))
    return tuple(out)


def parse_respondents(query: str) -> tuple[str, tuple[str, ...]]:
    """Split respondent codes out of a question: ("Wat zegt R13 over X?") -> ("Wat zegt over X?", ("R13",))."""
    codes: list[str] = []

    def take(m: re.Match[str]) -> str:
        tail = MENTION_RE.match(m.group(0))
        assert tail is not None  # a list starts with one mention
        for num in [tail.group("num"), *_NUMBER_RE.findall(m.group(0), tail.end())]:
            code = _valid(num)
            if code is not None and code not in codes:
                codes.append(code)
        return " "

    text = _LIST_RE.sub(take, strip_zero_width(query))
    text = re.sub(r"\s+([?.,!])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
    return text, tuple(codes)
