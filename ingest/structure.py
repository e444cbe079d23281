"""Document structure: which blocks are headings, the section path of everything else, and the
units that become chunks (paragraphs, lists with their lead-in, tables with caption and note).

Heading rules, the same for every format so TXT and PDF of one report agree:
- level 1 (chapter): a title listed in the document's own table of contents, `Bijlage N ...`, the
  line right before the table of contents, a bold line in the largest heading size (PDF), or a
  Markdown `#`;
- level 2: a numbered single-line block without a final full stop (`2.1 Vertrouwen ...`,
  `1. Vertrouwen met stip op 1`), or the second bold size (PDF);
- level 3: a short unnumbered single-line block that introduces a paragraph of prose
  ("Kwantitatieve resultaten"); before the first chapter only if a long paragraph follows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

from .model import Block, Document, RawBlock
from .text import ends_sentence, join_wrapped, starts_lower

_NUMBERED_RE = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
_APPENDIX_RE = re.compile(r"^(Bijlage|Appendix|Annex)\s+\d+\b", re.I)
_CAPTION_RE = re.compile(r"^(Tabel|Table|Figuur|Grafiek)\s+\d+\b", re.I)
_NOTE_RE = re.compile(r"^(Schaal|Bron|Noot|N\.?B\.?|Toelichting|\*)\b", re.I)
_TOC_ROW_RE = re.compile(r"^(.*\S)\s*\|\s*(\d{1,4})$")
MAX_HEADING_CHARS = 120
MAX_SUBHEADING_WORDS = 12


def _norm(title: str) -> str:
    return re.sub(r"\W+", " ", title).strip().lower()


def _toc_titles(block: RawBlock) -> list[str] | None:
    """Titles of a table-of-contents block (rows `Title | page`), or None if it is not one."""
    if block.kind != "table":
        return None
    rows = [r for r in block.text.split("\n") if r.strip()]
    matches = [_TOC_ROW_RE.match(r) for r in rows]
    hits = [m.group(1) for m in matches if m]
    if len(rows) >= 3 and len(hits) >= 0.7 * len(rows):
        return hits
    return None


def merge_broken_paragraphs(blocks: list[RawBlock]) -> list[RawBlock]:
    """Join a paragraph that a page break cut in two (no final punctuation, next starts lowercase)."""
    out: list[RawBlock] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == "paragraph"
            and b.kind == "paragraph"
            and not ends_sentence(prev.text)
            and starts_lower(b.text)
        ):
            breaks = list(prev.meta.get("page_breaks", []))
            merged = join_wrapped(prev.text, b.text)
            if b.page is not None and b.page != prev.page:
                breaks.append((len(merged) - len(b.text), b.page))
            out[-1] = replace(prev, text=merged, meta={**prev.meta, "page_breaks": breaks})
        else:
            out.append(b)
    return out


def _is_heading_candidate(b: RawBlock) -> bool:
    t = b.text
    return (
        b.kind == "paragraph"
        and "\n" not in t
        and len(t) <= MAX_HEADING_CHARS
        and t[:1].isalnum()
        and t[:1] == t[:1].upper()
        and t[-1:] not in ".,;:"
        and not _CAPTION_RE.match(t)
        and not _NOTE_RE.match(t)
    )


def classify_headings(blocks: list[RawBlock]) -> list[RawBlock]:
    """Mark headings (see module rules) and tables of contents; other blocks pass unchanged."""
    toc_titles: set[str] = set()
    toc_at: set[int] = set()
    for i, b in enumerate(blocks):
        titles = _toc_titles(b)
        if titles:
            toc_titles.update(_norm(t) for t in titles)
            toc_at.add(i)
    # A table of contents broken by a short label ("Bijlagen:") continues after it.
    for i in range(1, len(blocks) - 1):
        if i - 1 in toc_at and len(blocks[i].text) < 40 and blocks[i + 1].kind == "table":
            rows = [r for r in blocks[i + 1].text.split("\n") if r.strip()]
            titles = [m.group(1) for m in map(_TOC_ROW_RE.match, rows) if m]
            if titles and len(titles) >= 0.7 * len(rows):
                toc_titles.update(_norm(t) for t in titles)
                toc_at.update({i, i + 1})

    by_font = any(b.kind == "heading" and b.meta.get("from_font") for b in blocks)
    out: list[RawBlock] = []
    chapter_seen = False
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if i in toc_at:
            out.append(replace(b, kind="toc"))
            continue
        if b.kind == "heading":
            chapter_seen = chapter_seen or b.level == 1
            out.append(b)
            continue
        if not _is_heading_candidate(b):
            out.append(b)
            continue
        t = b.text
        level = 0
        num = _NUMBERED_RE.match(t)
        followed_by_prose = nxt is not None and nxt.kind == "paragraph" and len(nxt.text) >= 100
        if by_font:
            pass  # the PDF's fonts already gave levels 1 and 2; only subheadings are left to find
        elif _norm(t) in toc_titles or _APPENDIX_RE.match(t) or (i + 1) in toc_at:
            level = 1
        elif num:
            level = 3 if num.group(1).count(".") >= 2 else 2
        if not level and not num and len(t.split()) <= MAX_SUBHEADING_WORDS and followed_by_prose:
            if not toc_titles and not by_font:
                level = 1  # nothing ranks the headings: every unnumbered one is a chapter
            elif chapter_seen:
                level = 3
            elif not by_font and _prose_after(blocks, i) >= 300:
                level = 1  # front matter (a foreword) before the first listed chapter
        if level:
            chapter_seen = chapter_seen or level == 1
            out.append(RawBlock("heading", t, page=b.page, level=level, meta=b.meta))
        else:
            out.append(b)
    return out


def _prose_after(blocks: list[RawBlock], i: int, n: int = 2) -> int:
    """Characters of prose in the `n` blocks after block `i` (how much a candidate heading introduces)."""
    return sum(len(b.text) for b in blocks[i + 1 : i + 1 + n] if b.kind == "paragraph")


def prepare(blocks: list[RawBlock]) -> list[RawBlock]:
    """The whole structure pass over a loader's raw blocks."""
    return classify_headings(merge_broken_paragraphs(blocks))


@dataclass(frozen=True)
class Unit:
    """A stretch of the document that becomes one passage (or is windowed) or one table chunk."""

    kind: str  # "passage" | "table"
    start: int
    end: int
    section: tuple[str, ...]
    blocks: tuple[Block, ...]


def section_paths(doc: Document) -> list[tuple[str, ...]]:
    """The heading path in force at every block (a heading's own path includes itself)."""
    path: list[tuple[int, str]] = []
    out: list[tuple[str, ...]] = []
    for b in doc.blocks:
        if b.kind == "heading":
            path = [p for p in path if p[0] < b.level]
            path.append((b.level, b.text))
        out.append(tuple(t for _, t in path))
    return out


SHORT_BLOCK = 120
MAX_LEADIN_MERGE = 2500
MAX_SHORT_RUN = 600
MAX_LEADIN_CHARS = 200  # a lead-in: one short paragraph ending in a colon
MAX_LEADIN_ITEM = 600
MAX_LEADIN_RUN = 1500


def _is_leadin(b: Block) -> bool:
    return b.kind == "paragraph" and len(b.text) <= MAX_LEADIN_CHARS and b.text.rstrip().endswith(":")


def units(doc: Document) -> list[Unit]:
    """Group blocks into chunkable units; a unit never crosses a heading."""
    paths = section_paths(doc)
    result: list[Unit] = []
    blocks = doc.blocks
    i = 0
    while i < len(blocks):
        b = blocks[i]
        sec = paths[i]
        if b.kind in ("heading", "toc"):
            i += 1
            continue
        if b.kind == "table":
            group = [b]
            if result and result[-1].kind == "passage" and len(result[-1].blocks) == 1:
                cap = result[-1].blocks[0]
                if (_CAPTION_RE.match(cap.text) or _is_leadin(cap)) and result[-1].section == sec:
                    result.pop()
                    group.insert(0, cap)
            j = i + 1
            while j < len(blocks) and blocks[j].kind == "table" and paths[j] == sec:
                group.append(blocks[j])
                j += 1
            if (
                j < len(blocks)
                and blocks[j].kind == "paragraph"
                and _NOTE_RE.match(blocks[j].text)
                and len(blocks[j].text) < 300
            ):
                group.append(blocks[j])
                j += 1
            result.append(Unit("table", group[0].start, group[-1].end, sec, tuple(group)))
            i = j
            continue
        if b.kind == "list" and result and result[-1].kind == "passage" and result[-1].section == sec:
            prev = result[-1]
            if b.end - prev.start <= MAX_LEADIN_MERGE and prev.blocks[-1].kind == "paragraph":
                result[-1] = Unit("passage", prev.start, b.end, sec, prev.blocks + (b,))
                i += 1
                continue
        if (
            b.kind == "paragraph"
            and not _is_leadin(b)
            and result
            and result[-1].kind == "passage"
            and result[-1].section == sec
            and _is_leadin(result[-1].blocks[0])
            and all(x.kind == "paragraph" and len(x.text) <= MAX_LEADIN_ITEM for x in result[-1].blocks[1:] + (b,))
            and b.end - result[-1].start <= MAX_LEADIN_RUN
        ):
            # "Aan de gemeentesecretarissen:" followed by short items: the items belong to their lead-in.
            prev = result[-1]
            result[-1] = Unit("passage", prev.start, b.end, sec, prev.blocks + (b,))
            i += 1
            continue
        if (
            len(b.text) < SHORT_BLOCK
            and result
            and result[-1].kind == "passage"
            and result[-1].section == sec
            and all(len(x.text) < SHORT_BLOCK for x in result[-1].blocks)
            and b.end - result[-1].start <= MAX_SHORT_RUN
        ):
            prev = result[-1]
            result[-1] = Unit("passage", prev.start, b.end, sec, prev.blocks + (b,))
            i += 1
            continue
        result.append(Unit("passage", b.start, b.end, sec, (b,)))
        i += 1
    return result


def page_lookup(doc: Document) -> Callable[[int], int | None]:
    """A function offset -> page for one document (binary search; page breaks inside merged
    paragraphs kept). Built once per document, so chunking stays linear in the document size."""
    points: list[tuple[int, int | None]] = []
    for b in doc.blocks:
        points.append((b.start, b.page))
        points.extend((b.start + rel, p) for rel, p in b.meta.get("page_breaks", ()))
    points.sort(key=lambda x: x[0])
    starts = [p[0] for p in points]

    def page(offset: int) -> int | None:
        i = bisect_right(starts, offset) - 1
        return points[i][1] if i >= 0 else None

    return page
