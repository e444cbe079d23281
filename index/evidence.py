"""Did retrieval find anything relevant? One rule, shared by the chat (which then says the
interviews say nothing about the question instead of answering) and the evaluation (which
measures how well the rule separates answerable from off-topic questions).

The rule reads more than one score (see `judge_evidence`): the best dense cosine, how much of the
question the corpus knows at all (`TermStats.known_share`, with rare compounds split into their parts,
index/compounds.py), the question's mean cosine over the whole corpus (`DenseBaseline`), and the best
BM25 score. For the calibrated embedder the first three are combined by a small logistic model whose
weights ship in `evidence_model.json` (fitted on the dev split by lab/calibrate_evidence.py).
Two more signals a model file may name, `list_agreement` (BM25 against dense top lists) and
`hit_coverage` (the question's terms in the best hits), lost in cross-validation and are not used
(docs/lab/2026-12-01-weigeren-v4.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from .bm25 import idf as bm25_idf
from .bm25 import tokenize
from .compounds import compound_parts, zipf
from .config import EvidenceConfig
from .language import is_english
from .query import topic_text


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
        return bm25_idf(self.n_docs, df)

    def known_share(self, text: str, rare_zipf: float = 0.0, part_zipf: float = 0.0) -> float | None:
        """The idf-weighted share of the terms of `text` that occur in the corpus (None: no terms).

        With `rare_zipf` > 0, a term the corpus lacks counts only when it comes from a common Dutch
        word (wordfreq's Zipf frequency ≥ `rare_zipf`: "paspoort", "verhuizing"); a rare word the
        corpus lacks ("kladberekening", "stembusgang": a paraphrase's coinage, jargon, a typo) is
        left out of the share instead of counting against the question.

        With `part_zipf` > 0 as well, such a rare word is first split into its compound parts
        (index/compounds.py): it counts against the question when one of its parts is a Dutch word of
        Zipf ≥ `part_zipf` that the corpus lacks ("rugpijn": pijn, "tennisclub": tennis), for it when
        the corpus has every part ("computerzaken"), and is left out otherwise."""
        terms = set(tokenize(text))
        known: set[str] = set()
        if rare_zipf > 0:
            rare = _rare_unknown(text, self.df, rare_zipf)
            if part_zipf > 0:
                against, known = self._split_rare(text, rare, part_zipf)
                rare -= against | known
            terms -= rare
        if not terms:
            return None
        weights = {t: self.idf(t) for t in terms}
        total = sum(weights.values())
        if total <= 0:
            return None
        return sum(w for t, w in weights.items() if t in self.df or t in known) / total

    def _split_rare(self, text: str, rare: set[str], part_zipf: float) -> tuple[set[str], set[str]]:
        """Of the `rare` unknown terms of `text`: those whose word has a common part the corpus lacks,
        and those whose word consists of corpus words only."""
        against: set[str] = set()
        known: set[str] = set()
        for word in _WORD_RE.findall(text.lower()):
            terms = [t for t in tokenize(word) if t in rare]
            parts = compound_parts(word) if terms else (word,)
            if len(parts) < 2:
                continue
            verdicts = []
            for part in parts:
                part_terms = tokenize(part)
                if not part_terms:
                    continue
                if all(t in self.df for t in part_terms):
                    verdicts.append(True)
                elif zipf(part) >= part_zipf:
                    verdicts.append(False)
            if verdicts and not all(verdicts):
                against.update(terms)
            elif verdicts:
                known.update(terms)
        return against, known - against


_STATS_CACHE: dict[int, tuple[Sequence[HasText], TermStats]] = {}
_WORD_RE = re.compile(r"\w+(?:[-']\w+)*")


def _rare_unknown(text: str, known: Mapping[str, int], rare_zipf: float) -> set[str]:
    """The terms of `text` missing from `known` whose words are all rarer in Dutch than `rare_zipf`."""
    common: set[str] = set()
    unknown: set[str] = set()
    for word in _WORD_RE.findall(text.lower()):
        terms = [t for t in tokenize(word) if t not in known]
        unknown.update(terms)
        if terms and zipf(word) >= rare_zipf:
            common.update(terms)
    return unknown - common


MODEL_FILE = Path(__file__).with_name("evidence_model.json")
# The signals a model may weigh (`evidence_signals`); a model file names the ones it uses.
MODEL_FEATURES = ("dense_top", "known", "baseline", "agreement", "coverage")
AGREEMENT_DEPTH = 10
# How many hits the chat judges a question on (AnswerConfig.evidence_k), and so the eval too.
EVIDENCE_DEPTH = 30
COVERAGE_DEPTH = 5


@dataclass(frozen=True)
class EvidenceModel:
    """A logistic model over the signals of one question (`evidence_signals`): relevant when
    `bias + Σ weight × signal ≥ 0` (the threshold is folded into `bias`). Possible signals: the best
    dense cosine of the hits, the known share of the question's terms (`TermStats.known_share` with
    `rare_zipf` and `part_zipf`; 1.0 when the question has no terms left), the question's mean
    cosine over all chunks (`DenseBaseline`), the overlap of the BM25 and dense top lists
    (`list_agreement`) and the share of the question's terms in the best hits (`hit_coverage`).
    Fitted on the dev split for one embedder, whose cosines it reads; `info` says how
    (lab/calibrate_evidence.py writes the file)."""

    embedder: str
    weights: dict[str, float]
    bias: float
    rare_zipf: float
    part_zipf: float
    info: dict[str, Any]

    def score(self, signals: Mapping[str, float]) -> float:
        return self.bias + sum(w * signals[name] for name, w in self.weights.items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "embedder": self.embedder, "weights": self.weights, "bias": self.bias,
            "rare_zipf": self.rare_zipf, "part_zipf": self.part_zipf, "info": self.info,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EvidenceModel:
        unknown = set(d["weights"]) - set(MODEL_FEATURES)
        if unknown:
            raise ValueError(f"weigermodel: onbekende signalen {sorted(unknown)}; bekend zijn {list(MODEL_FEATURES)}")
        weights = {name: float(w) for name, w in d["weights"].items()}
        return cls(str(d["embedder"]), weights, float(d["bias"]), float(d["rare_zipf"]), float(d["part_zipf"]),
                   dict(d.get("info") or {}))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> EvidenceModel | None:
        """The stored model (None when the file is missing), read once per process."""
        return _load_model(str(path))

    @staticmethod
    def forget_loaded() -> None:
        """Drop the models read so far (after a new model file was written)."""
        _load_model.cache_clear()


@lru_cache(maxsize=4)
def _load_model(path: str) -> EvidenceModel | None:
    if not Path(path).is_file():
        return None
    return EvidenceModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def list_agreement(hits: Sequence[Scored], depth: int = AGREEMENT_DEPTH) -> float:
    """How far BM25 and the dense side agree: the share of the `depth` hits with the best dense
    cosine that are also among the `depth` hits with the best BM25 score (0 when one side scored
    nothing). An answerable question tends to find the same passages both ways."""
    dense = sorted((i for i, h in enumerate(hits) if h.dense_score is not None),
                   key=lambda i: -cast(float, hits[i].dense_score))[:depth]
    lexical = sorted((i for i, h in enumerate(hits) if h.bm25_score is not None and h.bm25_score > 0),
                     key=lambda i: -cast(float, hits[i].bm25_score))[:depth]
    if not dense or not lexical:
        return 0.0
    return len(set(dense) & set(lexical)) / min(depth, len(dense))


def hit_coverage(question: str, hits: Sequence[Scored], terms: TermStats, depth: int = COVERAGE_DEPTH) -> float:
    """The idf-weighted share of the question's terms that occur in its `depth` best hits (1.0 for
    a question without terms)."""
    wanted = set(tokenize(question))
    if not wanted:
        return 1.0
    seen: set[str] = set()
    for h in hits[:depth]:
        seen.update(tokenize(getattr(h, "text", "")))
    weights = {t: terms.idf(t) for t in wanted}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in seen) / total if total > 0 else 1.0


def evidence_signals(
    model: EvidenceModel, hits: Sequence[Scored], question: str, terms: TermStats | None, baseline: float
) -> dict[str, float]:
    """The signals `model` weighs, for one question and its hits (hits must have a dense score)."""
    dense_top = max(h.dense_score for h in hits if h.dense_score is not None)
    out = {"dense_top": dense_top, "baseline": baseline}
    if "known" in model.weights:
        topic = topic_text(question) or question  # the corpus need not know the words for who was asked
        known = terms.known_share(topic, model.rare_zipf, model.part_zipf) if terms is not None else None
        out["known"] = 1.0 if known is None else known
    if "agreement" in model.weights:
        out["agreement"] = list_agreement(hits)
    if "coverage" in model.weights:
        out["coverage"] = hit_coverage(question, hits, terms) if terms is not None else 1.0
    return out


class Embeds(Protocol):
    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


class DenseBaseline:
    """The corpus baseline of a question: its mean cosine over all chunk vectors, i.e. its cosine
    with their centroid (computed once per vector matrix). An off-topic question is far from the
    corpus as a whole, even when one passage happens to be close."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.centroid = np.asarray(vectors, dtype=np.float32).mean(axis=0) if len(vectors) else None

    @classmethod
    def of(cls, vectors: np.ndarray | None) -> DenseBaseline | None:
        """The baseline of a searcher's vector matrix (None: the store exposes no matrix), cached."""
        if vectors is None:
            return None
        key = id(vectors)
        hit = _BASELINE_CACHE.get(key)
        if hit is not None and hit[0] is vectors:
            return hit[1]
        baseline = cls(vectors)
        if len(_BASELINE_CACHE) > 8:
            _BASELINE_CACHE.clear()
        _BASELINE_CACHE[key] = (vectors, baseline)
        return baseline

    def of_query(self, embedder: Embeds, query: str) -> float | None:
        """The mean cosine of `query` (embedded as a query; a cached embedder makes this free right
        after the search) over the corpus."""
        if self.centroid is None:
            return None
        return float(np.asarray(embedder.embed_queries([query])[0], dtype=np.float32) @ self.centroid)


_BASELINE_CACHE: dict[int, tuple[np.ndarray, DenseBaseline]] = {}


@dataclass(frozen=True)
class EvidenceJudgement:
    """Whether retrieval found something relevant, and the numbers that decided it."""

    relevant: bool
    dense_top: float | None
    bm25_top: float | None
    dense_min: float | None
    known: float | None = None
    reason: str = ""
    baseline: float | None = None
    model_score: float | None = None
    signals: Mapping[str, float] | None = None


# A question about the asker's own life ("mijn huis", "my driving licence", "kan ik …") is not
# about the interviews, unless the asker speaks from a role they are about ("als wethouder",
# "in ons samenwerkingsverband", "mijn gemeente").
_FIRST_PERSON_RE = re.compile(r"\b(?:ik|mijn|mij|me|m'n|i|my|me|mine|myself)\b", re.IGNORECASE)
_ROLE_RE = re.compile(
    r"\b(?:als|as)\s+(?:\w+\s+)?(?:wethouder|burgemeester|bestuurder|gemeentesecretaris|secretaris|directeur|"
    r"raadslid|ambtenaar|gemeente|manager|alderman|mayor|director|civil\s+servant|municipality)\b"
    r"|\b(?:mijn|onze|ons|my|our)\s+(?:\w+\s+)?(?:gemeente|samenwerkingsverband|samenwerking|organisatie|raad|"
    r"college|ssc|bedrijfsvoering|uitvoeringsorganisatie|municipality|council|organisation|organization)\b",
    re.IGNORECASE,
)


# The asker speaking about the conversation, not about their own affairs ("ik bedoel …", "geef me …").
_META_RE = re.compile(
    r"\b(?:ik\s+(?:bedoel|zoek|wil\s+(?:graag\s+)?weten|vraag\s+me\s+af|ben\s+benieuwd|lees)|"
    r"(?:geef|vertel|toon|laat|noem)\s+(?:me|mij)|kun\s+je\s+(?:me|mij)|kunt\s+u\s+(?:me|mij)|"
    r"i\s+(?:mean|want\s+to\s+know|wonder)|(?:tell|show|give)\s+me|can\s+you\s+(?:tell|show)\s+me)\b",
    re.IGNORECASE,
)


def is_personal(question: str) -> bool:
    """True for a question in the first person about the asker's own affairs (see above)."""
    rest = _META_RE.sub(" ", question)
    return bool(_FIRST_PERSON_RE.search(rest)) and not _ROLE_RE.search(rest)


def judge_evidence(
    hits: Sequence[Scored],
    cfg: EvidenceConfig,
    embedder: str | None,
    question: str = "",
    terms: TermStats | None = None,
    baseline: float | None = None,
) -> EvidenceJudgement:
    """With `cfg.use_model`, the embedder the model was fitted for, a Dutch question and its corpus
    `baseline` (`DenseBaseline.of_query`): relevant when the logistic model (`EvidenceModel`) over
    the best dense cosine, the known share (rare compounds split) and the baseline says so.

    Otherwise (the rule before the model) relevant when one of these holds (thresholds in `EvidenceConfig`):

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
    for other embedders and for bm25-only search. Calibration:
    docs/lab/2026-11-30-weigeren-herkalibratie-na-zoeken-v2.md.
    """
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    lexical = [h.bm25_score for h in hits if h.bm25_score is not None]
    dense_top = max(dense) if dense else None
    bm25_top = max(lexical) if lexical else None
    if is_personal(question):
        return EvidenceJudgement(False, dense_top, bm25_top, None, None, "persoonlijke vraag")
    english = is_english(question)
    model = EvidenceModel.load() if cfg.use_model else None
    if model is not None and hits and dense_top is not None and baseline is not None and not english \
            and embedder == model.embedder:
        signals = evidence_signals(model, hits, question, terms, baseline)
        score = model.score(signals)
        return EvidenceJudgement(score >= 0, dense_top, bm25_top, None, signals.get("known"), "model", baseline,
                                 score, signals)
    known = terms.known_share(question, cfg.rare_zipf) if terms is not None and question else None
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


__all__ = [
    "DenseBaseline", "EvidenceJudgement", "EvidenceModel", "Scored", "TermStats", "evidence_signals",
    "hit_coverage", "is_personal", "judge_evidence", "list_agreement",
]
