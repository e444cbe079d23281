"""A cross-encoder reranking stage from a local folder (`--reranker DIR`; extra `st`).

A sentence-transformers `CrossEncoder` reads the question and each of the top N candidates together
and scores their relevance; Citaat reorders those N by that score (after the learned linear
reranker, index/rerank.py, which orders the fused candidates first). The model is loaded from a
local folder only: the Hugging Face hub is never contacted. docs/models.md says how to put a
multilingual reranker in such a folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..store import SearchIndexError


class CrossEncoderReranker:
    """`scores(query, texts)`: one relevance score per text, higher is more relevant."""

    def __init__(self, folder: str | Path, max_length: int = 512) -> None:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise SearchIndexError(f"{path}: de reranker-map bestaat niet", "geef een map met een CrossEncoder-model")
        if not (path / "config.json").is_file():
            raise SearchIndexError(
                f"{path}: is geen reranker-model (config.json ontbreekt)",
                "geef een map met een sentence-transformers CrossEncoder (zie docs/models.md)",
            )
        # before huggingface_hub/transformers are imported: no network, ever
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import CrossEncoder
        except ImportError:
            raise SearchIndexError(
                "--reranker vraagt sentence-transformers", "installeer het met `pip install 'citaat[st]'`"
            ) from None
        try:
            self.model = CrossEncoder(str(path), device="cpu", max_length=max_length, local_files_only=True)
        except Exception as exc:  # OSError, ValueError, HF errors: the folder holds no usable model
            raise SearchIndexError(
                f"{path}: is geen bruikbaar reranker-model ({type(exc).__name__})",
                "geef een map met een sentence-transformers CrossEncoder (zie docs/models.md)",
            ) from None
        self.name = str(path.resolve())

    def scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        out = self.model.predict([(query, t) for t in texts], show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)[:, -1]
