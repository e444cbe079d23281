"""The answer service: Dutch questions in, cited and verified answers out. Plain Python, no Gradio.

    answerer = Answerer(Searcher.open("data"), AnswerConfig())
    answer = answerer.answer("Wat maakt samenwerking succesvol?", history=[], filters=Filters())
    for part in answerer.stream(question, history, filters):   # str, str, …, then the Answer
        ...

`Answerer` only ties the steps together: the question and the conversation (app/question.py),
search and the evidence judgement (index/), the evidence units (app/extractive.py), and the
answer: extractive and offline by default (app/extractive.py), written by a language model with
an `LLMClient` (app/generated.py). Either way the sources are the same and every quotation and
R-number shown has been verified (app/verify.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from citaat.index.config import Mode as SearchMode
from citaat.index.config import SearchConfig
from citaat.index.embedders import Embedder
from citaat.index.evidence import TermStats, judge_evidence
from citaat.index.paging import searcher_base
from citaat.index.query import Query
from citaat.index.search import Filters, Hit
from citaat.ingest.attributes import RespondentSheet
from citaat.ingest.model import Chunk, ChunkKind

from .config import AnswerConfig
from .extractive import SPEECH, ChunkSource, Excerpter, bullets, extractive_answer
from .generated import generated_answer
from .llm import LLMClient
from .question import clean_question, content_words, followup_topic, is_followup, replay, rewrite_query
from .records import KIND_LABELS, Answer, Source, join_dutch, with_notes
from .scoring import SentenceScorer


class SearcherLike(ChunkSource, Protocol):
    """What the answer service needs of index.search.Searcher: the question understood once
    (`query`), searched, and its vector for the answer's scorer (`embedder`, whose query vectors
    are memoised, so the search's vector serves) and the evidence rule (`baseline`)."""

    def query(self, text: str, filters: Filters | None = None, search_text: str | None = None) -> Query: ...

    def search(
        self, query: str | Query, k: int | None = None, filters: Filters | None = None, mode: SearchMode | None = None
    ) -> list[Hit]: ...

    def baseline(self, query: Query) -> float | None: ...

    @property
    def embedder(self) -> Embedder | None: ...

    @property
    def directory(self) -> Path | None: ...

    def respondents(self) -> list[str]: ...

    def sections(self) -> list[tuple[str, ...]]: ...

    def allowed_rows(self, filters: Filters | None) -> Iterable[int] | None: ...

    @property
    def embedder_name(self) -> str: ...

    # what the front doors read of the index in use (the Answerer's protocol block below)
    @property
    def version(self) -> str: ...

    @property
    def attributes(self) -> RespondentSheet | None: ...

    @property
    def config(self) -> SearchConfig: ...

    def prefetch(self, query: str) -> None: ...


class Answerer:
    """Answers questions over one opened index. Thread-safe; open once and share."""

    def __init__(
        self,
        searcher: SearcherLike,
        config: AnswerConfig | None = None,
        llm: LLMClient | None = None,
        sentence_cache: Path | None = None,
    ) -> None:
        """`sentence_cache`: where the sentence vectors are kept between runs; default
        DIR/cache/sentences-<embedder>.npz beside the index of the searcher's directory."""
        self.searcher = searcher
        self.config = config or AnswerConfig()
        self.llm = llm
        self.excerpter = Excerpter(searcher, self.config)
        self._lock = threading.Lock()
        self.terms = TermStats.of(searcher.chunks)
        if sentence_cache is None and searcher.directory is not None:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(searcher.embedder_name).name).strip("-") or "model"
            sentence_cache = searcher.directory / "cache" / f"sentences-{slug}.npz"
        # One question is embedded once: the searcher memoises its query vectors, so the sentence
        # scorer, embedding the same text (`Query.embed`), gets the search's vector.
        self.scorer = SentenceScorer(
            searcher.chunks,
            searcher.embedder,
            self.config.lexical_weight,
            self._lock,
            self.config.rank_weight,
            sentence_cache,
        )

    def warm(self, quiet: float = 0.0) -> None:
        """Embed every sentence of the corpus now (else each is embedded the first time it is
        scored). The chat calls this in a background thread with `quiet` set: it then embeds only
        while no question has been answered for that many seconds."""
        self.scorer.warm(quiet=quiet)

    def save(self) -> None:
        """Keep the sentence vectors embedded so far for the next run (`citaat ask` calls this)."""
        self.scorer.save()

    def use_searcher(self, searcher: SearcherLike) -> None:
        """Answer from a newly built index from now on (after an upload). The excerpter is made
        first and both are swapped under the search lock, so a search in flight finishes on the old
        index and the next one sees only the new one."""
        excerpter = Excerpter(searcher, self.config)
        scorer = self.scorer.for_chunks(searcher.chunks)  # the vectors of unchanged chunks carry over
        terms = TermStats.of(searcher.chunks)  # the evidence rule's term statistics, of the new corpus
        with self._lock:
            self.searcher, self.excerpter, self.scorer, self.terms = searcher, excerpter, scorer, terms

    # ================================================================== the front doors' protocol
    # Everything the page (app/ui), the API, the finder, export and the CLI need of the index in
    # use goes through the methods of this block; none of them reaches into `self.searcher`, so
    # an upload's `use_searcher` swaps what all of them see. They read only `SearcherLike` members.

    @property
    def index(self) -> object:
        """The index in use (its Searcher): caches compare it by identity (an upload swaps it), and the
        coding assistant (app/coding.py) ranks every speech unit of it."""
        return self.searcher

    @property
    def index_version(self) -> str:
        """The published index version (DIR/index/CURRENT), or '' when the searcher has none."""
        return self.searcher.version

    @property
    def directory(self) -> Path | None:
        """The data directory of the index (chunks.jsonl, sources, cache), or None."""
        directory = self.searcher.directory
        return Path(directory) if directory is not None else None

    @property
    def attributes(self) -> RespondentSheet | None:
        """The respondent sheet of the index (`citaat ingest --respondents`), or None."""
        return self.searcher.attributes

    @property
    def search_config(self) -> SearchConfig | None:
        """The search settings of the index in use (None: a stand-in without them)."""
        return self.searcher.config

    @property
    def embedder_name(self) -> str:
        return self.searcher.embedder_name

    @property
    def chunks(self) -> Sequence[Chunk]:
        """Every chunk of the index, in index order."""
        return self.searcher.chunks

    def chunk(self, chunk_id: str) -> Chunk:
        """One chunk by id; KeyError when the index has none with that id."""
        return self.searcher.chunk(chunk_id)

    def filtered_chunks(self, filters: Filters) -> list[Chunk]:
        """The chunks that pass `filters`, in index (document) order."""
        return self._filtered(filters)

    def hits(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: SearchMode | None = None
    ) -> list[Hit]:
        """The search's own ranking of `query` (what `citaat search` and /api/search show): `k` hits."""
        if mode is None:
            return self._search(query, k, filters)
        return self.searcher.search(query, k=k, filters=filters, mode=mode)

    def paging_base(self) -> int:
        """The first segment of a paged result list for this index (index/paging.py)."""
        return searcher_base(self.searcher)

    def prefetch(self, question: str) -> None:
        """Start embedding `question` in the background, when the searcher can (the API's queue)."""
        self.searcher.prefetch(question)

    def source_of(
        self,
        n: int,
        chunk_id: str,
        start: int = 0,
        end: int | None = None,
        score: float | None = None,
        respondents: tuple[str, ...] | None = None,
    ) -> Source:
        """Source `n` of a stored answer, rebuilt from the index: KeyError when the chunk is gone,
        ValueError when the excerpt no longer fits it."""
        return self.excerpter.source(n, self.searcher.chunk(chunk_id), start, end, score, respondents)

    def listing(self, filters: Filters, k: int | None = None) -> list[Source]:
        """The chunks that pass `filters` as Sources, quotes and answers first (each in document
        order), at most `k` (None: all). What an empty search lists and an export of filters holds."""
        chunks = self._filtered(filters)
        chunks.sort(key=lambda c: (c.kind not in SPEECH,))
        return [self.excerpter.source(n, c) for n, c in enumerate(chunks[:k] if k else chunks, 1)]

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

    def kinds(self) -> list[ChunkKind]:
        present = {c.kind for c in self.searcher.chunks}
        return [k for k in KIND_LABELS if k in present]

    # ------------------------------------------------------------------ searching

    def query(self, text: str, filters: Filters | None = None, search_text: str | None = None) -> Query:
        """The question understood once, by the current searcher's settings (index/query.py `Query`)."""
        return self.searcher.query(text, filters, search_text)

    def _search(self, query: str | Query, k: int, filters: Filters | None = None) -> list[Hit]:
        # No lock: Searcher.search only reads (FAISS, bm25s and the embedder are safe to share).
        return self.searcher.search(query, k=k, filters=None if isinstance(query, Query) else filters)

    def _filtered(self, filters: Filters) -> list[Chunk]:
        chunks = self.searcher.chunks
        rows = self.searcher.allowed_rows(filters)
        return list(chunks) if rows is None else [chunks[int(n)] for n in rows]

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Source]:
        """The "Zoek citaten" table: one Source per hit, best first. An empty query lists the
        chunks that pass the filters (quotes first) in document order."""
        filters = filters or Filters()
        k = k or self.config.search_k
        query, _ = clean_question(query, self.config.max_question_chars)
        if not query:
            return [] if filters.is_empty() else self.listing(filters, k)
        understood = self.query(query, filters)
        hits = self._search(understood, k)
        codes = understood.respondents
        return self.excerpter.units(hits, query, filters, codes, k, cutoff=False, skip_non_evidence=False)

    def respondent_quotes(self, code: str) -> list[Source]:
        """Every quote (or interview turn) of one respondent in document order, with section and page."""
        chunks = [c for c in self._filtered(Filters(respondents=(code,))) if c.kind in SPEECH]
        return [self.excerpter.source(n, c) for n, c in enumerate(chunks, 1)]

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
        """(previous question, current topic) of a conversation (see `question.replay`)."""
        return replay(history, self.config.max_question_chars, self.config.followup_max_content_words)

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
        new_topic = followup_topic(q, topic) if followup else " ".join(content_words(q))
        understood = self.query(q, filters, query)
        codes = understood.respondents
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
            yield replace(base, text=with_notes(text, notes), lead=text, mode="message")
            return

        yield "Zoeken in de interviews…"
        hits = self._search(understood, cfg.evidence_k)
        if not hits:
            text = (
                "Geen enkele passage voldoet aan de gekozen filters. Maak de filters ruimer of kies een "
                "andere respondent."
            )
            yield replace(base, text=with_notes(text, notes), lead=text, mode="message", no_evidence=True)
            return
        baseline = self.searcher.baseline(understood) if cfg.evidence.use_model else None
        judged = judge_evidence(hits, cfg.evidence, self.searcher.embedder_name, q, self.terms, baseline)
        scores = {
            "dense_top": judged.dense_top,
            "bm25_top": judged.bm25_top,
            "dense_min": judged.dense_min,
            "known": judged.known,
            "baseline": judged.baseline,
            "model_score": judged.model_score,
        }
        if not judged.relevant:
            nearest = self.excerpter.units(hits, query, filters, codes, cfg.min_units, cutoff=False)
            lead = "De interviews zeggen hier niets over: ik vind geen passages die over deze vraag gaan."
            nearest_text = "**Geen antwoord.** Dit zijn de passages die er het dichtst bij komen:"
            text = f"{lead}\n\n{nearest_text}\n\n{bullets(nearest)}"
            yield replace(
                base,
                text=with_notes(text, notes),
                lead=lead,
                sources=tuple(nearest),
                no_evidence=True,
                verified=False,
                mode="no_evidence",
                scores=scores,
            )
            return

        if self.llm is not None:
            # the model reads whole units (a quote, a passage's best sentences, a table row)
            units = self.excerpter.units(hits, query, filters, codes, cfg.max_units, cutoff=True)
            evidence = self.excerpter.evidence_for(units)
            previous_q = previous if followup else None
            yield from generated_answer(self.llm, q, previous_q, units, evidence, base, scores)
            return
        composition = self.excerpter.compose(hits, understood, self.scorer)
        yield from extractive_answer(composition, base, scores)


__all__ = ["Answerer", "SearcherLike"]
