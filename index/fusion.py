"""Reciprocal rank fusion and duplicate collapsing as named pure functions.

Keys are whatever identifies a candidate (row numbers in the searcher, strings in tests); every
function returns a new mapping or list and leaves its inputs alone. `is_duplicate` is the one
rule for "these two chunks say the same thing": the searcher collapses hits by it and the
evaluation (eval/dataset.py) merges relevant chunks into evidence units by it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol, TypeVar

import numpy as np

from citaat.ingest.text import squash_spaces

from .config import Mode
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


@dataclass(frozen=True)
class Pool:
    """The fused candidates of one query (`Searcher.candidates`): row -> fused score, what each
    retriever returned (rows best first, dense cosines), the query vector and BM25 scores, and
    whether the retrievers ran dry (looking deeper cannot add any) or how many rows pass the filters."""

    mode: Mode
    fused: dict[int, float]
    dense_rows: list[int]
    dense: dict[int, float]
    lexical_rows: list[int]
    qvec: np.ndarray | None
    bm25_all: np.ndarray | None
    exhausted: bool
    available: int


def top_positive(scores: np.ndarray, allowed: np.ndarray | None, depth: int) -> tuple[list[int], dict[int, float]]:
    """The `depth` best rows with a positive score (BM25: rows sharing a term with the query), best
    first, among `allowed` rows if given, and their scores."""
    if allowed is not None:
        sub = scores[allowed]
        rows = allowed
    else:
        sub = scores
        rows = np.arange(len(scores))
    positive = np.flatnonzero(sub > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-sub[positive], depth - 1)[:depth]]
    order = positive[np.argsort(-sub[positive], kind="stable")]
    top = rows[order].tolist()
    return top, {n: float(scores[n]) for n in top}


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
