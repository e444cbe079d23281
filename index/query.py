"""Query understanding: what of a question to match, and which kind of chunk it asks for.

- Scaffolding: "Welke respondent zegt dat …", "Wat vinden de geïnterviewden van …", "Wat staat er
  in het rapport over …" frame a question without saying anything about its topic. `strip_scaffolding`
  removes those frames (only at the start, only known phrasings) and keeps the topic; a question
  that is nothing but a frame is kept as typed.
- Intent: a question about who said something ("Welke respondent …", "Wie …", "Wat zegt R13 …")
  prefers quote chunks; a question about a figure ("Hoeveel …", "scoort", "percentage", "tabel")
  prefers table chunks. The learned reranker (index/rerank.py) reads that as a feature, never as a
  filter.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from citaat.ingest.respondents import parse_respondents

from .language import is_english
from .records import Filters

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


# ---------------------------------------------------------------------------- answer shapes

Shape = Literal["who", "person", "views", "fact", "figure", "overview"]
SHAPES: tuple[Shape, ...] = ("who", "person", "views", "fact", "figure", "overview")

# Groups of respondents a question can ask about ("wat zeggen de bestuurders …").
_GROUPS = (
    r"(?:bestuurders?|wethouders?|burgemeesters?|gemeentesecretariss(?:en)?|gemeentesecretaris|secretariss(?:en)?|"
    r"directeur(?:en|s)?|raadsleden|(?:de\s+)?(?:ambtenaren|medewerkers)|administrators|directors|mayors|aldermen)"
)
_EVERYONE = (
    r"(?:de\s+|het\s+|the\s+)?(?:geïnterviewden|geinterviewden|respondenten|ondervraagden|gesprekspartners|"
    r"sleutelfiguren|ze|zij|men|mensen|interviewees|respondents|people)"
)
_OPINION = r"(?:vinden|vindt|denken|denkt|zeggen|zegt|vertellen|ervaren|kijken|oordelen|think|say|feel)"
_SHAPE_RULES: tuple[tuple[Shape, re.Pattern[str]], ...] = (
    (
        "who",
        re.compile(
            rf"^(?:wie\b|welke\s+(?:\w+\s+)?{_ASKERS}\b|welk\s+(?:\w+\s+)?{_ASKERS}\b|van\s+wie\b|"
            r"who\b|which\s+(?:\w+\s+)?(?:respondent|interviewee|person)s?\b)",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(rf"^(?:wat|hoe|waarom|welke?|what|how|why)\s+{_OPINION}\s+(?:de\s+|the\s+)?{_GROUPS}\b", re.I),
    ),
    (
        "figure",
        re.compile(
            r"\b(?:hoeveel|hoe\s+(?:hoog|laag|vaak|groot)|percentage|procent|scoort|scoren|score|gemiddeld\w*|"
            r"cijfers?|tabel|enquête|vragenlijst|how\s+(?:many|much|high|often)|per\s*cent|average)\b|%",
            re.I,
        ),
    ),
    (
        "views",
        re.compile(
            rf"^(?:wat|hoe|what|how)\s+(?:do\s+|does\s+)?{_OPINION}\s+{_EVERYONE}\b"
            rf"|^(?:what|how)\s+do\s+{_EVERYONE}\s+{_OPINION}\b|\b(?:mening|opvatting|ervaring)(?:en)?\s+(?:van|over)\b"
            r"|\bhoe\s+(?:kijken|denken|oordelen)\b",
            re.I,
        ),
    ),
    (
        "overview",
        re.compile(
            r"\b(?:belangrijkste|voornaamste|grootste|meest\s+genoemde|welke\s+\w+(?:\s+\w+)?\s+(?:noemen|noemt|zijn|worden)|"
            r"overzicht|opsomming|main|most\s+important|biggest)\b",
            re.I,
        ),
    ),
)
# A question about the publication itself (who wrote or commissioned it, its steering group,
# its footnotes): only then may the publication's apparatus (ingest/apparatus.py) answer.
_PUBLICATION_RE = re.compile(
    r"\b(?:auteurs?|onderzoekers?|schrijver|uitgevoerd|geschreven|opgesteld|schrijven|opdrachtgever|"
    r"in\s+opdracht|begeleid\w*|colofon|voetnoot|uitgave|publicatie|nummering|author|commissioned|written)\b",
    re.I,
)


# Who a question asks about ("de geïnterviewden", "R13", "the directors") says nothing about its
# topic: a transcript corpus never uses the word "geïnterviewden", a report uses it everywhere.
PEOPLE_RE = re.compile(
    r"^(?:r\s?\d+|respondent(?:en)?|geïnterviewden?|geinterviewden?|ondervraagden|bestuurders?|wethouders?|"
    r"burgemeesters?|(?:gemeente)?secretariss?(?:en)?|directeur(?:en|s)?|raadsleden|ambtenaren|medewerkers|"
    r"interviewees?|respondents?|directors?|mayors?|aldermen|administrators?|secretaries)$",
    re.IGNORECASE,
)


def topic_text(question: str) -> str:
    """The part of a question that says what it is about: without its frame ("Wat vinden de
    geïnterviewden van …") and without the people it names."""
    rest = strip_scaffolding(question)
    return " ".join(w for w in rest.split() if not PEOPLE_RE.match(w.strip("?.,!;:'\"“”‘’()")))


def question_shape(question: str, has_codes: bool = False) -> Shape:
    """The answer shape a question asks for (see app/extractive.py `Excerpter.compose`): "person"
    when it names respondents (`has_codes`) or a group of them, "who" for who said it, "figure"
    for a number, "views" for what the interviewees think, "overview" for the main points, else
    "fact"."""
    text = question.strip()
    if has_codes:
        return "person"
    if about_publication(text):
        return "fact"  # "Wie heeft het onderzoek uitgevoerd?" asks about the publication, not a respondent
    for shape, rule in _SHAPE_RULES:
        if rule.search(text):
            return shape
    return "fact"


def about_publication(question: str) -> bool:
    """True for a question about the publication itself (its authors, commissioner, steering group)."""
    return _PUBLICATION_RE.search(question) is not None


# ---------------------------------------------------------------------------- one question, understood once


@dataclass(frozen=True)
class Query:
    """One question as the search, the evidence rule and the answer's scoring read it, built once
    (`Query.of`; a searcher builds it with its own settings: `Searcher.query`).

    text: the question as typed. search_text: the text searched: `text`, or a follow-up with the
        previous topic's words added (app/question.py `rewrite_query`).
    filters: the caller's filters with the respondent codes named in `search_text` merged in (an
        explicit respondent filter wins). respondents: who the answer is about: the explicit
        respondent filter, else the codes named in `text`.
    embed: the text the dense retriever embeds (`search_text` without its codes). match: the text
        BM25 matches (`embed` without its question frame, unless stripping is off).
    english: `search_text` is English (index/language.py). prefer: the chunk kind asked for
        ("quote", "table" or None). shape: the answer shape `text` asks for (`question_shape`).
    """

    text: str
    search_text: str
    filters: Filters
    respondents: tuple[str, ...]
    embed: str
    match: str
    english: bool
    prefer: str | None
    shape: Shape

    @classmethod
    def of(
        cls,
        text: str,
        filters: Filters | None = None,
        search_text: str | None = None,
        strip: bool = True,
    ) -> Query:
        """Understand `text` (searched as `search_text` when given). `strip`: BM25 matches the text
        without its question frame."""
        search_text = text if search_text is None else search_text
        filters = filters or Filters()
        embed, codes = parse_respondents(search_text)
        embed = embed or search_text
        asked = codes
        if search_text != text:
            asked = parse_respondents(text)[1]  # a follow-up's search text carries the previous topic
        respondents = filters.respondents or asked
        qp = plan(embed, strip=strip, who_hint=bool(codes))
        return cls(
            text=text,
            search_text=search_text,
            filters=filters if filters.respondents or not codes else dataclasses.replace(filters, respondents=codes),
            respondents=tuple(respondents),
            embed=embed,
            match=qp.match,
            english=is_english(search_text),
            prefer=qp.prefer,
            shape=question_shape(text, bool(respondents)),
        )

    @property
    def about_publication(self) -> bool:
        """The question asks about the publication itself (see `about_publication`)."""
        return about_publication(self.text)
