"""Did retrieval find anything relevant? One rule, shared by the chat (which then says "no relevant
evidence" instead of answering) and the evaluation (which measures how well the rule separates
answerable from off-topic questions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .config import EvidenceConfig
from .language import is_english


class Scored(Protocol):
    """What the rule reads of a hit: its raw retriever scores (None when not computed)."""

    @property
    def dense_score(self) -> float | None: ...

    @property
    def bm25_score(self) -> float | None: ...


@dataclass(frozen=True)
class EvidenceJudgement:
    """Whether retrieval found something relevant, and the numbers that decided it."""

    relevant: bool
    dense_top: float | None
    bm25_top: float | None
    dense_min: float | None


def judge_evidence(
    hits: Sequence[Scored], cfg: EvidenceConfig, embedder: str | None, question: str = ""
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


__all__ = ["EvidenceJudgement", "Scored", "judge_evidence"]
