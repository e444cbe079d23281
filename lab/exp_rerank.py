"""Experiment: a learned reranker (learned fusion) over the default searcher's fused candidates.

For every answerable dev question the default searcher's fused candidate list (the union of the
dense and BM25 top 100, in RRF order, before duplicates are collapsed) is taken once, and each
candidate gets features: the retrievers' scores and ranks, the RRF score, the chunk kind, its
length, the share of the question's BM25 terms (the index's own analyzer) it contains, the best and
mean cosine of the question against its sentences (index/pieces.py, embedded once per scheme), the
cosine of its section path, whether its parent / children are candidates too, and its section's
rank. Labels: the chunk's grade from the eval judging (snippets -> `derive_labels`).

Models: pointwise logistic regression and pairwise logistic regression (RankNet-style differences
of a relevant and a non-relevant candidate of the same question), scikit-learn, standardised
features. A model reorders the fused top N (the rest keeps its RRF order after it); duplicates are
then collapsed as the searcher does and the top 10 is scored with ranx (eval/metrics.py).

Honest estimate: nested cross-validation over the same 5 dev folds as `python -m lab.tune`
(lab/tune.py `assign_folds`): for each held-out fold the hyperparameters (model, C, N, label,
feature set) are chosen by an inner 4-fold CV on the other four folds, the model is fitted on those
four folds and scored on the held-out one. The default (RRF order) is scored on the same folds.
The test split is never read.

    python -m lab.exp_rerank features   # build the feature cache (eval/out/rerank/)
    python -m lab.exp_rerank cv         # nested CV; prints Markdown tables
    python -m lab.exp_rerank cv --quick --features product --out cv-product.json
    python -m lab.exp_rerank fit --out cv-product.json   # index/rerank_model.json
    python -m lab.exp_rerank cv --quick --features product,product+secterm   # lost (docs/lab)
    python -m lab.exp_rerank cv --quick --features product,product+hub       # lost (docs/lab)
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import math
import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from citaat.benchmarks.common import REPO
from citaat.index.rerank import FEATURES as _PRODUCT_FEATURES

CACHE = REPO / "eval" / "out" / "rerank"
FEATURES_FILE = CACHE / "features.pkl"
KINDS = ("quote", "passage", "table", "turn")
FOLDS = 5
OBJECTIVE = ("mrr@10", "hit@5")
K = 10


# ----------------------------------------------------------------------------------- features


def _fused_candidates(searcher: Any, query: str) -> dict[str, Any]:
    """The default search's first stage (`Searcher.candidates`), without reranking or collapsing:
    every fused candidate row, best first, with what the retrievers said."""
    from citaat.index.fusion import ranked

    understood = searcher.query(query)
    pool = searcher.candidates(understood, max(searcher.config.candidates, 3 * searcher.config.k), "hybrid")
    return {
        "rows": ranked(pool.fused),
        "pool": pool,
        "fused": pool.fused,
        "dense_rows": pool.dense_rows,
        "lexical_rows": pool.lexical_rows,
        "bm25_all": pool.bm25_all,
        "qvec": pool.qvec,
        "match": understood.match,
        "prefer": understood.prefer,
        "codes": understood.filters.respondents,
    }


def _piece_vectors(searcher: Any, section: bool) -> tuple[np.ndarray, np.ndarray]:
    """(piece vectors, chunk row of each piece) for every chunk, cached on disk per scheme."""
    from citaat.index.pieces import piece_text, pieces

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"pieces-{'kop' if section else 'zin'}.npz"
    chunks = searcher.chunks
    texts, rows = [], []
    for n, c in enumerate(chunks):
        for span in pieces(c):
            texts.append(piece_text(c, span, section))
            rows.append(n)
    key = hashlib.sha1("\x00".join(texts).encode()).hexdigest() + searcher.embedder.name
    if path.is_file():
        data = np.load(path)
        if str(data["key"]) == key:
            return data["vectors"], data["rows"]
    vectors = searcher.embedder.embed_passages(texts)
    np.savez(path, vectors=vectors, rows=np.asarray(rows), key=np.asarray(key))
    return vectors, np.asarray(rows)


# the product's features (index/rerank.py) plus two that need extra vectors at build time: the best
# sentence cosine with the section path, and the cosine of the section path itself
_AT = list(_PRODUCT_FEATURES).index("piece_mean") + 1
FEATURES = (*_PRODUCT_FEATURES[:_AT], "piece_max_kop", "section_cos", *_PRODUCT_FEATURES[_AT:])
PIECE_FEATURES = ("piece_max", "piece_gap", "piece_mean", "piece_max_kop")
SECTION_TERM_FEATURES = ("section_overlap", "section_overlap_idf")
HUB_FEATURES = ("chunk_hub", "chunk_csls", "piece_csls_max")  # CSLS hubness correction (k = 10)
# feature sets "product+NAME": the product's features and one block of extra candidate features
EXTRA_SETS = {"product+secterm": ("Xs", SECTION_TERM_FEATURES), "product+hub": ("Xh", HUB_FEATURES)}


def build_features(progress: bool = True) -> dict[str, Any]:
    """Features of the fused candidates of every answerable dev question (cached in FEATURES_FILE)."""
    from citaat.eval.dataset import judge_items, load_questions
    from citaat.eval.run import _open_or_build, ensure_default_index
    from citaat.index.fusion import collapse_duplicates
    from citaat.index.records import Hit
    from citaat.index.rerank import FEATURES as PRODUCT_FEATURES
    from citaat.index.rerank import Reranker

    t0 = time.perf_counter()
    directory = ensure_default_index()
    searcher = _open_or_build(directory)  # today's IndexConfig(): piece vectors after the section path
    searcher.config = dataclasses.replace(searcher.config, rerank=False)  # the fused order is the input
    product = Reranker(searcher.chunks, searcher.bm25)
    chunks = searcher.chunks
    items = [i for i in load_questions().select("dev").items if i.answerable]
    judgements = judge_items(items, list(chunks))
    analyzer = searcher.bm25.analyzer
    chunk_terms = [set(analyzer.tokenize(c.text)) for c in chunks]
    df = Counter(t for terms in chunk_terms for t in terms)
    n_docs = len(chunks)

    def idf(t: str) -> float:
        return math.log(1 + (n_docs - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5))

    pv, prow = _piece_vectors(searcher, section=False)
    pv_kop, prow_kop = _piece_vectors(searcher, section=True)
    sections = sorted({c.section for c in chunks})
    from citaat.index.records import section_path

    sec_vecs = searcher.embedder.embed_passages([section_path(s) or "rapport" for s in sections])
    sec_index = {s: i for i, s in enumerate(sections)}

    def hubness(m: np.ndarray, k: int = 10) -> np.ndarray:
        # CSLS-style r: the mean cosine of each vector to its k nearest others (generic text scores high)
        sims = m @ m.T
        np.fill_diagonal(sims, -1.0)
        return np.sort(sims, axis=1)[:, -k:].mean(axis=1)

    chunk_hub = hubness(np.asarray(searcher.vectors.vectors, dtype=np.float64))
    piece_hub = hubness(np.asarray(pv, dtype=np.float64))
    section_terms = {s: frozenset(analyzer.tokenize(section_path(s))) if s else frozenset() for s in sections}
    by_id = {c.id: n for n, c in enumerate(chunks)}
    children: dict[int, list[int]] = defaultdict(list)
    for n, c in enumerate(chunks):
        if c.parent in by_id:
            children[by_id[c.parent]].append(n)
    vectors = searcher.vectors.vectors
    print(f"{len(items)} vragen, {len(chunks)} chunks, {len(prow)} zinnen; {time.perf_counter() - t0:.1f} s")

    questions = []
    for item in items:
        j = judgements[item.id]
        if not j.judgeable:
            continue
        fc = _fused_candidates(searcher, item.q)
        rows = fc["rows"]
        got = [h.id for h in searcher.search(item.q, k=K)]
        want = [h.id for h in collapse_duplicates((Hit(chunks[n], 0.0, r) for r, n in enumerate(rows, 1)), limit=K)]
        if got != want:
            raise SystemExit(f"{item.id}: de kandidatenlijst geeft niet de zoekresultaten van de standaard")
        qvec = fc["qvec"]
        cos_all = vectors @ qvec
        piece_cos = pv @ qvec
        piece_cos_kop = pv_kop @ qvec
        pmax = np.full(n_docs, -1.0)
        pmean = np.zeros(n_docs)
        pcount = np.zeros(n_docs)
        np.maximum.at(pmax, prow, piece_cos)
        np.add.at(pmean, prow, piece_cos)
        np.add.at(pcount, prow, 1)
        pmean = pmean / np.maximum(pcount, 1)
        pmax_kop = np.full(n_docs, -1.0)
        np.maximum.at(pmax_kop, prow_kop, piece_cos_kop)
        sec_cos = sec_vecs @ qvec
        q_terms = set(analyzer.tokenize(fc["match"]))
        q_idf = sum(idf(t) for t in q_terms) or 1.0
        fused = fc["fused"]
        fused_rank = {n: r for r, n in enumerate(rows, 1)}
        dense_rank = {n: r for r, n in enumerate(fc["dense_rows"], 1)}
        lex_rank = {n: r for r, n in enumerate(fc["lexical_rows"], 1)}
        bm25_all = fc["bm25_all"]
        max_fused = max(fused.values())
        max_cos = float(max(cos_all[rows]))
        max_bm25 = float(max(bm25_all[rows])) or 1.0
        max_piece = float(max(pmax[rows]))
        # sections ranked by their best fused candidate
        sec_best: dict[tuple[str, ...], float] = {}
        for n in rows:
            s = chunks[n].section
            sec_best[s] = max(sec_best.get(s, 0.0), fused[n])
        sec_rank = {s: r for r, s in enumerate(sorted(sec_best, key=lambda s: -sec_best[s]), 1)}
        top20_sections = Counter(chunks[n].section for n in rows[:20])
        feats = np.zeros((len(rows), len(FEATURES)), dtype=np.float64)
        for i, n in enumerate(rows):
            c = chunks[n]
            parent = by_id.get(c.parent) if c.parent else None
            kids = [m for m in children.get(n, []) if m in fused_rank]
            terms = chunk_terms[n]
            shared = q_terms & terms
            f = {
                "rrf": fused[n],
                "rrf_rel": fused[n] / max_fused,
                "fused_rr": 1.0 / fused_rank[n],
                "fused_logrank": math.log(fused_rank[n]),
                "dense_cos": float(cos_all[n]),
                "dense_gap": float(cos_all[n]) - max_cos,
                "dense_rr": 1.0 / dense_rank[n] if n in dense_rank else 0.0,
                "bm25": float(bm25_all[n]),
                "bm25_rel": float(bm25_all[n]) / max_bm25,
                "bm25_rr": 1.0 / lex_rank[n] if n in lex_rank else 0.0,
                "kind_quote": float(c.kind == "quote"),
                "kind_passage": float(c.kind == "passage"),
                "kind_table": float(c.kind == "table"),
                "kind_turn": float(c.kind == "turn"),
                "prefer_match": float(fc["prefer"] == c.kind),
                "has_respondent": float(bool(c.respondents)),
                "log_len": math.log(1 + len(c.text)),
                "overlap": len(shared) / len(q_terms) if q_terms else 0.0,
                "overlap_idf": sum(idf(t) for t in shared) / q_idf,
                "piece_max": float(pmax[n]),
                "piece_gap": float(pmax[n]) - max_piece,
                "piece_mean": float(pmean[n]),
                "piece_max_kop": float(pmax_kop[n]),
                "section_cos": float(sec_cos[sec_index[c.section]]),
                "parent_cand": float(parent is not None and parent in fused_rank),
                "parent_rr": 1.0 / fused_rank[parent] if parent is not None and parent in fused_rank else 0.0,
                "children_cand": float(len(kids)),
                "child_rr": max((1.0 / fused_rank[m] for m in kids), default=0.0),
                "section_rr": 1.0 / sec_rank[c.section],
                "section_count20": float(top20_sections.get(c.section, 0)),
            }
            feats[i] = [f[name] for name in FEATURES]
        # the product's features (index/rerank.py), exactly as the searcher computes them
        _, cand = searcher.rerank_candidates(fc["pool"])
        xp = product.features(cand, fc["match"], fc["prefer"], len(rows))
        # candidate extras (EXTRA_SETS): hubness (CSLS: 2 cos - hub) of the chunk and of its best piece
        pcsls = np.full(n_docs, -2.0)
        np.maximum.at(pcsls, prow, 2 * piece_cos - piece_hub)
        xh = np.asarray([(chunk_hub[n], 2 * cos_all[n] - chunk_hub[n], pcsls[n]) for n in rows], dtype=np.float64)
        # ... and the question's terms in the candidate's section path (its headings), as a share of the
        # question's terms and idf-weighted ("Wat zijn de succesfactoren?" names a heading)
        q_idf_product = sum(product.idf(t) for t in sorted(q_terms)) or 1.0
        xs = np.zeros((len(rows), len(SECTION_TERM_FEATURES)), dtype=np.float64)
        for i, n in enumerate(rows):
            shared_sec = q_terms & section_terms[chunks[n].section]
            xs[i] = (
                len(shared_sec) / len(q_terms) if q_terms else 0.0,
                sum(product.idf(t) for t in sorted(shared_sec)) / q_idf_product,
            )
        questions.append(
            {
                "id": item.id,
                "Xp": xp,
                "Xs": xs,
                "Xh": xh,
                "category": item.category,
                "rows": rows,
                "ids": [chunks[n].id for n in rows],
                "X": feats,
                "grade": np.asarray([j.grade(chunks[n].id) for n in rows], dtype=np.int64),
            }
        )
    data = {
        "features": FEATURES,
        "product_features": PRODUCT_FEATURES,
        "questions": questions,
        "chunk_ids": [c.id for c in chunks],
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    FEATURES_FILE.write_bytes(pickle.dumps(data))
    print(f"{len(questions)} vragen met kenmerken in {FEATURES_FILE} ({time.perf_counter() - t0:.1f} s)")
    return data


def load_features() -> dict[str, Any]:
    return pickle.loads(FEATURES_FILE.read_bytes())


# ----------------------------------------------------------------------------------- evaluation


class Scorer:
    """Turns a per-question candidate order into Hit@1 / Hit@5 / MRR@10 the way `citaat eval` does:
    duplicates collapsed (index/fusion.py), evidence units (eval/dataset.py), ranx (eval/metrics.py)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        from citaat.eval.dataset import judge_items, load_questions
        from citaat.eval.run import ensure_default_index
        from citaat.index.records import Hit
        from citaat.ingest.store import read_chunks

        chunks = read_chunks(ensure_default_index())
        if [c.id for c in chunks] != data["chunk_ids"]:
            raise SystemExit("de kenmerken horen bij een andere index; draai `exp_rerank features` opnieuw")
        items = {i.id: i for i in load_questions().select("dev").items}
        self.questions = {q["id"]: q for q in data["questions"]}
        self.judgements = judge_items([items[q] for q in self.questions], chunks)
        self.hits = {
            q["id"]: [Hit(chunks[n], score=0.0, rank=r) for r, n in enumerate(q["rows"], 1)]
            for q in data["questions"]
        }

    def ranking(self, qid: str, order: Sequence[int]) -> list[str]:
        from citaat.index.fusion import collapse_duplicates

        hits = self.hits[qid]
        kept = collapse_duplicates((hits[i] for i in order), limit=K)
        return self.judgements[qid].ranked_units([h.id for h in kept])

    def per_query(self, orders: Mapping[str, Sequence[int]]) -> dict[str, dict[str, float]]:
        from citaat.eval import metrics as M

        qrels = {q: dict(self.judgements[q].qrels) for q in orders}
        rankings = {q: self.ranking(q, o) for q, o in orders.items()}
        pq = M.per_query(qrels, rankings, {m: M.METRICS[m] for m in ("hit@1", "hit@5", "mrr@10")})
        return pq


def means(pq: Mapping[str, Mapping[str, float]], ids: Sequence[str]) -> dict[str, float]:
    return {m: float(np.mean([pq[m][q] for q in ids])) for m in pq}


def objective(m: Mapping[str, float]) -> tuple[float, float]:
    """As lab/tune.py: mean of MRR@10 and Hit@5, ties by Hit@1."""
    return ((m["mrr@10"] + m["hit@5"]) / 2, m["hit@1"])


# ----------------------------------------------------------------------------------- models


@dataclasses.dataclass(frozen=True)
class Setting:
    model: str  # "point" | "pair"
    c: float
    depth: int  # rerank the fused top `depth`
    label: str  # "any" (grade > 0) | "answer" (grade 2)
    features: str  # "all" | "no-pieces" | "base"

    def label_text(self) -> str:
        return f"{self.model} C={self.c:g} N={self.depth} y={self.label} f={self.features}"


BASE_FEATURES = ("rrf", "rrf_rel", "fused_rr", "fused_logrank", "dense_cos", "dense_gap", "dense_rr", "bm25",
                 "bm25_rel", "bm25_rr")


def matrix(q: Mapping[str, Any], which: str) -> np.ndarray:
    """The candidate feature matrix a feature set reads: the product's (index/rerank.py) or the experiment's."""
    if which == "product":
        return q["Xp"]
    if which in EXTRA_SETS:
        return np.hstack([q["Xp"], q[EXTRA_SETS[which][0]]])
    return q["X"]


def feature_columns(names: Sequence[str], which: str) -> list[int]:
    if which == "product":
        from citaat.index.rerank import FEATURES as PRODUCT_FEATURES

        return list(range(len(PRODUCT_FEATURES)))
    if which in EXTRA_SETS:
        return list(range(len(_PRODUCT_FEATURES) + len(EXTRA_SETS[which][1])))
    if which == "all":
        return list(range(len(names)))
    if which == "no-pieces":
        return [i for i, n in enumerate(names) if n not in PIECE_FEATURES]
    if which == "no-kop":  # only the pieces embedded alone
        return [i for i, n in enumerate(names) if n != "piece_max_kop"]
    if which == "kop":  # only the pieces embedded after their section path (the answer scorer's scheme)
        return [i for i, n in enumerate(names) if n not in PIECE_FEATURES or n == "piece_max_kop"]
    if which == "zin-nosec":  # pieces embedded alone, no section-path cosine
        return [i for i, n in enumerate(names) if n not in ("piece_max_kop", "section_cos")]
    if which == "kop-nosec":  # pieces after their section path, no section-path cosine
        return [i for i, n in enumerate(names) if n not in (*PIECE_FEATURES[:3], "section_cos")]
    if which == "base":
        return [i for i, n in enumerate(names) if n in BASE_FEATURES]
    raise ValueError(which)


class Model:
    """A fitted linear scorer: standardisation + weights."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, cols: list[int], which: str) -> None:
        self.mean, self.scale, self.coef, self.cols, self.which = mean, scale, coef, cols, which

    def score(self, q: Mapping[str, Any], depth: int) -> np.ndarray:
        return ((matrix(q, self.which)[:depth, self.cols] - self.mean) / self.scale) @ self.coef


def fit(questions: Sequence[Mapping[str, Any]], s: Setting, names: Sequence[str]) -> Model:
    from sklearn.linear_model import LogisticRegression

    cols = feature_columns(names, s.features)
    Xs, ys, groups = [], [], []
    for g, q in enumerate(questions):
        X = matrix(q, s.features)[: s.depth, cols]
        y = (q["grade"][: s.depth] >= (2 if s.label == "answer" else 1)).astype(int)
        Xs.append(X)
        ys.append(y)
        groups.append(np.full(len(y), g))
    X = np.vstack(Xs)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    if s.model == "point":
        y = np.concatenate(ys)
        lr = LogisticRegression(C=s.c, max_iter=2000)
        lr.fit((X - mean) / scale, y)
        return Model(mean, scale, lr.coef_[0], cols, s.features)
    diffs = []
    for Xq, yq in zip(Xs, ys, strict=True):
        pos, neg = np.flatnonzero(yq == 1), np.flatnonzero(yq == 0)
        if not len(pos) or not len(neg):
            continue
        Z = (Xq - mean) / scale
        d = (Z[pos][:, None, :] - Z[neg][None, :, :]).reshape(-1, Z.shape[1])
        diffs.append(d / len(pos))  # every question weighs about the same (per positive)
    D = np.vstack(diffs)
    Xp = np.vstack([D, -D])
    yp = np.concatenate([np.ones(len(D)), np.zeros(len(D))])
    lr = LogisticRegression(C=s.c, max_iter=2000, fit_intercept=False)
    lr.fit(Xp, yp)
    return Model(mean, scale, lr.coef_[0], cols, s.features)


def rerank_order(q: Mapping[str, Any], model: Model | None, depth: int) -> list[int]:
    """Candidate positions in the new order: the fused top `depth` by model score (ties: fused
    order), then the rest in fused order. None = the default (fused order)."""
    n = len(q["rows"])
    if model is None:
        return list(range(n))
    d = min(depth, n)
    scores = model.score(q, d)
    head = sorted(range(d), key=lambda i: (-scores[i], i))
    return head + list(range(d, n))


def grid(quick: bool = False, feature_sets: Sequence[str] = ()) -> list[Setting]:
    models = ("point", "pair")
    cs = (0.01, 0.1, 1.0)
    depths = (20, 50, 100)
    labels = ("any",) if quick else ("any", "answer")
    feats = feature_sets or ("all", "no-pieces", "base")
    return [Setting(*v) for v in itertools.product(models, cs, depths, labels, feats)]


def evaluate_setting(
    scorer: Scorer, train: Sequence[Mapping[str, Any]], test: Sequence[Mapping[str, Any]], s: Setting,
    names: Sequence[str],
) -> dict[str, dict[str, float]]:
    model = fit(train, s, names)
    return scorer.per_query({q["id"]: rerank_order(q, model, s.depth) for q in test})


def run_cv(quick: bool = False, feature_sets: Sequence[str] = (), out: str = "cv.json") -> dict[str, Any]:
    from citaat.eval.dataset import PARAPHRASE, load_questions
    from lab.tune import assign_folds

    t0 = time.perf_counter()
    data = load_features()
    names = data["features"]
    scorer = Scorer(data)
    questions = data["questions"]
    items = [i for i in load_questions().select("dev").items if i.id in scorer.questions]
    folds_of = assign_folds(items, FOLDS)
    by_fold = [[q for q in questions if folds_of[q["id"]] == f] for f in range(FOLDS)]
    settings = grid(quick, feature_sets)
    default_pq = scorer.per_query({q["id"]: rerank_order(q, None, 0) for q in questions})

    # Every training set is "all folds but an excluded set" (one fold for the outer loop, two for
    # the inner one): 5 + 10 distinct sets, each fitted once per setting and scored where needed.
    models: dict[tuple[frozenset[int], Setting], Model] = {}
    scored: dict[tuple[frozenset[int], int, Setting], dict[str, dict[str, float]]] = {}

    def held_out(excluded: frozenset[int], fold: int, s: Setting) -> dict[str, dict[str, float]]:
        key = (excluded, fold, s)
        if key not in scored:
            if (excluded, s) not in models:
                train = [q for g in range(FOLDS) if g not in excluded for q in by_fold[g]]
                models[excluded, s] = fit(train, s, names)
            model = models[excluded, s]
            scored[key] = scorer.per_query({q["id"]: rerank_order(q, model, s.depth) for q in by_fold[fold]})
        return scored[key]

    # Non-nested: every setting fitted on 4 folds, scored on the fifth (pooled over the folds).
    flat: dict[Setting, dict[str, dict[str, float]]] = {}
    for n, s in enumerate(settings):
        pooled: dict[str, dict[str, float]] = defaultdict(dict)
        for f in range(FOLDS):
            for m, v in held_out(frozenset({f}), f, s).items():
                pooled[m].update(v)
        flat[s] = dict(pooled)
        print(f"[{n + 1}/{len(settings)}] {s.label_text()} {time.perf_counter() - t0:.0f} s", flush=True)

    # Nested: the setting for fold f is chosen by an inner CV over the other four folds.
    nested_rows: list[dict[str, Any]] = []
    nested_pq: dict[str, dict[str, float]] = defaultdict(dict)
    for f in range(FOLDS):
        inner = [g for g in range(FOLDS) if g != f]
        best, best_obj = None, None
        for s in settings:
            pooled = defaultdict(dict)
            for h in inner:
                for m, v in held_out(frozenset({f, h}), h, s).items():
                    pooled[m].update(v)
            ids = [q["id"] for g in inner for q in by_fold[g]]
            obj = objective(means(pooled, ids))
            if best_obj is None or obj > best_obj:
                best, best_obj = s, obj
        assert best is not None
        pq = held_out(frozenset({f}), f, best)
        for m, v in pq.items():
            nested_pq[m].update(v)
        ids = [q["id"] for q in by_fold[f]]
        nested_rows.append(
            {"fold": f, "n": len(ids), "chosen": best.label_text(), "held_out": means(pq, ids),
             "default": means(default_pq, ids)}
        )
        print(f"fold {f}: {best.label_text()} {nested_rows[-1]['held_out']} default {nested_rows[-1]['default']}")

    all_ids = [q["id"] for q in questions]
    para = [q["id"] for q in questions if q["category"] == PARAPHRASE]
    summary = {
        "n": len(all_ids),
        "n_paraphrase": len(para),
        "default": {**means(default_pq, all_ids), "paraphrase": means(default_pq, para)},
        "nested": {**means(nested_pq, all_ids), "paraphrase": means(nested_pq, para)},
        "nested_folds": nested_rows,
        "nested_fold_means": {
            m: float(np.mean([r["held_out"][m] for r in nested_rows])) for m in ("hit@1", "hit@5", "mrr@10")
        },
        "default_fold_means": {
            m: float(np.mean([r["default"][m] for r in nested_rows])) for m in ("hit@1", "hit@5", "mrr@10")
        },
        "flat": [
            {"setting": s.label_text(), **means(pq, all_ids), "paraphrase_hit@5": means(pq, para)["hit@5"]}
            for s, pq in sorted(flat.items(), key=lambda kv: -sum(means(kv[1], all_ids)[m] for m in OBJECTIVE))
        ],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (CACHE / out).write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def fit_product(cv_file: str = "cv-product.json") -> None:
    """Fit the product model on all dev questions with the setting that a 5-fold CV over all of dev
    chooses (the best row of the non-nested table of a `cv --features product` run, the same rule
    the inner CV applies per fold) and write index/rerank_model.json."""
    from citaat.index.rerank import FEATURES as PRODUCT_FEATURES
    from citaat.index.rerank import MODEL_FILE, RerankModel

    summary = json.loads((CACHE / cv_file).read_text(encoding="utf-8"))
    rows = [r for r in summary["flat"] if r["setting"].endswith("f=product")]
    best = max(rows, key=lambda r: ((r["mrr@10"] + r["hit@5"]) / 2, r["hit@1"]))
    model_name, c, depth, label, feats = best["setting"].split()
    s = Setting(model_name, float(c[2:]), int(depth[2:]), label[2:], feats[2:])
    data = load_features()
    model = fit(data["questions"], s, data["features"])
    note = (
        f"{s.label_text()}, gefit op {len(data['questions'])} dev-vragen "
        f"(python -m lab.exp_rerank fit; docs/lab/2026-12-01-zoeken-v4.md en v5)"
    )
    RerankModel(tuple(PRODUCT_FEATURES), model.mean, model.scale, model.coef, s.depth, note).save(MODEL_FILE)
    print(f"{MODEL_FILE}: {note}")
    for name, w in zip(PRODUCT_FEATURES, model.coef, strict=True):
        print(f"  {name:16s} {w:+.3f}")


def markdown(summary: Mapping[str, Any], top: int = 12) -> str:
    lines = [
        f"Geneste 5-voudige CV op dev ({summary['n']} vragen, waarvan {summary['n_paraphrase']} parafrases; "
        f"{summary['seconds']} s).",
        "",
        "| fold | n | gekozen (binnenste CV) | herrangschikt H@1 / H@5 / MRR@10 | standaard H@1 / H@5 / MRR@10 |",
        "|---:|---:|---|---:|---:|",
    ]
    for r in summary["nested_folds"]:
        h, d = r["held_out"], r["default"]
        lines.append(
            f"| {r['fold']} | {r['n']} | {r['chosen']} | {h['hit@1']:.3f} / {h['hit@5']:.3f} / {h['mrr@10']:.3f} "
            f"| {d['hit@1']:.3f} / {d['hit@5']:.3f} / {d['mrr@10']:.3f} |"
        )
    h, d = summary["nested_fold_means"], summary["default_fold_means"]
    lines.append(
        f"| gem. | | | {h['hit@1']:.3f} / {h['hit@5']:.3f} / {h['mrr@10']:.3f} "
        f"| {d['hit@1']:.3f} / {d['hit@5']:.3f} / {d['mrr@10']:.3f} |"
    )
    n, dd = summary["nested"], summary["default"]
    lines += [
        "",
        "| | Hit@1 | Hit@5 | MRR@10 | parafrase Hit@1 | parafrase Hit@5 | parafrase MRR@10 |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| standaard (RRF) | {dd['hit@1']:.3f} | {dd['hit@5']:.3f} | {dd['mrr@10']:.3f} | "
        f"{dd['paraphrase']['hit@1']:.3f} | {dd['paraphrase']['hit@5']:.3f} | {dd['paraphrase']['mrr@10']:.3f} |",
        f"| geleerd (genest) | {n['hit@1']:.3f} | {n['hit@5']:.3f} | {n['mrr@10']:.3f} | "
        f"{n['paraphrase']['hit@1']:.3f} | {n['paraphrase']['hit@5']:.3f} | {n['paraphrase']['mrr@10']:.3f} |",
        "",
        f"Beste {top} vaste instellingen (elk op 4 folds gefit, op de vijfde gescoord; optimistisch, want de "
        "keuze is achteraf):",
        "",
        "| instelling | Hit@1 | Hit@5 | MRR@10 | parafrase Hit@5 |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in summary["flat"][:top]:
        lines.append(
            f"| {r['setting']} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} "
            f"| {r['paraphrase_hit@5']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("features", "cv", "fit", "all"))
    parser.add_argument("--quick", action="store_true", help="alleen label 'any' (grade > 0; grade 1 is zeldzaam)")
    parser.add_argument("--features", default="", help="kenmerkensets, komma-gescheiden (standaard all,no-pieces,base)")
    parser.add_argument("--out", default="cv.json", help="bestandsnaam onder eval/out/rerank/")
    args = parser.parse_args(argv)
    if args.step in ("features", "all"):
        build_features()
    if args.step in ("cv", "all"):
        sets = tuple(f for f in args.features.split(",") if f)
        print(markdown(run_cv(args.quick, sets, args.out)))
    if args.step == "fit":
        fit_product(args.out)


if __name__ == "__main__":
    main()
