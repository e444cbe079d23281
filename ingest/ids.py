"""Stable chunk ids: derived from content and location, never from run order or offsets.

The location is the document name, the chunk kind, its section path and the ordinal of identical
text within that section, so re-ingesting an unchanged file gives the same ids and an edit in one
section leaves the ids (and eval labels) of other sections intact.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def doc_slug(doc: str) -> str:
    stem = doc.rsplit(".", 1)[0].lower()
    slug = _SLUG_RE.sub("-", stem).strip("-")
    return slug[:24].rstrip("-") or "doc"


class IdMaker:
    """Hands out ids for one document; identical (kind, section, text) get an ordinal suffix."""

    def __init__(self, doc: str) -> None:
        self.doc = doc
        self.slug = doc_slug(doc)
        self._seen: Counter[tuple[str, tuple[str, ...], str]] = Counter()

    def make(self, kind: str, section: Sequence[str], text: str) -> str:
        key = (kind, tuple(section), text)
        ordinal = self._seen[key]
        self._seen[key] += 1
        payload = "\x1f".join([self.doc, kind, "\x1e".join(section), text, str(ordinal)])
        digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:12]
        return f"{self.slug}:{kind[0]}:{digest}"
