"""Chunks of an interview transcript: one passage per question-and-answer exchange, one chunk per answer.

An answer alone is what a user wants to cite, but it often only makes sense with the question, so
the passage (question + answers) is its parent and the question travels along as display-only
`context`. Every chunk's text is an exact substring of `Document.text` at [start, end).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from .ids import IdMaker
from .model import Block, Chunk, Document
from .transcript import INTERVIEWER

# A short interviewer remark without a question ("Ja.", "Hm-hm, helder.") does not end an exchange.
BACKCHANNEL_MAX_CHARS = 40
_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+|\n[ \t]*\n\s*")
_SENTENCE_START = "“\"‘'([-–"


def _is_answer(b: Block) -> bool:
    return b.kind == "turn" and b.speaker != INTERVIEWER


def _is_backchannel(b: Block) -> bool:
    return len(b.text) <= BACKCHANNEL_MAX_CHARS and "?" not in b.text


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence, without surrounding whitespace; blank lines always break."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_BREAK_RE.finditer(text):
        gap = m.group()
        nxt = text[m.end() : m.end() + 1]
        if gap.count("\n") < 2:
            # A period followed by a lower-case word is an abbreviation ("bijv. de"), not an end.
            if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in _SENTENCE_START):
                continue
        end = m.start() + len(gap.rstrip())
        if end > pos:
            spans.append((pos, end))
        pos = m.end()
    if pos < len(text) and text[pos:].strip():
        spans.append((pos, len(text.rstrip())))
    return spans


def _hard_split(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split one over-long sentence at spaces so that no piece exceeds max_chars."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars + 1)
        if cut <= start:
            cut = start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def split_answer(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Pieces of roughly equal size, at most max_chars each, cut at sentence boundaries."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    target = float(max_chars)
    for s, e in sentence_spans(text):
        if cur is not None and e - cur[0] <= max_chars and cur[1] - cur[0] < target:
            cur = (cur[0], e)
            continue
        if cur is not None:
            pieces.append(cur)
        rest = len(text) - s  # aim at equal pieces for what is left
        target = rest / math.ceil(rest / max_chars)
        cur = (s, e)
        if e - s > max_chars:
            pieces.extend(_hard_split(text, s, e, max_chars))
            cur = None
    if cur is not None:
        pieces.append(cur)
    return pieces


def _windows(turns: Sequence[Block], limit: int) -> list[list[Block]]:
    """Consecutive turns whose span stays within `limit`; questions never end a window."""
    if turns[-1].end - turns[0].start <= limit:
        return [list(turns)]
    windows: list[list[Block]] = [[]]
    for t in turns:
        cur = windows[-1]
        if cur and t.end - cur[0].start > limit and any(_is_answer(b) for b in cur):
            windows.append([t])
        else:
            cur.append(t)
    return windows


def _meta(b: Block, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"label": b.meta.get("label")}
    for key in ("time", "end"):
        if b.meta.get(key):
            meta[key] = b.meta[key]
    meta.update(extra)
    return meta


def chunk_transcript(doc: Document, max_chars: int = 1200) -> list[Chunk]:
    """Passages per exchange (windows when longer than ~2×max_chars) with their answer turns."""
    ids = IdMaker(doc.name)
    chunks: list[Chunk] = []
    headings: list[tuple[int, str]] = []

    def section() -> tuple[str, ...]:
        if headings:
            return tuple(title for _, title in headings)
        return (f"Interview {doc.respondent}",) if doc.respondent else (doc.name,)

    def passage(start: int, end: int, respondents: tuple[str, ...], context: str | None, meta: dict[str, Any]) -> Chunk:
        text = doc.text[start:end]
        sec = section()
        meta = {"interview": True, **meta}  # a transcript passage: interview text, not the researchers'
        return Chunk(
            ids.make("passage", sec, text),
            doc.name,
            "passage",
            text,
            respondents,
            sec,
            None,
            start,
            end,
            None,
            context,
            meta,
        )

    def emit(exchange: list[Block]) -> None:
        answers = [b for b in exchange if _is_answer(b)]
        if not answers:
            return  # interviewer-only remarks carry no respondent content
        first_answer = exchange.index(answers[0])
        question = "\n\n".join(b.text for b in exchange[:first_answer]) or None
        windows = _windows(exchange, 2 * max_chars)
        for wi, window in enumerate(windows):
            codes = tuple(dict.fromkeys(b.speaker for b in window if _is_answer(b) and b.speaker))
            meta: dict[str, Any] = {}
            if window[0].meta.get("time"):
                meta["time"] = window[0].meta["time"]
            if len(windows) > 1:
                meta.update(window=wi + 1, windows=len(windows))
            has_question = wi == 0 and first_answer > 0
            parent = passage(window[0].start, window[-1].end, codes, None if has_question else question, meta)
            chunks.append(parent)
            for b in window:
                if not _is_answer(b):
                    continue
                pieces = split_answer(b.text, max_chars)
                for pi, (s, e) in enumerate(pieces):
                    extra = {"part": pi + 1, "parts": len(pieces)} if len(pieces) > 1 else {}
                    text = b.text[s:e]
                    sec = section()
                    chunks.append(
                        Chunk(
                            ids.make("turn", sec, text),
                            doc.name,
                            "turn",
                            text,
                            (b.speaker,) if b.speaker else (),
                            sec,
                            None,
                            b.start + s,
                            b.start + e,
                            parent.id,
                            question,
                            _meta(b, **extra),
                        )
                    )

    exchange: list[Block] = []
    for b in doc.blocks:
        if b.kind == "turn":
            if b.speaker == INTERVIEWER and any(_is_answer(t) for t in exchange) and not _is_backchannel(b):
                emit(exchange)
                exchange = []
            exchange.append(b)
            continue
        emit(exchange)
        exchange = []
        if b.kind == "heading":
            level = b.level or 1
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, str(b.meta.get("title") or b.text)))
        elif not (b.meta.get("header") or b.meta.get("intro")) and b.text.strip():
            # Text outside any turn (a note after a heading, unlabelled subtitle cues): searchable,
            # unattributed. Titles and metadata before the first turn are not indexed.
            chunks.append(passage(b.start, b.end, (), None, {"time": b.meta["time"]} if b.meta.get("time") else {}))
    emit(exchange)
    return chunks
