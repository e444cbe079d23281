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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from citaat.index.bm25 import tokenize
from citaat.index.pieces import pieces
from citaat.index.query import Query, Shape, topic_text
from citaat.index.search import Filters, Hit
from citaat.ingest.apparatus import apparatus_kind, is_reading_guidance
from citaat.ingest.model import Chunk, ChunkKind
from citaat.ingest.respondents import find_codes
from citaat.ingest.text import same_text_key

from .config import AnswerConfig
from .records import QUOTE_MARK_RE, Answer, Source, escape_markdown, join_dutch, quoted, with_notes
from .scoring import SentenceScorer, term_keys
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


Role = Literal["report", "quote", "row", "apparatus"]
MIN_QUOTE_WORDS = 4  # a shorter quote ("wij") is never an excerpt on its own
# a figure in running text: a digit, or a number written out with its unit ("zeven procent")
_FIGURE_RE = re.compile(r"\d|\b(?:procent|percent|helft|kwart|derde|tiende)\b", re.IGNORECASE)
_PERCENT_RE = re.compile(r"%|procent|percentage|\bper\s*cent\b", re.IGNORECASE)  # also "ziekteverzuimpercentage"
_EURO_RE = re.compile(r"€|\beuros?\b|\bkosten\s+in\s+euro", re.IGNORECASE)
@dataclass
class _Piece:
    """A scored candidate: chunk.text[start:end], the rank of the hit that brought it, its role."""

    score: float
    chunk: Chunk
    start: int
    end: int
    rank: int
    role: Role

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]


@dataclass
class _Shown:
    """A piece as shown: its (possibly widened) span and the other places of the same text."""

    piece: _Piece
    start: int
    end: int
    also: tuple[tuple[tuple[str, ...], int | None], ...] = ()

    @property
    def text(self) -> str:
        return self.piece.chunk.text[self.start : self.end]


@dataclass(frozen=True)
class Composition:
    """An answer's evidence: `main` (the answer itself), `more` (collapsed), a `notice` for the
    reader (a figure question the report gives no number for) and the question's `shape`."""

    shape: Shape
    main: list[Source]
    more: list[Source]
    notice: str | None

    @property
    def sources(self) -> list[Source]:
        return [*self.main, *self.more]


_LEADS: dict[Shape, tuple[Role, ...]] = {
    "who": ("quote",),
    "person": ("quote",),
    "overview": ("report",),
    "figure": ("row",),
    "fact": (),
    "views": (),
}


def _by_shape(items: list[_Piece], shape: Shape) -> list[_Piece]:
    """The pieces (best first) in the order the question's shape shows them: the roles it leads
    with first ("who": quotes), each group in score order; "views" opens with the best report
    sentence, then the quotes, then the rest."""
    if shape == "views":
        report = next((x for x in items if x.role == "report"), None)
        quotes = [x for x in items if x.role == "quote"]
        rest = [x for x in items if x is not report and x.role != "quote"]
        return [*([report] if report else []), *quotes, *rest]
    lead = _LEADS[shape]
    return [x for x in items if x.role in lead] + [x for x in items if x.role not in lead]


def _grouped(shown: list[_Shown]) -> list[_Shown]:
    """The quotes of one respondent together (at the place of that respondent's first quote)."""
    first: dict[tuple[str, ...], int] = {}
    for i, x in enumerate(shown):
        if x.piece.role == "quote":
            first.setdefault(x.piece.chunk.respondents, i)
    place = {id(x): (first[x.piece.chunk.respondents] if x.piece.role == "quote" else i) for i, x in enumerate(shown)}
    return sorted(shown, key=lambda x: place[id(x)])  # stable: a respondent's quotes keep their order


def _tidy(more: list[_Shown], shape: Shape) -> list[_Shown]:
    """The collapsed rest by kind, as the shape leads (quotes first for "who"), each kind in its
    order and the quotes grouped per respondent."""
    order: tuple[Role, ...] = ("quote", "report", "row", "apparatus")
    if shape in ("fact", "overview", "views"):
        order = ("report", "quote", "row", "apparatus")
    elif shape == "figure":
        order = ("row", "report", "quote", "apparatus")
    return _grouped(sorted(more, key=lambda x: order.index(x.piece.role)))


def _owners(piece: _Piece) -> tuple[str, ...] | None:
    """The excerpt's attribution: a respondent's words keep their chunk's codes (None); a report
    sentence, a table row or the apparatus belongs to no respondent."""
    return None if piece.role == "quote" else ()


def _table_caption(chunk: Chunk) -> str:
    return str(chunk.meta.get("caption") or "") if chunk.kind == "table" else ""


def _is_heading(chunk: Chunk, text: str) -> bool:
    """A heading or a lead-in shown as a sentence ("Aan bestuurders en raadsleden:"): it ends
    without a full stop, or is one of the headings of its own section path."""
    stripped = " ".join(text.split())
    if stripped.rstrip("\"”’)»").endswith(":") or stripped in {" ".join(h.split()) for h in chunk.section}:
        return True
    return not stripped.rstrip("\"”’)»*").endswith((".", "!", "?", "…"))


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
        # respondent code -> the documents that quote it (a code in two documents: cite the document)
        self._code_docs: dict[str, set[str]] = defaultdict(set)
        for c in searcher.chunks:
            if c.kind in SPEECH:
                for code in c.respondents:
                    self._code_docs[code].add(c.doc)

    def source(
        self,
        n: int,
        chunk: Chunk,
        start: int = 0,
        end: int | None = None,
        score: float | None = None,
        respondents: tuple[str, ...] | None = None,
        also: tuple[tuple[tuple[str, ...], int | None], ...] = (),
        in_answer: bool = True,
    ) -> Source:
        """A Source for chunk.text[start:end] (the whole chunk by default), placed inside its parent
        passage when it has one. `respondents` overrides the chunk's attribution for an excerpt."""
        context, offset = chunk.text, 0
        who = chunk.respondents if respondents is None else respondents
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
            also=also,
            in_answer=in_answer,
            show_doc=any(len(self._code_docs.get(code, ())) > 1 for code in who),
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
        """False for text that cannot support an answer: the publication's apparatus, a question of
        the researchers, or a passage that is mostly questions (the report's research question
        mirrors many user questions), and, in a document with headings, the front matter before the
        first heading. Respondent quotes
        are always evidence."""
        if apparatus_kind(unit.chunk) is not None:
            return False  # the publication's own apparatus supports no answer (the search tab lists it)
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
                ids += [c.id for c in self._children.get(hit.id, []) if c.kind in SPEECH]
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

    def compose(self, hits: Sequence[Hit], question: Query, scorer: SentenceScorer) -> Composition:
        """The evidence of an answer in the order the answer shows it, cut into the short answer
        itself (`main`, at most `main_max` excerpts, each within `floor_margin` of the best) and
        the rest (`more`, shown collapsed under "Meer uit de interviews").

        Every piece (a report sentence, a respondent's quote or turn, a table row) of the hits is
        scored (app/scoring.py: dense + terms + the hit's search rank). The order is the score's,
        with two rules on top: the search's top hit keeps a place among the first `main_max`
        excerpts (an answer never ranks its evidence worse than its own search did), and the
        question's shape decides which kind of evidence leads (quotes for "who"/"person", a report
        sentence then quotes for "views", report sentences for "overview", figures for "figure").
        Left out: the publication's apparatus (unless `allow_apparatus`), headings and reading
        guidance, one- or two-word quotes, and a text shown already (a quote the report prints
        twice is shown once, its other places on its card). The question's respondents (an explicit
        filter, else the codes it names) restrict the evidence; a question about the publication
        (`Query.about_publication`) allows its apparatus."""
        cfg = self.config
        query, filters, codes, shape = question.search_text, question.filters, question.respondents, question.shape
        allow_apparatus = question.about_publication
        found = self.candidates(hits, filters, codes)
        ranks = {cid: rank for cid, (_, rank) in found.items()}
        scored = scorer.score(question, [chunk for chunk, _ in found.values()], ranks)
        items: list[_Piece] = []
        for cid, pieces_ in scored.items():
            chunk, rank = found[cid]
            kind = apparatus_kind(chunk)
            apparatus = kind is not None
            if kind == "leeswijzer" or (apparatus and not allow_apparatus):
                continue  # reading guidance answers nothing; the rest only questions about the publication
            if apparatus and pieces_:  # the apparatus reads as a whole (a title page, a colophon)
                best_piece = max(score for _, score in pieces_)
                pieces_ = [((0, len(chunk.text.rstrip())), best_piece)]
            for (s, e), score in pieces_:
                role = self._role(chunk, chunk.text[s:e], codes, apparatus)
                if role is not None:
                    items.append(_Piece(score, chunk, s, e, rank, role))
        if not items:
            return Composition(shape, [], [], None)
        best = max(x.score for x in items)
        # below the answer's own floor a quote must also share a topic word with the question: a
        # long quote that is near every question in meaning (R24's "brink") is no evidence for it
        topic = set() if question.english else term_keys(topic_text(query))
        items = [
            x
            for x in items
            if x.score >= best - cfg.floor_margin
            or x.role == "apparatus"  # only there for a question about the publication: it answers it
            or (
                x.score >= best - 2 * cfg.floor_margin
                and (x.role != "quote" or not topic or bool(topic & term_keys(x.text)))
            )
        ]
        items.sort(key=lambda x: (-x.score, x.rank, x.chunk.start + x.start))
        # the search's top hit opens the answer (its best piece, widened to the sentences around
        # it); the question's shape then decides which kind of evidence leads
        top = min(x.rank for x in items)
        first = next(x for x in items if x.rank == top)
        items.remove(first)
        items.insert(0, self._lead_window(first, codes, cfg.lead_chars))
        ordered = _by_shape(items, shape)
        if allow_apparatus:  # a question about the publication: its own apparatus answers it first
            ordered = [x for x in ordered if x.role == "apparatus"] + [x for x in ordered if x.role != "apparatus"]
        if ordered[0].role == "row":  # a table answers with its best rows, read in the table's order
            rows = [x for x in ordered if x.chunk.id == ordered[0].chunk.id][: cfg.main_max]
            ordered = sorted(rows, key=lambda x: x.start) + [x for x in ordered if x not in rows]
        notice = None
        if shape == "figure":
            ordered, notice = self._figures(ordered, query)
        shown = self._distinct(ordered)
        main: list[_Shown] = []
        more: list[_Shown] = []
        chars = 0
        for x in shown:
            fits = len(main) < cfg.main_max and (not main or chars + len(x.text) <= cfg.main_chars)
            # a view question's quotes are its answer too: they may stand up front a little lower
            floor = best - (2 if shape == "views" and x.piece.role == "quote" else 1) * cfg.floor_margin
            if fits and (x.piece.score >= floor or not main or x.piece.role == "apparatus") and not more:
                main.append(x)
                chars += len(x.text)
            elif len(main) + len(more) < cfg.max_sources:
                more.append(x)
        if not main and hits:
            unit = self.unit(1, hits[0], set(tokenize(query)), filters, tuple(codes))
            return Composition(shape, [unit] if unit is not None else [], [], notice)
        sources = [
            self.source(n, x.piece.chunk, x.start, x.end, x.piece.score, _owners(x.piece), x.also, n <= len(main))
            for n, x in enumerate([*_grouped(main), *_tidy(more, shape)], 1)
        ]
        return Composition(shape, sources[: len(main)], sources[len(main) :], notice)

    def _lead_window(self, x: _Piece, codes: Sequence[str], limit: int) -> _Piece:
        """The top hit's excerpt: a run of its passage's consecutive report sentences around its
        best one, within `limit` characters, reaching back as far as fits (measured on dev:
        lead@1 0.349 -> 0.363 against the best sentence alone)."""
        if x.role != "report" or x.chunk.kind != "passage":
            return x
        spans = pieces(x.chunk)
        ok = [self._role(x.chunk, x.chunk.text[s:e], codes, False) == "report" for s, e in spans]
        try:
            i = spans.index((x.start, x.end))
        except ValueError:
            return x
        best = (x.start, x.end)
        for a in range(i, -1, -1):
            if not ok[a]:
                break
            for b in range(i, len(spans)):
                if not ok[b] or spans[b][1] - spans[a][0] > limit:
                    break
                # the longest run wins, and of runs that reach further back the earliest (a
                # passage's first sentence is often its topic sentence)
                if spans[b][1] - spans[a][0] > best[1] - best[0] or (a < i and best[0] > spans[a][0]):
                    best = (spans[a][0], spans[b][1])
        return _Piece(x.score, x.chunk, best[0], best[1], x.rank, x.role)

    def _role(self, chunk: Chunk, text: str, codes: Sequence[str], apparatus: bool) -> Role | None:
        """What a piece is in an answer, or None when it cannot be one: "quote" (a respondent's own
        words, at least `MIN_QUOTE_WORDS` long), "row" (a survey table row), "report" (a sentence of
        the researchers' own text that stands as a statement), "apparatus" (the publication's)."""
        if chunk.kind == "table":
            return None if codes else "row"
        if chunk.kind in SPEECH and chunk.respondents:
            return "quote" if len(text.split()) >= MIN_QUOTE_WORDS else None
        if chunk.meta.get("interview"):
            return None  # a transcript's exchange: its turns are the candidates
        if codes:
            return None
        if apparatus:
            return "apparatus" if text.strip() else None
        if not self._report_sentence(chunk, text) or is_reading_guidance(text) or _is_heading(chunk, text):
            return None
        return "report"

    def _figures(self, ordered: list[_Piece], query: str) -> tuple[list[_Piece], str | None]:
        """For a question about a number: the figures first (table rows, with the other rows of
        the best row's table beside it, and sentences holding a number) and, when none of them can
        answer (no figure at all, or none in the unit asked for: a percentage, an amount in euros),
        a notice that says so: the figures shown are then the nearest ones."""
        figures = [x for x in ordered if x.role == "row" or (x.role != "apparatus" and _FIGURE_RE.search(x.text))]
        if not figures:
            return ordered, "De bronnen geven hier geen cijfer voor."
        best = figures[0]
        if best.role == "row":  # the rows of one table read together, in the table's order
            rows = sorted((x for x in figures if x.chunk.id == best.chunk.id), key=lambda x: x.start)
            figures = [*rows, *(x for x in figures if x.chunk.id != best.chunk.id)]
        rest = [x for x in ordered if x not in figures]
        # said only when sure: the question asks for a unit (a percentage, an amount in euros) that
        # no figure found has (a topic check on words proved unreliable: it denied answerable ones)
        units = [rule for rule in (_PERCENT_RE, _EURO_RE) if rule.search(query)]
        answers = any(all(rule.search(x.text) for rule in units) for x in figures[:3])
        if answers:
            return [*figures, *rest], None
        what = "percentage" if _PERCENT_RE.search(query) else "bedrag" if _EURO_RE.search(query) else "cijfer"
        return [*figures, *rest], f"De bronnen geven hier geen {what} voor. De cijfers die er het dichtst bij komen:"

    def _distinct(self, ordered: list[_Piece]) -> list[_Shown]:
        """The pieces as excerpts, each text once (at most `max_sources`): a report sentence that
        leans on the one before is widened to it (`_widen`); pieces of one passage that then
        overlap or touch become one excerpt, in the place of the first; a text shown already (the
        same quote printed in two places, a sentence reached through two windows) adds its place to
        the first one; a text inside another excerpt is left out."""
        out: list[_Shown] = []
        keys: list[str] = []  # same_text_key of each excerpt in `out`
        for x in ordered:
            full = len(out) >= self.config.max_sources  # from here on only other places are noted
            s, e = self._widen(x)
            if not full:
                for i, o in enumerate(out):
                    if (
                        o.piece.chunk.id == x.chunk.id
                        and o.piece.role == x.role == "report"
                        and not x.chunk.text[min(e, o.end) : max(s, o.start)].strip()
                        and max(e, o.end) - min(s, o.start) <= self.config.lead_chars
                    ):
                        o.start, o.end = min(s, o.start), max(e, o.end)
                        keys[i] = same_text_key(o.text)
                        break
                else:
                    i = -1
                if i >= 0:
                    continue
            key = same_text_key(x.chunk.text[s:e])
            if key in keys:
                same = out[keys.index(key)]
                place = (x.chunk.section, x.chunk.page)
                if place != (same.piece.chunk.section, same.piece.chunk.page) and place not in same.also:
                    same.also = (*same.also, place)
                continue
            if full or any(key in k or k in key for k in keys):
                continue
            out.append(_Shown(x, s, e))
            keys.append(key)
        return out

    def _widen(self, x: _Piece) -> tuple[int, int]:
        """A report sentence that leans on the sentence before it ("Het eerste wordt gezien als …")
        together with that sentence (at most two back) when it is the report's own text: the
        excerpt stays one verbatim span and reads as the report meant it."""
        s, e = x.start, x.end
        if x.role != "report" or x.chunk.kind != "passage":
            return s, e
        earlier = [sp for sp in pieces(x.chunk) if sp[1] <= s][-2:]
        text = x.chunk.text
        while earlier and leans_back(text[s:e]) and self._report_sentence(x.chunk, text[slice(*earlier[-1])]):
            s = earlier.pop()[0]
        return s, e

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
    """'Citaten van R3 [2], R5 [3] [4] en R13 [5].': whose quotes are shown, each number its own
    link. It names the speakers and claims nothing about what they all said."""
    numbers: dict[str, list[int]] = {}
    for u in quotes:
        for code in u.respondents:
            numbers.setdefault(code, []).append(u.n)
    parts = [f"{code} {' '.join(f'[{n}]' for n in ns)}" for code, ns in numbers.items()]
    return f"{'Citaat' if len(quotes) == 1 else 'Citaten'} van {join_dutch(parts)}."


def _table_header(unit: Source) -> str:
    """'**Tabel 1 Vertrouwen** (N | Gemiddelde; Schaal: 1 (zeer oneens) - 5 (zeer eens))': the
    table's caption, its column line and its scale note, verbatim."""
    text = unit.chunk.text
    lines = [line.strip() for line in text[: unit.start].split("\n") if line.strip()]
    caption = lines[0] if lines else unit.theme
    columns = next((line for line in lines[1:] if "|" in line), "")
    after = [line.strip() for line in text[unit.end :].split("\n") if line.strip() and "|" not in line]
    scale = after[-1] if after else ""
    extra = "; ".join(escape_markdown(x) for x in (columns, scale) if x)
    return f"**{escape_markdown(caption)}**" + (f" ({extra})" if extra else "")


def _blocks(units: Sequence[Source]) -> list[str]:
    """The paragraphs of a run of excerpts: report sentences as one paragraph, respondent quotes
    one group per respondent (with a line naming them when there are several), table rows
    under their table's caption, column names and scale."""
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
            groups: dict[str, list[Source]] = {}
            for u in members:
                groups.setdefault(u.who, []).append(u)
            if len(groups) > 1:
                blocks.append(count_line(members))
            for who, group in groups.items():
                blocks.append(f"**{who}**\n\n{bullets(group)}")
        else:
            tables: dict[str, list[Source]] = {}
            for u in members:
                tables.setdefault(u.chunk.id, []).append(u)
            for group in tables.values():
                blocks.append(f"{_table_header(group[0])}\n\n{bullets(group)}")
    return blocks


def _lead_line(unit: Source) -> str:
    """The answer's first excerpt as one line: 'R13: “…” [1]', or '“…” [1]' for the report's text."""
    who = f"{unit.who}: " if unit.respondents else ""
    return f"{who}{quoted(unit.text)} [{unit.n}]"


MORE_TITLE = "Meer uit de interviews"
MORE_MARK = "<details>"  # where the collapsed rest begins (the JSON contract: eval/answers.py reads it)


def more_block(more: Sequence[Source]) -> str:
    """The rest of the evidence, collapsed: a <details> element the chat shows closed."""
    body = "\n\n".join(_blocks(more))
    return f"{MORE_MARK}<summary>{MORE_TITLE} ({len(more)})</summary>\n\n{body}\n\n</details>"


def plain_text(text: str) -> str:
    """An answer for a terminal: the collapsed rest as a plain heading ("Meer uit de interviews (7):")."""
    text = re.sub(r"<details><summary>(.*?)</summary>", r"\1:", text)
    return text.replace("\n\n</details>", "").replace("</details>", "")


def extractive_answer(
    composition: Composition, base: Answer, scores: dict[str, float | None]
) -> Iterator[str | Answer]:
    """Yield the answer as it grows (one paragraph at a time), then the final `Answer` built on
    `base`: the notice (if any), the short answer, then the rest collapsed. Every word is source
    text (between quote marks, with its [n]) or a fixed template word; the answer is checked by
    the verifier all the same."""
    units = composition.sources
    main = [b for b in ([composition.notice] if composition.notice else [])] + _blocks(composition.main)
    parts: list[str] = []
    for block in main:
        parts.append(block)
        yield with_notes("\n\n".join(parts), base.notes)
    if composition.more:
        parts.append(more_block(composition.more))
    text = with_notes("\n\n".join(parts), base.notes)
    lead = composition.notice or (_lead_line(composition.main[0]) if composition.main else "")
    check = verify(text, units)  # self-check: the template must never produce unverifiable text
    if not check.ok:
        log.error("extractive answer failed its own verification: %s", check.issues)
    yield replace(
        base,
        text=text,
        lead=lead,
        sources=tuple(units),
        verified=check.ok,
        issues=check.issues,
        scores=scores,
        shape=composition.shape,
    )


__all__ = [
    "ChunkSource",
    "Composition",
    "Excerpter",
    "MORE_MARK",
    "MORE_TITLE",
    "bullets",
    "count_line",
    "extractive_answer",
    "more_block",
    "plain_text",
    "role",
]
