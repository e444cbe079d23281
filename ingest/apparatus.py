"""The publication's apparatus: text about the report rather than findings of the research.

Claim search shows report text only on request, and never this: the title page, cover blurb and
colophon (everything before the first heading), sections that are apparatus by their heading
(colophon, reading guide, contents, supervisory group, about the authors), footnotes, the author's
signature under the preface, and paragraphs that guide the reader through the document ("lees de
hoofdstukken …", "… doorgaan met de aanbevelingen op pagina 38").

Detected from the document's structure (section paths, where a chunk sits, how it starts), never
from a list of ids; golden-tested on the report (tests/test_apparatus.py). Pure: chunks in, ids out.
Quotes, transcript turns and transcript passages are never apparatus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Chunk

# Headings (without their numbering) whose whole section is apparatus.
APPARATUS_HEADINGS = frozenset(
    {
        "colofon",
        "leeswijzer",
        "inhoud",
        "inhoudsopgave",
        "begeleidingsgroep",
        "over de auteur",
        "over de auteurs",
        "verantwoording",
        "dankwoord",
    }
)
_NUMBERING_RE = re.compile(r"^\s*(?:[0-9IVXivx]+(?:\.[0-9]+)*\.?|bijlage\s+\d+)\s*", re.IGNORECASE)
# A footnote starts with its superscript marker ("¹ De focus …").
_FOOTNOTE_RE = re.compile(r"^\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s")
# An author's signature: a title and a name on the first line ("Dr Henriëtte van den Heuvel").
_SIGNATURE_RE = re.compile(r"^(?:dr|drs|prof|mr|ir|ing)\.?\s+[A-ZÀ-Ý][^\n]{2,60}$", re.IGNORECASE)
# Reading guidance: the first sentence tells the reader what to read where.
_GUIDE_VERB_RE = re.compile(r"\b(?:lees|leest|lezen|doorgaan|doorbladeren|volstaan|vindt u)\b", re.IGNORECASE)
_GUIDE_PLACE_RE = re.compile(r"\b(?:hoofdstuk\w*|pagina\s+\d+|conclusies|bijlage\s*\d*)\b", re.IGNORECASE)
_FIRST_SENTENCE_RE = re.compile(r"^.*?(?:[.?!](?=\s)|$)", re.DOTALL)


def _heading_name(heading: str) -> str:
    return _NUMBERING_RE.sub("", heading).strip().casefold()


def _is_speech(chunk: Chunk) -> bool:
    return chunk.kind in ("quote", "turn") or bool(chunk.meta.get("interview"))


def apparatus_reason(chunk: Chunk, front_matter: bool = False) -> str | None:
    """Why `chunk` is apparatus ("voorwerk", "kop: colofon", "voetnoot", "ondertekening",
    "leeswijzer"), or None. `front_matter`: the chunk lies before the document's first heading
    (`find_apparatus` works that out for a whole document)."""
    if _is_speech(chunk):
        return None
    if front_matter:
        return "voorwerk"
    for heading in chunk.section:
        name = _heading_name(heading)
        if name in APPARATUS_HEADINGS:
            return f"kop: {name}"
    text = chunk.text.strip()
    if _FOOTNOTE_RE.match(text):
        return "voetnoot"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and _SIGNATURE_RE.match(lines[0]) and all(len(line) <= 80 for line in lines):
        return "ondertekening"
    first = _FIRST_SENTENCE_RE.match(text)
    sentence = first.group(0) if first else text
    if _GUIDE_VERB_RE.search(sentence) and _GUIDE_PLACE_RE.search(sentence):
        return "leeswijzer"
    return None


def find_apparatus(chunks: Iterable[Chunk]) -> dict[str, str]:
    """Chunk id -> reason for every apparatus chunk. Front matter is the chunks without a section
    in a document that has headings elsewhere (a document without any headings has none)."""
    chunks = list(chunks)
    with_headings = {c.doc for c in chunks if c.section}
    out: dict[str, str] = {}
    for c in chunks:
        reason = apparatus_reason(c, front_matter=not c.section and c.doc in with_headings)
        if reason is not None:
            out[c.id] = reason
    return out


def is_apparatus(chunk: Chunk, front_matter: bool = False) -> bool:
    """Whether one chunk is apparatus (see `apparatus_reason`)."""
    return apparatus_reason(chunk, front_matter) is not None


__all__ = ["APPARATUS_HEADINGS", "apparatus_reason", "find_apparatus", "is_apparatus"]
