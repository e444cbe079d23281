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
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from citaat.index.bm25 import tokenize
from citaat.index.pieces import pieces
from citaat.index.search import Filters, Hit
from citaat.ingest.model import Chunk, ChunkKind
from citaat.ingest.respondents import find_codes

from .config import AnswerConfig
from .records import QUOTE_MARK_RE, Answer, Source, escape_markdown, join_dutch, quoted, with_notes
from .scoring import SentenceScorer
from .verify import split_sentences, verify

log = logging.getLogger(__name__)

_UNRANKED = 1_000_000  # the "search rank" of a chunk the search did not return (corpus-wide scoring)
QUESTION_SHARE = 0.4  # a passage whose sentences are this much (by length) questions is not evidence
SPEECH: tuple[ChunkKind, ...] = ("quote", "turn")  # chunk kinds that are a respondent's own words
_FIGURE_RE = re.compile(
    r"\b(?:hoeveel|hoe (?:hoog|laag|vaak)|scoor\w*|scores?|gemiddeld\w*|percentage|procent|cijfers?|enquête|"
    r"vragenlijst|tabel|hoogst\w*|laagst\w*|schaal)\b|%",
    re.IGNORECASE,
)


def is_figure_question(question: str) -> bool:
    """A question about figures (scores, averages, survey results): its answer shows table rows."""
    return _FIGURE_RE.search(question) is not None


class ChunkSource(Protocol):
    """What cutting units needs of a searcher: its chunks, and one chunk by id."""

    @property
    def chunks(self) -> tuple[Chunk, ...]: ...

    def chunk(self, chunk_id: str) -> Chunk: ...


def overlap(terms: set[str], text: str) -> int:
    """How many of the query terms a text contains."""
    return len(terms & set(tokenize(text))) if terms else 0


# Openers that refer back to the sentence before ("Het eerste wordt gezien als …", "Dit geldt …",
# "Hieruit kwam naar voren …", "Wel is duidelijk …", "Zo noemt iemand …"; not "Zo'n …").
_LEANS_BACK_RE = re.compile(
    r"^[“‘\"']?(?:het eerste|het laatste|het tweede|dit|deze|dat|die|daarnaast|daarbij|daardoor|hierdoor|"
    r"hierbij|hiermee|hieruit|hiervan|hierin|hierop|hiervoor|hierover|daarom|daarmee|daarin|daarvan|daaruit|"
    r"daarover|daarna|dus|wel|zo(?![’'])|ook|bovendien|verder|tevens|zij|ze|hij|het eerstgenoemde|"
    r"het laatstgenoemde)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """True for a sentence that asks (also when a closing quotation mark follows the "?"): the
    researchers' own questions are never evidence."""
    return text.rstrip().rstrip("'\"’”»").rstrip().endswith("?")


def leans_back(sentence: str) -> bool:
    """True for a sentence that only makes sense after the one before it (it should not open an answer)."""
    return bool(_LEANS_BACK_RE.match(sentence.strip()))


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
        scores = [-1 if is_question(chunk.text[s:e]) else overlap(terms, chunk.text[s:e]) for s, e in spans]
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
        if is_question(unit.text):
            return False
        if unit.kind == "passage":
            spans = split_sentences(unit.context)
            asking = sum(e - s for s, e in spans if is_question(unit.context[s:e]))
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

    def candidates(self, hits: Sequence[Hit], filters: Filters, codes: Sequence[str]) -> dict[str, tuple[Chunk, int]]:
        """The chunks whose pieces the answer may show, with the rank of the hit that brought them:
        each hit's chunk, the quotes folded into it (a passage hit stands for the quotes inside
        it), within the filters."""
        out: dict[str, tuple[Chunk, int]] = {}
        for hit in hits[: self.config.evidence_k]:
            ids = [hit.id, *hit.collapsed]
            if hit.kind == "passage":
                ids += [c.id for c in self._children.get(hit.id, []) if c.kind == "quote"]
            for cid in ids:
                try:
                    chunk = self.searcher.chunk(cid)
                except KeyError:
                    continue
                if filters.kind and chunk.kind != filters.kind:
                    continue
                if codes and not set(codes) & set(chunk.respondents):
                    continue
                out.setdefault(chunk.id, (chunk, hit.rank))
        return out

    def select(
        self,
        hits: Sequence[Hit],
        query: str,
        filters: Filters,
        codes: Sequence[str],
        scorer: SentenceScorer,
        allowed_rows: Iterable[int] | None = None,
    ) -> list[Source]:
        """The evidence of an answer, in the order the answer shows it (numbered 1..n): the report's
        own sentences that best answer the question (in the order of the passages' search rank,
        each passage's sentences in text order), the survey table rows of a question about
        figures, then respondent quotes grouped per respondent. Pieces scoring more than
        `floor_margin` below the best piece of their kind are left out.

        With `config.corpus_wide` every piece of the corpus is scored, the hits' search rank as a
        prior; `allowed_rows` are the corpus rows that pass `filters` (`Searcher.allowed_rows`).
        With filters set and no `allowed_rows`, only the hits' pieces are scored."""
        cfg = self.config
        found = self.candidates(hits, filters, codes)
        ranks = {cid: rank for cid, (_, rank) in found.items()}
        corpus = cfg.corpus_wide and (allowed_rows is not None or (filters.is_empty() and not codes))
        if corpus and scorer.covers(self.searcher.chunks):
            allowed = self._allowed(allowed_rows, codes)
            scored = scorer.score_corpus(query, ranks, allowed, cfg.corpus_pool)
            for cid in scored:
                if cid not in found:
                    found[cid] = (self.searcher.chunk(cid), _UNRANKED)
        else:
            scored = scorer.score(query, [chunk for chunk, _ in found.values()], ranks)
        by_id = {cid: chunk for cid, (chunk, _) in found.items()}
        report: list[tuple[float, Chunk, int, int]] = []
        quotes: list[tuple[float, Chunk, int, int]] = []
        rows: list[tuple[float, Chunk, int, int]] = []
        for cid, pieces_ in scored.items():
            chunk = by_id[cid]
            for (s, e), score in pieces_:
                text = chunk.text[s:e]
                if chunk.kind == "table":
                    rows.append((score, chunk, s, e))
                elif chunk.kind in SPEECH and chunk.respondents:
                    quotes.append((score, chunk, s, e))
                # a quote without a respondent code is the report's text too (e.g. the mix of
                # statements the recommendations quote); its card says "citaat, geen respondentcode"
                elif chunk.kind != "turn" and not codes and self._report_sentence(chunk, text):
                    report.append((score, chunk, s, e))
        best = max((x[0] for x in (*report, *quotes, *rows)), default=0.0)

        def keep(items: list[tuple[float, Chunk, int, int]], limit: int) -> list[tuple[float, Chunk, int, int]]:
            items = sorted(items, key=lambda x: -x[0])
            if not items:
                return []
            floor = max(items[0][0] - cfg.floor_margin, best - 2 * cfg.floor_margin)
            out: list[tuple[float, Chunk, int, int]] = []
            seen: set[str] = set()
            for item in items:
                if item[0] < floor or len(out) >= limit:
                    break
                key = " ".join(item[1].text[item[2] : item[3]].split()).casefold()
                if key in seen:
                    continue
                seen.add(key)
                out.append(item)
            return out

        # the chosen report sentences read as the report wrote them (passages in search-rank order,
        # the sentences of one passage in text order), except that the answer opens with the best
        # scoring sentence that stands on its own (not "Het eerste …", "Dit …": those lean on the
        # sentence before them, which the answer may not show)
        chosen = keep(report, cfg.lead_max)
        opener = next((x for x in chosen if not leans_back(x[1].text[x[2] : x[3]])), None)
        lead = sorted((x for x in chosen if x is not opener), key=lambda x: (found[x[1].id][1], x[2]))
        if opener is not None:
            lead.insert(0, opener)
        lead = self._with_antecedents(lead)
        said = keep(quotes, cfg.quote_max)
        lead_text = {" ".join(c.text[s:e].split()) for _, c, s, e in lead}
        said = [x for x in said if not any(" ".join(x[1].text[x[2] : x[3]].split()) in t for t in lead_text)]
        table: list[tuple[float, Chunk, int, int]] = []
        if rows:
            top = max(rows, key=lambda x: x[0])
            if is_figure_question(query):
                table = sorted((x for x in rows if x[1].id == top[1].id), key=lambda x: x[2])[: cfg.row_max]
            elif top[0] >= best - cfg.floor_margin:
                table = sorted(keep([x for x in rows if x[1].id == top[1].id], 3), key=lambda x: x[2])
        # quotes grouped per respondent, the respondent with the best quote first
        order: dict[tuple[str, ...], int] = {}
        for _, chunk, _, _ in said:
            order.setdefault(chunk.respondents, len(order))
        said.sort(key=lambda x: order[x[1].respondents])
        picked = [*lead, *(table if is_figure_question(query) else []), *said]
        if not is_figure_question(query):
            picked += table
        # a report sentence or a table row is the researchers' text: it belongs to no respondent
        out = [
            self.source(n, chunk, s, e, score, None if chunk.kind in SPEECH else ())
            for n, (score, chunk, s, e) in enumerate(picked, 1)
        ]
        if not out and hits:
            unit = self.unit(1, hits[0], set(tokenize(query)), filters, tuple(codes))
            out = [unit] if unit is not None else []
        return out

    def _with_antecedents(
        self, lead: list[tuple[float, Chunk, int, int]]
    ) -> list[tuple[float, Chunk, int, int]]:
        """The lead's report sentences, each one that leans on the sentence before it ("Het eerste
        wordt gezien als …") shown together with that sentence (at most two back), when it is the
        report's own text in the same passage: the excerpt stays one verbatim span and now reads as
        the report meant it. Excerpts of one passage that then overlap or touch become one, in the
        place of the first."""
        widened: list[tuple[float, Chunk, int, int]] = []
        for score, chunk, s, e in lead:
            if chunk.kind == "passage":
                earlier = [sp for sp in pieces(chunk) if sp[1] <= s][-2:]  # at most two sentences back
                while (
                    earlier
                    and leans_back(chunk.text[s:e])
                    and self._report_sentence(chunk, chunk.text[slice(*earlier[-1])])
                ):
                    s = earlier.pop()[0]
            widened.append((score, chunk, s, e))
        out: list[tuple[float, Chunk, int, int]] = []
        for score, chunk, s, e in widened:
            for i, (k_score, k_chunk, ks, ke) in enumerate(out):
                # overlapping spans leave an empty gap; touching ones only whitespace
                if k_chunk.id == chunk.id and not chunk.text[min(e, ke) : max(s, ks)].strip():
                    out[i] = (max(score, k_score), chunk, min(s, ks), max(e, ke))
                    break
            else:
                out.append((score, chunk, s, e))
        return out

    def _allowed(self, rows: Iterable[int] | None, codes: Sequence[str]) -> np.ndarray | None:
        """A boolean mask over the corpus chunks: in `rows` (None = all) and, with respondent codes
        from the question, spoken by one of them (as `candidates` keeps them)."""
        chunks = self.searcher.chunks
        if rows is None and not codes:
            return None
        mask = np.ones(len(chunks), dtype=bool)
        if rows is not None:
            mask[:] = False
            mask[np.fromiter(rows, dtype=np.int64)] = True
        if codes:
            wanted = set(codes)
            mask &= np.array([bool(wanted & set(c.respondents)) for c in chunks], dtype=bool)
        return mask

    def _report_sentence(self, chunk: Chunk, text: str) -> bool:
        """A sentence of the report's own text that may lead an answer: not a question, not holding
        a quotation or a respondent code (those are shown as quotes), not front matter."""
        stripped = text.strip()
        if len(stripped) < 25 or is_question(stripped) or QUOTE_MARK_RE.search(stripped):
            return False
        if find_codes(stripped):
            return False
        if self._has_sections and not chunk.section:
            return False
        # a transcript's exchange passage carries its speaker without quotes inside: its words are
        # the respondent's (shown as turns), not the report's
        return not (chunk.respondents and not self._children.get(chunk.id))

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
    return "\n".join(f"- [{u.n}] {quoted(u.text)} — {escape_markdown(u.citation)}" for u in units)


def role(unit: Source) -> str:
    """"table" (a survey table row), "quote" (a respondent's words) or "report" (the report's own text)."""
    if unit.kind == "table":
        return "table"
    return "quote" if unit.respondents else "report"


def count_line(quotes: Sequence[Source]) -> str:
    """'In de getoonde citaten noemen 3 geïnterviewden dit: R3 [2], R5 [3, 4] en R13 [5].' The count
    is of the distinct respondent codes among the quotes shown, each with the numbers of its quotes."""
    numbers: dict[str, list[int]] = {}
    for u in quotes:
        for code in u.respondents:
            numbers.setdefault(code, []).append(u.n)
    parts = [f"{code} [{', '.join(map(str, ns))}]" for code, ns in numbers.items()]
    n = len(numbers)
    verb = "noemt 1 geïnterviewde" if n == 1 else f"noemen {n} geïnterviewden"
    return f"In de getoonde citaten {verb} dit: {join_dutch(parts)}."


def _table_header(unit: Source) -> str:
    """'**Tabel 1 Vertrouwen** (N | Gemiddelde)': the table's caption and column line, verbatim."""
    lines = [line.strip() for line in unit.chunk.text[: unit.start].split("\n") if line.strip()]
    caption = lines[0] if lines else unit.theme
    columns = next((line for line in lines[1:] if "|" in line), "")
    return f"**{escape_markdown(caption)}**" + (f" ({escape_markdown(columns)})" if columns else "")


def _blocks(units: Sequence[Source]) -> list[str]:
    """The answer's paragraphs: runs of report sentences as one paragraph, respondent quotes with
    the count line and one group per respondent, table rows under their table's caption."""
    runs: list[tuple[str, list[Source]]] = []
    for u in units:
        r = role(u)
        if runs and runs[-1][0] == r:
            runs[-1][1].append(u)
        else:
            runs.append((r, [u]))
    blocks: list[str] = []
    for r, members in runs:
        if r == "report":
            blocks.append(" ".join(f"{quoted(u.text)} [{u.n}]" for u in members))
        elif r == "quote":
            blocks.append(count_line(members))
            groups: dict[str, list[Source]] = {}
            for u in members:
                groups.setdefault(u.who, []).append(u)
            for who, group in groups.items():
                blocks.append(f"**{who}**\n\n{bullets(group)}")
        else:
            tables: dict[str, list[Source]] = {}
            for u in members:
                tables.setdefault(u.chunk.id, []).append(u)
            for group in tables.values():
                blocks.append(f"{_table_header(group[0])}\n\n{bullets(group)}")
    return blocks


def extractive_answer(
    units: Sequence[Source], codes: Sequence[str], base: Answer, scores: dict[str, float | None]
) -> Iterator[str | Answer]:
    """Yield the answer as it grows (one paragraph at a time), then the final `Answer` built on
    `base`. The units are renumbered [1], [2], … in the order the text shows them. Every word is
    source text (between quote marks, with its [n]) or a fixed template word; the answer is checked
    by the verifier all the same."""
    units = [u if u.n == n else replace(u, n=n) for n, u in enumerate(units, 1)]
    del codes  # the respondent filter already chose the units; the count line names their codes
    blocks = _blocks(units)
    parts: list[str] = []
    for block in blocks:
        parts.append(block)
        yield with_notes("\n\n".join(parts), base.notes)
    text = with_notes("\n\n".join(parts), base.notes)
    lead = blocks[0].split("\n")[0] if blocks else ""
    check = verify(text, units)  # self-check: the template must never produce unverifiable text
    if not check.ok:
        log.error("extractive answer failed its own verification: %s", check.issues)
    yield replace(
        base, text=text, lead=lead, sources=tuple(units), verified=check.ok, issues=check.issues, scores=scores
    )


__all__ = ["ChunkSource", "Excerpter", "bullets", "count_line", "extractive_answer", "role"]
