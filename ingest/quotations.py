"""Quotations in running text and sentence spans that never cut one: one rule for the index (its
sentence pieces, index/pieces.py) and the answer checks (app/verify.py).

A quotation runs from an opening mark to its closing mark within one paragraph; straight single
quotes are never quote marks (Dutch uses them as apostrophes: auto's, 's avonds).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .sentences import sentence_spans


@dataclass(frozen=True)
class Quotation:
    """A span between quote marks: [start, end) is the inner text, [outer_start, outer_end) with marks."""

    start: int
    end: int
    outer_start: int
    outer_end: int
    text: str


# opening mark -> the closing marks that may end it
_PAIRS: dict[str, str] = {"“": "”“", "„": "”“", "”": "”", "«": "»", '"': '"', "‘": "’"}
MAX_QUOTATION_CHARS = 2000


def _closing(text: str, open_pos: int, closers: str) -> int:
    """Index of the mark that closes the quotation opened at `open_pos`, or -1."""
    limit = min(len(text), open_pos + 1 + MAX_QUOTATION_CHARS)
    for i in range(open_pos + 1, limit):
        ch = text[i]
        if ch in closers:
            if ch == "’" and i + 1 < len(text) and text[i + 1].isalpha():
                continue  # an apostrophe: auto’s, zo’n
            return i
        if ch == "\n" and i + 1 < len(text) and text[i + 1] == "\n":
            return -1  # a quotation does not run across paragraphs
    return -1


def find_quotations(text: str) -> list[Quotation]:
    """Non-overlapping quotations in reading order. Straight single quotes are never quote marks
    (Dutch uses them as apostrophes: auto's, 's avonds)."""
    out: list[Quotation] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _PAIRS and not (ch == "‘" and i > 0 and text[i - 1].isalpha()):
            j = _closing(text, i, _PAIRS[ch])
            if j > i + 1 and text[i + 1 : j].strip():
                out.append(Quotation(i + 1, j, i, j + 1, text[i + 1 : j]))
                i = j + 1
                continue
        i += 1
    return out


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences (ingest.sentences); a full stop inside a quotation does not
    end a sentence, a newline always does. Remembered per text (`_spans`): every answer splits
    the same few hundred passages again, and that was a third of an extractive answer's CPU."""
    return list(_spans(text))


@lru_cache(maxsize=8192)
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text, [(q.outer_start, q.outer_end) for q in find_quotations(text)]))


__all__ = ["Quotation", "find_quotations", "split_sentences"]
