"""One request parser for every front door: the CLI (app/cli.py, typer), the JSON API (app/api.py,
FastAPI) and the page (app/ui, Gradio).

    filters = parse_filters(respondents=["R13"], rol="wethouder", kind="quote")
    request = AskRequest("Wat zegt R13 over vertrouwen?", filters=filters)
    answer = answerer.answer(request.question, request.history, request.filters)

Every command that searches or answers takes the same filters (respondent codes, `rol`,
`organisatie`, respondent attributes NAAM=WAARDE, section, kind, document), and a bad filter gets
the same Dutch message wherever it was typed: a `RequestError` (a `ConfigError`), which the CLI
prints as one line, the API returns as a 422 `detail` and the page shows as a warning. The rules
themselves live where they always did: respondent codes in `Filters` (ingest/respondents.py),
attributes in ingest/attributes.py; this module only adds the chunk kinds and the check of codes
against the index (`known_respondents`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from citaat.index.records import Filters
from citaat.ingest.attributes import parse_attribute_option
from citaat.ingest.errors import CitaatError, ConfigError
from citaat.ingest.model import CHUNK_KINDS

# the attribute options with a name of their own (`--rol X` is `--attribuut rol=X`)
NAMED_ATTRIBUTES = ("rol", "organisatie")


class RequestError(ConfigError):
    """A filter or request value a user typed that cannot be used (Dutch message and hint)."""


class UnknownRespondent(RequestError):
    """A well-formed respondent code that the index does not hold (the API answers 404)."""


def check_kind(kind: str | None) -> str | None:
    """`kind` when it is a chunk kind (or empty), else the one Dutch message for a wrong kind."""
    value = (kind or "").strip()
    if value and value not in CHUNK_KINDS:
        raise RequestError(f"soort {value!r} bestaat niet", f"kies uit {', '.join(CHUNK_KINDS)}")
    return value or None


def parse_filters(
    respondents: Iterable[str] | str | None = (),
    section: str | None = None,
    kind: str | None = None,
    doc: str | None = None,
    rol: str | None = None,
    organisatie: str | None = None,
    attributes: Iterable[str | tuple[str, str]] | None = (),
) -> Filters:
    """The `Filters` of a request, from the values as typed. `attributes` holds 'NAAM=WAARDE' texts
    (the CLI's `--attribuut`, the API's `attributes`) or (name, value) pairs (the page's menu);
    `rol` and `organisatie` are attributes with an option of their own. Empty values do not filter.
    A bad value raises `RequestError` (a code that is no code, a kind that does not exist, an
    attribute that is no NAAM=WAARDE)."""
    codes = (respondents,) if isinstance(respondents, str) else tuple(respondents or ())
    pairs = [(name, value) for name, value in zip(NAMED_ATTRIBUTES, (rol, organisatie), strict=True) if value]
    for item in attributes or ():
        pairs.append(_attribute(item) if isinstance(item, str) else item)
    try:
        return Filters(tuple(c for c in codes if c.strip()), section, check_kind(kind), doc, tuple(pairs))
    except RequestError:
        raise
    except ConfigError as exc:  # Filters' own rule for respondent codes, said the same everywhere
        raise RequestError(exc.message, exc.hint) from None


def _attribute(text: str) -> tuple[str, str]:
    try:
        return parse_attribute_option(text)
    except CitaatError as exc:  # SheetError
        raise RequestError(exc.message, exc.hint) from None


def known_respondents(filters: Filters, known: Iterable[str]) -> Filters:
    """`filters` when the index holds every respondent code in it, else `UnknownRespondent`."""
    present = set(known)
    for code in filters.respondents:
        if code not in present:
            raise UnknownRespondent(f"respondent {code} komt in de index niet voor")
    return filters


@dataclass(frozen=True)
class AskRequest:
    """One question to answer: the question, the earlier questions of the conversation (oldest
    first) and the filters (`Answerer.answer(question, history, filters)`)."""

    question: str
    history: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query (or claim), how many results from which offset, and the filters."""

    query: str
    filters: Filters = field(default_factory=Filters)
    k: int = 10
    offset: int = 0


__all__ = [
    "NAMED_ATTRIBUTES",
    "AskRequest",
    "RequestError",
    "SearchRequest",
    "UnknownRespondent",
    "check_kind",
    "known_respondents",
    "parse_filters",
]
