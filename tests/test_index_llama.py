"""The llama-index adapters: chunks as TextNodes, the Searcher as a BaseRetriever, FAISS as a vector store."""

from __future__ import annotations

import numpy as np
import pytest
from sample_index import sample_chunks, write_sample

from citaat.index.build import build_index
from citaat.index.search import Filters, Searcher


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> Searcher:
    directory = write_sample(tmp_path_factory.mktemp("llama"))
    build_index(directory, progress=False)
    return Searcher.open(directory)


def test_chunk_to_node_keeps_our_fields():
    from llama_index.core.schema import MetadataMode, NodeRelationship

    from citaat.index.adapters.llama import chunk_to_node

    quote = next(c for c in sample_chunks() if c.id == "rapport:q:030")
    node = chunk_to_node(quote)
    assert node.node_id == quote.id and node.text == quote.text
    assert node.metadata["respondents"] == "R13" and node.metadata["page"] == quote.page
    assert node.metadata["section"] == "Faalfactoren > 3.1 Falende ICT"
    assert node.relationships[NodeRelationship.PARENT].node_id == "rapport:p:03"
    llm_view = node.get_content(metadata_mode=MetadataMode.LLM)
    assert "respondents: R13" in llm_view and "chunk_id" not in llm_view


def test_retriever_returns_nodes_with_scores(searcher):
    from llama_index.core.retrievers import BaseRetriever

    from citaat.index.adapters.llama import CitaatRetriever

    retriever = CitaatRetriever(searcher, k=3, filters=Filters(kind="quote"))
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve("Wat zegt R9 over de tekorten?")
    hits = searcher.search("Wat zegt R9 over de tekorten?", k=3, filters=Filters(kind="quote"))
    assert [n.node.node_id for n in nodes] == [h.id for h in hits]
    assert [n.score for n in nodes] == pytest.approx([h.score for h in hits])
    assert nodes[0].node.metadata["respondents"] == "R9"


def test_faiss_vector_store_view_agrees_with_our_search(searcher):
    pytest.importorskip("llama_index.vector_stores.faiss")  # the `llama` extra
    from llama_index.core.vector_stores.types import VectorStoreQuery

    from citaat.index.adapters.llama import faiss_vector_store

    store = faiss_vector_store(searcher.vectors)
    q = searcher.embedder.embed_queries(["servers liggen plat"])[0]
    result = store.query(VectorStoreQuery(query_embedding=q.tolist(), similarity_top_k=5))
    rows, scores = searcher.vectors.search(q, 5)
    assert [int(i) for i in result.ids] == rows.tolist()
    np.testing.assert_allclose(result.similarities, scores, rtol=1e-5)
