"""The offline answer, made of source text only.

`Excerpter` cuts search hits into evidence units (`Source`s): a quote as is; for a passage its
best-matching quote or its best 1–2 sentences; for a table its best-matching row. It skips text
that cannot support an answer (the researchers' own questions, front matter). The units serve
every answer: the extractive template below, the model's prompt (app/generated.py) and the
search tab.

`extractive_answer` is the template: a one-sentence lead naming the themes the evidence comes
from, then the units grouped by theme as “quote” — R13 · 2.3 Gezamenlijke aanpak · p. 9.
Apart from fixed template words, every word of it is source text (quotes and passage sentences
verbatim, theme names are the report's headings).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Protocol

from citaat.index.bm25 import tokenize
from citaat.index.search import Filters, Hit
from citaat.ingest.model import Chunk, ChunkKind

from .config import AnswerConfig
from .records import QUOTE_MARK_RE, Answer, Source, join_dutch, quoted, with_notes
from .verify import split_sentences, verify

log = logging.getLogger(__name__)

QUESTION_SHARE = 0.4  # a passage whose sentences are this much (by length) questions is not evidence
SPEECH: tuple[ChunkKind, ...] = ("quote", "turn")  # chunk kinds that are a respondent's own words


class ChunkSource(Protocol):
    """What cutting units needs of a searcher: its chunks, and one chunk by id."""

    @property
    def chunks(self) -> tuple[Chunk, ...]: ...

    def chunk(self, chunk_id: str) -> Chunk: ...


def overlap(terms: set[str], text: str) -> int:
    """How many of the query terms a text contains."""
    return len(terms & set(tokenize(text))) if terms else 0


class Excerpter:
    """Turns chunks and hits of one index into numbered `Source`s."""

    def __init__(self, searcher: ChunkSource, config: AnswerConfig) -> None:
        self.searcher = searcher
        self.config = config
        self._children: dict[str, list[Chunk]] = defaultdict(list)
        for c in searcher.chunks:
            if c.parent:
                self._children[c.parent].append(c)
        self._has_sections = any(c.section for c in searcher.chunks)

    def source(
        self,
        n: int,
        chunk: Chunk,
        start: int = 0,
        end: int | None = None,
        score: float | None = None,
        respondents: tuple[str, ...] | None = None,
    ) -> Source:
        """A Source for chunk.text[start:end] (the whole chunk by default), placed inside its parent
        passage when it has one. `respondents` overrides the chunk's attribution for an excerpt."""
        context, offset = chunk.text, 0
        if chunk.parent:
            try:
                parent = self.searcher.chunk(chunk.parent)
            except KeyError:
                parent = None
            if parent is not None and parent.doc == chunk.doc:
                rel = chunk.start - parent.start
                if 0 <= rel and parent.text[rel : rel + len(chunk.text)] == chunk.text:
                    context, offset = parent.text, rel
        return Source(
            n=n,
            chunk=chunk,
            start=start,
            end=len(chunk.text) if end is None else end,
            context=context,
            chunk_offset=offset,
            score=score,
            excerpt_respondents=None if respondents == chunk.respondents else respondents,
        )

    def excerpt(self, chunk: Chunk, terms: set[str]) -> tuple[int, int]:
        """[start, end) of the 1–2 consecutive sentences of a passage that share most query terms
        (the first sentences when none does)."""
        spans = split_sentences(chunk.text) or [(0, len(chunk.text))]
        # a question sentence ("Wat maakt … tot een succes?") restates, it does not answer
        scores = [-1 if chunk.text[s:e].rstrip().endswith("?") else overlap(terms, chunk.text[s:e]) for s, e in spans]
        best = max(range(len(spans)), key=lambda i: (scores[i], -i))
        start, end = spans[best]
        nxt = best + 1
        if (
            self.config.max_sentences_per_passage > 1
            and nxt < len(spans)
            and (scores[nxt] > 0 or scores[best] == 0 or end - start < 80)
            and spans[nxt][1] - start <= 600
        ):
            end = spans[nxt][1]
        while start < end and chunk.text[start].isspace():
            start += 1
        while end > start and chunk.text[end - 1].isspace():
            end -= 1
        return start, end

    def unit(self, n: int, hit: Hit, terms: set[str], filters: Filters, codes: tuple[str, ...]) -> Source | None:
        """The piece of a hit to quote: a quote as is; for a passage, its best-matching quote (with
        its own respondent) or its best sentences; for a table, its best-matching row."""
        try:
            chunk = self.searcher.chunk(hit.id)
        except KeyError:
            return None
        if chunk.kind in SPEECH:
            return self.source(n, chunk, score=hit.score)
        if chunk.kind == "table":
            lines, pos = [], 0
            for line in chunk.text.split("\n"):
                lines.append((pos, pos + len(line)))
                pos += len(line) + 1
            lines = [(s, e) for s, e in lines if chunk.text[s:e].strip()]
            s, e = max(lines, key=lambda se: overlap(terms, chunk.text[se[0] : se[1]]))
            return self.source(n, chunk, s, e, hit.score)
        all_children = [c for c in self._children.get(chunk.id, []) if c.kind == "quote"]
        children = [c for c in all_children if set(c.respondents) & set(codes)] if codes else all_children
        s, e = self.excerpt(chunk, terms)
        if filters.kind in (None, "quote") and children:
            child = max(children, key=lambda c: overlap(terms, c.text))
            if (
                codes
                or QUOTE_MARK_RE.search(chunk.text[s:e])
                or overlap(terms, child.text) >= overlap(terms, chunk.text[s:e])
            ):
                return self.source(n, child, score=hit.score)
        # With quotes inside, the excerpt is attributed to the quotes it contains (none = the
        # researchers' text); without, the passage's own attribution holds (e.g. a transcript).
        who = _inside(chunk, s, e, all_children) if all_children else None
        return self.source(n, chunk, s, e, hit.score, who)

    def is_evidence(self, unit: Source) -> bool:
        """False for text that cannot support an answer: a question of the researchers, or a passage
        that is mostly questions (the report's research question mirrors many user questions), and,
        in a document with headings, the front matter before the first heading. Respondent quotes
        are always evidence."""
        if unit.respondents:
            return True
        if unit.text.rstrip().endswith("?"):
            return False
        if unit.kind == "passage":
            spans = split_sentences(unit.context)
            asking = sum(e - s for s, e in spans if unit.context[s:e].rstrip().endswith("?"))
            if asking >= QUESTION_SHARE * len(unit.context):
                return False  # a passage that mostly poses questions ("… tot een succes? Dit is de centrale vraag")
        return not (self._has_sections and not unit.section)

    def units(
        self,
        hits: Sequence[Hit],
        query: str,
        filters: Filters,
        codes: tuple[str, ...],
        limit: int,
        cutoff: bool,
        skip_non_evidence: bool = True,
    ) -> list[Source]:
        """Distinct evidence units from hits in rank order (at most `limit`), skipping non-evidence
        (see `is_evidence`). With `cutoff`, hits scoring under half the best hit's score only fill
        up to `min_units` (RRF: a chunk that one retriever ranks first scores half of one that both
        rank first)."""
        terms = set(tokenize(query))
        top = hits[0].score if hits else 0.0
        out: list[Source] = []
        seen_ids: set[str] = set()
        for hit in hits:
            if len(out) >= limit:
                break
            if cutoff and len(out) >= self.config.min_units and hit.score < 0.5 * top:
                break
            unit = self.unit(len(out) + 1, hit, terms, filters, codes)
            if unit is None or unit.chunk.id in seen_ids or (skip_non_evidence and not self.is_evidence(unit)):
                continue
            if any(unit.text in o.text or o.text in unit.text for o in out):
                continue
            seen_ids.add(unit.chunk.id)
            out.append(unit)
        return out

    def evidence_for(self, units: Sequence[Source]) -> list[Chunk]:
        """The chunks a generated answer may quote: each unit's chunk, its parent passage and the
        quotes and turns inside them (the model sees the passages)."""
        out: dict[str, Chunk] = {}
        for u in units:
            chunk = u.chunk
            out[chunk.id] = chunk
            for child in self._children.get(chunk.id, []):  # who said which part of a passage
                out[child.id] = child
            if chunk.parent:
                try:
                    parent = self.searcher.chunk(chunk.parent)
                except KeyError:
                    continue
                out[parent.id] = parent
                for child in self._children.get(parent.id, []):
                    out[child.id] = child
        return list(out.values())


def _inside(passage: Chunk, start: int, end: int, children: Sequence[Chunk]) -> tuple[str, ...]:
    """Respondents of the quotes that lie within passage.text[start:end]."""
    lo, hi = passage.start + start, passage.start + end
    codes: dict[str, None] = {}
    for c in children:
        if c.doc == passage.doc and lo <= c.start and c.end <= hi:
            codes.update(dict.fromkeys(c.respondents))
    return tuple(codes)


def bullets(units: Sequence[Source]) -> str:
    """One Markdown bullet per unit: - [n] “quote” — citation."""
    return "\n".join(f"- [{u.n}] {quoted(u.text)} — {u.citation}" for u in units)


def lead_sentence(units: Sequence[Source], codes: Sequence[str]) -> str:
    """'De 5 sterkste citaten van R13 komen uit de thema's *A* en *B*.'"""
    kinds = "citaten" if all(u.kind in SPEECH for u in units) else "citaten en passages"
    whose = f" van {join_dutch(list(codes))}" if codes else ""
    names = [f"*{name}*" for name in dict.fromkeys(u.short_theme for u in units)]
    if len(names) > 4:
        names = [*names[:3], f"{len(names) - 3} andere thema's"]
    where = f"het thema {names[0]}" if len({u.theme for u in units}) == 1 else f"de thema's {join_dutch(names)}"
    return f"De {len(units)} sterkste {kinds}{whose} komen uit {where}."


def extractive_answer(
    units: Sequence[Source], codes: Sequence[str], base: Answer, scores: dict[str, float | None]
) -> Iterator[str | Answer]:
    """Yield the templated answer as it grows (lead, then one theme group at a time), then the
    final `Answer` built on `base`."""
    groups: dict[str, list[Source]] = {}
    for u in units:
        groups.setdefault(u.theme, []).append(u)
    lead = lead_sentence(units, codes)
    parts = [lead]
    yield with_notes(lead, base.notes)
    for theme, members in groups.items():
        parts.append(f"**{theme}**\n\n{bullets(members)}")
        yield with_notes("\n\n".join(parts), base.notes)
    text = with_notes("\n\n".join(parts), base.notes)
    check = verify(text, units)  # self-check: the template must never produce unverifiable text
    if not check.ok:
        log.error("extractive answer failed its own verification: %s", check.issues)
    yield replace(
        base, text=text, lead=lead, sources=tuple(units), verified=check.ok, issues=check.issues, scores=scores
    )


__all__ = ["ChunkSource", "Excerpter", "bullets", "extractive_answer", "lead_sentence"]
