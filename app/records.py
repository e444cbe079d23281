"""The records an answer is made of: `Source` (one piece of evidence, holding the `Chunk` it comes
from) and `Answer`, plus the labels and citation text that every view of them (chat, tables,
exports, the model's prompt) shows the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from citaat.index.query import Shape
from citaat.index.search import Filters
from citaat.ingest.apparatus import apparatus_kind
from citaat.ingest.attributes import RespondentSheet
from citaat.ingest.model import FICTIONAL, Chunk, ChunkKind, HoldsChunk
from citaat.ingest.text import escape_markdown, join_dutch

from .verify import Issue

SECTION_ARROW = " › "
KIND_LABELS: dict[ChunkKind, str] = {
    "quote": "citaat",
    "passage": "passage",
    "table": "tabel",
    "turn": "interviewbeurt",
}
Mode = Literal["extractive", "llm", "fallback", "no_evidence", "message"]

# What a piece of evidence is, said honestly (the UI, the tables and every export use these).
LABEL_QUOTE = "citaat"
LABEL_UNATTRIBUTED = "citaat, geen respondentcode"
LABEL_REPORT = "rapporttekst"
LABEL_INTERVIEW = "interviewfragment"
LABEL_FICTIONAL = "fictief voorbeeld"
SPEECH_KINDS: frozenset[str] = frozenset({"quote", "turn"})


def is_attributed_quote(chunk: Chunk, respondents: Sequence[str] | None = None) -> bool:
    """An interview quote with a respondent code: a report quote or a transcript answer with a code."""
    codes = chunk.respondents if respondents is None else respondents
    return chunk.kind in SPEECH_KINDS and bool(codes)


def source_label(chunk: Chunk, respondents: Sequence[str] | None = None) -> str:
    """'citaat — R13' only for an attributed interview quote (a report quote with its code, a
    transcript answer, or a quote excerpted from a passage); 'citaat, geen respondentcode' for a
    quote without one; 'interviewfragment — R36' for a transcript exchange (question and answer);
    'rapporttekst' for the researchers' own text (report passages and tables). `respondents`
    is the excerpt's own attribution when it differs from the chunk's (`Source.excerpt_respondents`)."""
    label = _plain_label(chunk, respondents)
    return f"{label} ({LABEL_FICTIONAL})" if is_fictional(chunk) else label


def is_fictional(chunk: Chunk) -> bool:
    """A made-up example document (`citaat ingest --fictief`), never the research itself."""
    return bool(chunk.meta.get(FICTIONAL))


def _plain_label(chunk: Chunk, respondents: Sequence[str] | None) -> str:
    codes = tuple(chunk.respondents if respondents is None else respondents)
    if chunk.kind in SPEECH_KINDS:
        return f"{LABEL_QUOTE} — {', '.join(codes)}" if codes else LABEL_UNATTRIBUTED
    if chunk.kind == "passage" and respondents:
        return f"{LABEL_QUOTE} — {', '.join(codes)}"
    if chunk.kind == "passage" and chunk.meta.get("interview") and respondents is None:
        return f"{LABEL_INTERVIEW} — {', '.join(codes)}" if codes else LABEL_INTERVIEW
    return LABEL_REPORT


def attributes_text(codes: Sequence[str], sheet: RespondentSheet | None) -> str:
    """The respondents' attributes to show beside a quote: 'R13: gemeentesecretaris, Drechtsteden'
    (codes without attributes are left out; '' without a sheet)."""
    if sheet is None:
        return ""
    parts = []
    for code in codes:
        values = [v for v in (sheet.respondents.get(code) or {}).values() if v]
        if values:
            parts.append(f"{code}: {', '.join(values)}")
    return "; ".join(parts)


_NUMBERED_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s")
QUOTE_MARK_RE = re.compile('[“”„"«»]')


def section_label(section: Sequence[str], doc: str = "") -> str:
    """The theme name of a section path: its deepest heading, prefixed by the nearest numbered
    heading when the deepest one has no number ('1. Vertrouwen met stip op 1 › Kwantitatieve
    resultaten'); the document name when there is no heading."""
    if not section:
        return Path(doc).stem if doc else "rapport"
    last = section[-1]
    if _NUMBERED_RE.match(last) or len(section) == 1:
        return last
    numbered = [s for s in section[:-1] if _NUMBERED_RE.match(s)]
    return f"{numbered[-1]}{SECTION_ARROW}{last}" if numbered else last


def quoted(text: str) -> str:
    """Source text between quote marks, whitespace runs shown as one space (line breaks of the PDF
    are layout, not content): “…”, or ‘…’ when the text itself contains double quotes. The text is
    Markdown-escaped (`escape_markdown`): a quotation never carries formatting or links of its own."""
    text = " ".join(text.split())
    return f"‘{escape_markdown(text)}’" if QUOTE_MARK_RE.search(text) else f"“{escape_markdown(text)}”"


def with_notes(text: str, notes: Sequence[str]) -> str:
    """Answer text with the remarks for the user (in italics) above it."""
    if not notes:
        return text
    return "\n".join(f"_{n}_" for n in notes) + "\n\n" + text


@dataclass(frozen=True)
class Source(HoldsChunk):
    """One piece of evidence: an excerpt of an indexed chunk, the text around it and its citation.

    The excerpt is `chunk.text[start:end]` (the whole chunk for a quote). `context` is the text
    shown around it (the parent passage of a quote, else the chunk itself), in which the chunk's
    text begins at `chunk_offset`, so `context[mark_start:mark_end] == text`. `n` is the 1-based
    number shown in the answer and the sources panel. `excerpt_respondents` is set when the
    excerpt is attributed differently from its chunk (a passage excerpt belongs to the quotes
    inside it, or to nobody: the researchers' own text). `also` holds the other places (section
    path, page) where the document prints the same text. `in_answer` is False for the evidence the
    answer shows collapsed ("Meer uit de interviews") rather than up front. `show_doc`: the excerpt's
    respondent code is quoted in more than one document, so its citation names the document (the
    same code in two documents need not be the same person).
    """

    n: int
    chunk: Chunk
    start: int
    end: int
    context: str
    chunk_offset: int = 0
    score: float | None = None
    excerpt_respondents: tuple[str, ...] | None = None
    also: tuple[tuple[tuple[str, ...], int | None], ...] = ()
    in_answer: bool = True
    show_doc: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= len(self.chunk.text) or not self.text.strip():
            raise ValueError(f"source {self.chunk.id}: [{self.start}, {self.end}) is not a non-empty excerpt")
        if self.context[self.mark_start : self.mark_end] != self.text:
            raise ValueError(f"source {self.chunk.id}: text is not at [{self.mark_start}, {self.mark_end}) of context")

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]

    @property
    def mark_start(self) -> int:
        return self.chunk_offset + self.start

    @property
    def mark_end(self) -> int:
        return self.chunk_offset + self.end

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.chunk.kind]

    @property
    def label(self) -> str:
        """What this source is, honestly: 'citaat — R13', 'citaat, geen respondentcode' or
        'rapporttekst' (see `source_label`)."""
        return source_label(self.chunk, self.excerpt_respondents)

    @property
    def respondents(self) -> tuple[str, ...]:
        return self.chunk.respondents if self.excerpt_respondents is None else self.excerpt_respondents

    @property
    def attributed(self) -> bool:
        """An interview quote with its respondent code: what the UI and its counts call a citaat."""
        return bool(self.respondents)

    @property
    def interviewer(self) -> str | None:
        """The interviewer's question before a transcript turn (display only)."""
        return self.chunk.context

    @property
    def theme(self) -> str:
        return section_label(self.section, self.doc)

    @property
    def short_theme(self) -> str:
        """The deepest heading alone (for the one-sentence lead)."""
        return self.section[-1] if self.section else section_label(self.section, self.doc)

    @property
    def who(self) -> str:
        return ", ".join(self.respondents) or "rapport"

    @property
    def citation(self) -> str:
        """'R13 · 2.3 Gezamenlijke aanpak · p. 9' (no page part when the source has no pages)."""
        parts = [self.who, *([self.doc] if self.show_doc else []), self.theme]
        if self.page is not None:
            parts.append(f"p. {self.page}")
        for section, page in self.also:
            where = section_label(section, self.doc)
            parts.append(f"ook {where}" + (f", p. {page}" if page is not None else ""))
        if is_fictional(self.chunk):
            parts.append(LABEL_FICTIONAL)
        return " · ".join(parts)

    def to_row(self) -> dict[str, Any]:
        """The flat shape used by the results tables and the exports."""
        return {
            "nr": self.n,
            "citaat": self.text,
            "respondent": self.who,
            "sectie": self.theme,
            "sectiepad": " > ".join(self.section),
            "pagina": self.page,
            "soort": self.kind_label,
            "document": self.doc,
            "bronvermelding": self.citation,
            "id": self.chunk.id,
        }


@dataclass(frozen=True)
class Answer:
    """The result of one question.

    text: the answer as Markdown (lead, then the grouped quotes; or the verified LLM text).
    lead: its first sentence. sources: the evidence, numbered as in the text. verified: every
    quotation and R-number in `text` was found in the sources. no_evidence: retrieval found nothing
    relevant (the sources are then only the nearest passages). mode: "extractive", "llm" or
    "message" (no search was done: empty question, unknown respondent, …). query: what was
    searched (the question, plus the previous topic for a follow-up). topic: the topic words a
    follow-up inherits. notes: remarks for the user (question cut short, LLM unavailable, …).
    issues: what the verifier removed or marked. shape: the question's answer shape
    (index/query.py `question_shape`) when the answer was composed from evidence.
    """

    question: str
    text: str
    lead: str
    sources: tuple[Source, ...] = ()
    verified: bool = True
    no_evidence: bool = False
    mode: Mode = "extractive"
    query: str = ""
    topic: str = ""
    followup: bool = False
    notes: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = ()
    filters: Filters | None = None
    scores: dict[str, float | None] = field(default_factory=dict)
    shape: Shape | None = None

    def __post_init__(self) -> None:
        numbers = [s.n for s in self.sources]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("sources must be numbered 1..n in order")

    def to_dict(self, item_id: Any = None) -> dict[str, Any]:
        """The JSON object of one answer, as `citaat ask --json` prints it (and the HTTP API returns
        it): `answer` is exactly the Markdown the chat shows, the answer itself first and the rest of
        the evidence after it in one collapsed `<details>` element ("Meer uit de interviews");
        `shape` is the question's answer shape, `followup` whether it was read as a follow-up;
        `verified` is true only when every
        quotation and R-number in it was checked against the sources; `flags` are what the checks
        removed or marked; `sources` are numbered as the [n] in the answer, each with its honest
        `label` ('citaat — R13', 'citaat, geen respondentcode', 'rapporttekst', …), `in_answer`
        (shown up front, not collapsed), `also` (other places of the same text) and `apparatus` (the
        publication's own apparatus: "titelpagina", "voetnoot", …, or null)."""
        return {
            "id": item_id,
            "question": self.question,
            "answer": self.text,
            "mode": self.mode,
            "shape": self.shape,
            "followup": self.followup,
            "no_evidence": self.no_evidence,
            "verified": self.verified,
            "flags": [{"kind": i.kind, "text": i.text} for i in self.issues],
            "sources": [
                {
                    "n": src.n,
                    "id": src.chunk.id,
                    "kind": src.kind,
                    "label": src.label,
                    "text": src.text,
                    "respondents": list(src.respondents),
                    "section": list(src.section),
                    "page": src.page,
                    "in_answer": src.in_answer,
                    "apparatus": apparatus_kind(src.chunk),
                    "also": [{"section": list(sec), "page": pg} for sec, pg in src.also],
                }
                for src in self.sources
            ],
        }


__all__ = [
    "KIND_LABELS",
    "LABEL_INTERVIEW",
    "LABEL_QUOTE",
    "LABEL_REPORT",
    "LABEL_UNATTRIBUTED",
    "Answer",
    "attributes_text",
    "escape_markdown",
    "is_attributed_quote",
    "source_label",
    "Mode",
    "Source",
    "join_dutch",
    "quoted",
    "section_label",
    "with_notes",
]
