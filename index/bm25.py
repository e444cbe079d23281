"""Lexical retrieval: BM25 (bm25s) over Dutch lemmatised and stemmed tokens.

Analysis (`Analyzer`, the default is what an index is built with unless its IndexConfig says
otherwise): lower-cased words of two or more word characters (bm25s' default pattern); question
words removed (`QUESTION_WORDS`: "welke", "zegt", … say nothing about the topic); each word
lemmatised with simplemma's Dutch data ("liep" -> "lopen", "gemeenten" -> "gemeente") and then
Snowball-stemmed (PyStemmer `Stemmer("dutch")`); diacritics folded so "geïnvesteerd" and
"geinvesteerd" meet. The same analyzer tokenizes chunks and queries.

The full NLTK Dutch stopword list (`stopwords="nltk"`) is still available, but it lost on the dev
split: it removes words like "samen", "door", "zelf", "niets" that carry the meaning of a
paraphrased question, and BM25's IDF already makes "de" and "het" cheap
(docs/lab/2026-11-30-zoeken-v2.md).
`tokenize` is the content-word view other layers use for term overlap: the default
stems with the full stopword list removed.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import bm25s
import numpy as np
import simplemma
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

Stopwords = Literal["question", "nltk", "none"]
STOPWORD_LISTS: tuple[Stopwords, ...] = get_args(Stopwords)

# Changing anything in the analysis changes the postings: bump this so old indexes ask for a rebuild.
TOKENIZER_VERSION = "v2"
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
# Question words and verbs of asking that users type but that say nothing about the topic.
QUESTION_WORDS = frozenset(
    "wat wie welke welk waarom waar wanneer hoeveel hoe zegt zeggen vertelt vertellen noemt noemen".split()
)
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


@lru_cache(maxsize=131072)
def _term(word: str, lemma: bool) -> str:
    if lemma:
        word = simplemma.lemmatize(word, lang="nl").lower()
    return _fold(_stem(word))


@dataclass(frozen=True)
class Analyzer:
    """How text becomes BM25 terms. lemma: simplemma before the Snowball stem. stopwords:
    "question" (only QUESTION_WORDS), "nltk" (bm25s' NLTK Dutch list plus the question words) or
    "none" (plain Snowball BM25, the naive baseline)."""

    lemma: bool = True
    stopwords: Stopwords = "question"

    @property
    def id(self) -> str:
        """Written into the manifest; a searcher refuses an index built with another analysis."""
        stem = "simplemma+snowball" if self.lemma else "snowball"
        return f"nl-{stem}/{self.stopwords}-stopwords/fold-{TOKENIZER_VERSION}"

    def tokenize(self, text: str) -> list[str]:
        stop = {"question": QUESTION_WORDS, "nltk": STOPWORDS, "none": frozenset()}[self.stopwords]
        return [_term(w, self.lemma) for w in _TOKEN_RE.findall(text.lower()) if w not in stop]


DEFAULT_ANALYZER = Analyzer()
TOKENIZER_ID = DEFAULT_ANALYZER.id


def idf(n_docs: int, df: int) -> float:
    """BM25's (Lucene) inverse document frequency of a term found in `df` of `n_docs` documents;
    the evidence rule and the reranker weigh query terms by it."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def tokenize(text: str) -> list[str]:
    """Content terms of a text for term overlap (default stems, full stopword list removed)."""
    return [_term(w, DEFAULT_ANALYZER.lemma) for w in _TOKEN_RE.findall(text.lower()) if w not in STOPWORDS]


class BM25Index:
    """A bm25s index whose rows are the index's chunk rows, with the analyzer that made it."""

    def __init__(self, model: bm25s.BM25, n_docs: int, analyzer: Analyzer = DEFAULT_ANALYZER) -> None:
        self.model = model
        self.n_docs = n_docs
        self.analyzer = analyzer

    @classmethod
    def build(
        cls, texts: list[str], k1: float = 1.5, b: float = 0.75, analyzer: Analyzer = DEFAULT_ANALYZER
    ) -> BM25Index:
        model = bm25s.BM25(k1=k1, b=b)
        model.index([analyzer.tokenize(t) for t in texts], show_progress=False)
        return cls(model, len(texts), analyzer)

    def save(self, directory: Path) -> None:
        self.model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, analyzer: Analyzer = DEFAULT_ANALYZER) -> BM25Index:
        model = bm25s.BM25.load(str(directory), show_progress=False, mmap=False)
        return cls(model, int(model.scores["num_docs"]), analyzer)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (zeros when no query term is in the vocabulary)."""
        ids = self.model.get_tokens_ids(self.analyzer.tokenize(query))
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(ids), dtype=np.float32)
