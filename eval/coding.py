"""Evaluation of the coding assistant (index/coding.py) against the hand coding in eval/data/coding.

gold.jsonl: one line per speech unit {"id", "source", "respondent", "split", "codes"}; codebook.csv:
the 10-code codebook the coding was made against (written before anything was scored). The
report's quotes are split by respondent (odd R-numbers dev, even test), the fictional transcripts'
turns by transcript (eval/data/coding/README.md).

Measures, per split:
- MAP over codes, zero-shot (the descriptions only);
- MAP with 2 accepted examples per code (the first two gold units of that code in file order,
  left out of that code's scoring);
- micro-F1 of the suggestions at the settings' thresholds (zero-shot);
- baselines in the same run: the e5 cosine of "code: description", TF-IDF (lemmatised and stemmed
  terms of the index's analyzer, cosine), and random (mean over 50 seeded permutations).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citaat.index.coding import Code, CodeQuery, CodeRanker, CodingSettings, parse_codebook
from citaat.index.search import Searcher

DATA = Path(__file__).parent / "data" / "coding"
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class CodingGold:
    codes: list[Code]
    units: list[dict]  # {"id", "respondent", "split", "codes"}

    def split(self, name: str, source: str = "report") -> list[dict]:
        return [u for u in self.units if name in ("all", u["split"]) and u.get("source", "report") == source]


def load_gold(directory: Path = DATA) -> CodingGold:
    codes = parse_codebook((directory / "codebook.csv").read_text(encoding="utf-8"), str(directory / "codebook.csv"))
    units = [json.loads(line) for line in (directory / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return CodingGold(codes, units)


def average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    """AP of ranking `scores` (higher first, stable) against boolean `relevant`."""
    if not relevant.any():
        return math.nan
    order = np.argsort(-scores, kind="stable")
    rel = relevant[order]
    hits = np.cumsum(rel)
    prec = hits / np.arange(1, len(rel) + 1)
    return float((prec * rel).sum() / rel.sum())


def _map(score_rows: np.ndarray, truth: np.ndarray, keep: np.ndarray | None = None) -> float:
    aps = []
    for ci in range(truth.shape[0]):
        mask = np.ones(truth.shape[1], bool) if keep is None else keep[ci]
        ap = average_precision(score_rows[ci][mask], truth[ci][mask])
        if not math.isnan(ap):
            aps.append(ap)
    return float(np.mean(aps)) if aps else math.nan


def micro_f1(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    tp = float((pred & truth).sum())
    p = tp / max(float(pred.sum()), 1.0)
    r = tp / max(float(truth.sum()), 1.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def tfidf_scores(searcher: Searcher, rows: np.ndarray, queries: Sequence[str]) -> np.ndarray:
    """Cosine of TF-IDF vectors (the index's analyzer; idf over the units in scope)."""
    analyze = searcher.bm25.analyzer.tokenize
    chunks = searcher.chunks
    docs = [Counter(analyze(chunks[int(r)].text)) for r in rows]
    df: Counter[str] = Counter(t for d in docs for t in d)
    n = len(docs)

    def vec(c: Counter[str]) -> dict[str, float]:
        v = {t: (1 + math.log(tf)) * math.log((1 + n) / (1 + df[t]) + 1) for t, tf in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    dv = [vec(d) for d in docs]
    out = np.zeros((len(queries), n), np.float32)
    for qi, q in enumerate(queries):
        qv = vec(Counter(analyze(q)))
        for di, d in enumerate(dv):
            out[qi, di] = sum(w * d.get(t, 0.0) for t, w in qv.items())
    return out


def evaluate(
    searcher: Searcher,
    gold: CodingGold,
    split: str,
    settings: CodingSettings | None = None,
    examples: int = 2,
    source: str = "report",
) -> dict[str, float]:
    """All measures of one split of one source ("report": the quotes, "examples": the fictional
    transcripts' turns; `searcher` must be that source's index), baselines included."""
    units = gold.split(split, source)
    by_id = {c.id: n for n, c in enumerate(searcher.chunks)}
    missing = [u["id"] for u in units if u["id"] not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} gold units are not in the index, e.g. {missing[0]}")
    rows = np.asarray([by_id[u["id"]] for u in units], np.int64)
    names = [c.code for c in gold.codes]
    truth = np.asarray([[name in u["codes"] for u in units] for name in names], bool)
    # ranked as the product ranks: over every unit of the source (both splits), scored on the split
    scope = np.asarray([by_id[u["id"]] for u in gold.split("all", source) if u["id"] in by_id], np.int64)
    ranker = CodeRanker(searcher, scope, settings)
    col = {int(r): i for i, r in enumerate(scope.tolist())}
    at = np.asarray([col[int(r)] for r in rows], np.int64)
    queries = [CodeQuery(c.code, c.description) for c in gold.codes]

    t0 = time.perf_counter()
    zero = ranker.rank(queries)
    seconds = time.perf_counter() - t0
    zs = np.vstack([r.score[at] for r in zero])
    pred = np.vstack([r.suggested[at] for r in zero])
    p, r, f1 = micro_f1(pred, truth)

    # two accepted examples per code, left out of that code's scoring
    keep = np.ones_like(truth)
    learned = []
    for ci, c in enumerate(gold.codes):
        pos = np.flatnonzero(truth[ci])[:examples]
        keep[ci, pos] = False
        learned.append(CodeQuery(c.code, c.description, accepted=tuple(int(rows[i]) for i in pos)))
    ls = np.vstack([x.score[at] for x in ranker.rank(learned)])

    head = searcher.embedder.embed_queries([f"{c.code}: {c.description}" for c in gold.codes])
    e5 = np.asarray(head, np.float32) @ ranker.unit_vectors[at].T
    tf = tfidf_scores(searcher, rows, [f"{c.code} {c.description}" for c in gold.codes])
    rng = np.random.default_rng(0)
    rand = float(np.mean([_map(rng.random(truth.shape), truth) for _ in range(50)]))
    return {
        "units": float(len(units)),
        "codings": float(truth.sum()),
        "map_zero_shot": _map(zs, truth),
        "map_2_examples": _map(ls, truth, keep),
        "map_zero_shot_same_units": _map(zs, truth, keep),
        "micro_precision": p,
        "micro_recall": r,
        "micro_f1": f1,
        "suggested": float(pred.sum()),
        "baseline_e5_map": _map(e5, truth),
        "baseline_tfidf_map": _map(tf, truth),
        "baseline_random_map": rand,
        "seconds_rank_zero_shot": seconds,
    }


def rediscovery(
    searcher: Searcher, gold: CodingGold, split: str = "all", settings: CodingSettings | None = None
) -> dict:
    """Inductive codes, measured by leaving one code out: code with the other nine, cluster what
    they leave uncovered (index/coding.py `new_code_clusters`), and score the cluster that best
    matches the left-out code's gold units (F1), against random clusters of the same sizes."""
    from citaat.index.coding import new_code_clusters

    units = gold.split(split)
    by_id = {c.id: n for n, c in enumerate(searcher.chunks)}
    rows = np.asarray([by_id[u["id"]] for u in units], np.int64)
    codes_of = {by_id[u["id"]]: set(u["codes"]) for u in units}
    ranker = CodeRanker(searcher, rows, settings)
    rng = np.random.default_rng(0)
    f1s, rand = [], []
    for left in gold.codes:
        others = [c for c in gold.codes if c.code != left.code]
        ranked = ranker.rank([CodeQuery(c.code, c.description) for c in others])
        covered = {int(r.rows[i]) for r in ranked for i in np.flatnonzero(r.suggested)}
        clusters = new_code_clusters(searcher, rows, covered)
        target = {r for r, cs in codes_of.items() if left.code in cs and r not in covered}
        if not target or not clusters:
            continue

        def best(groups: list[set[int]], target: set[int] = target) -> float:
            out = 0.0
            for g in groups:
                tp = len(g & target)
                if tp:
                    p, r = tp / len(g), tp / len(target)
                    out = max(out, 2 * p * r / (p + r))
            return out

        groups = [set(c.rows) for c in clusters]
        f1s.append(best(groups))
        pool = np.asarray(sorted(set().union(*groups)), np.int64)
        perm = rng.permutation(pool).tolist()
        shuffled, i = [], 0
        for g in groups:
            shuffled.append(set(perm[i : i + len(g)]))
            i += len(g)
        rand.append(best(shuffled))
    return {"codes": len(f1s), "best_cluster_f1": float(np.mean(f1s)), "random_clusters_f1": float(np.mean(rand))}


def format_report(m: dict[str, float], split: str) -> str:
    """The measures as a small Markdown table (Dutch labels)."""
    rows = [
        ("eenheden / coderingen (goud)", f"{m['units']:.0f} / {m['codings']:.0f}"),
        ("MAP zonder voorbeelden", f"{m['map_zero_shot']:.3f}"),
        ("MAP met 2 voorbeelden per code (voorbeelden niet meegeteld)", f"{m['map_2_examples']:.3f}"),
        ("MAP zonder voorbeelden, zelfde eenheden", f"{m['map_zero_shot_same_units']:.3f}"),
        (
            "micro-precisie / -recall / -F1 voorstellen",
            f"{m['micro_precision']:.3f} / {m['micro_recall']:.3f} / {m['micro_f1']:.3f}",
        ),
        ("baseline e5-cosinus (MAP)", f"{m['baseline_e5_map']:.3f}"),
        ("baseline TF-IDF (MAP)", f"{m['baseline_tfidf_map']:.3f}"),
        ("baseline willekeurig (MAP)", f"{m['baseline_random_map']:.3f}"),
        ("rangschikken, koud: codes embedden + scoren (s)", f"{m['seconds_rank_zero_shot']:.2f}"),
    ]
    return "\n".join([f"| codering ({split}) | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


__all__ = [
    "CodingGold",
    "average_precision",
    "evaluate",
    "format_report",
    "load_gold",
    "rediscovery",
    "micro_f1",
    "tfidf_scores",
]
