"""Result pages past the first: one deterministic result list, cut into pages.

A searcher's ranking depends a little on how deep it looks: `Searcher.search(q, k)` looks
`max(candidates, 3 * k)` rows deep in each retriever before fusing, so the hits ranked 31..60 by
`search(q, k=60)` need not follow the 30 hits that `search(q, k=30)` shows (an item both
retrievers rank around 100 enters the deeper fusion and can move up). Slicing `search(q,
k=offset+k)[offset:]` can therefore repeat a hit of an earlier page or skip one.

`page` builds the one list every page is a slice of, in segments: segment s fills the list up to
`base * 2**s` results from the ranking that looks that deep, skipping every hit already placed by
an earlier segment (and every duplicate of one, the rule of index/fusion.py). The list does not
depend on the page size or the offset, so consecutive pages never overlap and never skip a hit.
With base = candidates // 3, segment 0 is exactly what a plain search with k <= base returns, so
page one is the plain search (should the searcher's depth rule change, only this last property
depends on it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from .config import SearchConfig
from .fusion import collapse_duplicates, is_duplicate
from .records import Hit

V = TypeVar("V")
# A ranking that returns (up to) n hits, best first, deterministic for a given n.
Ranking = Callable[[int], Sequence[Hit]]


@dataclass(frozen=True)
class Page:
    """Hits `offset + 1 .. offset + len(hits)` of the result list (their `rank`s say so) and
    whether the list goes on after them."""

    hits: tuple[Hit, ...]
    offset: int
    has_more: bool


def segment_base(candidates: int) -> int:
    """The size of the first segment: the largest k for which a search still looks `candidates`
    deep (see `Searcher.search`), so that segment is the plain search."""
    return max(1, candidates // 3)


class RankingCache(Generic[V]):
    """The last `size` rankings by key (query, depth, filters …), so the next page does not search
    again for the segments the previous page already ranked. Thread-safe; for one opened index."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value for `key`, or `make()` (computed outside the lock) remembered under it."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def searcher_base(searcher: Any) -> int:
    """`segment_base` for a searcher's own candidate depth (the default config's when it has none)."""
    config = getattr(searcher, "config", None)
    return segment_base(getattr(config, "candidates", SearchConfig().candidates))


def same_result(a: Hit, b: Hit) -> bool:
    """The same chunk, one folded into the other, or duplicates by index/fusion.py's rule."""
    return a.id == b.id or a.id in b.collapsed or b.id in a.collapsed or is_duplicate(a, b)


def page(ranking: Ranking, k: int, offset: int = 0, base: int = 33) -> Page:
    """Results `offset + 1 .. offset + k` of the segmented result list (module docstring) built
    from `ranking(n)` for n = base, 2 * base, 4 * base, … as deep as the page needs."""
    if k < 1 or offset < 0:
        raise ValueError("k must be at least 1 and offset at least 0")
    need = offset + k + 1  # one more than the page: tells whether another page exists
    placed: list[Hit] = []
    n = max(1, base)
    while True:
        ranked = ranking(n)
        known = {cid for h in placed for cid in (h.id, *h.collapsed)}
        fresh = [h for h in ranked if h.id not in known]
        # The placed hits go first and are distinct, so they all stay; fresh ones fill up to the
        # segment's size, and a fresh duplicate of a placed hit folds into it (index/fusion.py).
        placed = collapse_duplicates([*placed, *fresh], limit=min(n, need))
        if len(placed) >= need or len(ranked) < n:
            break  # the page is full, or the ranking ran dry: nothing deeper exists
        n *= 2
    hits = tuple(replace(h, rank=offset + i) for i, h in enumerate(placed[offset : offset + k], 1))
    return Page(hits, offset, len(placed) > offset + k)


__all__ = ["Page", "Ranking", "RankingCache", "page", "same_result", "searcher_base", "segment_base"]
