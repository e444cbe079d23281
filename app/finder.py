"""The "Zoek citaten" tab as a service: one page of results at a time, for a search or a claim.

    finder = QuoteFinder(answerer)
    first = finder.page("vertrouwen tussen gemeenten", Filters())             # results 1..30
    more = finder.page("vertrouwen tussen gemeenten", Filters(), first.next_offset)

A page is a slice of one result list that does not depend on the page size (index/paging.py), so
"Meer resultaten" continues exactly where the table stopped. With `claim=True` the text is a
researcher's claim: index/claims.py searches it sentence by sentence, and the page says which
claim sentences each source supports and which claim words occur in no quote. Sources are made
the way the chat makes them (app/extractive.py): a passage with a quote inside that matches better
is shown as that quote. Plain Python, no Gradio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from citaat.index.bm25 import tokenize
from citaat.index.claims import ClaimSearch
from citaat.index.paging import RankingCache, page
from citaat.index.search import Filters, Hit
from citaat.ingest.model import Chunk
from citaat.ingest.respondents import parse_respondents

from .question import clean_question
from .records import Source
from .service import Answerer


@dataclass(frozen=True)
class FoundPage:
    """One page of the table. `sources` are numbered on from `first_n`; `supports[i]` holds the
    1-based claim sentences source i supports (empty outside claim search); `next_offset` is the
    offset of the next page in the result list (not the number of sources: duplicate excerpts are
    skipped); `notice` is the claim-wording notice (or None)."""

    sources: tuple[Source, ...]
    supports: tuple[tuple[int, ...], ...]
    sentences: tuple[str, ...]
    next_offset: int
    has_more: bool
    notice: str | None = None


class _LockedSearcher:
    """The answerer's searcher, searched under the answerer's lock (the claim search's SearcherLike)."""

    def __init__(self, answerer: Answerer) -> None:
        self._answerer = answerer

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return tuple(self._answerer.chunks)

    @property
    def config(self) -> Any:
        return self._answerer.search_config

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        return self._answerer.hits(query, k or 10, filters)


class QuoteFinder:
    """Pages of search and claim results over one answerer. Thread-safe like the answerer."""

    def __init__(self, answerer: Answerer, page_size: int | None = None) -> None:
        self.answerer = answerer
        self.page_size = page_size or answerer.config.search_k
        self._index: object = None
        self._claims = ClaimSearch(_LockedSearcher(answerer))
        self._rankings: RankingCache[list[Hit]] = RankingCache()  # "Meer resultaten" reuses page one's ranking

    def _fresh(self) -> None:
        """Forget cached rankings and the quote vocabulary when the answerer has a new index."""
        if self._index is not self.answerer.index:
            self._index = self.answerer.index
            self._claims = ClaimSearch(_LockedSearcher(self.answerer))
            self._rankings = RankingCache()

    def page(self, text: str, filters: Filters | None = None, offset: int = 0, claim: bool = False,
             first_n: int = 1, report_text: bool = False) -> FoundPage:
        """One page of results. claim: search `text` as a claim (interview evidence only, or with
        `report_text` also the report's own text, never its apparatus)."""
        filters = filters or Filters()
        k = self.page_size
        self._fresh()
        if claim and (text or "").strip():
            return self._claim_page(text, filters, offset, first_n, report_text)
        query, _ = clean_question(text or "", self.answerer.config.max_question_chars)
        if not query:  # the chunks that pass the filters, in document order: a plain slice
            listed = self.answerer.search("", filters, k=offset + k + 1)
            sources = _numbered(listed[offset : offset + k], first_n)
            return FoundPage(sources, ((),) * len(sources), (), offset + k, len(listed) > offset + k)
        _, codes = parse_respondents(query)
        codes = filters.respondents or codes
        base = self.answerer.paging_base()

        def ranking(n: int) -> list[Hit]:
            return self._rankings.get((query, n, filters), lambda: self.answerer.hits(query, n, filters))

        found = page(ranking, k, offset, base)
        units = self.answerer.excerpter.units(
            found.hits, query, filters, codes, len(found.hits), cutoff=False, skip_non_evidence=False
        )
        sources = _numbered(units, first_n)
        return FoundPage(sources, ((),) * len(sources), (), offset + k, found.has_more)

    def _claim_page(self, claim: str, filters: Filters, offset: int, first_n: int, report_text: bool) -> FoundPage:
        k = self.page_size
        result = self._claims.search(claim, k=k, offset=offset, filters=filters, report_text=report_text)
        sources: list[Source] = []
        supports: list[tuple[int, ...]] = []
        for ch in result.hits:
            terms = {t for i in ch.supports for t in tokenize(result.sentences[i])}
            unit = self.answerer.excerpter.unit(first_n + len(sources), ch.hit, terms, filters, filters.respondents)
            if unit is None or any(unit.text in s.text or s.text in unit.text for s in sources):
                continue
            sources.append(unit)
            supports.append(tuple(i + 1 for i in ch.supports))
        return FoundPage(
            tuple(sources), tuple(supports), result.sentences, offset + k, result.has_more, result.notice
        )


def _numbered(sources: Sequence[Source], first_n: int) -> tuple[Source, ...]:
    return tuple(replace(s, n=first_n + i) for i, s in enumerate(sources))


def claim_markdown(sentences: Sequence[str], sources: Sequence[Source], supports: Sequence[tuple[int, ...]],
                   notice: str | None = None) -> str:
    """The claim panel: the notice, then each claim sentence with the shown results found for it."""
    if not sentences:
        return ""
    lines = [f"> ⚠ {notice}", ""] if notice else []
    lines += ["**Je bewering, zin voor zin**", ""]
    for i, sentence in enumerate(sentences, 1):
        numbers = [str(s.n) for s, sup in zip(sources, supports, strict=True) if i in sup]
        found = f"gevonden: resultaat {', '.join(numbers)}" if numbers else "nog geen resultaat voor deze zin getoond"
        lines.append(f"{i}. {sentence} — *{found}*")
    return "\n".join(lines)


__all__ = ["FoundPage", "QuoteFinder", "claim_markdown"]
