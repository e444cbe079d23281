"""Ingest and index as one step, so chunks.jsonl and the search index always form a working pair.

The new chunks are written to DIR/.staged and published (moved into place) only right before the
new index version becomes current. A crash while embedding therefore leaves the previous chunks
and index, which still open and answer. When the build fails with an error instead, the new
chunks are published anyway (nothing ingested is lost) and the index, now stale, refuses to open
until it is rebuilt; the error says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from citaat.ingest.errors import CitaatError
from citaat.ingest.fsio import writer_lock
from citaat.ingest.pipeline import IngestConfig, IngestResult, ingest_paths
from citaat.ingest.store import has_staged, publish_staged, staged_dir

from . import build
from .config import EMBED_BATCH
from .store import SearchIndexError, reindex_hint


@dataclass(frozen=True)
class UpdateResult:
    """The ingest run and, when an index was built, that build."""

    ingest: IngestResult
    index: build.BuildResult | None


def ingest_and_index(
    paths: list[Path],
    out: Path,
    ingest_config: IngestConfig | None = None,
    *,
    build_index: bool = True,
    embedder: str | None = None,
    progress: bool = True,
    on_ingested: Callable[[IngestResult], object] | None = None,
) -> UpdateResult:
    """Ingest `paths` into OUT and, unless `build_index` is False, build OUT/index over the result.

    `on_ingested` sees the ingest result before the (slow) index build starts, e.g. to print it.
    Without `build_index` the new chunks take effect at once and an existing index turns stale.
    One writer at a time: OUT's writer lock is held throughout (`writer_lock`).
    """
    with writer_lock(out):
        return _ingest_and_index(paths, out, ingest_config, build_index, embedder, progress, on_ingested)


def _ingest_and_index(
    paths: list[Path],
    out: Path,
    ingest_config: IngestConfig | None,
    build_index: bool,
    embedder: str | None,
    progress: bool,
    on_ingested: Callable[[IngestResult], object] | None,
) -> UpdateResult:
    result = ingest_paths(paths, out, ingest_config, staged=build_index)
    if on_ingested is not None:
        on_ingested(result)
    if not build_index:
        return UpdateResult(result, None)
    if not result.chunk_count:
        publish_staged(out)  # nothing to index: the (empty) output takes effect as it is
        return UpdateResult(result, None)
    return UpdateResult(result, update_index(out, embedder=embedder, progress=progress))


def update_index(
    directory: Path,
    *,
    embedder: str | None = None,
    progress: bool = True,
    ray: str | None = None,
    ray_workers: int | None = None,
) -> build.BuildResult:
    """Build (or update) DIR/index; chunks staged by `ingest_and_index` are published with it.

    `embedder` defaults to the one the current index was built with (`build.index_config_for`).
    `ray` (an address, see index/adapters/ray_embed.py) embeds the new chunks on a Ray cluster.
    One writer at a time: DIR's writer lock is held throughout (`writer_lock`).
    """
    with writer_lock(directory):
        return _update_index(directory, embedder, progress, ray, ray_workers)


def _update_index(
    directory: Path, embedder: str | None, progress: bool, ray: str | None, ray_workers: int | None
) -> build.BuildResult:
    config = build.index_config_for(directory, embedder)
    model = None
    if ray is not None:
        from .adapters.ray_embed import RayEmbedder

        model = RayEmbedder(ray, config.embedder, workers=ray_workers, batch_size=EMBED_BATCH)
    if not has_staged(directory):
        return build.build_index(directory, config, progress=progress, embedder=model)
    try:
        return build.build_index(
            directory,
            config,
            progress=progress,
            embedder=model,
            source_dir=staged_dir(directory),
            before_commit=lambda: publish_staged(directory),
        )
    except CitaatError as exc:
        publish_staged(directory)  # keep the new chunks; the index now says it must be rebuilt
        fix = exc.hint or reindex_hint(directory)
        raise SearchIndexError(exc.message, f"de nieuwe chunks zijn opgeslagen, de zoekindex nog niet; {fix}") from exc
