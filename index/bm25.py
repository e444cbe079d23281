"""Lexical retrieval: BM25 (bm25s) over Dutch-stemmed, stopword-filtered tokens.

Tokens: lower-cased words of two or more word characters (bm25s' default pattern), Dutch
stopwords removed (bm25s' `STOPWORDS_DUTCH`, the NLTK list, plus question words that carry no
topic), Snowball Dutch stems (PyStemmer `Stemmer("dutch")`), diacritics folded so "geïnvesteerd"
and "geinvesteerd" meet. The same function tokenizes chunks and queries.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

# Changing anything below changes the postings: bump this so old indexes ask for a rebuild.
TOKENIZER_ID = "nl-snowball/nltk-stopwords+question-words/fold-v1"
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
# Question words and verbs of asking that users type but that say nothing about the topic.
QUESTION_WORDS = frozenset("welke welk waarom waar wanneer hoeveel zegt zeggen vertelt vertellen noemt noemen".split())
STOPWORDS = frozenset(STOPWORDS_DUTCH) | QUESTION_WORDS

# A Snowball stemmer keeps state between calls, so each thread (concurrent searches) has its own.
_local = threading.local()


def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("dutch")
    return str(stemmer.stemWord(word))


def _fold(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _term(word: str) -> str:
    return _fold(_stem(word))


def tokenize(text: str) -> list[str]:
    """Dutch BM25 terms of one text (see module docstring)."""
    return [_term(w) for w in _TOKEN_RE.findall(text.lower()) if w not in STOPWORDS]


class BM25Index:
    """A bm25s index whose rows are the index's chunk rows."""

    def __init__(self, model: bm25s.BM25, n_docs: int) -> None:
        self.model = model
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.5, b: float = 0.75) -> BM25Index:
        model = bm25s.BM25(k1=k1, b=b)
        model.index([tokenize(t) for t in texts], show_progress=False)
        return cls(model, len(texts))

    def save(self, directory: Path) -> None:
        self.model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        model = bm25s.BM25.load(str(directory), show_progress=False, mmap=False)
        return cls(model, int(model.scores["num_docs"]))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (zeros when no query term is in the vocabulary)."""
        ids = self.model.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(ids), dtype=np.float32)
