"""Finding verbatim quotes in a paragraph and the respondent each one belongs to.

The rules (tested in tests/test_attribution.py):

1. A respondent code is a report code (respondents.py: `(R13)`, `(R 20)`, `(R27²)`) or a
   bare `(13)` — the bare form only directly after a closing quote mark, so scale points such as
   "collega's (1)" or "klant-leverancierrelatie (5)" never become respondents.
2. A quote's respondent is the code that follows it: the quote whose closing mark stands directly
   before the code (only spaces, emphasis marks or punctuation in between).
3. When a quote contains nested quotes of the same mark and its own closing mark is missing
   (“... van “Het is ...”. ... “kan het niet goedkoper?” (R19)), the quote runs from the
   outermost double quote still open before the code to the last closing mark before the code.
4. Several quotes in one paragraph each get their own code; a code is consumed by one quote.
5. A quote without a code directly after it has no respondent: never a guessed one.
6. Quote marks: “ ” ‘ ’ " '. A ’ or ' between two letters is an apostrophe (collega’s, z'n).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .respondents import REPORT_CODE_RE, is_bare, report_code
from .text import strip_span

DOUBLE_OPEN, DOUBLE_CLOSE = "“„", "”"
SINGLE_OPEN, SINGLE_CLOSE = "‘‚", "’"
# What may stand between a closing quote mark and the respondent code.
_GAP_RE = re.compile(r"^[\s*_.,;:…]*$")
MIN_UNATTRIBUTED_WORDS = 6


@dataclass(frozen=True)
class Quote:
    """A quote found in a text: [start, end) is the text between the quote marks."""

    start: int
    end: int
    text: str
    respondent: str | None
    code_start: int | None = None
    code_end: int | None = None


@dataclass(frozen=True)
class _Mark:
    pos: int
    double: bool
    opening: bool


def _is_letter(ch: str) -> bool:
    return ch.isalpha() or ch.isdigit()


def _marks(text: str) -> list[_Mark]:
    """Classify every quote mark in `text` as opening or closing (apostrophes dropped)."""
    marks: list[_Mark] = []
    n = len(text)
    for i, ch in enumerate(text):
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if ch in DOUBLE_OPEN:
            marks.append(_Mark(i, True, True))
        elif ch in DOUBLE_CLOSE:
            marks.append(_Mark(i, True, False))
        elif ch in SINGLE_OPEN:
            marks.append(_Mark(i, False, True))
        elif ch in SINGLE_CLOSE or ch == "'":
            if _is_letter(prev) and _is_letter(nxt):
                continue  # apostrophe inside a word
            if (
                ch == "'"
                and (prev.isspace() or prev in "([*")
                and nxt.isalpha()
                and nxt.islower()
                and (i + 2 >= n or not text[i + 2].isalpha())
            ):
                continue  # elided article: 't, 's
            opening = prev.isspace() or prev in "([*/-–" or i == 0
            marks.append(_Mark(i, False, opening))
        elif ch == '"':
            opening = prev.isspace() or prev in "([*/-–" or i == 0
            marks.append(_Mark(i, True, opening))
    return marks


def _codes(text: str) -> list[re.Match[str]]:
    return list(REPORT_CODE_RE.finditer(text))


def _consume(mk: _Mark, stack: list[_Mark], closed: list[tuple[int, int]]) -> None:
    """Feed one mark to the opener stack: a closing mark pops the nearest opener of its kind and
    records (open, close); a double closer without an opener is recorded as (-1, close)."""
    if mk.opening:
        stack.append(mk)
        return
    for j in range(len(stack) - 1, -1, -1):
        if stack[j].double == mk.double:
            closed.append((stack[j].pos, mk.pos))
            del stack[j:]
            return
    if mk.double:
        closed.append((-1, mk.pos))


def find_quotes(text: str) -> list[Quote]:
    """All quotes in one paragraph, each with its respondent code or None (see module rules)."""
    marks = _marks(text)
    codes = _codes(text)
    quotes: list[Quote] = []
    stack: list[_Mark] = []
    closed: list[tuple[int, int]] = []  # (open_pos, close_pos) since the last code
    mi = 0

    def flush_unattributed() -> None:
        for o, c in closed:
            if o < 0:
                continue  # a closing mark whose opener was not seen: no span to quote
            inner = text[o + 1 : c]
            if len(inner.split()) >= MIN_UNATTRIBUTED_WORDS:
                quotes.append(_make(text, o + 1, c, None))

    for code in codes:
        # Consume the marks that stand before this code.
        while mi < len(marks) and marks[mi].pos < code.start():
            _consume(marks[mi], stack, closed)
            mi += 1
        bare = is_bare(code)
        last_close = max((c for _, c in closed), default=None)
        gap_ok = last_close is not None and _GAP_RE.match(text[last_close + 1 : code.start()]) is not None
        open_double = [m for m in stack if m.double]
        span: tuple[int, int] | None = None
        if open_double and last_close is not None and last_close > open_double[0].pos and gap_ok:
            span = (open_double[0].pos + 1, last_close)  # rule 3: unclosed outer quote
        elif gap_ok and last_close is not None:
            opener = next(o for o, c in closed if c == last_close)
            if opener >= 0:
                span = (opener + 1, last_close)
        if span is not None:
            # Quotes closed earlier in this stretch (not the attributed one) stay unattributed.
            closed = [(o, c) for o, c in closed if c != last_close and not (span[0] <= o < span[1])]
            flush_unattributed()
            quotes.append(_make(text, span[0], span[1], report_code(code), code.start(), code.end()))
        elif not bare:
            flush_unattributed()
        else:
            continue  # a bare number that is not a respondent: keep the state as it was
        closed = []
        stack = []

    # Marks after the last code: only unattributed quotes remain.
    for mk in marks[mi:]:
        _consume(mk, stack, closed)
    flush_unattributed()
    quotes.sort(key=lambda q: q.start)
    return quotes


def codes_without_quote(text: str) -> list[str]:
    """Respondent codes `(R..)` in a paragraph that no quote claimed (for warnings)."""
    claimed = {(q.code_start, q.code_end) for q in find_quotes(text) if q.respondent}
    return [report_code(m) for m in _codes(text) if not is_bare(m) and (m.start(), m.end()) not in claimed]


def _make(text: str, start: int, end: int, code: str | None, cs: int | None = None, ce: int | None = None) -> Quote:
    # Trim whitespace inside the marks so the quote text is clean but still an exact substring.
    start, end = strip_span(text, start, end)
    return Quote(start, end, text[start:end], code, cs, ce)


def respondents_in(text: str) -> list[str]:
    """Codes quoted in a text, in order of first appearance (bare numbers only after a quote)."""
    seen: list[str] = []
    for q in find_quotes(text):
        if q.respondent and q.respondent not in seen:
            seen.append(q.respondent)
    return seen
