"""Ranking speech units per code of a codebook (the coding assistant's engine).

A code is a short name plus a description; the researcher's examples and decisions (accepted,
rejected) come on top. Every speech unit in scope (a respondent quote or a transcript turn; never
report prose, tables or apparatus) gets one score per code, from the index's own vectors and BM25
index (public members of `Searcher` only):

- dense: the e5 cosine of the unit's vector with the code as a query ("query: " prefix, the
  embedder's `embed_queries`), averaged with the best cosine over the description's facets (the
  comma/colon separated parts "de klik tussen mensen, elkaar kennen, ..."), since a unit that fits
  one facet well is as relevant as one that fits the whole description loosely;
- lexical: BM25 of the code's name (twice) and description over the lemmatised and stemmed terms
  of the index's own analyzer;
- both z-scored over the units in scope and summed with weights; then each unit's mean over all
  codes is subtracted in part (`contrast`), so a long quote that resembles every code does not top
  every ranking.

Learning (Rocchio): the vectors of the accepted units and examples pull the code's query vector
towards their mean, rejected units push it away; the lexical query gets the examples' terms; and
the best cosine to any accepted unit (nearest example) joins the dense side. The weights and
thresholds were chosen on the dev split of eval/data/coding (eval/coding.py).

Deterministic: no sampling; ties keep the index's row order (stable sorts).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from citaat.ingest.errors import CitaatError
from citaat.ingest.model import Chunk

if TYPE_CHECKING:
    from .search import Searcher

SPEECH_KINDS = ("quote", "turn")


@dataclass(frozen=True)
class CodingSettings:
    """Weights of the fused score and the suggestion threshold (chosen on dev)."""

    dense: float = 1.0
    lexical: float = 0.5
    facets: float = 0.5  # share of the best facet cosine in the dense score
    contrast: float = 0.8  # share of the unit's mean over all codes subtracted
    rocchio_pos: float = 0.3
    rocchio_neg: float = 0.3
    nearest: float = 0.0  # weight of the best cosine to an accepted unit (z-scored)
    example_lexical: float = 0.0  # weight of the examples' BM25 (z-scored) beside the description's
    threshold: float = 1.2  # suggested when the fused score is at least this (z units)
    best_margin: float = 0.5  # ... or this much lower when the code is the unit's best code


@dataclass(frozen=True)
class CodeQuery:
    """One code: name, description, and the units (rows) the researcher accepted or rejected, plus
    example texts that are not units of the index."""

    code: str
    description: str
    accepted: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass
class CodeRanking:
    """The scores of every unit in scope for one code, in `rows` order; `order` best first."""

    code: str
    rows: np.ndarray
    score: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    threshold: float
    suggested: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def order(self) -> np.ndarray:
        return np.argsort(-self.score, kind="stable")

    def why(self, i: int) -> str:
        """Which side found unit i: 'dense', 'lexical' or 'dense+lexical' (both above average)."""
        d, lx = self.dense[i], self.lexical[i]
        if d > 0.5 and lx > 0.5:
            return "dense+lexical"
        return "dense" if d >= lx else "lexical"


class CodebookError(CitaatError):
    """A codebook that cannot be read; the message names the file and the reason (Dutch)."""


@dataclass(frozen=True)
class Code:
    """One row of a codebook: name, description, examples (unit ids or text)."""

    code: str
    description: str
    examples: tuple[str, ...] = ()


_HEADER = {
    "code": "code",
    "naam": "code",
    "beschrijving": "beschrijving",
    "omschrijving": "beschrijving",
    "voorbeelden": "voorbeelden",
    "voorbeeld": "voorbeelden",
}


def parse_codebook(text: str, name: str = "codeboek") -> list[Code]:
    """Codes from CSV text (`,` or `;`) with the columns code;beschrijving[;voorbeelden].

    Examples are separated by `|` (a unit id or a piece of text). Raises `CodebookError` naming
    `name` and the reason for a missing column, an empty or duplicate code, or no codes at all.
    """
    text = text.lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise CodebookError(f"{name}: het codeboek is leeg", "verwacht een kopregel code;beschrijving[;voorbeelden]")
    first = lines[0]
    delim = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    except csv.Error as exc:
        raise CodebookError(f"{name}: geen leesbare CSV ({exc})") from None
    header = [_HEADER.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
    for need in ("code", "beschrijving"):
        if need not in header:
            raise CodebookError(
                f"{name}: de kolom '{need}' ontbreekt in de kopregel",
                "verwacht een kopregel code;beschrijving[;voorbeelden] (gescheiden door ; of ,)",
            )
    ci, di = header.index("code"), header.index("beschrijving")
    xi = header.index("voorbeelden") if "voorbeelden" in header else None
    out: list[Code] = []
    seen: set[str] = set()
    for n, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if len(cells) > len(header):
            raise CodebookError(
                f"{name}, regel {n}: {len(cells)} kolommen, de kopregel heeft er {len(header)}",
                f"zet tekst met '{delim}' tussen aanhalingstekens",
            )
        cells += [""] * (len(header) - len(cells))
        code, desc = cells[ci], cells[di]
        if not code:
            raise CodebookError(f"{name}, regel {n}: de code is leeg")
        if not desc:
            raise CodebookError(f"{name}, regel {n}: code '{code}' heeft geen beschrijving")
        if code.lower() in seen:
            raise CodebookError(f"{name}, regel {n}: code '{code}' staat er twee keer in")
        seen.add(code.lower())
        examples = tuple(e.strip() for e in (cells[xi] if xi is not None else "").split("|") if e.strip())
        out.append(Code(code, desc, examples))
    if not out:
        raise CodebookError(f"{name}: het codeboek heeft geen codes", "zet onder de kopregel één code per regel")
    return out


def is_speech(chunk: Chunk) -> bool:
    """A respondent's own words: a quote attributed to a respondent or a transcript turn, not the
    publication's apparatus."""
    if chunk.meta.get("apparatus"):
        return False
    if chunk.kind == "turn":
        return True
    return chunk.kind == "quote" and bool(chunk.respondents)


def speech_rows(chunks: Sequence[Chunk], kind: str | None = None, respondents: Sequence[str] = ()) -> np.ndarray:
    """Row numbers of the speech units, optionally of one kind and of these respondents."""
    want = set(respondents)
    out = [
        n
        for n, c in enumerate(chunks)
        if is_speech(c) and (kind is None or c.kind == kind) and (not want or want & set(c.respondents))
    ]
    return np.asarray(out, dtype=np.int64)


def facets(description: str) -> list[str]:
    """The description's parts worth matching on their own (at least two words each)."""
    parts = [" ".join(p.split()) for p in re.split(r"[,;:]", description)]
    return [p.strip(" .") for p in parts if len(p.split()) >= 2]


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)


class CodeRanker:
    """Scores the speech units `rows` of an opened index for codes. One ranker per scope; cheap
    to make (it holds views of the index's vectors)."""

    def __init__(self, searcher: Searcher, rows: np.ndarray, settings: CodingSettings | None = None) -> None:
        self.searcher = searcher
        self.rows = np.asarray(rows, dtype=np.int64)
        self.settings = settings or CodingSettings()
        self.chunks = searcher.chunks
        vectors = getattr(searcher.vectors, "vectors", None)  # FAISS keeps them; a Qdrant store does not
        if vectors is None:
            raise CitaatError(
                "coderen heeft de vectoren van de lokale index nodig", "open de index zonder --qdrant-url"
            )
        self.index_vectors: np.ndarray = vectors
        self.unit_vectors = np.asarray(vectors[self.rows], dtype=np.float32)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.searcher.embedder.embed_queries(texts), dtype=np.float32)

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.searcher.embedder.embed_passages(texts), dtype=np.float32)

    def raw(self, codes: Sequence[CodeQuery]) -> tuple[np.ndarray, np.ndarray]:
        """(dense, lexical) z-scores, shape (codes, units), before fusion and contrast."""
        s = self.settings
        n = len(self.rows)
        dense = np.zeros((len(codes), n), np.float32)
        lexical = np.zeros((len(codes), n), np.float32)
        if n == 0 or not codes:
            return dense, lexical
        heads = [f"{q.code}: {q.description}" for q in codes]
        facet_lists = [facets(q.description) for q in codes]
        flat = [f for fl in facet_lists for f in fl]
        qv = self._embed(heads + flat)
        head_v, facet_v = qv[: len(codes)], qv[len(codes) :]
        example_texts = [t for q in codes for t in q.examples]
        example_v = self._embed_passages(example_texts) if example_texts else np.zeros((0, qv.shape[1]), np.float32)
        pos_in_scope = {int(r): i for i, r in enumerate(self.rows.tolist())}
        fi = ei = 0
        for ci, q in enumerate(codes):
            nf = len(facet_lists[ci])
            fv = facet_v[fi : fi + nf]
            fi += nf
            ev = example_v[ei : ei + len(q.examples)]
            ei += len(q.examples)
            pos = [self._vector(r) for r in q.accepted]
            pos_v = np.vstack([*pos, ev]) if pos or len(ev) else np.zeros((0, qv.shape[1]), np.float32)
            neg = [self._vector(r) for r in q.rejected]
            query = head_v[ci].copy()
            if len(pos_v):
                query = query + s.rocchio_pos * pos_v.mean(axis=0)
            if neg:
                query = query - s.rocchio_neg * np.vstack(neg).mean(axis=0)
            query /= max(float(np.linalg.norm(query)), 1e-9)
            d = self.unit_vectors @ query
            if nf:
                best_facet = (self.unit_vectors @ fv.T).max(axis=1)
                d = (1 - s.facets) * d + s.facets * best_facet
            dz = _z(d)
            if len(pos_v):
                near = (self.unit_vectors @ pos_v.T).max(axis=1)
                # an accepted unit's own similarity (1.0) says nothing: use its next best
                for r in q.accepted:
                    i = pos_in_scope.get(int(r))
                    if i is not None:
                        sims = self.unit_vectors[i] @ pos_v.T
                        near[i] = np.sort(sims)[-2] if len(sims) > 1 else float(d[i])
                dz = dz + s.nearest * _z(near)
            dense[ci] = _z(dz)
            text = f"{q.code} {q.code} {q.description}"
            extra = [self.chunks[int(r)].text for r in q.accepted] + list(q.examples)
            lex = self.searcher.bm25.scores(text)[self.rows]
            if extra:
                lex_ex = np.mean([self.searcher.bm25.scores(t)[self.rows] for t in extra], axis=0)
                lex = _z(lex) + s.example_lexical * _z(lex_ex)
            lexical[ci] = _z(lex)
        return dense, lexical

    def _vector(self, row: int) -> np.ndarray:
        return np.asarray(self.index_vectors[int(row)], dtype=np.float32)

    def rank(self, codes: Sequence[CodeQuery]) -> list[CodeRanking]:
        """One ranking per code over every unit in scope, with the suggestion flags."""
        s = self.settings
        dense, lexical = self.raw(codes)
        fused = s.dense * dense + s.lexical * lexical
        if len(codes) > 1:
            fused = fused - s.contrast * fused.mean(axis=0, keepdims=True)
        fused = np.vstack([_z(f) for f in fused]) if fused.size else fused
        best = fused.argmax(axis=0) if fused.size else np.zeros(0, np.int64)
        out = []
        for ci, q in enumerate(codes):
            sc = fused[ci]
            suggested = (sc >= s.threshold) | ((best == ci) & (sc >= s.threshold - s.best_margin))
            out.append(CodeRanking(q.code, self.rows, sc, dense[ci], lexical[ci], s.threshold, suggested))
        return out


__all__ = [
    "SPEECH_KINDS",
    "Cluster",
    "new_code_clusters",
    "Code",
    "CodeQuery",
    "CodeRanker",
    "CodeRanking",
    "CodebookError",
    "CodingSettings",
    "facets",
    "is_speech",
    "parse_codebook",
    "speech_rows",
]


@dataclass(frozen=True)
class Cluster:
    """A group of uncovered units: rows (best first by closeness to the centre), its label terms."""

    rows: tuple[int, ...]
    terms: tuple[str, ...]
    central: int


def _kmeans(x: np.ndarray, k: int, iterations: int = 30) -> np.ndarray:
    """Spherical k-means with a deterministic farthest-point start; returns each row's cluster."""
    centres = [int(np.argmax(x @ x.mean(axis=0)))]  # the most typical unit first
    for _ in range(1, k):
        sims = (x @ x[centres].T).max(axis=1)
        centres.append(int(np.argmin(sims)))
    c = x[centres].copy()
    labels = np.zeros(len(x), np.int64)
    for _ in range(iterations):
        new = np.argmax(x @ c.T, axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                m = members.sum(axis=0)
                c[j] = m / max(float(np.linalg.norm(m)), 1e-9)
    return labels


def new_code_clusters(
    searcher: Searcher, rows: np.ndarray, covered: set[int], k: int | None = None, min_size: int = 3, n_terms: int = 4
) -> list[Cluster]:
    """Clusters of the speech units in `rows` that no code covers, each labelled by its c-TF-IDF
    terms (the index's lemmatised, stemmed content terms, shown as their most frequent word form)
    and with its most central unit. Deterministic; clusters smaller than `min_size` are left out.

    Experimental, not offered in the CLI or the page: measured by leaving one code out
    (eval/coding.py `rediscovery`), the best cluster finds the left-out code no better than random
    clusters of the same sizes on the report (F1 0.556 vs 0.556 over 9 codes)."""
    from .bm25 import STOPWORDS, _term

    free = np.asarray([int(r) for r in rows if int(r) not in covered], np.int64)
    if len(free) < min_size:
        return []
    vectors = getattr(searcher.vectors, "vectors", None)
    if vectors is None:
        return []
    x = np.asarray(vectors[free], np.float32)
    x = x - np.asarray(vectors[np.asarray(rows, np.int64)], np.float32).mean(axis=0)  # e5 vectors share one direction
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    k = k or max(2, min(12, round(math.sqrt(len(free) / 2))))
    labels = _kmeans(x, min(k, len(free)))
    word_re = re.compile(r"\w+", re.UNICODE)
    per_cluster: list[dict[str, int]] = []
    forms: dict[str, dict[str, int]] = {}
    for j in range(labels.max() + 1):
        counts: dict[str, int] = {}
        for r in free[labels == j].tolist():
            for w in word_re.findall(searcher.chunks[r].text.lower()):
                if w in STOPWORDS or len(w) < 4 or w.isdigit():
                    continue
                t = _term(w, True)
                counts[t] = counts.get(t, 0) + 1
                forms.setdefault(t, {}).setdefault(w, 0)
                forms[t][w] += 1
        per_cluster.append(counts)
    n_clusters = len(per_cluster)
    df = {t: sum(1 for c in per_cluster if t in c) for c in per_cluster for t in c}
    avg = max(sum(sum(c.values()) for c in per_cluster) / max(n_clusters, 1), 1.0)
    out = []
    for j, counts in enumerate(per_cluster):
        members = free[labels == j]
        if len(members) < min_size:
            continue
        total = max(sum(counts.values()), 1)
        # c-TF-IDF (BERTopic's class-based TF-IDF): term frequency in the class × log(1 + avg / freq)
        overall = {t: sum(c.get(t, 0) for c in per_cluster) for t in counts}
        score = {t: (n / total) * math.log(1 + avg / overall[t]) for t, n in counts.items() if n >= 2 or df[t] == 1}
        top = sorted(score, key=lambda t: (-score[t], t))[:n_terms]
        words = tuple(max(forms[t].items(), key=lambda kv: (kv[1], -len(kv[0])))[0] for t in top)
        sims = x[labels == j] @ x[labels == j].sum(axis=0)
        order = np.argsort(-sims, kind="stable")
        out.append(Cluster(tuple(int(members[i]) for i in order), words, int(members[order[0]])))
    out.sort(key=lambda c: (-len(c.rows), c.central))
    return out
