"""The records of a search: `Filters` (what to search among) and `Hit` (the `Chunk` found, plus
how it was found).

Their own module so that fusion (which collapses hits), the searcher (which makes them) and the
adapters (which translate them) all import them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from citaat.ingest.attributes import attribute_pairs
from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Chunk, HoldsChunk
from citaat.ingest.respondents import normalize_code

MatchedBy = Literal["dense", "bm25"]
SECTION_SEP = " > "


def section_path(section: tuple[str, ...]) -> str:
    """A heading path as one line: "Succesfactoren > 2.1 Vertrouwen"."""
    return SECTION_SEP.join(section)


@dataclass(frozen=True)
class Hit(HoldsChunk):
    """One search result: the chunk plus how it was found.

    score: the fused score (RRF sum, weighted normalised sum, or the single retriever's score);
    rank: 1-based position in the result list; matched_by: which retrievers had it among their
    candidates; dense_score / bm25_score: the raw scores (None if not computed); collapsed: ids of
    duplicate chunks (a quote inside this passage, or the passage around this quote) that were
    folded into this hit. The chunk's fields are readable on the hit itself (`hit.text`, ...).
    """

    chunk: Chunk
    score: float
    rank: int
    matched_by: tuple[MatchedBy, ...] = ()
    dense_score: float | None = None
    bm25_score: float | None = None
    collapsed: tuple[str, ...] = ()




    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def respondents(self) -> tuple[str, ...]:
        return self.chunk.respondents



    @property
    def start(self) -> int:
        return self.chunk.start

    @property
    def end(self) -> int:
        return self.chunk.end

    @property
    def parent(self) -> str | None:
        return self.chunk.parent

    @property
    def context(self) -> str | None:
        return self.chunk.context

    @property
    def section_path(self) -> str:
        return section_path(self.chunk.section)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit in `citaat search --json` (and the batch form)."""
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "respondents": list(self.respondents),
            "section": list(self.section),
            "page": self.page,
            "score": round(float(self.score), 6),
        }


@dataclass(frozen=True)
class Filters:
    """Restrict a search. Empty fields do not filter.

    respondents: codes ("R13", "r 13", "13" are normalised); a chunk passes if it carries any.
    section: case-insensitive prefix of the joined section path ("Succesfactoren > 2.1 Vertr") or
        of any one heading in it, with or without its number ("2.1 vertr", "vertrouwen").
    kind: "quote", "passage", "table" or "turn".
    doc: the document name, with or without extension, case-insensitive.
    attributes: (name, value) pairs of respondent attributes (`citaat ingest --respondents`), e.g.
        (("rol", "gemeentesecretaris"),); a chunk passes if one of its respondents has them all
        (case-insensitive). A dict is accepted too.
    """

    respondents: tuple[str, ...] = ()
    section: str | None = None
    kind: str | None = None
    doc: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        codes = []
        for value in (self.respondents,) if isinstance(self.respondents, str) else self.respondents:
            code = normalize_code(str(value))
            if code is None:
                raise ConfigError(f"{value!r} is geen respondentcode", "gebruik een code zoals R13")
            if code not in codes:
                codes.append(code)
        object.__setattr__(self, "respondents", tuple(codes))
        for name in ("section", "kind", "doc"):
            value = getattr(self, name)
            object.__setattr__(self, name, value.strip() or None if isinstance(value, str) else None)
        object.__setattr__(self, "attributes", attribute_pairs(self.attributes or ()))

    def is_empty(self) -> bool:
        return not (self.respondents or self.section or self.kind or self.doc or self.attributes)

    def describe(self) -> str:
        """The filters in Dutch, one line ('respondent R13; rol = gemeentesecretaris'), '' when none."""
        parts = []
        if self.respondents:
            parts.append(f"respondent {', '.join(self.respondents)}")
        parts += [f"{name} = {value}" for name, value in self.attributes]
        if self.section:
            parts.append(f"sectie {self.section}")
        if self.kind:
            parts.append(f"soort {self.kind}")
        if self.doc:
            parts.append(f"document {self.doc}")
        return "; ".join(parts)


__all__ = ["SECTION_SEP", "Filters", "Hit", "MatchedBy", "section_path"]
