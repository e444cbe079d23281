"""Translations between our index and outside libraries, kept in one place.

`llama` (llama-index: chunks as TextNodes, the searcher as a BaseRetriever, FAISS as a
FaissVectorStore) and `qdrant` (Qdrant as the vector store). Each imports its library on import,
so nothing on the default search path imports this package's modules except on request.
"""
