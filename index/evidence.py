"""Did retrieval find anything relevant? One rule, shared by the chat (which then says the
interviews say nothing about the question instead of answering) and the evaluation (which
measures how well the rule separates answerable from off-topic questions).

The rule reads more than one score (see `judge_evidence`): the best dense cosine, how much of the
question the corpus knows at all (`TermStats.known_share`), and the best BM25 score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .bm25 import tokenize
from .config import EvidenceConfig
from .language import is_english


class Scored(Protocol):
    """What the rule reads of a hit: its raw retriever scores (None when not computed)."""

    @property
    def dense_score(self) -> float | None: ...

    @property
    def bm25_score(self) -> float | None: ...


class HasText(Protocol):
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class TermStats:
    """Document frequencies of the BM25 terms (index/bm25.py `tokenize`) over one corpus."""

    n_docs: int
    df: dict[str, int]

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> TermStats:
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(tokenize(text)))
            n += 1
        return cls(n, dict(df))

    @classmethod
    def of(cls, chunks: Sequence[HasText]) -> TermStats:
        """The stats of a chunk sequence, computed once per sequence object (a searcher's chunks)."""
        key = id(chunks)
        hit = _STATS_CACHE.get(key)
        if hit is not None and hit[0] is chunks:
            return hit[1]
        stats = cls.from_texts(c.text for c in chunks)
        if len(_STATS_CACHE) > 8:
            _STATS_CACHE.clear()
        _STATS_CACHE[key] = (chunks, stats)
        return stats

    def idf(self, term: str) -> float:
        """BM25's idf: rare terms weigh more; a term the corpus never uses weighs most."""
        df = self.df.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def known_share(self, text: str, rare_zipf: float = 0.0) -> float | None:
        """The idf-weighted share of the terms of `text` that occur in the corpus (None: no terms).

        With `rare_zipf` > 0, a term the corpus lacks counts only when it comes from a common Dutch
        word (wordfreq's Zipf frequency ≥ `rare_zipf`: "paspoort", "rugpijn"); a rare word the
        corpus lacks ("kladberekening", "stembusgang": a paraphrase's coinage, jargon, a typo) is
        left out of the share instead of counting against the question."""
        terms = set(tokenize(text))
        if rare_zipf > 0:
            terms -= _rare_unknown(text, self.df, rare_zipf)
        if not terms:
            return None
        weights = {t: self.idf(t) for t in terms}
        total = sum(weights.values())
        if total <= 0:
            return None
        return sum(w for t, w in weights.items() if t in self.df) / total


_STATS_CACHE: dict[int, tuple[Sequence[HasText], TermStats]] = {}
_WORD_RE = re.compile(r"\w+(?:[-']\w+)*")


def _rare_unknown(text: str, known: Mapping[str, int], rare_zipf: float) -> set[str]:
    """The terms of `text` missing from `known` whose words are all rarer in Dutch than `rare_zipf`."""
    from wordfreq import zipf_frequency  # its word lists ship inside the package (offline)

    common: set[str] = set()
    unknown: set[str] = set()
    for word in _WORD_RE.findall(text.lower()):
        terms = [t for t in tokenize(word) if t not in known]
        unknown.update(terms)
        if terms and zipf_frequency(word, "nl") >= rare_zipf:
            common.update(terms)
    return unknown - common


@dataclass(frozen=True)
class EvidenceJudgement:
    """Whether retrieval found something relevant, and the numbers that decided it."""

    relevant: bool
    dense_top: float | None
    bm25_top: float | None
    dense_min: float | None
    known: float | None = None
    reason: str = ""


def judge_evidence(
    hits: Sequence[Scored],
    cfg: EvidenceConfig,
    embedder: str | None,
    question: str = "",
    terms: TermStats | None = None,
) -> EvidenceJudgement:
    """Relevant when one of these holds (thresholds in `EvidenceConfig`):

    - the best BM25 score reaches `bm25_min` (several rare corpus words match);
    - with the calibrated embedder: the best dense cosine reaches `dense_sure`; or it reaches
      `dense_min` and the corpus knows at least `known_min` of the question's terms (idf-weighted,
      `terms`, rare Dutch words the corpus lacks left out: `rare_zipf`; without `terms` this
      second signal is not checked); for an English question
      the floor is `dense_min_english` and the term signal does not apply.

    Why: e5 cosines are compressed (off-topic questions still score ~0.79–0.84 against this
    report, answerable ones ~0.82–0.93), so the top cosine alone cannot separate the overlap;
    there, off-topic questions hinge on words the report never uses ("paspoort", "zwembad",
    "Eredivisie") while answerable paraphrases mostly reuse report words. BM25 is the only signal
    for other embedders and for bm25-only search. Calibration: docs/benchmarks.md ("Antwoorden").
    """
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    lexical = [h.bm25_score for h in hits if h.bm25_score is not None]
    dense_top = max(dense) if dense else None
    bm25_top = max(lexical) if lexical else None
    known = terms.known_share(question, cfg.rare_zipf) if terms is not None and question else None
    english = is_english(question)
    dense_min = None
    if embedder == cfg.calibrated_embedder:
        dense_min = cfg.dense_min_english if english else cfg.dense_min
    if not hits:
        return EvidenceJudgement(False, dense_top, bm25_top, dense_min, known, "geen treffers")
    if bm25_top is not None and bm25_top >= cfg.bm25_min:
        return EvidenceJudgement(True, dense_top, bm25_top, dense_min, known, "bm25")
    if dense_top is None or dense_min is None:
        return EvidenceJudgement(False, dense_top, bm25_top, dense_min, known, "bm25 te laag")
    if dense_top >= max(cfg.dense_sure, dense_min):
        return EvidenceJudgement(True, dense_top, bm25_top, dense_min, known, "dense")
    if dense_top < dense_min:
        return EvidenceJudgement(False, dense_top, bm25_top, dense_min, known, "dense te laag")
    if english or known is None or known >= cfg.known_min:
        return EvidenceJudgement(True, dense_top, bm25_top, dense_min, known, "dense en termen")
    return EvidenceJudgement(False, dense_top, bm25_top, dense_min, known, "onbekende termen")


__all__ = ["EvidenceJudgement", "Scored", "TermStats", "judge_evidence"]
