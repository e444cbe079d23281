"""llama-index adapters: chunks as `TextNode`s and the `Searcher` as a `BaseRetriever`.

The RAG side (chat engine, response synthesis) speaks llama-index; retrieval stays ours
(`Searcher`, Dutch BM25, filters, dedup), so this module only translates. Importing it costs
llama-index's import time (~1 s), which is why `index.search` does not import it.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from citaat.ingest.model import Chunk

from .build import SECTION_SEP
from .search import Filters, Hit, Searcher

# Shown to the LLM with each node, so it can cite respondent, section and page.
_LLM_KEYS = ("respondents", "section", "page", "kind", "doc")
_ALL_KEYS = ("chunk_id", "doc", "kind", "respondents", "section", "page", "parent", "context", "start", "end")


def chunk_to_node(chunk: Chunk | Hit) -> TextNode:
    """A `TextNode` with the chunk's id and fields as metadata (respondents as "R4, R13")."""
    metadata: dict[str, Any] = {
        "chunk_id": chunk.id,
        "doc": chunk.doc,
        "kind": chunk.kind,
        "respondents": ", ".join(chunk.respondents),
        "section": SECTION_SEP.join(chunk.section),
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


def hit_to_node(hit: Hit) -> NodeWithScore:
    return NodeWithScore(node=chunk_to_node(hit), score=hit.score)


class CitaatRetriever(BaseRetriever):
    """`Searcher.search` behind llama-index's retriever interface (for query/chat engines)."""

    def __init__(
        self, searcher: Searcher, k: int = 10, filters: Filters | None = None, mode: str | None = None
    ) -> None:
        super().__init__()
        self.searcher = searcher
        self.k = k
        self.filters = filters
        self.mode = mode

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.searcher.search(query_bundle.query_str, k=self.k, filters=self.filters, mode=self.mode)
        return [hit_to_node(h) for h in hits]
