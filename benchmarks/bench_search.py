"""Search speed on the report: warm query latency, cold start, indexing time, HNSW recall.

Usage (from the repository root, venv active):

    python -m citaat.benchmarks.bench_search all              # everything below
    python -m citaat.benchmarks.bench_search latency          # warm hybrid k=10 p50/p95 over the question set
    python -m citaat.benchmarks.bench_search cold             # `citaat search`: process start to printed hits
    python -m citaat.benchmarks.bench_search build            # `citaat ingest` + index of the report PDF from scratch
    python -m citaat.benchmarks.bench_search hnsw             # HNSW recall@10 against exact search

Retrieval quality (Hit@5, MRR@10 per mode and split) is measured by the project's eval harness,
`citaat eval` (eval/), not here. The report is read from ../shared/corpus (never copied into the
repository); the index is built in a temporary directory (or --work DIR to keep it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from citaat.benchmarks.common import QUESTIONS, REPORT, ensure_report_index


def load_questions(path: Path = QUESTIONS) -> list[str]:
    """The question texts of the eval set (answerable or not: latency does not care)."""
    return [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bench_latency(work: Path, rounds: int = 3) -> str:
    from citaat.index.search import Searcher
    from citaat.index.stats import latency_summary

    searcher = Searcher.open(ensure_report_index(work))
    questions = load_questions()
    for q in questions[:5]:  # warm up caches and thread pools
        searcher.search(q, k=10)
    times_ms = []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            searcher.search(q, k=10)
            times_ms.append((time.perf_counter() - t) * 1000)
    ms = latency_summary(times_ms)
    return (
        f"Warm hybrid k=10 over {len(questions)} questions x {rounds}: p50 {ms['p50']:.1f} ms, "
        f"p95 {ms['p95']:.1f} ms, max {ms['max']:.1f} ms"
    )


def bench_cold(work: Path, runs: int = 5) -> str:
    ensure_report_index(work)
    citaat = Path(sys.executable).with_name("citaat")
    cmd = [str(citaat), "search", "Wat zegt R13 over het bestuur?", "--index", str(work), "-k", "10"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return (
        f"Cold start `citaat search` (process start to printed hits), {runs} runs: "
        f"median {statistics.median(times):.2f} s, min {min(times):.2f} s"
    )


def bench_build(runs: int = 1) -> str:
    citaat = Path(sys.executable).with_name("citaat")
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            cmd = [str(citaat), "ingest", str(REPORT), "--out", tmp, "--quiet"]
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    return (
        f"Ingest + index of the report PDF from scratch (`citaat ingest PDF --out TMP -q`): "
        f"{min(times):.1f} s (best of {runs})"
    )


def bench_hnsw(work: Path, synthetic: int = 60_000) -> str:
    """Recall@10 of HNSW against exact inner product: on the report's vectors (forced HNSW) with the
    question embeddings as queries, and on `synthetic` vectors made by perturbing them."""
    import numpy as np

    from citaat.index.config import IndexConfig
    from citaat.index.search import Searcher
    from citaat.index.vectors import VectorIndex

    searcher = Searcher.open(ensure_report_index(work))
    queries = searcher.embedder.embed_queries(load_questions())
    cfg = IndexConfig()
    out = []
    rng = np.random.default_rng(0)
    assert isinstance(searcher.vectors, VectorIndex), "the HNSW benchmark reads FAISS vectors"
    base = np.array(searcher.vectors.vectors)
    reps = max(1, synthetic // len(base))
    noisy = np.concatenate([base + rng.normal(0, 0.03, base.shape).astype(np.float32) for _ in range(reps)])
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    for label, vecs in (("report", base), (f"synthetic {len(noisy):,}", noisy)):
        exact = VectorIndex.build(vecs, IndexConfig(hnsw_threshold=len(vecs) + 1))
        t = time.perf_counter()
        approx = VectorIndex.build(vecs, IndexConfig(hnsw_threshold=1))
        build_s = time.perf_counter() - t
        truth, t_exact = [], 0.0
        for q in queries:
            t = time.perf_counter()
            truth.append(set(exact.search(q, 10)[0].tolist()))
            t_exact += time.perf_counter() - t
        parts = []
        for ef in sorted({64, 128, 256, 512, cfg.hnsw_ef_search}):
            approx.ef_search = ef
            t = time.perf_counter()
            found = [set(approx.search(q, 10)[0].tolist()) for q in queries]
            t_approx = time.perf_counter() - t
            recall = statistics.mean(len(a & e) / 10 for a, e in zip(found, truth, strict=True))
            parts.append(f"efSearch={ef}: recall@10 {recall:.3f}, {1000 * t_approx / len(queries):.2f} ms/query")
        out.append(
            f"- {label} vectors (HNSW M={cfg.hnsw_m}, built in {build_s:.1f} s; exact flat "
            f"{1000 * t_exact / len(queries):.2f} ms/query): " + "; ".join(parts)
        )
    return "HNSW against exact (flat) inner product:\n\n" + "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["all", "latency", "cold", "build", "hnsw"])
    parser.add_argument("--work", type=Path, help="directory for the report's chunks and index (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        jobs: dict[str, Callable[[], str]] = {
            "latency": lambda: bench_latency(work),
            "cold": lambda: bench_cold(work),
            "build": bench_build,
            "hnsw": lambda: bench_hnsw(work),
        }
        for name, job in jobs.items():
            if args.what in ("all", name):
                print(job(), "\n", flush=True)


if __name__ == "__main__":
    main()
