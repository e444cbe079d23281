"""Query understanding: what of a question to match, and which kind of chunk it asks for.

- Scaffolding: "Welke respondent zegt dat …", "Wat vinden de geïnterviewden van …", "Wat staat er
  in het rapport over …" frame a question without saying anything about its topic. `strip_scaffolding`
  removes those frames (only at the start, only known phrasings) and keeps the topic; a question
  that is nothing but a frame is kept as typed.
- Intent: a question about who said something ("Welke respondent …", "Wie …", "Wat zegt R13 …")
  prefers quote chunks; a question about a figure ("Hoeveel …", "scoort", "percentage", "tabel")
  prefers table chunks. The searcher turns that into a soft boost (`SearchConfig.kind_boost`), never
  into a filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ASKERS = (
    r"(?:respondent(?:en)?|geïnterviewde[n]?|geinterviewde[n]?|interviewee?s?|"
    r"directeur(?:en)?|bestuurder(?:s)?|leidinggevende[n]?)"
)
_SAY = (
    r"(?:zegt|zeggen|vertelt|vertellen|noemt|noemen|stelt|stellen|vindt|vinden|denkt|denken|merkt|merken|"
    r"geeft|geven|wijst|wijzen|spreekt|spreken|waarschuwt|waarschuwen|beschrijft|beschrijven|vergelijkt|"
    r"vergelijken|ziet|zien|wil|willen|klaagt|klagen|benadrukt|benadrukken|pleit|pleiten|meldt|melden)"
)
# Each pattern matches a frame at the start of the question; group "rest" is the topic. Order matters.
_FRAMES = [
    # "Welke (twee) respondent(en) zegt/vindt (er) (dat|op dat|…)" / "Wie zegt dat" / "Wie waarschuwt voor"
    re.compile(
        rf"^(?:welke|welk)\s+(?:\w+\s+)?{_ASKERS}\s+(?:{_SAY}\s+)?(?:er\s+)?(?:op\s+|erop\s+)?(?:dat\s+|over\s+|voor\s+|van\s+)?(?P<rest>.+)$",
        re.I,
    ),
    re.compile(
        rf"^wie\s+(?:{_SAY}\s+)?(?:er\s+)?(?:op\s+|erop\s+)?(?:dat\s+|over\s+|voor\s+|van\s+)?(?P<rest>.+)$", re.I
    ),
    # "Wat zeggen/vinden de geïnterviewden/respondenten (over|van) …", "Wat zegt (R13) over …"
    re.compile(
        rf"^(?:wat|hoe)\s+{_SAY}\s+(?:de\s+|het\s+)?(?:{_ASKERS}\s+)?(?:zelf\s+)?(?:over|van|tegen|aan|op)\s+(?P<rest>.+)$",
        re.I,
    ),
    # "Wat staat er in het rapport over …", "Wat zegt het rapport over …"
    re.compile(r"^wat\s+(?:staat|lees\s+ik|lezen\s+we)\s+er\s+in\s+het\s+rapport\s+over\s+(?P<rest>.+)$", re.I),
    re.compile(r"^wat\s+zegt\s+het\s+(?:rapport|onderzoek)\s+over\s+(?P<rest>.+)$", re.I),
]
_TRAILING = re.compile(r"\s*(?:volgens\s+(?:het\s+rapport|de\s+geïnterviewden|de\s+respondenten))?\s*[?.!]*\s*$", re.I)
_MIN_REST_WORDS = 1

_WHO = re.compile(rf"^(?:wie\b|welke\s+(?:\w+\s+)?{_ASKERS}\b|welk\s+{_ASKERS}\b)|\bR\s?\d+\b|\brespondent\s+\d+", re.I)
_FIGURE = re.compile(
    r"\b(?:hoeveel|percentage|procent|scoort|scoren|score|gemiddeld\w*|tabel|vragenlijst|enquête|cijfer\w*)\b|%",
    re.I,
)


@dataclass(frozen=True)
class QueryPlan:
    """match: the text to retrieve with. prefer: the chunk kind the question asks for, if any."""

    match: str
    prefer: str | None


def strip_scaffolding(question: str) -> str:
    """The question without a leading "Welke respondent zegt dat …" style frame (see module docstring)."""
    text = question.strip()
    for frame in _FRAMES:
        m = frame.match(text)
        if m:
            rest = _TRAILING.sub("", m.group("rest")).strip()
            if len(rest.split()) >= _MIN_REST_WORDS:
                return rest
            break
    return text


def preferred_kind(question: str) -> str | None:
    """"quote" for a who-said-it question, "table" for a figure question, else None."""
    if _WHO.search(question.strip()):
        return "quote"
    if _FIGURE.search(question):
        return "table"
    return None


def plan(question: str, strip: bool = True, who_hint: bool = False) -> QueryPlan:
    """What to match and which kind to prefer for one question. `who_hint`: the question named a
    respondent code that the caller already took out (it asks what that respondent said)."""
    prefer = "quote" if who_hint else preferred_kind(question)
    return QueryPlan(strip_scaffolding(question) if strip else question, prefer)
