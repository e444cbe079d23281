"""The pieces of a chunk: the spans of its text that are scored (and embedded) one by one.

One rule for the index (sentence vectors, `IndexConfig.sentence_vectors`) and the answer's
sentence scorer (app/scoring.py): a passage's sentences (a quotation is never cut,
`ingest.quotations.split_sentences`), a table's rows without its header line, and the whole text
of a quote or an interview turn.

`piece_text` is the text a piece is embedded as: optionally its chunk's section path on the line
before, then the piece with its whitespace squashed. With the section path that is the scheme the
answer scorer caches its vectors under (`SCHEME`).
"""

from __future__ import annotations

from citaat.ingest.model import Chunk
from citaat.ingest.quotations import split_sentences

from .records import section_path

Span = tuple[int, int]
# The text scheme of `piece_text(..., section=True)`; app/scoring.py caches piece vectors under it.
SCHEME = "section-path+piece-v1"


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def pieces(chunk: Chunk) -> list[Span]:
    """The spans of `chunk.text` that are scored (and shown) one by one."""
    text = chunk.text
    if chunk.kind == "table":
        out: list[Span] = []
        pos = 0
        for line in text.split("\n"):
            span = _trim(text, pos, pos + len(line))
            pos += len(line) + 1
            if span[0] < span[1] and "|" in text[span[0] : span[1]]:
                out.append(span)
        return out[1:]  # the first line with columns names them (N | Gemiddelde)
    if chunk.kind == "passage":
        spans = [_trim(text, s, e) for s, e in split_sentences(text)]
        return [(s, e) for s, e in spans if e > s] or [_trim(text, 0, len(text))]
    return [_trim(text, 0, len(text))]


def piece_text(chunk: Chunk, span: Span, section: bool) -> str:
    """The text a piece is embedded as: [section path, newline,] the piece with squashed whitespace."""
    head = f"{section_path(chunk.section)}\n" if section and chunk.section else ""
    return head + " ".join(chunk.text[span[0] : span[1]].split())


__all__ = ["SCHEME", "Span", "piece_text", "pieces"]
