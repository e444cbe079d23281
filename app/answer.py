"""The answer service: Dutch questions in, cited and verified answers out. Plain Python, no Gradio.

    answerer = Answerer(Searcher.open("data"), AnswerConfig())
    answer = answerer.answer("Wat maakt samenwerking succesvol?", history=[], filters=Filters())
    for part in answerer.stream(question, history, filters):   # str, str, …, then the Answer
        ...

Default mode is extractive and offline: a one-sentence lead naming the themes the evidence comes
from, then the best 3–6 quotes and passages grouped by theme, each as
“quote” — R13 · 2.3 Gezamenlijke aanpak · p. 9. Apart from fixed template words, every word of it
is source text (quotes and passage sentences verbatim, theme names are the report's headings).
With an `LLMClient` the model writes a Dutch synthesis instead; app/verify.py checks every
quotation and R-number in it before it is shown, and the sources are the same.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from citaat.index.bm25 import STOPWORDS, tokenize
from citaat.index.search import Filters, Hit
from citaat.ingest.model import Chunk
from citaat.ingest.respondents import parse_respondents

from .config import AnswerConfig
from .llm import LLMClient, LLMError, PromptSource, build_messages
from .verify import Issue, split_sentences, verify

log = logging.getLogger(__name__)

SECTION_ARROW = " › "
QUESTION_SHARE = 0.4  # a passage whose sentences are this much (by length) questions is not evidence
KIND_LABELS = {"quote": "citaat", "passage": "passage", "table": "tabel", "turn": "interviewbeurt"}
Mode = Literal["extractive", "llm", "message"]


class SearcherLike(Protocol):
    """What the answer service needs of index.search.Searcher."""

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, mode: str | None = None
    ) -> list[Hit]: ...

    def chunk(self, chunk_id: str) -> Chunk: ...

    @property
    def chunks(self) -> tuple[Chunk, ...]: ...

    def respondents(self) -> list[str]: ...

    def sections(self) -> list[tuple[str, ...]]: ...


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Source:
    """One piece of evidence: what is quoted (`text`), where it sits (`context`) and its citation.

    `text` is a verbatim substring of chunk `chunk_id`; `context` is the passage around it (the parent
    passage of a quote, else the chunk itself) and `context[mark_start:mark_end] == text`.
    `n` is the 1-based number shown in the answer and the sources panel.
    """

    n: int
    chunk_id: str
    kind: str
    text: str
    respondents: tuple[str, ...]
    section: tuple[str, ...]
    page: int | None
    doc: str
    context: str
    mark_start: int
    mark_end: int
    score: float | None = None
    interviewer: str | None = None

    def __post_init__(self) -> None:
        if not self.chunk_id or not self.text.strip():
            raise ValueError("a source needs a chunk id and text")
        if self.context[self.mark_start : self.mark_end] != self.text:
            raise ValueError(f"source {self.chunk_id}: text is not at [{self.mark_start}, {self.mark_end}) of context")

    @property
    def id(self) -> str:
        return self.chunk_id

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
        parts = [self.who, self.theme]
        if self.page is not None:
            parts.append(f"p. {self.page}")
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
            "soort": KIND_LABELS.get(self.kind, self.kind),
            "document": self.doc,
            "bronvermelding": self.citation,
            "id": self.chunk_id,
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
    issues: what the verifier removed or marked.
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

    def __post_init__(self) -> None:
        numbers = [s.n for s in self.sources]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("sources must be numbered 1..n in order")


# ---------------------------------------------------------------------------- pure helpers

_NUMBERED_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s")


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


def join_dutch(items: Sequence[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


_WORD_RE = re.compile(r"(?u)\b\w[\w'’-]*\w\b")  # keeps "risico's" and "ICT-samenwerking" whole
CONNECTIVES = frozenset("en maar ook dus of and but also so".split())
ANAPHORA = frozenset(
    """daarover hierover erover waarover daarvan hiervan ervan daarbij hierbij erbij daarin hierin erin
    daarmee hiermee ermee daaraan hieraan eraan daardoor hierdoor erdoor daarop hierop erop daaruit
    hieruit eruit it them they""".split()
)
_EN_ANAPHORA_RE = re.compile(r"\babout (?:it|that|this|them)\b", re.IGNORECASE)
# English question words are not in the Dutch stopword list; they say nothing about the topic.
_EXTRA_STOP = frozenset(
    """wat wie hoe welke welk waarom waar wanneer vinden vindt vind denken denkt gaat gaan
    what who how which why where when does do did is are the of about say says said think""".split()
)


def content_words(text: str) -> list[str]:
    """Topic words of a question in order, once each: stopwords, question words and anaphora removed."""
    seen: dict[str, None] = {}
    for word in _WORD_RE.findall(text):
        low = word.lower()
        if low in STOPWORDS or low in _EXTRA_STOP or low in ANAPHORA or low in CONNECTIVES:
            continue
        seen.setdefault(word, None)
    return list(seen)


def is_followup(question: str, max_content_words: int = 1) -> bool:
    """A question that leans on the previous one: it opens with a connective ('en wat zeggen …'),
    refers back ('daarover', 'about it') or has at most `max_content_words` topic words."""
    words = [w.lower() for w in _WORD_RE.findall(question)]
    if not words:
        return False
    if words[0] in CONNECTIVES or any(w in ANAPHORA for w in words) or _EN_ANAPHORA_RE.search(question):
        return True
    return len(content_words(question)) <= max_content_words


def rewrite_query(question: str, topic: str) -> str:
    """The retrieval query of a follow-up: the question plus the topic words it does not repeat."""
    have = {w.lower() for w in _WORD_RE.findall(question)}
    extra = [w for w in topic.split() if w.lower() not in have]
    return f"{question} ({' '.join(extra)})" if extra else question


def clean_question(question: str | None, max_chars: int) -> tuple[str, str | None]:
    """(question with whitespace collapsed and cut at a word boundary, note for the user or None)."""
    text = re.sub(r"\s+", " ", question or "").strip()
    if len(text) <= max_chars:
        return text, None
    cut = text[:max_chars]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    note = f"Je vraag was {len(text):,} tekens lang; ik heb alleen de eerste {len(cut):,} tekens gebruikt.".replace(
        ",", "."
    )
    return cut.rstrip(), note


_EN_WORDS = frozenset("the what which who whom how why does do did are about between of and to for with say".split())
_NL_WORDS = frozenset("de het een wat welke wie hoe waarom zijn over tussen van en voor met zegt zeggen".split())


def is_english(text: str) -> bool:
    """True when a question has more English than Dutch function words ('What makes …')."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    return sum(w in _EN_WORDS for w in words) > sum(w in _NL_WORDS for w in words)


@dataclass(frozen=True)
class EvidenceJudgement:
    """Whether retrieval found something relevant, and the numbers that decided it."""

    relevant: bool
    dense_top: float | None
    bm25_top: float | None
    dense_min: float | None


def judge_evidence(
    hits: Sequence[Hit], cfg: AnswerConfig, embedder: str | None, question: str = ""
) -> EvidenceJudgement:
    """Relevant when the best dense cosine reaches `cfg.dense_min` (`dense_min_english` for an
    English question; only for the embedder the thresholds were calibrated on) or the best BM25
    score reaches `cfg.bm25_min`.

    Why: e5 cosines are compressed (off-topic questions still score ~0.77–0.83 against this
    report, answerable ones 0.83–0.93), but the top score separates them; cross-lingual scores
    run ~0.02 lower, hence a second threshold. BM25 is the fallback signal for other embedders
    and for bm25-only search: a score of 6 needs several rare report words. Calibration: docs/chat.md.
    """
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    lexical = [h.bm25_score for h in hits if h.bm25_score is not None]
    dense_top = max(dense) if dense else None
    bm25_top = max(lexical) if lexical else None
    dense_min = None
    if embedder == cfg.calibrated_embedder:
        dense_min = cfg.dense_min_english if is_english(question) else cfg.dense_min
    dense_ok = dense_top is not None and dense_min is not None and dense_top >= dense_min
    bm25_ok = bm25_top is not None and bm25_top >= cfg.bm25_min
    return EvidenceJudgement(bool(hits) and (dense_ok or bm25_ok), dense_top, bm25_top, dense_min)


def _overlap(terms: set[str], text: str) -> int:
    return len(terms & set(tokenize(text))) if terms else 0


# ---------------------------------------------------------------------------- the service


class Answerer:
    """Answers questions over one opened index. Thread-safe; open once and share."""

    def __init__(
        self,
        searcher: SearcherLike,
        config: AnswerConfig | None = None,
        llm: LLMClient | None = None,
    ) -> None:
        self.searcher = searcher
        self.config = config or AnswerConfig()
        self.llm = llm
        self._lock = threading.Lock()
        self._children: dict[str, list[Chunk]] = defaultdict(list)
        for c in searcher.chunks:
            if c.parent:
                self._children[c.parent].append(c)
        manifest = getattr(searcher, "manifest", None) or {}
        model = getattr(searcher, "embedder", None)
        self.embedder: str | None = manifest.get("embedder") or getattr(model, "name", None)
        self._has_sections = any(c.section for c in searcher.chunks)

    # ------------------------------------------------------------------ listings

    def respondents(self) -> list[str]:
        return self.searcher.respondents()

    def section_choices(self) -> list[tuple[str, str]]:
        """(label, filter value) for every chapter and section, in document order; the value is the
        section path that `Filters.section` matches as a prefix."""
        out: dict[str, str] = {}
        for path in self.searcher.sections():
            for depth in range(1, len(path) + 1):
                value = " > ".join(path[:depth])
                if value not in out:
                    out[value] = ("  " * (depth - 1)) + ("— " if depth > 1 else "") + path[depth - 1]
        return [(label, value) for value, label in out.items()]

    def kinds(self) -> list[str]:
        present = {c.kind for c in self.searcher.chunks}
        return [k for k in KIND_LABELS if k in present]

    # ------------------------------------------------------------------ searching

    def _search(self, query: str, k: int, filters: Filters | None) -> list[Hit]:
        with self._lock:
            return self.searcher.search(query, k=k, filters=filters)

    def _source(
        self,
        n: int,
        chunk: Chunk,
        start: int,
        end: int,
        score: float | None,
        respondents: tuple[str, ...] | None = None,
    ) -> Source:
        """A Source for chunk.text[start:end], placed inside its parent passage when it has one.

        A passage excerpt is attributed to the respondents of the quotes that lie inside it (none
        for the researchers' own text), not to everyone quoted somewhere in the passage.
        """
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
            chunk_id=chunk.id,
            kind=chunk.kind,
            text=chunk.text[start:end],
            respondents=chunk.respondents if respondents is None else respondents,
            section=chunk.section,
            page=chunk.page,
            doc=chunk.doc,
            context=context,
            mark_start=offset + start,
            mark_end=offset + end,
            score=score,
            interviewer=chunk.context,
        )

    def _excerpt(self, chunk: Chunk, terms: set[str]) -> tuple[int, int]:
        """[start, end) of the 1–2 consecutive sentences of a passage that share most query terms
        (the first sentences when none does)."""
        spans = split_sentences(chunk.text) or [(0, len(chunk.text))]
        # a question sentence ("Wat maakt … tot een succes?") restates, it does not answer
        scores = [
            -1 if chunk.text[s:e].rstrip().endswith("?") else _overlap(terms, chunk.text[s:e]) for s, e in spans
        ]
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

    def _unit(self, n: int, hit: Hit, terms: set[str], filters: Filters, codes: tuple[str, ...]) -> Source | None:
        """The piece of a hit to quote: a quote as is; for a passage, its best-matching quote (with
        its own respondent) or its best sentences; for a table, its best-matching row."""
        try:
            chunk = self.searcher.chunk(hit.id)
        except KeyError:
            return None
        if chunk.kind in ("quote", "turn"):
            return self._source(n, chunk, 0, len(chunk.text), hit.score)
        if chunk.kind == "table":
            lines, pos = [], 0
            for line in chunk.text.split("\n"):
                lines.append((pos, pos + len(line)))
                pos += len(line) + 1
            lines = [(s, e) for s, e in lines if chunk.text[s:e].strip()]
            s, e = max(lines, key=lambda se: _overlap(terms, chunk.text[se[0] : se[1]]))
            return self._source(n, chunk, s, e, hit.score)
        all_children = [c for c in self._children.get(chunk.id, []) if c.kind == "quote"]
        children = [c for c in all_children if set(c.respondents) & set(codes)] if codes else all_children
        s, e = self._excerpt(chunk, terms)
        if filters.kind in (None, "quote") and children:
            child = max(children, key=lambda c: _overlap(terms, c.text))
            if (
                codes
                or _QUOTE_MARK_RE.search(chunk.text[s:e])
                or _overlap(terms, child.text) >= _overlap(terms, chunk.text[s:e])
            ):
                return self._source(n, child, 0, len(child.text), hit.score)
        # With quotes inside, the excerpt is attributed to the quotes it contains (none = the
        # researchers' text); without, the passage's own attribution holds (e.g. a transcript).
        who = self._inside(chunk, s, e, all_children) if all_children else None
        return self._source(n, chunk, s, e, hit.score, who)

    @staticmethod
    def _inside(passage: Chunk, start: int, end: int, children: Sequence[Chunk]) -> tuple[str, ...]:
        """Respondents of the quotes that lie within passage.text[start:end]."""
        lo, hi = passage.start + start, passage.start + end
        codes: dict[str, None] = {}
        for c in children:
            if c.doc == passage.doc and lo <= c.start and c.end <= hi:
                codes.update(dict.fromkeys(c.respondents))
        return tuple(codes)

    def _is_evidence(self, unit: Source) -> bool:
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

    def _units(
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
        (see `_is_evidence`). With `cutoff`, hits scoring under half the best hit's score only fill
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
            unit = self._unit(len(out) + 1, hit, terms, filters, codes)
            if unit is None or unit.chunk_id in seen_ids or (skip_non_evidence and not self._is_evidence(unit)):
                continue
            if any(unit.text in o.text or o.text in unit.text for o in out):
                continue
            seen_ids.add(unit.chunk_id)
            out.append(unit)
        return out

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Source]:
        """The "Zoek citaten" table: one Source per hit, best first. An empty query lists the
        chunks that pass the filters (quotes first) in document order."""
        filters = filters or Filters()
        k = k or self.config.search_k
        query, _ = clean_question(query, self.config.max_question_chars)
        if not query:
            if filters.is_empty():
                return []
            chunks = self._filtered(filters)
            chunks.sort(key=lambda c: (c.kind not in ("quote", "turn"),))
            return [self._source(n, c, 0, len(c.text), None) for n, c in enumerate(chunks[:k], 1)]
        _, codes = parse_respondents(query)
        codes = filters.respondents or codes
        hits = self._search(query, k, filters)
        return self._units(hits, query, filters, codes, k, cutoff=False, skip_non_evidence=False)

    def _filtered(self, filters: Filters) -> list[Chunk]:
        allowed = getattr(self.searcher, "allowed_rows", None)
        chunks = self.searcher.chunks
        if allowed is not None:
            rows = allowed(filters)
            return list(chunks) if rows is None else [chunks[int(n)] for n in rows]
        section = (filters.section or "").casefold()
        return [
            c
            for c in chunks
            if (not filters.respondents or set(c.respondents) & set(filters.respondents))
            and (not filters.kind or c.kind == filters.kind)
            and (not section or " > ".join(c.section).casefold().startswith(section))
        ]

    def respondent_quotes(self, code: str) -> list[Source]:
        """Every quote (or interview turn) of one respondent in document order, with section and page."""
        filters = Filters(respondents=(code,))
        chunks = [c for c in self._filtered(filters) if c.kind in ("quote", "turn")]
        return [self._source(n, c, 0, len(c.text), None) for n, c in enumerate(chunks, 1)]

    # ------------------------------------------------------------------ answering

    def answer(
        self, question: str, history: Sequence[str | Answer] = (), filters: Filters | None = None
    ) -> Answer:
        """Answer one question; `history` holds the earlier questions (or Answers) of the conversation."""
        result = None
        for part in self.stream(question, history, filters):
            if isinstance(part, Answer):
                result = part
        assert result is not None
        return result

    def conversation(self, history: Sequence[str | Answer]) -> tuple[str | None, str]:
        """(previous question, current topic) after replaying the history deterministically: a new
        standalone question sets the topic to its content words; a follow-up keeps the topic."""
        previous: str | None = None
        topic = ""
        for item in history:
            if isinstance(item, Answer):
                previous, topic = item.question, item.topic
                continue
            q, _ = clean_question(str(item), self.config.max_question_chars)
            if not q:
                continue
            if previous is None or not topic or not is_followup(q, self.config.followup_max_content_words):
                topic = " ".join(content_words(q))
            previous = q
        return previous, topic

    def stream(
        self, question: str, history: Sequence[str | Answer] = (), filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (str), then the final `Answer`."""
        cfg = self.config
        filters = filters or Filters()
        q, note = clean_question(question, cfg.max_question_chars)
        notes = (note,) if note else ()
        if not q:
            text = (
                "Stel een vraag over de interviews, bijvoorbeeld: Wat maakt samenwerking in de bedrijfsvoering "
                "succesvol? of Wat zegt R13 over vertrouwen?"
            )
            yield Answer(question="", text=text, lead=text, mode="message", filters=filters)
            return

        previous, topic = self.conversation(history)
        followup = bool(previous and topic and is_followup(q, cfg.followup_max_content_words))
        query = rewrite_query(q, topic) if followup else q
        new_topic = topic if followup else " ".join(content_words(q))
        _, asked_codes = parse_respondents(q)
        codes = filters.respondents or asked_codes
        known = set(self.respondents())
        unknown = [c for c in codes if c not in known]
        # what every answer to this question shares; the branches below fill in the rest
        base = Answer(
            question=q, text="", lead="", query=query, topic=new_topic, followup=followup, notes=notes, filters=filters
        )
        if codes and len(unknown) == len(codes):
            text = (
                f"{join_dutch(unknown)} komt in de geïndexeerde interviews niet voor. "
                f"Er zijn citaten van {len(known)} respondenten; kies er een bij Filters."
            )
            yield replace(base, text=_with_notes(text, notes), lead=text, mode="message")
            return

        yield "Zoeken in de interviews…"
        hits = self._search(query, cfg.k, filters)
        if not hits:
            text = (
                "Geen enkele passage voldoet aan de gekozen filters. Maak de filters ruimer of kies een "
                "andere respondent."
            )
            yield replace(base, text=_with_notes(text, notes), lead=text, mode="message", no_evidence=True)
            return
        judged = judge_evidence(hits, cfg, self.embedder, q)
        scores = {"dense_top": judged.dense_top, "bm25_top": judged.bm25_top, "dense_min": judged.dense_min}
        if not judged.relevant:
            nearest = self._units(hits, query, filters, codes, cfg.min_units, cutoff=False)
            lead = "Ik vind in de interviews geen passages die duidelijk over deze vraag gaan."
            text = f"{lead} Dit zijn de passages die er het dichtst bij komen:\n\n{_bullets(nearest)}"
            yield replace(
                base, text=_with_notes(text, notes), lead=lead, sources=tuple(nearest), no_evidence=True, scores=scores
            )
            return

        units = self._units(hits, query, filters, codes, cfg.max_units, cutoff=True)
        if self.llm is not None:
            yield from self._llm_answer(q, previous if followup else None, units, base, scores)
            return
        yield from self._extractive(units, codes, base, scores)

    def _extractive(
        self, units: list[Source], codes: tuple[str, ...], base: Answer, scores: dict[str, float | None]
    ) -> Iterator[str | Answer]:
        groups: dict[str, list[Source]] = {}
        for u in units:
            groups.setdefault(u.theme, []).append(u)
        kinds = "citaten" if all(u.kind in ("quote", "turn") for u in units) else "citaten en passages"
        whose = f" van {join_dutch(list(codes))}" if codes else ""
        names = [f"*{name}*" for name in dict.fromkeys(u.short_theme for u in units)]
        if len(names) > 4:
            names = [*names[:3], f"{len(names) - 3} andere thema's"]
        where = f"het thema {names[0]}" if len(groups) == 1 else f"de thema's {join_dutch(names)}"
        lead = f"De {len(units)} sterkste {kinds}{whose} komen uit {where}."
        parts = [lead]
        yield _with_notes(lead, base.notes)
        for theme, members in groups.items():
            parts.append(f"**{theme}**\n\n{_bullets(members)}")
            yield _with_notes("\n\n".join(parts), base.notes)
        text = _with_notes("\n\n".join(parts), base.notes)
        check = verify(text, units)  # self-check: the template must never produce unverifiable text
        if not check.ok:
            log.error("extractive answer failed its own verification: %s", check.issues)
        yield replace(
            base, text=text, lead=lead, sources=tuple(units), verified=check.ok, issues=check.issues, scores=scores
        )

    def evidence_for(self, units: Sequence[Source]) -> list[Chunk]:
        """The chunks a generated answer may quote: each unit's chunk, its parent passage and the
        quotes inside that passage (the model sees the passages)."""
        out: dict[str, Chunk] = {}
        for u in units:
            chunk = self.searcher.chunk(u.chunk_id)
            out[chunk.id] = chunk
            if chunk.parent:
                try:
                    parent = self.searcher.chunk(chunk.parent)
                except KeyError:
                    continue
                out[parent.id] = parent
                for child in self._children.get(parent.id, []):
                    out[child.id] = child
        return list(out.values())

    def _prompt_sources(self, units: Sequence[Source]) -> list[PromptSource]:
        return [
            PromptSource(
                n=u.n, text=u.text if u.kind in ("quote", "turn", "table") else u.context,
                respondents=u.respondents, section=u.theme, page=u.page, kind=KIND_LABELS.get(u.kind, u.kind),
                context=u.interviewer,
            )
            for u in units
        ]

    def _llm_answer(
        self,
        question: str,
        previous: str | None,
        units: list[Source],
        base: Answer,
        scores: dict[str, float | None],
    ) -> Iterator[str | Answer]:
        assert self.llm is not None
        from .verify import safe_boundary

        evidence = self.evidence_for(units)
        messages = build_messages(question, self._prompt_sources(units), previous)
        raw = ""
        shown_upto = 0
        try:
            for piece in self.llm.stream(messages):
                raw += piece
                cut = safe_boundary(raw)
                if cut > shown_upto:
                    shown_upto = cut
                    yield _with_notes(verify(raw[:cut], evidence).text, base.notes)
        except LLMError as exc:
            log.warning("LLM failed, falling back to the extractive answer: %s", exc)
            note = f"Het taalmodel gaf geen antwoord ({exc}); hieronder het extractieve antwoord."
            yield from self._extractive(units, (), replace(base, notes=(*base.notes, note)), scores)
            return
        checked = verify(raw.strip(), evidence)
        body = checked.text.strip()
        if not re.search(r"\w", re.sub(r"⚠ \[[^\]]*\]", "", body)):
            note = "Het taalmodel gaf geen bruikbaar antwoord; hieronder het extractieve antwoord."
            yield from self._extractive(units, (), replace(base, notes=(*base.notes, note)), scores)
            return
        notes = base.notes
        text = _with_notes(body, notes)  # the issue count goes to `notes` (the page shows it as a badge)
        if checked.issues:
            n = len(checked.issues)
            notes = (*notes, f"{n} {'onderdeel' if n == 1 else 'onderdelen'} van het gegenereerde antwoord "
                     f"{'kon' if n == 1 else 'konden'} niet geverifieerd worden en {'is' if n == 1 else 'zijn'} "
                     "weggelaten of gemarkeerd (⚠).")
        spans = split_sentences(body)
        lead = body[spans[0][0] : spans[0][1]].strip() if spans else body
        yield replace(
            base, text=text, lead=lead, sources=tuple(units), verified=checked.ok, mode="llm", issues=checked.issues,
            scores=scores, notes=notes,
        )


_QUOTE_MARK_RE = re.compile("[“”„\"«»]")


def quoted(text: str) -> str:
    """Source text between quote marks, whitespace runs shown as one space (line breaks of the PDF
    are layout, not content): “…”, or ‘…’ when the text itself contains double quotes."""
    text = " ".join(text.split())
    return f"‘{text}’" if _QUOTE_MARK_RE.search(text) else f"“{text}”"


def _bullets(units: Sequence[Source]) -> str:
    return "\n".join(f"- [{u.n}] {quoted(u.text)} — {u.citation}" for u in units)


def _with_notes(text: str, notes: Sequence[str]) -> str:
    if not notes:
        return text
    return "\n".join(f"_{n}_" for n in notes) + "\n\n" + text


__all__ = [
    "Answer",
    "Answerer",
    "EvidenceJudgement",
    "Source",
    "clean_question",
    "content_words",
    "is_followup",
    "judge_evidence",
    "rewrite_query",
    "section_label",
]
