"""Records that flow out of ingestion: loaded documents and the chunks made from them.

Everything downstream (index, app, eval) sees only `Chunk`; `Document` and `Block` are the
loaders' output and the chunker's input, so parsing and chunking stay pure functions over text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .errors import CitaatError

BlockKind = Literal["heading", "paragraph", "list", "table", "toc", "turn"]
ChunkKind = Literal["quote", "passage", "table", "turn"]
CHUNK_KINDS: tuple[str, ...] = ("quote", "passage", "table", "turn")
# Chunk.meta key of a made-up example document (`citaat ingest --fictief PATH`): every view says so.
FICTIONAL = "fictional"


class IngestError(CitaatError):
    """A problem with one input file: `reason` says what is wrong with it, `hint` what to do (Dutch).

    The pipeline catches it per file, prints `file: reason; hint` and goes on with the other files.
    """

    def __init__(self, path: str, reason: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {reason}", hint)
        self.path = path
        self.reason = reason

    @property
    def explanation(self) -> str:
        """The reason and the hint without the path, as the per-file summary shows it."""
        return f"{self.reason}; {self.hint}" if self.hint else self.reason


@dataclass(frozen=True)
class Block:
    """One layout unit of a loaded document: a heading, a paragraph, a list, a table or a speaker turn.

    `start`/`end` are character offsets into `Document.text`; `page` is 1-based or None when the
    source has no pages. `level` is the heading depth (1 = chapter). `speaker` is set on turns:
    a respondent code such as "R12", or "interviewer".
    """

    kind: BlockKind
    text: str
    start: int
    end: int
    page: int | None = None
    level: int = 0
    speaker: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RawBlock:
    """A block before offsets are assigned; loaders emit these and `assemble` joins them."""

    kind: BlockKind
    text: str
    page: int | None = None
    level: int = 0
    speaker: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A loaded source file: its extracted text and the blocks that tile it.

    `text` is the blocks' texts joined by blank lines; chunk offsets point into it.
    `respondent` is the file-level respondent code of a transcript (None for a report).
    """

    name: str
    text: str
    blocks: tuple[Block, ...]
    source_kind: Literal["report", "transcript"] = "report"
    respondent: str | None = None
    warnings: tuple[str, ...] = ()


BLOCK_SEPARATOR = "\n\n"


def assemble(
    name: str,
    raw: list[RawBlock],
    *,
    source_kind: Literal["report", "transcript"] = "report",
    respondent: str | None = None,
    warnings: tuple[str, ...] = (),
) -> Document:
    """Join raw blocks into one document text and give every block its offsets."""
    blocks: list[Block] = []
    parts: list[str] = []
    pos = 0
    for rb in raw:
        if not rb.text.strip():
            continue
        if parts:
            parts.append(BLOCK_SEPARATOR)
            pos += len(BLOCK_SEPARATOR)
        parts.append(rb.text)
        blocks.append(Block(rb.kind, rb.text, pos, pos + len(rb.text), rb.page, rb.level, rb.speaker, dict(rb.meta)))
        pos += len(rb.text)
    return Document(name, "".join(parts), tuple(blocks), source_kind, respondent, warnings)


@dataclass(frozen=True)
class Chunk:
    """One retrievable unit, written as one line of chunks.jsonl.

    kind: "quote" (one verbatim respondent quote), "passage" (a paragraph or a sentence window of
    one), "table" (a survey table with caption and note) or "turn" (one respondent answer in a
    transcript). `text` is always an exact substring of the document text at [start, end).
    `respondents` are codes like "R13"; `section` the heading path, outermost first; `parent` the
    id of the passage that contains this chunk (None for passages and tables). `context` is
    display-only text that is not part of the chunk, e.g. the interviewer's question of a turn.
    """

    id: str
    doc: str
    kind: ChunkKind
    text: str
    respondents: tuple[str, ...]
    section: tuple[str, ...]
    page: int | None
    start: int
    end: int
    parent: str | None = None
    context: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("chunk id must be non-empty")
        if self.kind not in CHUNK_KINDS:
            raise ValueError(f"unknown chunk kind {self.kind!r}")
        if not self.text.strip():
            raise ValueError(f"chunk {self.id} has empty text")
        if self.end - self.start != len(self.text):
            raise ValueError(f"chunk {self.id}: offsets {self.start}-{self.end} do not match its text")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["respondents"] = list(self.respondents)
        d["section"] = list(self.section)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        return cls(
            id=d["id"],
            doc=d["doc"],
            kind=d["kind"],
            text=d["text"],
            respondents=tuple(d.get("respondents") or ()),
            section=tuple(d.get("section") or ()),
            page=d.get("page"),
            start=int(d["start"]),
            end=int(d["end"]),
            parent=d.get("parent"),
            context=d.get("context"),
            meta=dict(d.get("meta") or {}),
        )


class HoldsChunk:
    """Read-only access to the chunk a later record holds (a search hit, an answer's source).

    Those records keep the `Chunk` itself instead of copying its fields, so a chunk's id, document,
    kind, section and page are read in one way everywhere. A record whose text or attribution is
    its own (an excerpt) defines `text` / `respondents` itself.
    """

    chunk: Chunk

    @property
    def id(self) -> str:
        return self.chunk.id

    @property
    def doc(self) -> str:
        return self.chunk.doc

    @property
    def kind(self) -> ChunkKind:
        return self.chunk.kind

    @property
    def section(self) -> tuple[str, ...]:
        return self.chunk.section

    @property
    def page(self) -> int | None:
        return self.chunk.page
