"""One definition of a percentile and of a latency summary, for eval and the benchmarks alike.

Percentiles are numpy's default (linear interpolation between the two nearest ranks), so p95 of
the same timings is the same number in `citaat eval`, the scale benchmark and the load test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN if there are no values."""
    arr = np.asarray(values, dtype=float)
    return float(np.percentile(arr, q)) if arr.size else math.nan


def latency_summary(ms: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean / max of latencies (milliseconds by convention); NaN when there are none."""
    arr = np.asarray(ms, dtype=float)
    if not arr.size:
        return dict.fromkeys(("p50", "p95", "mean", "max"), math.nan)
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "mean": float(arr.mean()), "max": float(arr.max())}


__all__ = ["latency_summary", "percentile"]
