"""Claim search: a researcher's own sentence or paragraph in, the quotes that support it out.

    claims = ClaimSearch(Searcher.open("data"))
    result = claims.search("Gemeenten die elkaar vertrouwen werken beter samen. …", k=10, offset=0)
    for ch in result.hits:            # ClaimHit: the Hit, its rank per claim sentence, what it supports
        ...
    result.wording.absent_words       # claim words that occur in no quote (see `wording`)

How: the claim is cut into sentences (ingest/sentences.py; a semicolon between clauses cuts too).
Each sentence is searched with the searcher's own search (hybrid by default), and the per-sentence rankings are
fused by reciprocal rank fusion (index/fusion.py) into one list, so a chunk that several sentences
find rises. Duplicates (a quote and the passage around it) collapse by the one rule of
index/fusion.py, and pages past the first come from index/paging.py, so page two continues page
one exactly. Every result records its rank in each sentence's ranking and the sentences it was
found for (`supports`). A ranking among quotes and interview turns only can be added
(`ClaimConfig.speech_weight`); it lost on the eval's claim items (see `ClaimConfig`), so quotes are
preferred where they are shown: the web page shows a passage as the quote inside it when that matches
the claim sentence best (app/extractive.py), and a kind filter restricts the search itself.

`wording` tells which of the claim's content words occur in no quote (the notice "the claim's
own wording does not occur in the interviews"): a researcher's paraphrase is then found on
meaning only, and the notice names the words.

A pure service over a `Searcher`: the CLI, the web page and an HTTP API share it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol

from citaat.ingest.apparatus import apparatus_kind, mark_apparatus
from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Chunk
from citaat.ingest.sentences import sentence_spans
from citaat.ingest.text import squash_spaces

from .bm25 import tokenize
from .fusion import collapse_duplicates, ranked, rrf
from .paging import Page, RankingCache, page, searcher_base
from .records import Filters, Hit

SPEECH_KINDS = ("quote", "turn")
# Every sentence is a search (an embedding): a paragraph, not a whole chapter.
MAX_SENTENCES = 20
# A result supports a claim sentence when that sentence's ranking has it this high (its best
# sentence always counts): deeper in a ranking a chunk is a neighbour, not support.
SUPPORT_RANK = 10
# Claim sentences are searched among all chunks this many times deeper than the result list when
# passages are read as the quotes inside them (a passage without a quote drops out).
PASSAGE_DEPTH = 2
_CLAUSE_RE = re.compile(r"(?<=\w);\s+")
_WORD_RE = re.compile(r"\w[\w'’-]*\w|\w")


class SearcherLike(Protocol):
    """What claim search needs of index.search.Searcher."""

    @property
    def chunks(self) -> tuple[Chunk, ...]: ...

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]: ...


@dataclass(frozen=True)
class ClaimConfig:
    """How claim search ranks.

    Interview evidence (the default): per claim sentence a ranking of quotes and transcript turns.
    passage_weight: the sentence searched among all chunks, each passage replaced by the quotes and
    turns inside it (a passage has the context that finds the short quote inside it; tables and
    passages without speech drop out), filled up at the end with what a search among quotes and
    turns alone finds. speech_weight: that search among quotes and turns as a ranking of its own
    (0 = only the fill). With report text ("ook rapporttekst"): all_weight, the
    sentence searched among all chunks, the publication's apparatus left out (ingest/apparatus.py).
    whole_weight: the same rankings for the whole claim searched as one text (claims of several
    sentences only; 0 = not searched). rrf_k: the RRF constant over all rankings.

    Defaults chosen on the dev claim items of the eval set (docs/lab/2026-11-30-claim-search.md;
    `python -m lab.claims`).
    """

    speech_weight: float = 0.0
    passage_weight: float = 1.0
    all_weight: float = 1.0
    whole_weight: float = 0.0
    rrf_k: int = 60

    def __post_init__(self) -> None:
        weights = (self.speech_weight, self.passage_weight, self.all_weight, self.whole_weight)
        if min(weights) < 0 or self.passage_weight <= 0 or self.all_weight <= 0:
            raise ConfigError("de gewichten van claimzoeken moeten niet-negatief zijn en niet allebei 0")
        if self.rrf_k < 1:
            raise ConfigError("rrf_k van claimzoeken moet minstens 1 zijn")


@dataclass(frozen=True)
class ClaimHit:
    """One result: the hit (rank = place in the whole result list, score = fused score), its rank
    in each claim sentence's ranking (None: not among that sentence's results) and the claim
    sentences it supports (0-based, best first)."""

    hit: Hit
    sentence_ranks: tuple[int | None, ...]
    supports: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.hit.to_dict(),
            "rank": self.hit.rank,
            "supports": [i + 1 for i in self.supports],
            "sentence_ranks": list(self.sentence_ranks),
        }


@dataclass(frozen=True)
class Wording:
    """Which content words of the claim occur in no speech chunk. Words are compared as BM25 terms
    (index/bm25.py), so a form with the same stem counts ("vertrouwt" meets "vertrouwen"; the
    Snowball stemmer does not join every form: "groeide" misses "gegroeid"). `scope` names what
    was searched (singular, plural)."""

    content_words: tuple[str, ...]
    absent_words: tuple[str, ...]
    scope: tuple[str, str] = ("citaat", "citaten")  # singular, plural

    @property
    def notice(self) -> str | None:
        """A Dutch notice when claim words occur nowhere in the interviews; None when all occur."""
        if not self.absent_words:
            return None
        words = ", ".join(f"‘{w}’" for w in self.absent_words)
        if len(self.absent_words) == len(self.content_words):
            return (
                f"De bewoording van je bewering komt niet voor in de {self.scope[1]}: geen van de woorden {words} "
                "staat erin. De resultaten zijn op betekenis gevonden, niet op woorden."
            )
        one = len(self.absent_words) == 1
        return (
            f"{'Het woord' if one else 'De woorden'} {words} uit je bewering {'komt' if one else 'komen'} in "
            f"geen enkel {self.scope[0]} voor; voor dat deel zijn de resultaten "
            "op betekenis gevonden."
        )


@dataclass(frozen=True)
class ClaimResult:
    """One page of claim search."""

    claim: str
    sentences: tuple[str, ...]
    hits: tuple[ClaimHit, ...]
    offset: int
    has_more: bool
    wording: Wording = field(default_factory=lambda: Wording((), ()))
    report_text: bool = False  # searched with report text ("ook rapporttekst"), not interview evidence only

    @property
    def notice(self) -> str | None:
        return self.wording.notice

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of `citaat search --claim --json`."""
        return {
            "claim": self.claim,
            "sentences": list(self.sentences),
            "offset": self.offset,
            "has_more": self.has_more,
            "report_text": self.report_text,
            "absent_words": list(self.wording.absent_words),
            "notice": self.notice,
            "hits": [h.to_dict() for h in self.hits],
        }


def claim_sentences(claim: str) -> list[str]:
    """The claim's sentences (ingest/sentences.py), whitespace squashed. A semicolon between two
    clauses of a claim also cuts ("… werken beter samen; zonder vertrouwen strandt …"): each clause
    is a statement of its own that a quote can support."""
    text = squash_spaces(claim).strip()
    out: list[str] = []
    for s, e in sentence_spans(text):
        out.extend(part.strip() for part in _CLAUSE_RE.split(text[s:e]) if part.strip())
    return out


def content_words(text: str) -> list[str]:
    """Distinct words of `text` that carry a BM25 term (stopwords and one-letter words drop out),
    in order of appearance, as written."""
    seen: dict[str, str] = {}
    for word in _WORD_RE.findall(text):
        terms = tokenize(word)
        if terms and word.casefold() not in seen:
            seen[word.casefold()] = word
    return list(seen.values())


class ClaimSearch:
    """Claim search over one searcher. Cheap to make; the speech vocabulary is built on first use."""

    def __init__(self, searcher: SearcherLike, config: ClaimConfig | None = None) -> None:
        self.searcher = searcher
        self.config = config or ClaimConfig()
        # the next page reuses the segments this one ranked
        self._rankings: RankingCache[tuple[list[Hit], list[tuple[int | None, ...]]]] = RankingCache()

    @cached_property
    def _speech(self) -> tuple[tuple[str, ...], tuple[str, str]]:
        """(speech kinds present in the index, the Dutch name of what they are)."""
        present = {c.kind for c in self.searcher.chunks}
        kinds = tuple(k for k in SPEECH_KINDS if k in present)
        return kinds, ("citaat", "citaten") if kinds else ("tekst", "teksten")

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        """BM25 terms of every speech chunk (of every chunk when the index holds no speech)."""
        kinds = self._speech[0]
        terms: set[str] = set()
        for chunk in self.searcher.chunks:
            if not kinds or chunk.kind in kinds:
                terms.update(tokenize(chunk.text))
        return frozenset(terms)

    @cached_property
    def _apparatus(self) -> frozenset[str]:
        """Ids of the publication's apparatus (title page, colophon, footnotes, …; ingest/apparatus.py):
        never shown. Marked per document here too, so an index ingested before the mark existed agrees."""
        by_doc: dict[str, list[Chunk]] = {}
        for c in self.searcher.chunks:
            by_doc.setdefault(c.doc, []).append(c)
        return frozenset(c.id for chunks in by_doc.values() for c in mark_apparatus(chunks) if apparatus_kind(c))

    @cached_property
    def _inside(self) -> dict[str, tuple[Chunk, ...]]:
        """Passage id -> the quotes and turns inside it (same document, span within), in text order."""
        speech: dict[str, list[Chunk]] = {}
        for c in self.searcher.chunks:
            if c.kind in SPEECH_KINDS:
                speech.setdefault(c.doc, []).append(c)
        out: dict[str, tuple[Chunk, ...]] = {}
        for c in self.searcher.chunks:
            if c.kind == "passage":
                inner = [q for q in speech.get(c.doc, ()) if q.parent == c.id or c.start <= q.start < q.end <= c.end]
                if inner:
                    out[c.id] = tuple(sorted(inner, key=lambda q: q.start))
        return out

    def warm(self) -> None:
        """Build what the first search would (the quote vocabulary, the apparatus, passage -> quotes)."""
        _ = self._vocabulary, self._apparatus, self._inside

    def wording(self, claim: str) -> Wording:
        """Which content words of the claim occur in no quote or interview turn."""
        words = content_words(claim)
        vocabulary = self._vocabulary
        absent = tuple(w for w in words if not all(t in vocabulary for t in tokenize(w)))
        return Wording(tuple(words), absent, self._speech[1])

    def search(
        self, claim: str, k: int = 10, offset: int = 0, filters: Filters | None = None, report_text: bool = False
    ) -> ClaimResult:
        """Results `offset + 1 .. offset + k` for a claim (module docstring): quotes and interview
        turns only, or with `report_text` also the report's own text (never its apparatus). An
        explicit kind filter searches that kind alone."""
        if k < 1 or offset < 0:
            raise ConfigError("k moet minstens 1 zijn en de offset minstens 0")
        sentences = claim_sentences(claim)
        if not sentences:
            raise ConfigError("de bewering is leeg", "plak een zin of alinea uit je eigen analyse")
        if len(sentences) > MAX_SENTENCES:
            raise ConfigError(
                f"de bewering heeft {len(sentences)} zinnen; claimzoeken neemt er hoogstens {MAX_SENTENCES}",
                "zoek per alinea",
            )
        filters = filters or Filters()
        speech_only = not report_text and not filters.kind and bool(self._speech[0])
        rankings_by_n: dict[int, tuple[list[Hit], list[tuple[int | None, ...]]]] = {}

        def ranking(n: int) -> list[Hit]:
            rankings_by_n[n] = self._rankings.get(
                (tuple(sentences), n, filters, speech_only), lambda: self._fused(sentences, n, filters, speech_only)
            )
            return rankings_by_n[n][0]

        result: Page = page(ranking, k, offset, searcher_base(self.searcher))
        # Each hit's per-sentence ranks, from the deepest ranking that placed it.
        ranks: dict[str, tuple[int | None, ...]] = {}
        for n in sorted(rankings_by_n, reverse=True):
            for hit, sentence_ranks in zip(*rankings_by_n[n], strict=True):
                ranks.setdefault(hit.id, sentence_ranks)
        hits = tuple(
            ClaimHit(hit, ranks[hit.id], _supports(ranks[hit.id])) for hit in result.hits
        )
        return ClaimResult(
            claim, tuple(sentences), hits, offset, result.has_more, self.wording(claim), report_text=not speech_only
        )

    def _sentence_rankings(
        self, text: str, n: int, filters: Filters, speech_only: bool
    ) -> list[tuple[list[Hit], float]]:
        """The weighted rankings of one text (a claim sentence or the whole claim)."""
        cfg = self.config
        if not speech_only:
            hits = [h for h in self.searcher.search(text, n, filters) if h.id not in self._apparatus]
            return [(hits, cfg.all_weight)]
        speech = [
            h
            for kind in self._speech[0]
            for h in self.searcher.search(text, n, replace(filters, kind=kind))
            if h.id not in self._apparatus
        ]
        speech.sort(key=lambda h: -h.score)  # several speech kinds: one list by fused score
        out: list[tuple[list[Hit], float]] = []
        if cfg.speech_weight > 0:
            out.append((speech[:n], cfg.speech_weight))
        # a passage may hold no quote: look deeper, and fill up with what the speech search found
        inside = [] if filters.attributes else self._speech_inside(  # a quote inside may lack the attribute
            text, self.searcher.search(text, PASSAGE_DEPTH * n, filters), filters
        )
        ids = {h.id for h in inside}
        filled = [*inside, *(h for h in speech if h.id not in ids)][:n]
        out.append(([replace(h, rank=r) for r, h in enumerate(filled, 1)], cfg.passage_weight))
        return out

    def _speech_inside(self, text: str, hits: Sequence[Hit], filters: Filters) -> list[Hit]:
        """A ranking of all chunks as a ranking of speech: a quote or turn stays, a passage becomes
        the quotes and turns inside it (those sharing most terms with `text` first), anything else
        drops out. Each id once, at its first place."""
        terms = set(tokenize(text))
        seen: set[str] = set()
        out: list[Hit] = []
        for hit in hits:
            if hit.kind in SPEECH_KINDS:
                inner: Sequence[Chunk] = (hit.chunk,)
            else:
                inner = sorted(self._inside.get(hit.id, ()), key=lambda q: -len(terms & set(tokenize(q.text))))
            for chunk in inner:
                if chunk.id in seen or chunk.id in self._apparatus:
                    continue
                if filters.respondents and not set(chunk.respondents) & set(filters.respondents):
                    continue
                seen.add(chunk.id)
                out.append(replace(hit, chunk=chunk, rank=len(out) + 1, collapsed=()))
        return out

    def _fused(
        self, sentences: Sequence[str], n: int, filters: Filters, speech_only: bool
    ) -> tuple[list[Hit], list[tuple[int | None, ...]]]:
        """The n best hits over all sentence rankings (each searched n deep), duplicates collapsed,
        with each kept hit's rank per sentence (its own or that of a duplicate folded into it)."""
        cfg = self.config
        lists: list[list[Hit]] = []
        weights: list[float] = []
        owner: list[int] = []  # the sentence of each ranking
        texts = [(i, sentence, 1.0) for i, sentence in enumerate(sentences)]
        if len(sentences) > 1 and cfg.whole_weight > 0:
            texts.append((-1, " ".join(sentences), cfg.whole_weight))
        for i, text, scale in texts:
            for lst, weight in self._sentence_rankings(text, n, filters, speech_only):
                lists.append(lst)
                weights.append(scale * weight)
                owner.append(i)
        best: dict[str, Hit] = {}
        sentence_rank: dict[str, list[int | None]] = {}
        for lst, i in zip(lists, owner, strict=True):
            for hit in lst:
                best.setdefault(hit.id, hit)
                per = sentence_rank.setdefault(hit.id, [None] * len(sentences))
                if i >= 0:  # the whole claim's rankings add score, not a sentence rank
                    per[i] = min(hit.rank, per[i] or hit.rank)
        fused = rrf([[h.id for h in lst] for lst in lists], k=cfg.rrf_k, weights=weights)
        order = (replace(best[key], score=fused[key]) for key in ranked(fused))
        kept = collapse_duplicates(order, limit=n)
        out_ranks: list[tuple[int | None, ...]] = []
        for hit in kept:
            merged = list(sentence_rank[hit.id])
            for other in hit.collapsed:
                for j, r in enumerate(sentence_rank.get(other, ())):
                    if r is not None:
                        merged[j] = min(r, merged[j] or r)
            out_ranks.append(tuple(merged))
        return kept, out_ranks


def _supports(sentence_ranks: Sequence[int | None]) -> tuple[int, ...]:
    """Sentences whose ranking has the hit within SUPPORT_RANK, best first; else its best one."""
    found = [(r, i) for i, r in enumerate(sentence_ranks) if r is not None]
    if not found:
        return ()
    close = sorted((r, i) for r, i in found if r <= SUPPORT_RANK) or [min(found)]
    return tuple(i for _, i in close)


__all__ = [
    "ClaimConfig",
    "ClaimHit",
    "ClaimResult",
    "ClaimSearch",
    "Wording",
    "claim_sentences",
    "content_words",
]
