"""Retrieval metrics and significance tests (ranx), plus the few figures ranx does not have.

Inputs are plain mappings so the functions are easy to check by hand:

- qrels: {query_id: {unit_id: grade}} with grades 1 (context) and 2 (answer); see
  `eval.dataset.Judgement` for how chunks become evidence units;
- rankings: {query_id: [unit_or_chunk_id, ...]} best first, as the searcher returned them.

Metric definitions (all @k on the returned order; "relevant" = grade 2 unless said otherwise):

- Hit@k (ranx `hit_rate@k-l2`, a.k.a. success@k): 1 if a relevant unit is in the top k.
- Recall@10 (ranx `recall@10-l2`): share of the query's relevant units in the top 10.
- MRR@10 (ranx `mrr@10-l2`): 1 / rank of the first relevant unit, 0 beyond rank 10.
- nDCG@10 (ranx `ndcg@10`): graded, gain = grade (1 or 2), log2 discount (trec_eval's form).

Significance: ranx `compare` with Fisher's randomisation test (default; Smucker, Allan & Carterette,
CIKM 2007, recommend it for IR) or a paired Student's t-test, each configuration against a baseline.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from citaat.index.stats import percentile

log = logging.getLogger(__name__)

# Our metric name -> ranx metric string.
METRICS: dict[str, str] = {
    "hit@1": "hit_rate@1-l2",
    "hit@5": "hit_rate@5-l2",
    "recall@10": "recall@10-l2",
    "mrr@10": "mrr@10-l2",
    "ndcg@10": "ndcg@10",
}
STAT_TESTS: tuple[str, ...] = ("fisher", "student")
ALPHA_RANX = 0.01  # ranx's max_p: only sets its "significant" flag, which is not used here


def _ranx():
    # numba (under ranx) warns about an unsigned->signed cast inside hit counting; harmless, noisy.
    warnings.filterwarnings("ignore", message=r".*unsafe cast from uint64 to int64")
    import ranx

    return ranx


def run_dict(rankings: Mapping[str, Sequence[str]]) -> dict[str, dict[str, float]]:
    """A ranked list as ranx wants it: scores n, n-1, …, 1 (distinct, so ranx keeps our order).

    Repeated ids keep their first (best) position.
    """
    out: dict[str, dict[str, float]] = {}
    for qid, ranked in rankings.items():
        scores: dict[str, float] = {}
        n = len(ranked)
        for pos, doc in enumerate(ranked):
            scores.setdefault(doc, float(n - pos))
        out[qid] = scores
    return out


def _ranx_inputs(
    qrels: Mapping[str, Mapping[str, int]], rankings: Mapping[str, Sequence[str]], name: str = "run"
) -> tuple[Any, Any]:
    ranx = _ranx()
    if not qrels:
        raise ValueError("no judged queries")
    q = ranx.Qrels({qid: {d: int(g) for d, g in rel.items()} for qid, rel in qrels.items()})
    runs = run_dict({qid: rankings.get(qid, ()) for qid in qrels})
    r = ranx.Run(runs, name=name)
    return q, r


def per_query(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    metrics: Mapping[str, str] = METRICS,
) -> dict[str, dict[str, float]]:
    """{metric: {query_id: value}} for every query in `qrels` (a query missing from `rankings`
    scores 0)."""
    ranx = _ranx()
    q, r = _ranx_inputs(qrels, rankings)
    ranx.evaluate(q, r, list(metrics.values()), make_comparable=True)
    return {name: {qid: float(r.scores[m][qid]) for qid in qrels} for name, m in metrics.items()}


def mean_scores(values: Mapping[str, Mapping[str, float]], query_ids: Iterable[str] | None = None) -> dict[str, float]:
    """Mean of each metric over `query_ids` (default: all); NaN when there are none."""
    out: dict[str, float] = {}
    for name, by_q in values.items():
        ids = list(by_q) if query_ids is None else [q for q in query_ids if q in by_q]
        out[name] = sum(by_q[q] for q in ids) / len(ids) if ids else math.nan
    return out


def evaluate(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    metrics: Mapping[str, str] = METRICS,
) -> dict[str, float]:
    """Mean of each metric over the judged queries."""
    return mean_scores(per_query(qrels, rankings, metrics))


def compare(
    qrels: Mapping[str, Mapping[str, int]],
    runs: Mapping[str, Mapping[str, Sequence[str]]],
    baseline: str,
    metrics: Mapping[str, str] = METRICS,
    stat_test: str = "fisher",
    seed: int = 42,
) -> dict[str, dict[str, float]]:
    """Two-sided p-values of each run against `baseline`: {run_name: {metric: p}}.

    Runs are compared on the queries of `qrels`. The baseline's own entry is omitted. Identical
    per-query scores give p = 1.
    """
    if stat_test not in STAT_TESTS:
        raise ValueError(f"stat_test must be one of {', '.join(STAT_TESTS)}")
    if baseline not in runs:
        raise ValueError(f"baseline {baseline!r} is not among the runs")
    if len(runs) < 2:
        return {}
    ranx = _ranx()
    q = ranx.Qrels({qid: {d: int(g) for d, g in rel.items()} for qid, rel in qrels.items()})
    ranx_runs = [
        ranx.Run(run_dict({qid: ranking.get(qid, ()) for qid in qrels}), name=name) for name, ranking in runs.items()
    ]
    report = ranx.compare(
        q, ranx_runs, list(metrics.values()), stat_test=stat_test, random_seed=seed, make_comparable=True
    )
    table = report.to_dict()
    by_ranx = {m: name for name, m in metrics.items()}
    out: dict[str, dict[str, float]] = {}
    for name in runs:
        if name == baseline:
            continue
        pvals = table[name]["comparisons"][baseline]
        # A t-test on identical per-query scores gives NaN: no difference at all, so p = 1.
        out[name] = {by_ranx[m]: 1.0 if math.isnan(float(p)) else float(p) for m, p in pvals.items()}
    return out


def compare_per_query(
    per_query: Mapping[str, Mapping[str, Mapping[str, float]]],
    baseline: str,
    metrics: Iterable[str] = tuple(METRICS),
    stat_test: str = "fisher",
    seed: int = 42,
    n_permutations: int = 1000,
) -> dict[str, dict[str, float]]:
    """Two-sided p-values of each run against `baseline` from per-question scores:
    per_query[run][question id][metric]. Questions are those scored for the metric in both runs,
    so runs judged on different chunkings (each by its own snippet labels) can be compared.
    Uses ranx's own tests (Fisher randomisation, 1000 permutations, or the paired t-test), the
    ones `compare` runs; identical scores give p = 1.
    """
    if stat_test not in STAT_TESTS:
        raise ValueError(f"stat_test must be one of {', '.join(STAT_TESTS)}")
    if baseline not in per_query:
        raise ValueError(f"baseline {baseline!r} is not among the runs")
    import numpy as np

    _ranx()
    from ranx.statistical_tests import fisher_randomization_test, paired_student_t_test

    base = per_query[baseline]
    out: dict[str, dict[str, float]] = {}
    for name, scores in per_query.items():
        if name == baseline:
            continue
        out[name] = {}
        for m in metrics:
            ids = sorted(q for q in base if m in base[q] and q in scores and m in scores[q])
            a = np.asarray([float(base[q][m]) for q in ids], dtype=np.float64)
            b = np.asarray([float(scores[q][m]) for q in ids], dtype=np.float64)
            if not ids or np.array_equal(a, b):
                out[name][m] = 1.0
                continue
            if stat_test == "fisher":
                p, _ = fisher_randomization_test(a, b, n_permutations, ALPHA_RANX, seed)
            else:
                p, _ = paired_student_t_test(a, b, ALPHA_RANX)
            out[name][m] = 1.0 if math.isnan(float(p)) else float(p)
    return out


def respondent_accuracy(
    expected: Mapping[str, Sequence[str]],
    retrieved: Mapping[str, Sequence[Sequence[str]]],
    k: int = 5,
) -> float:
    """Share of queries with expected respondents where a top-k hit carries one of them.

    expected: {query_id: [codes]} (queries with an empty list are skipped);
    retrieved: {query_id: [respondents of hit 1, of hit 2, …]}. NaN when no query qualifies.
    """
    asked = [qid for qid, codes in expected.items() if codes]
    if not asked:
        return math.nan
    good = sum(1 for qid in asked if any(set(expected[qid]) & set(resp) for resp in list(retrieved.get(qid, ()))[:k]))
    return good / len(asked)


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(a positive scores above a negative), ties count half (the Mann-Whitney U / ROC AUC).

    Used for no-answer behaviour: how well the top score separates answerable questions
    (positives) from questions without an answer (negatives); 0.5 is chance, 1.0 perfect.
    """
    if not positives or not negatives:
        return math.nan
    from scipy.stats import mannwhitneyu

    u = mannwhitneyu(list(positives), list(negatives), alternative="two-sided").statistic
    return float(u) / (len(positives) * len(negatives))


def score_summary(values: Sequence[float | None]) -> dict[str, float | int]:
    """min / median / max of top-hit scores; None (nothing returned) is counted in `empty`."""
    present = [v for v in values if v is not None]
    return {
        "n": len(values),
        "empty": len(values) - len(present),
        "min": min(present) if present else math.nan,
        "median": percentile(present, 50),
        "max": max(present) if present else math.nan,
    }


def noanswer_behaviour(
    answerable_top: Sequence[float | None],
    noanswer_top: Sequence[float | None],
    abstained_noanswer: Sequence[bool] | None = None,
    abstained_answerable: Sequence[bool] | None = None,
) -> dict[str, Any]:
    """How a configuration behaves on questions without an answer.

    *_top: the top hit's score per question (None when nothing came back, which ranks lowest).
    abstained_*: per question, whether a no-evidence rule said "no evidence" (when one exists):
    reported as the share of no-answer questions correctly refused and of answerable questions
    wrongly refused.
    """
    present = [v for v in (*answerable_top, *noanswer_top) if v is not None]
    floor = (min(present) - 1.0) if present else 0.0
    pos = [floor if v is None else v for v in answerable_top]
    neg = [floor if v is None else v for v in noanswer_top]
    out: dict[str, Any] = {
        "n": len(noanswer_top),
        "top_score_noanswer": score_summary(noanswer_top),
        "top_score_answerable": score_summary(answerable_top),
        "auc": auc(pos, neg),
    }
    if abstained_noanswer is not None and abstained_answerable is not None:
        out["refused_noanswer"] = sum(abstained_noanswer) / len(abstained_noanswer) if abstained_noanswer else math.nan
        out["refused_answerable"] = (
            sum(abstained_answerable) / len(abstained_answerable) if abstained_answerable else math.nan
        )
    return out


def warm_up() -> None:
    """Compile ranx's numba kernels for every metric and significance test the harness uses, on a
    two-query toy run. ranx caches the compiled code on disk, so this costs once per environment;
    tests call it from one session fixture instead of paying for it inside whichever test runs first."""
    qrels = {"q1": {"a": 1}, "q2": {"b": 2}}
    rankings = {"q1": ["a", "b"], "q2": ["a", "b"]}
    per_query(qrels, rankings)
    for stat_test in STAT_TESTS:
        compare(qrels, {"x": rankings, "y": {"q1": ["b", "a"], "q2": ["b", "a"]}}, "x", stat_test=stat_test)
