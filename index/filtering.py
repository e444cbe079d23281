"""Which chunks pass a search's filters: inverted maps from respondent, kind, document and section
to row numbers, built once per index and shared by every searcher over it (`Searcher.with_parts`).

Filters are applied before ranking (the allowed rows go into FAISS as an ID selector and mask the
BM25 scores), so a filtered search returns k hits whenever k chunks pass the filter.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from citaat.ingest.attributes import RespondentSheet
from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Chunk

from .records import SECTION_SEP, Filters


class RowFilter:
    """The rows of one index's chunks by respondent, kind, document and section."""

    def __init__(self, chunks: Sequence[Chunk], attributes: RespondentSheet, directory: Path) -> None:
        self.attributes = attributes
        self.directory = directory
        self.by_resp: dict[str, list[int]] = defaultdict(list)
        self.by_kind: dict[str, list[int]] = defaultdict(list)
        self.by_doc: dict[str, list[int]] = defaultdict(list)
        self.by_section: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for n, c in enumerate(chunks):
            for r in c.respondents:
                self.by_resp[r].append(n)
            self.by_kind[c.kind].append(n)
            self.by_doc[c.doc].append(n)
            self.by_section[c.section].append(n)

    def respondents(self) -> list[str]:
        """Respondent codes present in the index, numerically sorted (R2 before R10)."""
        return sorted(self.by_resp, key=lambda r: (int(r[1:]) if r[1:].isdigit() else 10**6, r))

    def sections(self) -> list[tuple[str, ...]]:
        """Distinct section paths, in document order."""
        return [s for s in self.by_section if s]

    def attribute_codes(self, pairs: Sequence[tuple[str, str]]) -> set[str]:
        """Respondent codes with all these attributes; ConfigError for an attribute the sheet lacks."""
        if not self.attributes.respondents:
            raise ConfigError(
                f"{self.directory}: geen respondentkenmerken ingelezen",
                "lees een respondentenlijst in met `citaat ingest --respondents LIJST.csv`",
            )
        known = self.attributes.columns
        for name, _ in pairs:
            if name not in known:
                raise ConfigError(f"onbekend respondentkenmerk {name!r}", f"kies uit {', '.join(known)}")
        return self.attributes.matching(pairs)

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Sorted row numbers that pass `filters`, or None when nothing is filtered."""
        if filters is None or filters.is_empty():
            return None
        sets: list[np.ndarray] = []
        if filters.respondents:
            rows = sorted({n for r in filters.respondents for n in self.by_resp.get(r, ())})
            sets.append(np.asarray(rows, dtype=np.int64))
        if filters.attributes:
            codes = self.attribute_codes(filters.attributes)
            rows = sorted({n for r in codes for n in self.by_resp.get(r, ())})
            sets.append(np.asarray(rows, dtype=np.int64))
        if filters.kind:
            sets.append(np.asarray(self.by_kind.get(filters.kind.lower(), []), dtype=np.int64))
        if filters.doc:
            want = filters.doc.casefold()
            docs = [d for d in self.by_doc if want in (d.casefold(), d.rsplit(".", 1)[0].casefold())]
            sets.append(np.asarray(sorted(n for d in docs for n in self.by_doc[d]), dtype=np.int64))
        if filters.section:
            prefix = filters.section.casefold()
            matching = [s for s in self.by_section if _section_matches(s, prefix)]
            sets.append(np.asarray(sorted(n for s in matching for n in self.by_section[s]), dtype=np.int64))
        allowed = sets[0]
        for other in sets[1:]:
            allowed = np.intersect1d(allowed, other, assume_unique=True)
        return allowed


_NUMBERING_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")


def _section_matches(section: tuple[str, ...], prefix: str) -> bool:
    """Case-insensitive prefix of the joined path or of one heading, with or without its number."""
    if SECTION_SEP.join(section).casefold().startswith(prefix):
        return True
    for part in section:
        part = part.casefold()
        if part.startswith(prefix) or _NUMBERING_RE.sub("", part).startswith(prefix):
            return True
    return False


__all__ = ["RowFilter"]
