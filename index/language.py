"""The words of a question and the language it is asked in.

Lives in the index layer because both the evidence judgement (index/evidence.py: English questions
get their own dense threshold) and the app's question handling (topic words, follow-ups) need it.
"""

from __future__ import annotations

import re

_WORD_RE = re.compile(r"(?u)\b\w[\w'’-]*\w\b")  # keeps "risico's" and "ICT-samenwerking" whole
_EN_WORDS = frozenset("the what which who whom how why does do did are about between of and to for with say".split())
_NL_WORDS = frozenset("de het een wat welke wie hoe waarom zijn over tussen van en voor met zegt zeggen".split())


def words(text: str) -> list[str]:
    """The words of a text in order, as written (single letters are not words)."""
    return _WORD_RE.findall(text)


def is_english(text: str) -> bool:
    """True when a question has more English than Dutch function words ('What makes …')."""
    low = [w.lower() for w in words(text)]
    return sum(w in _EN_WORDS for w in low) > sum(w in _NL_WORDS for w in low)
