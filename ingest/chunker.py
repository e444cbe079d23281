"""Chunking a structured report into quote, passage and table chunks (pure: Document in, Chunks out).

- passage: one unit from `structure.units` (a paragraph, a list with its lead-in, or a run of
  short blocks); a unit longer than `max_chars` is cut into sentence windows. A window boundary
  never falls inside a quote (unless one quote alone is longer than a window), and never crosses a
  section boundary, because units never do.
- quote: every quote that `attribution.find_quotes` finds, attributed or (when long enough)
  unattributed; its parent is the passage window that contains its start.
- table: a table with its caption and note, kept whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .attribution import Quote, find_quotes
from .ids import IdMaker
from .model import Chunk, Document
from .sentences import sentence_bounds
from .structure import Unit, page_lookup, units
from .text import strip_span


@dataclass(frozen=True)
class ChunkConfig:
    """How big passages may get. 1,000 characters stays inside e5-small's 512-token window.

    whole_paragraphs: every unit (paragraph, list with lead-in) is one passage however long; the
    embedder then sees only its first ~512 tokens. Compared with sentence windows in
    docs/lab/2026-11-30-zoeken-v2.md.
    """

    max_chars: int = 1000
    min_window_chars: int = 200
    whole_paragraphs: bool = False


def _windows(text: str, quotes: list[Quote], cfg: ChunkConfig) -> list[tuple[int, int]]:
    """Split `text` into windows of at most ~max_chars at sentence starts outside quotes."""
    if len(text) <= cfg.max_chars or cfg.whole_paragraphs:
        return [(0, len(text))]
    inside = [(q.start, q.end) for q in quotes]
    cuts = [b for b in sentence_bounds(text) if not any(s < b < e for s, e in inside)]
    if not cuts:
        cuts = sentence_bounds(text)
    spans: list[tuple[int, int]] = []
    start = 0
    last_ok = None
    for c in cuts + [len(text)]:
        if c - start > cfg.max_chars and last_ok is not None and last_ok - start >= cfg.min_window_chars:
            spans.append((start, last_ok))
            start = last_ok
        last_ok = c
    spans.append((start, len(text)))
    # Trim the separator whitespace at window edges so texts are clean substrings.
    out = [(s, e) for s, e in (strip_span(text, s, e) for s, e in spans) if e > s]
    # A too-short tail joins the previous window.
    if len(out) >= 2 and out[-1][1] - out[-1][0] < cfg.min_window_chars:
        out[-2:] = [(out[-2][0], out[-1][1])]
    return out


def _respondents(quotes: list[Quote], s: int, e: int) -> tuple[str, ...]:
    seen: list[str] = []
    for q in quotes:
        if q.respondent and s <= q.start < e and q.respondent not in seen:
            seen.append(q.respondent)
    return tuple(seen)


def chunk_report(doc: Document, cfg: ChunkConfig | None = None) -> list[Chunk]:
    """All chunks of a report, in document order (passages before the quotes they contain)."""
    cfg = cfg or ChunkConfig()
    ids = IdMaker(doc.name)
    page_of = page_lookup(doc)
    out: list[Chunk] = []
    for unit in units(doc):
        out.extend(_chunk_unit(doc, unit, cfg, ids, page_of))
    return out


def _chunk_unit(
    doc: Document, unit: Unit, cfg: ChunkConfig, ids: IdMaker, page_of: Callable[[int], int | None]
) -> list[Chunk]:
    text = doc.text[unit.start : unit.end]
    if unit.kind == "table":
        return [
            Chunk(
                ids.make("table", unit.section, text),
                doc.name,
                "table",
                text,
                (),
                unit.section,
                page_of(unit.start),
                unit.start,
                unit.end,
                meta={"caption": unit.blocks[0].text.split("\n", 1)[0]},
            )
        ]
    quotes = find_quotes(text)
    chunks: list[Chunk] = []
    windows = _windows(text, quotes, cfg)
    window_ids: list[tuple[int, int, str]] = []
    for s, e in windows:
        piece = text[s:e]
        cid = ids.make("passage", unit.section, piece)
        window_ids.append((s, e, cid))
        chunks.append(
            Chunk(
                cid,
                doc.name,
                "passage",
                piece,
                _respondents(quotes, s, e),
                unit.section,
                page_of(unit.start + s),
                unit.start + s,
                unit.start + e,
                meta={"window": len(windows) > 1},
            )
        )
    for q in quotes:
        parent = next((cid for s, e, cid in window_ids if s <= q.start < e), window_ids[0][2])
        code_text = text[q.code_start : q.code_end] if q.code_start is not None else None
        chunks.append(
            Chunk(
                ids.make("quote", unit.section, q.text),
                doc.name,
                "quote",
                q.text,
                (q.respondent,) if q.respondent else (),
                unit.section,
                page_of(unit.start + q.start),
                unit.start + q.start,
                unit.start + q.end,
                parent=parent,
                meta={"code": code_text} if code_text else {},
            )
        )
    return chunks
