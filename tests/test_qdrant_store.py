"""Qdrant behind the VectorStore seam: same rows, same scores, same hits as FAISS (docs/scaling.md).

Runs Qdrant in-process (qdrant-client local mode, in memory and on disk); skipped when
qdrant-client is not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("qdrant_client")

from sample_index import write_sample  # noqa: E402

from citaat.index.adapters.qdrant import QdrantVectorStore  # noqa: E402
from citaat.index.build import build_index  # noqa: E402
from citaat.index.config import QdrantConfig, SearchConfig  # noqa: E402
from citaat.index.search import Filters, Searcher  # noqa: E402

QUERIES = ["Wat zegt R9 over de tekorten?", "servers liggen plat", "vertrouwen tussen gemeenten", "kosten"]


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = write_sample(tmp_path_factory.mktemp("qdrant"))
    build_index(directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def pair(sample_dir: Path) -> tuple[Searcher, Searcher]:
    faiss_s = Searcher.open(sample_dir)
    qdrant_s = Searcher.open(sample_dir, SearchConfig(qdrant=QdrantConfig()), embedder=faiss_s.embedder)
    yield faiss_s, qdrant_s
    qdrant_s.vectors.close()


def test_config_selects_the_store() -> None:
    assert SearchConfig().vector_store == "faiss"
    assert SearchConfig(qdrant=QdrantConfig("http://127.0.0.1:6333")).vector_store == "qdrant"
    again = SearchConfig.from_dict(SearchConfig(qdrant=QdrantConfig("/tmp/q", exact=True)).to_dict())
    assert again.qdrant == QdrantConfig("/tmp/q", exact=True)


def test_the_searcher_really_uses_qdrant(pair) -> None:
    _faiss_s, qdrant_s = pair
    assert isinstance(qdrant_s.vectors, QdrantVectorStore)
    assert len(qdrant_s.vectors) == len(qdrant_s.chunks) and qdrant_s.vectors.dim == 384
    assert not qdrant_s.vectors.approximate  # local mode searches exactly
    point = qdrant_s.vectors.client.retrieve(qdrant_s.vectors.collection, ids=[3], with_payload=True)[0]
    assert point.payload == qdrant_s.chunks[3].to_dict()  # the payload is the chunk itself


@pytest.mark.parametrize("query", QUERIES)
def test_same_rows_and_scores_as_faiss(pair, query: str) -> None:
    faiss_s, qdrant_s = pair
    q = faiss_s.embedder.embed_queries([query])[0]
    rows_f, scores_f = faiss_s.vectors.search(q, 8)
    rows_q, scores_q = qdrant_s.vectors.search(q, 8)
    assert rows_q.tolist() == rows_f.tolist()
    np.testing.assert_allclose(scores_q, scores_f, rtol=1e-5, atol=1e-6)
    allowed = np.array([1, 4, 6, 9, 12], dtype=np.int64)
    rows_f, scores_f = faiss_s.vectors.search(q, 3, allowed)
    rows_q, scores_q = qdrant_s.vectors.search(q, 3, allowed)
    assert rows_q.tolist() == rows_f.tolist() and set(rows_q.tolist()) <= set(allowed.tolist())
    np.testing.assert_allclose(qdrant_s.vectors.scores_for(q, allowed), faiss_s.vectors.scores_for(q, allowed),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_same_hits_through_the_searcher(pair, query: str, mode: str) -> None:
    faiss_s, qdrant_s = pair
    a = faiss_s.search(query, k=5, mode=mode)
    b = qdrant_s.search(query, k=5, mode=mode)
    assert [h.id for h in b] == [h.id for h in a]
    assert [h.score for h in b] == pytest.approx([h.score for h in a], rel=1e-5)
    fa = faiss_s.search(query, k=3, filters=Filters(kind="quote"), mode=mode)
    fb = qdrant_s.search(query, k=3, filters=Filters(kind="quote"), mode=mode)
    assert [h.id for h in fb] == [h.id for h in fa] and all(h.kind == "quote" for h in fb)


def test_empty_and_full_filters(pair) -> None:
    faiss_s, qdrant_s = pair
    q = faiss_s.embedder.embed_queries(["kosten"])[0]
    rows, scores = qdrant_s.vectors.search(q, 5, np.zeros(0, dtype=np.int64))
    assert rows.size == 0 and scores.size == 0
    rows, _ = qdrant_s.vectors.search(q, 100, np.arange(len(faiss_s.chunks)))
    assert len(rows) == len(faiss_s.chunks)


def test_on_disk_collection_is_reused_and_replaced_per_index_version(sample_dir: Path, tmp_path: Path) -> None:
    store = SearchConfig(qdrant=QdrantConfig(str(tmp_path / "qdrant")))
    searcher = Searcher.open(sample_dir)
    vectors = np.array(searcher.vectors.vectors)  # a copy: the FAISS view dies with its index
    first = QdrantVectorStore.sync(vectors, "v-1", store)
    assert first.client.count(first.collection, exact=True).count == len(vectors)
    again = QdrantVectorStore.sync(vectors, "v-1", store, client=first.client)  # complete: not uploaded again
    assert again.collection == first.collection
    newer = QdrantVectorStore.sync(vectors[:5], "v-2", store, client=first.client)
    names = {c.name for c in newer.client.get_collections().collections}
    assert names == {"citaat-v-2"} and len(newer) == 5
    newer.close()
