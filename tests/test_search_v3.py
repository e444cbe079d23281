"""Retrieval v3: sentence (piece) vectors in the index, the chunk vector as their mean, and the
index variants that lost (refused with a reindex hint)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sample_index import write_sample

from citaat.index.build import build_index, index_pieces
from citaat.index.config import IndexConfig, SearchConfig
from citaat.index.pieces import SCHEME, piece_text, pieces
from citaat.index.records import section_path
from citaat.index.search import Searcher
from citaat.index.store import PIECE_ROWS_FILE, PIECES_FILE, IndexMismatchError, current_version_dir
from citaat.ingest.errors import ConfigError
from citaat.ingest.store import read_chunks
from lab.tune import PIECE_INDEX, V3_GRID, piece_variant

SENTENCES = IndexConfig(sentence_vectors=True, chunk_vectors="window")  # window vectors: a quote reuses its own


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    directory: Path = write_sample(tmp_path_factory.mktemp("sample-v3"))
    build_index(directory, SENTENCES, progress=False)
    return directory


def test_the_index_stores_one_vector_per_piece_and_reuses_the_chunk_vector_of_a_whole_quote(tmp_path):
    directory = write_sample(tmp_path / "s")
    result = build_index(directory, SENTENCES, progress=False)
    chunks = read_chunks(directory)
    rows, spans, texts = index_pieces(chunks)
    assert rows == sorted(rows) and set(rows) == set(range(len(chunks)))  # every chunk has a piece
    version = current_version_dir(directory)
    meta = json.loads((version / PIECE_ROWS_FILE).read_text(encoding="utf-8"))
    assert meta["rows"] == rows and [tuple(s) for s in meta["spans"]] == spans
    # a quote is one piece equal to its own text: its chunk vector is reused, not embedded again
    whole = sum(" ".join(chunks[r].text.split()) == t for r, t in zip(rows, texts, strict=True))
    assert whole > 0 and result.pieces_embedded <= len(set(texts)) - 1
    assert result.pieces_embedded >= len({t for r, t in zip(rows, texts, strict=True) if chunks[r].kind == "passage"}) - whole
    s = Searcher.open(directory)
    assert s.pieces is not None and len(s.pieces) == len(rows)
    for n, r in enumerate(rows):
        if " ".join(chunks[r].text.split()) == texts[n]:
            assert np.allclose(s.pieces.vectors.vectors[n], s.vectors.vectors[r])
    # a rebuild of unchanged chunks embeds no piece again
    assert build_index(directory, SENTENCES, progress=False).pieces_embedded == 0


def test_piece_text_with_the_section_path_is_the_answer_scorers_scheme(sample):
    chunk = next(c for c in read_chunks(sample) if c.kind == "passage" and len(pieces(c)) > 1)
    span = pieces(chunk)[0]
    assert piece_text(chunk, span, section=False) == " ".join(chunk.text[span[0] : span[1]].split())
    assert piece_text(chunk, span, section=True) == f"{section_path(chunk.section)}\n{piece_text(chunk, span, False)}"
    assert SCHEME == "section-path+piece-v1"


def test_max_scores_are_the_best_piece_cosine_of_each_chunk(sample):
    s = Searcher.open(sample)
    assert s.pieces is not None
    q = s.embedder.embed_queries(["Wie betaalt de tekorten?"])[0]
    rows = np.arange(len(s.chunks))
    brute = [max(float(s.pieces.vectors.vectors[i] @ q) for i in np.flatnonzero(s.pieces.rows == r)) for r in rows]
    assert np.allclose(s.pieces.max_scores(q, rows), brute, atol=1e-5)
    top, best = s.pieces.search(q, 3)
    assert top == sorted(range(len(brute)), key=lambda r: -brute[r])[:3]
    assert np.allclose([best[r] for r in top], sorted(brute, reverse=True)[:3], atol=1e-5)


def test_an_index_without_sentence_vectors_searches_on_chunk_vectors(tmp_path, sample):
    copy = tmp_path / "plain"
    shutil.copytree(sample, copy)
    build_index(copy, IndexConfig(sentence_vectors=False, chunk_vectors="window"), progress=False)
    assert not (current_version_dir(copy) / PIECES_FILE).exists()
    s = Searcher.open(copy, SearchConfig(rerank=False))
    assert s.pieces is None
    hits = s.search("Elk jaar weer ruzie over wie de tekorten betaalt", k=3)
    assert "tekorten" in hits[0].text


def _manifest(directory: Path) -> Path:
    version = current_version_dir(directory)
    assert version is not None
    return version / "manifest.json"


def _rewrite_config(directory: Path, **stored: object) -> None:
    """Put `stored` into the manifest's IndexConfig, as an older Citaat wrote it (the manifest is not
    among the checksummed files: its config is read as written)."""
    path = _manifest(directory)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["config"].update(stored)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_an_old_manifest_with_the_removed_index_variants_at_their_defaults_opens(tmp_path, sample):
    copy = tmp_path / "old"
    shutil.copytree(sample, copy)
    _rewrite_config(copy, section_prefix_dense=False, section_prefix_bm25=False, quote_context_chars=0,
                    sentence_section=False)
    s = Searcher.open(copy)
    assert s.search("vertrouwen", k=3)
    assert [h.id for h in s.search("vertrouwen", k=5)] == [h.id for h in Searcher.open(sample).search("vertrouwen", k=5)]


@pytest.mark.parametrize(
    "stored",
    [{"section_prefix_dense": True}, {"section_prefix_bm25": True}, {"quote_context_chars": 200},
     {"sentence_section": True}],
)
def test_an_index_built_with_a_removed_variant_is_refused_with_a_reindex_hint(tmp_path, sample, stored):
    copy = tmp_path / "old"
    shutil.copytree(sample, copy)
    _rewrite_config(copy, **stored)
    name = next(iter(stored))
    with pytest.raises(IndexMismatchError, match=rf"variant die Citaat niet meer kent \({name}=.*citaat index"):
        Searcher.open(copy)


def test_piece_mean_chunk_vectors_are_the_normalised_mean_of_their_pieces(tmp_path):
    directory = write_sample(tmp_path / "m")
    build_index(directory, IndexConfig(sentence_vectors=True, chunk_vectors="piece-mean"), progress=False)
    s = Searcher.open(directory)
    assert s.pieces is not None
    for r in range(len(s.chunks)):
        mean = s.pieces.vectors.vectors[s.pieces.rows == r].sum(axis=0)
        assert np.allclose(s.vectors.vectors[r], mean / np.linalg.norm(mean), atol=1e-5)
    with pytest.raises(ConfigError):
        IndexConfig(chunk_vectors="piece-mean", sentence_vectors=False)


def test_switching_from_piece_mean_to_window_vectors_embeds_the_windows_again(tmp_path):
    # a piece-mean chunk vector is not the embedding of the chunk's text: it must not be reused as one
    directory = write_sample(tmp_path / "s")
    build_index(directory, IndexConfig(chunk_vectors="piece-mean"), progress=False)
    mean_vectors = Searcher.open(directory).vectors.vectors.copy()
    result = build_index(directory, IndexConfig(chunk_vectors="window"), progress=False)
    assert result.embedded == result.chunk_count > 0 and result.reused == 0
    window = Searcher.open(directory).vectors.vectors
    assert not np.allclose(window, mean_vectors, atol=1e-4)
    again = build_index(directory, IndexConfig(chunk_vectors="window"), progress=False)
    assert again.embedded == 0 and again.reused == again.chunk_count  # window vectors are reused


def test_the_v3_grid_fixes_the_v2_choices_and_varies_the_fusion_and_the_chunk_vector():
    cands = V3_GRID.candidates()
    assert len({c.index_key for c in cands}) == len(PIECE_INDEX)
    assert all(c.chunking == "windows" and c.search.strip_scaffolding for c in cands)
    assert {piece_variant(c.index) for c in cands} == set(PIECE_INDEX)
    assert len(cands) == len(V3_GRID.pieces) * len(V3_GRID.fusions) * len(V3_GRID.strips)
