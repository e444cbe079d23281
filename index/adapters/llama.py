"""llama-index adapters: chunks as `TextNode`s, the `Searcher` as a `BaseRetriever` and the FAISS
index as a `FaissVectorStore`.

The RAG side (chat engine, response synthesis) speaks llama-index; retrieval stays ours
(`Searcher`, Dutch BM25, filters, dedup), so this module only translates. Importing it costs
llama-index's import time (~1 s), which is why nothing on the search path imports it.
`faiss_vector_store` needs the `llama` extra (llama-index-vector-stores-faiss).
"""

from __future__ import annotations

from typing import Any, Protocol

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from citaat.ingest.model import Chunk

from ..config import Mode
from ..records import Filters, Hit, section_path
from ..vectors import VectorIndex

# Shown to the LLM with each node, so it can cite respondent, section and page.
_LLM_KEYS = ("respondents", "section", "page", "kind", "doc")
_ALL_KEYS = ("chunk_id", "doc", "kind", "respondents", "section", "page", "parent", "context", "start", "end")


def chunk_to_node(chunk: Chunk) -> TextNode:
    """A `TextNode` with the chunk's id and fields as metadata (respondents as "R4, R13")."""
    metadata: dict[str, Any] = {
        "chunk_id": chunk.id,
        "doc": chunk.doc,
        "kind": chunk.kind,
        "respondents": ", ".join(chunk.respondents),
        "section": section_path(chunk.section),
        "page": chunk.page,
        "parent": chunk.parent,
        "context": chunk.context,
        "start": chunk.start,
        "end": chunk.end,
    }
    relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc)}
    if chunk.parent:
        relationships[NodeRelationship.PARENT] = RelatedNodeInfo(node_id=chunk.parent)
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=metadata,
        relationships=relationships,
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        excluded_embed_metadata_keys=list(_ALL_KEYS),  # vectors come from our own embedder
        excluded_llm_metadata_keys=[k for k in _ALL_KEYS if k not in _LLM_KEYS],
    )


class HitSearcher(Protocol):
    """What the retriever needs of `index.search.Searcher` (typed here so adapters never import it)."""

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, mode: Mode | None = None
    ) -> list[Hit]: ...


def hit_to_node(hit: Hit) -> NodeWithScore:
    return NodeWithScore(node=chunk_to_node(hit.chunk), score=hit.score)


class CitaatRetriever(BaseRetriever):
    """`Searcher.search` behind llama-index's retriever interface (for query/chat engines)."""

    def __init__(
        self, searcher: HitSearcher, k: int = 10, filters: Filters | None = None, mode: Mode | None = None
    ) -> None:
        super().__init__()
        self.searcher = searcher
        self.k = k
        self.filters = filters
        self.mode = mode

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.searcher.search(query_bundle.query_str, k=self.k, filters=self.filters, mode=self.mode)
        return [hit_to_node(h) for h in hits]


def faiss_vector_store(index: VectorIndex) -> Any:
    """The same FAISS index as a llama-index `FaissVectorStore` (node ids are row numbers)."""
    try:
        from llama_index.vector_stores.faiss import FaissVectorStore
    except ImportError:
        raise ImportError(
            "llama-index-vector-stores-faiss is niet geïnstalleerd: `pip install 'citaat[llama]'`"
        ) from None
    return FaissVectorStore(faiss_index=index.index)


__all__ = ["CitaatRetriever", "chunk_to_node", "faiss_vector_store", "hit_to_node"]
