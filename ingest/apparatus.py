"""The publication's own apparatus: the parts of a report that are about the publication, not about
its subject (title page and colophon, the foreword's signature, footnotes, reading guidance, the
steering group). They stay searchable ("Wie heeft het onderzoek uitgevoerd?") but never fill an
answer to another question.

Told from the document's structure, not from a list of its sentences:
- "titelpagina": text before the first heading of a document that has headings (title page,
  cover blurb, "uitgave in opdracht van", authors);
- "colofon": a section whose heading names a part about the publication itself (colophon, table
  of contents, steering group, acknowledgements, reading guide);
- "ondertekening": a passage of the foreword without a single sentence (the name and titles that
  sign it);
- "voetnoot": a block that opens with a note mark (¹, ², *, †) followed by its text;
- "leeswijzer": a passage most of whose full sentences point the reader to the document's own pages
  or chapters ("Je kunt ook meteen doorgaan met de aanbevelingen op pagina 38.").

`mark_apparatus` puts the kind into `chunk.meta["apparatus"]` at ingest; `apparatus_kind` reads it.
`is_reading_guidance` is the sentence-level rule the answer also applies to single sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Literal

from .model import Chunk
from .quotations import split_sentences

ApparatusKind = Literal["titelpagina", "colofon", "ondertekening", "voetnoot", "leeswijzer"]
APPARATUS_KEY = "apparatus"

# Headings that name a part about the publication itself (compared lowercased, numbering removed).
_PUBLICATION_PARTS = frozenset(
    """colofon inhoud inhoudsopgave leeswijzer begeleidingsgroep begeleidingscommissie stuurgroep
    klankbordgroep dankwoord""".split()
) | {"over de auteur", "over de auteurs", "over dit rapport", "contents", "colophon", "acknowledgements"}
_FOREWORD = frozenset({"voorwoord", "woord vooraf", "ten geleide", "preface", "foreword"})
_NOTE_RE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰*†‡]+\s+\S")
_NUMBERING_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_SENTENCE_END_RE = re.compile(r"[.!?:;][\"”’)\]]*$")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[-•–*]|\d+[.)])\s", re.M)
# A sentence that points the reader to the document's own pages or parts: a page reference, or the
# reader addressed with a form of "lezen" ("lees de hoofdstukken", "kunt u volstaan met het lezen").
_PAGE_REF_RE = re.compile(r"\b(?:pagina|blz\.?|bladzijde|p\.)\s*\d+", re.I)
_READER_RE = re.compile(r"\b(?:u|je|jij|uw)\b", re.I)
_READ_RE = re.compile(r"\b(?:lees|leest|lezen|doorlezen|doorgaan|overslaan|terugvinden|verwijzen)\b", re.I)


def _heading(title: str) -> str:
    return " ".join(_NUMBERING_RE.sub("", title).lower().split()).strip(" :*")


@lru_cache(maxsize=16384)  # asked of the same sentences on every answer
def is_reading_guidance(sentence: str) -> bool:
    """True for a sentence that tells the reader where to read on, not what the research found."""
    if _PAGE_REF_RE.search(sentence):
        return True
    return bool(_READER_RE.search(sentence) and _READ_RE.search(sentence))


def _has_sentence(text: str) -> bool:
    return any(_SENTENCE_END_RE.search(line.strip()) for line in text.split("\n") if line.strip())


def _kind(chunk: Chunk, sectioned: bool) -> ApparatusKind | None:
    if chunk.kind == "turn" or chunk.meta.get("interview"):
        return None  # a transcript's speech is never the publication's apparatus
    if sectioned and not chunk.section:
        return "titelpagina"
    if any(_heading(h) in _PUBLICATION_PARTS for h in chunk.section):
        return "colofon"
    text = chunk.text.strip()
    if _NOTE_RE.match(text):
        return "voetnoot"
    if chunk.kind != "passage":
        return None
    if chunk.section and _heading(chunk.section[0]) in _FOREWORD and not _has_sentence(text):
        if not _LIST_ITEM_RE.search(text):
            return "ondertekening"
    # the passage's statements (a list of chapter titles after "…:" is none, nor a question)
    spans = [(s, e) for s, e in split_sentences(text) if text[s:e].rstrip("\"”’)").endswith((".", "!"))]
    guided = sum(e - s for s, e in spans if is_reading_guidance(text[s:e]))
    if spans and guided >= 0.5 * sum(e - s for s, e in spans):
        return "leeswijzer"
    return None


def mark_apparatus(chunks: Sequence[Chunk]) -> list[Chunk]:
    """The chunks of one document, each apparatus chunk with its kind in `meta["apparatus"]`; a
    quote inside an apparatus passage shares its passage's kind."""
    sectioned = any(c.section for c in chunks)
    kinds: dict[str, ApparatusKind] = {}
    out: list[Chunk] = []
    for c in chunks:
        kind = _kind(c, sectioned) or (kinds.get(c.parent) if c.parent else None)
        if kind is None:
            if APPARATUS_KEY in c.meta:  # a re-marked chunk loses a kind it no longer has
                c = replace(c, meta={k: v for k, v in c.meta.items() if k != APPARATUS_KEY})
            out.append(c)
            continue
        kinds[c.id] = kind
        out.append(c if c.meta.get(APPARATUS_KEY) == kind else replace(c, meta={**c.meta, APPARATUS_KEY: kind}))
    return out


def apparatus_kind(chunk: Chunk) -> ApparatusKind | None:
    """The apparatus kind ingest gave this chunk, or None for the document's content."""
    kind = chunk.meta.get(APPARATUS_KEY)
    return kind if isinstance(kind, str) else None  # type: ignore[return-value]


__all__ = ["APPARATUS_KEY", "ApparatusKind", "apparatus_kind", "is_reading_guidance", "mark_apparatus"]
