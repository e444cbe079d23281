"""Retrieval v3: sentence (piece) vectors in the index, the ways they score a chunk, and dense
pseudo-relevance feedback."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
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
    rows, spans, texts = index_pieces(chunks, SENTENCES)
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


@pytest.mark.parametrize("how", ["off", "replace", "list", "max"])
def test_every_sentence_mode_finds_a_sentence_inside_a_passage_and_keeps_the_chunk_cosine(sample, how):
    base = Searcher.open(sample, SearchConfig(sentence_dense="off"))
    s = Searcher.open(sample, SearchConfig(sentence_dense=how))  # type: ignore[arg-type]
    hits = s.search("Elk jaar weer ruzie over wie de tekorten betaalt", k=3)
    assert "tekorten" in hits[0].text
    q = s.embedder.embed_queries(["Elk jaar weer ruzie over wie de tekorten betaalt"])[0]
    for h in hits:  # Hit.dense_score stays the chunk vector's cosine (the evidence rule reads it)
        if h.dense_score is not None:
            assert h.dense_score == pytest.approx(float(base.vectors.vectors[base._by_id[h.id]] @ q), abs=1e-5)


def test_weighted_fusion_and_dense_mode_work_with_sentence_vectors(sample):
    for how in ("replace", "list", "max"):
        s = Searcher.open(sample, SearchConfig(sentence_dense=how, fusion="weighted"))  # type: ignore[arg-type]
        assert s.search("koffie met de gemeentesecretarissen", k=3)
        assert s.search("koffie met de gemeentesecretarissen", k=3, mode="dense")


def test_a_filter_holds_for_sentence_scoring(sample):
    s = Searcher.open(sample, SearchConfig(sentence_dense="replace"))
    hits = s.search("Wat zegt R13 over vertrouwen?", k=5)
    assert hits and all("R13" in h.respondents for h in hits)


def test_prf_moves_the_query_but_not_the_dense_score(sample):
    plain = Searcher.open(sample)
    prf = Searcher.open(sample, SearchConfig(prf_beta=0.5, prf_depth=2))
    a = {h.id: h.dense_score for h in plain.search("vertrouwen tussen gemeenten", k=5)}
    b = {h.id: h.dense_score for h in prf.search("vertrouwen tussen gemeenten", k=5)}
    for cid in a.keys() & b.keys():
        if a[cid] is not None and b[cid] is not None:
            assert a[cid] == pytest.approx(b[cid])
    with pytest.raises(ConfigError):
        SearchConfig(prf_beta=-1)


def test_sentence_scoring_needs_an_index_with_sentence_vectors(tmp_path, sample):
    copy = tmp_path / "plain"
    shutil.copytree(sample, copy)
    build_index(copy, IndexConfig(sentence_vectors=False), progress=False)
    assert not (current_version_dir(copy) / PIECES_FILE).exists()
    with pytest.raises(IndexMismatchError, match="zinsvectoren"):
        Searcher.open(copy, SearchConfig(sentence_dense="max"))
    s = Searcher.open(copy, SearchConfig(rerank=False))
    s.config = replace(s.config, sentence_dense="max")
    with pytest.raises(ConfigError, match="zinsvectoren"):
        s.search("vertrouwen")


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


def test_the_v3_grid_fixes_the_v2_choices_and_varies_only_the_new_axes():
    cands = V3_GRID.candidates()
    assert len({c.index_key for c in cands}) == len(PIECE_INDEX)
    assert {c.search.sentence_dense for c in cands} == {"off", "replace", "list", "max"}
    assert all(c.chunking == "windows" and not c.index["section_prefix_dense"] for c in cands)
    assert {piece_variant(c.index) for c in cands} == set(PIECE_INDEX)
    assert len(cands) == len(V3_GRID.sentences) * len(V3_GRID.fusions) * len(V3_GRID.strips) * len(V3_GRID.prfs)
