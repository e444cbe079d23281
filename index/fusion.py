"""Rank fusion and duplicate collapsing as named pure functions.

Keys are whatever identifies a candidate (row numbers in the searcher, strings in tests); every
function returns a new mapping or list and leaves its inputs alone. `is_duplicate` is the one
rule for "these two chunks say the same thing": the searcher collapses hits by it and the
evaluation (eval/dataset.py) merges relevant chunks into evidence units by it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Protocol, TypeVar

from citaat.ingest.text import squash_spaces

from .config import Normalization
from .records import Hit

K = TypeVar("K", bound=Hashable)


def rrf(ranked_lists: Sequence[Sequence[K]], k: int = 60, weights: Sequence[float] | None = None) -> dict[K, float]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), ranks 1-based.

    Source: Cormack, Clarke & Büttcher (SIGIR 2009), k=60; items absent from a list add nothing.
    """
    weights = weights if weights is not None else [1.0] * len(ranked_lists)
    if len(weights) != len(ranked_lists):
        raise ValueError("one weight per ranked list")
    fused: dict[K, float] = {}
    for ranked, w in zip(ranked_lists, weights, strict=True):
        for rank, key in enumerate(ranked, 1):
            fused[key] = fused.get(key, 0.0) + w / (k + rank)
    return fused


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Scale to [0, 1] by (s - min) / (max - min); all-equal scores become 1.0.

    Source: the "MinMax" normalisation of Lee (1997) / Bruch et al., "An Analysis of Fusion
    Functions for Hybrid Retrieval" (TOIS 2023), which found it robust for lexical+dense.
    """
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {key: (s - lo) / (hi - lo) for key, s in scores.items()}


def zscore(scores: Mapping[K, float]) -> dict[K, float]:
    """Standardise to (s - mean) / std over the candidates; zero spread gives 0.0.

    Source: the "z-score" normalisation of Montague & Aslam (CIKM 2001) for metasearch.
    """
    if not scores:
        return {}
    vals = list(scores.values())
    mean = sum(vals) / len(vals)
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
    if std <= 1e-12:
        return dict.fromkeys(scores, 0.0)
    return {key: (s - mean) / std for key, s in scores.items()}


def weighted(
    score_maps: Sequence[Mapping[K, float]],
    weights: Sequence[float],
    normalization: Normalization = "minmax",
) -> dict[K, float]:
    """Convex-combination fusion: score(d) = sum_i w_i * norm_i(s_i(d)); missing items count as the
    list's minimum after normalisation (0 for min-max).

    Source: Fox & Shaw's CombSUM (TREC-2, 1994) with per-list normalisation (Bruch et al. 2023).
    """
    if len(weights) != len(score_maps):
        raise ValueError("one weight per score map")
    norm = {"minmax": minmax, "zscore": zscore}[normalization]
    normed = [norm(m) for m in score_maps]
    floors = [min(n.values(), default=0.0) for n in normed]
    keys: dict[K, None] = {}
    for m in score_maps:
        keys.update(dict.fromkeys(m))
    return {
        key: sum(w * n.get(key, floor) for n, w, floor in zip(normed, weights, floors, strict=True)) for key in keys
    }


def ranked(scores: Mapping[K, float]) -> list[K]:
    """Keys by descending score; ties keep insertion order (Python's sort is stable)."""
    return sorted(scores, key=lambda key: -scores[key])


# Shorter texts ("Ja.", a bare heading) are too common to call a containment a duplicate.
MIN_CONTAINED_CHARS = 30


class Span(Protocol):
    """What the duplicate rule reads of a chunk (a `Chunk` and a `Hit` both fit)."""

    @property
    def id(self) -> str: ...
    @property
    def doc(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def parent(self) -> str | None: ...


@lru_cache(maxsize=8192)
def _norm_text(text: str) -> str:
    return squash_spaces(text).casefold()


# What the duplicate rule reads of a chunk, read once per chunk: (id, parent, doc, start, end,
# normalised text). Comparing these tuples instead of the objects' properties keeps collapsing the
# ~30 hits of a search cheap (it compares each hit with every kept one).
_Key = tuple[str, str | None, str, int, int, str]


def _key(span: Span) -> _Key:
    return (span.id, span.parent, span.doc, span.start, span.end, _norm_text(span.text))


def is_duplicate(a: Span, b: Span) -> bool:
    """True when one chunk is the other's parent, lies inside it (same document), or repeats its
    text (whitespace- and case-insensitive, at least MIN_CONTAINED_CHARS long)."""
    return _duplicates(_key(a), _key(b))


def _duplicates(a: _Key, b: _Key) -> bool:
    """`is_duplicate` on the keys of two chunks."""
    a_id, a_parent, a_doc, a_start, a_end, ta = a
    b_id, b_parent, b_doc, b_start, b_end, tb = b
    if a_parent == b_id or b_parent == a_id:
        return True
    if a_doc != b_doc:
        return False
    if (a_start >= b_start and a_end <= b_end) or (b_start >= a_start and b_end <= a_end):
        return True
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return len(short) >= MIN_CONTAINED_CHARS and short in long


def collapse_duplicates(hits: Iterable[Hit], limit: int | None = None) -> list[Hit]:
    """Keep the better-ranked of a quote and the passage that contains it (parent link, span or
    text containment); the dropped hit's id (and what it had absorbed) goes to `collapsed` of the
    kept one. Input order is rank order; output is re-ranked 1..n. With `limit`, stops reading
    `hits` (which may be a lazy iterator) once that many hits are kept.
    """
    kept: list[Hit] = []
    keys: list[_Key] = []
    for hit in hits:
        if limit is not None and len(kept) >= limit:
            break
        key = _key(hit)
        for i, prev in enumerate(keys):
            if _duplicates(prev, key):
                kept[i] = replace(kept[i], collapsed=(*kept[i].collapsed, hit.id, *hit.collapsed))
                break
        else:
            kept.append(hit)
            keys.append(key)
    return [replace(h, rank=i) for i, h in enumerate(kept, 1)]
