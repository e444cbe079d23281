"""BM25 at a million chunks on one machine: build time, memory and query latency.

    nice -n 19 python -m citaat.benchmarks.bench_bm25                 # 1,000,000 synthetic chunks
    python -m citaat.benchmarks.bench_bm25 --chunks 20000 --queries 50  # a quick look

The chunks are interview answers from benchmarks/synth_corpus.py (seed 7, 100 exchanges per
interview), each with its theme as section prefix, as `index.build.bm25_text` writes them. The
index is the app's own `BM25Index` (bm25s with the Dutch tokenizer); a query is what
`Searcher.search` does for the lexical side: `BM25Index.scores` over all rows plus the top-10
selection. The corpus is built from templates, so its vocabulary is small and posting lists are
long: every query term occurs in a large share of the chunks, a harder case than real interviews.
Target: p95 ≤ 50 ms. The load average is printed with the figures (the CPU is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from typing import Any

import numpy as np


def synthetic_chunks(n: int, seed: int = 7, exchanges: int = 100) -> list[str]:
    from citaat.benchmarks.synth_corpus import make_interview

    texts: list[str] = []
    i = 0
    while len(texts) < n:
        iv = make_interview(i, seed, exchanges)
        texts.extend(f"{theme}\n{answer}" for theme, _, answer in iv.exchanges)
        i += 1
    return texts[:n]


def run(n: int, n_queries: int, k: int = 10) -> dict[str, Any]:
    from citaat.benchmarks.synth_corpus import queries
    from citaat.index.bm25 import BM25Index
    from citaat.index.stats import latency_summary

    load_start = os.getloadavg()[0]
    t = time.perf_counter()
    texts = synthetic_chunks(n)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    index = BM25Index.build(texts)
    build_s = time.perf_counter() - t
    avg_chars = sum(map(len, texts)) / len(texts)
    del texts
    qs = queries(n_queries)
    for q in qs[:5]:
        index.scores(q)  # warm up
    times: list[float] = []
    for q in qs:
        t = time.perf_counter()
        scores = index.scores(q)
        top = np.argpartition(-scores, k)[:k]
        top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - t) * 1000)
    lat = latency_summary(times)
    return {
        "chunks": n,
        "avg_chars": round(avg_chars),
        "vocabulary": len(index.model.vocab_dict),
        "generate_s": round(gen_s, 1),
        "build_s": round(build_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "queries": len(qs),
        "p50_ms": round(lat["p50"], 2),
        "p95_ms": round(lat["p95"], 2),
        "max_ms": round(lat["max"], 2),
        "load_start": round(load_start, 1),
        "load_end": round(os.getloadavg()[0], 1),
    }


def markdown(r: dict[str, Any]) -> str:
    return (
        f"BM25: `nice -n 19 python -m citaat.benchmarks.bench_bm25 --chunks {r['chunks']}` — "
        f"{r['chunks']:,} synthetische chunks (gem. {r['avg_chars']} tekens, {r['vocabulary']:,} termen), "
        "de eigen `BM25Index` (bm25s, Nederlandse tokenizer); per vraag `scores` over alle rijen plus de top 10.\n\n"
        "| bouwen | piekgeheugen | vragen | p50 | p95 | max | load average |\n|---|---|---|---|---|---|---|\n"
        f"| {r['build_s']} s | {r['peak_rss_mb']:,} MB | {r['queries']} | {r['p50_ms']} ms | {r['p95_ms']} ms | "
        f"{r['max_ms']} ms | {r['load_start']} → {r['load_end']} |\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args(argv)
    result = run(args.chunks, args.queries)
    print(json.dumps(result, indent=1))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
