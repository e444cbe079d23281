"""Opening an index: verify it and load its parts (`open_parts`), which every `Searcher` over it
shares (`Searcher.open`, `Searcher.with_parts`).

Every check that fails raises `IndexMismatchError` (or `IndexMissingError`) with a Dutch message
that says how to rebuild: another tokenizer or embedder, chunks that changed since the build,
damaged files, or an index built with a variant that was removed (`index.config.removed_variants`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from citaat.ingest.attributes import RespondentSheet, SheetError, read_attributes
from citaat.ingest.model import Chunk
from citaat.ingest.store import CHUNKS_FILE, StoreError, read_chunks

from .bm25 import BM25Index
from .config import IndexConfig, SearchConfig, removed_variants
from .embedders import Embedder, make_embedder, normalize_spec
from .filtering import RowFilter
from .store import (
    BM25_DIR,
    INDEX_DIR,
    PIECE_ROWS_FILE,
    PIECES_FILE,
    ROWS_FILE,
    VECTORS_FILE,
    IndexMismatchError,
    check_sources,
    open_version,
    parse_rows,
    read_verified,
    reindex_hint,
)
from .vectors import PieceIndex, VectorIndex, VectorStore


@dataclass(frozen=True)
class IndexParts:
    """What an opened index consists of; searchers with different settings share one."""

    directory: Path
    version: str  # the index version opened (DIR/index/CURRENT)
    chunks: tuple[Chunk, ...]
    vectors: VectorStore
    bm25: BM25Index
    embedder: Embedder
    manifest: dict[str, Any]
    attributes: RespondentSheet
    pieces: PieceIndex | None
    rows: RowFilter


def open_parts(directory: Path | str, config: SearchConfig, embedder: str | Embedder | None = None) -> IndexParts:
    """Verify and load the index of an ingest directory (see `Searcher.open`)."""
    directory = Path(directory)
    if directory.name == INDEX_DIR and not (directory / CHUNKS_FILE).is_file():
        directory = directory.parent  # DIR/index given instead of DIR
    version, manifest = open_version(directory, deferred=(VECTORS_FILE, ROWS_FILE, PIECES_FILE, PIECE_ROWS_FILE))
    check_sources(directory, manifest)
    hint = reindex_hint(directory)
    stored = manifest.get("config") or {}
    removed = removed_variants(stored)
    if removed:
        raise IndexMismatchError(
            f"{directory}: de index is gebouwd met een variant die Citaat niet meer kent ({', '.join(removed)}); {hint}"
        )
    icfg = IndexConfig.from_dict(stored)
    if manifest.get("tokenizer") != icfg.analyzer.id:
        raise IndexMismatchError(f"{directory}: BM25-index is met een andere tokenizer gebouwd; {hint}")
    built_with = manifest.get("embedder")
    if embedder is None:
        requested = str(built_with)
    elif isinstance(embedder, str):
        requested = normalize_spec(embedder)
    else:
        requested = embedder.name
    if requested != built_with:
        raise IndexMismatchError(
            f"{directory}: index is gebouwd met embedder {built_with!r}, gevraagd is {requested!r}; bouw "
            f"de index opnieuw met `citaat index {directory} --embedder {requested}`"
        )
    try:
        chunks = read_chunks(directory)
    except StoreError as exc:
        raise IndexMismatchError(str(exc)) from None
    rows = parse_rows(read_verified(directory, version, manifest, ROWS_FILE))
    if rows["ids"] != [c.id for c in chunks] or manifest.get("chunk_count") != len(chunks):
        raise IndexMismatchError(f"{directory}: index en {CHUNKS_FILE} bevatten andere chunks; {hint}")
    vectors = VectorIndex.from_bytes(read_verified(directory, version, manifest, VECTORS_FILE), icfg.hnsw_ef_search)
    if len(vectors) != len(chunks):
        raise IndexMismatchError(f"{directory}: vectorindex heeft {len(vectors)} rijen, verwacht {len(chunks)}; {hint}")
    bm25 = BM25Index.load(version / BM25_DIR, icfg.analyzer)
    if bm25.n_docs != len(chunks):
        raise IndexMismatchError(f"{directory}: BM25-index heeft {bm25.n_docs} rijen, verwacht {len(chunks)}; {hint}")
    model = make_embedder(requested) if embedder is None or isinstance(embedder, str) else embedder
    if model.dim != manifest.get("dim") or model.dim != vectors.dim:
        raise IndexMismatchError(
            f"{directory}: embedder {requested!r} geeft dimensie {model.dim}, de index heeft "
            f"{manifest.get('dim')}; {hint}"
        )
    pieces = None
    if PIECES_FILE in manifest["files"]:
        meta = json.loads(read_verified(directory, version, manifest, PIECE_ROWS_FILE))
        data = read_verified(directory, version, manifest, PIECES_FILE)
        piece_vectors = VectorIndex.from_bytes(data, icfg.hnsw_ef_search)
        try:
            pieces = PieceIndex(piece_vectors, np.asarray(meta["rows"], dtype=np.int64), len(chunks))
        except ValueError:
            raise IndexMismatchError(f"{directory}: zinsvectoren passen niet bij de chunks; {hint}") from None
    store = _vector_store(vectors, version.name, chunks, config)
    try:
        attributes = read_attributes(directory)
    except SheetError as exc:
        raise IndexMismatchError(str(exc)) from None
    return IndexParts(
        directory, version.name, tuple(chunks), store, bm25, model, manifest, attributes, pieces,
        RowFilter(chunks, attributes, directory),
    )


def _vector_store(faiss_index: VectorIndex, version: str, chunks: Sequence[Chunk], config: SearchConfig) -> VectorStore:
    """The vector store `config` asks for, serving the rows of the verified FAISS index."""
    if config.vector_store == "faiss":
        return faiss_index
    from .adapters.qdrant import QdrantVectorStore

    # A copy: `VectorIndex.vectors` is a view into the FAISS index, which is dropped after this.
    return QdrantVectorStore.sync(np.array(faiss_index.vectors, dtype=np.float32, copy=True), version, config, chunks)


__all__ = ["IndexParts", "open_parts"]
