"""Citaat: offline search and verbatim citation over Dutch interview research.

The package is one namespace, `citaat`, whose subpackages are the repository's top-level folders
(`citaat/ingest` is a link to `ingest/`, and so on; see ARCHITECTURE.md). Layers, lowest first:
`citaat.ingest` → `citaat.index` → `citaat.app` / `citaat.eval`.

The public API is imported on first use, so `import citaat` stays instant:

    from citaat import Searcher, Filters, Answerer, ingest_paths, ingest_and_index, CitaatError
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("citaat")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from citaat.app.service import Answerer
    from citaat.index.records import Filters, Hit
    from citaat.index.search import Searcher
    from citaat.index.update import ingest_and_index
    from citaat.ingest.errors import CitaatError
    from citaat.ingest.model import Chunk
    from citaat.ingest.pipeline import IngestConfig, ingest_paths

_PUBLIC = {
    "Answerer": "citaat.app.service",
    "Chunk": "citaat.ingest.model",
    "CitaatError": "citaat.ingest.errors",
    "Filters": "citaat.index.records",
    "Hit": "citaat.index.records",
    "IngestConfig": "citaat.ingest.pipeline",
    "Searcher": "citaat.index.search",
    "ingest_and_index": "citaat.index.update",
    "ingest_paths": "citaat.ingest.pipeline",
}

__all__ = [
    "Answerer",
    "Chunk",
    "CitaatError",
    "Filters",
    "Hit",
    "IngestConfig",
    "Searcher",
    "__version__",
    "ingest_and_index",
    "ingest_paths",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'citaat' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
