"""The coding assistant on the report: quality against the hand coding, and speed.

    python -m citaat.benchmarks.bench_coding [--index bench-work/report] [--split dev] [--turns 10000]

Prints eval/coding.py's measures (MAP zero-shot and with 2 examples, micro-F1, the e5, TF-IDF and
random baselines) for the split, then the time to code the report's 110 quotes with the 10-code
codebook: cold (code descriptions embedded) and warm (the median of 5 runs, as in the UI after the
first run; target ≤ 2 s), and with `--turns N` the ranking over N synthetic units (the quotes'
vectors repeated, BM25 over the index; target for 10k turns ≤ 1 min). The CPU is shared: the load
average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    from citaat.app.coding import CodingService
    from citaat.eval.coding import DATA, evaluate, format_report, load_gold
    from citaat.index.coding import CodeQuery, CodeRanker, speech_rows
    from citaat.index.search import Searcher

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--index", default="bench-work/report")
    p.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    p.add_argument("--turns", type=int, default=0)
    a = p.parse_args(argv)
    searcher = Searcher.open(Path(a.index))
    gold = load_gold()
    service = CodingService(searcher)  # timed before the evaluation, which embeds the codes too
    t0 = time.perf_counter()
    service.run(gold.codes, kind="quote")
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        run = service.run(gold.codes, kind="quote")
        warm.append(time.perf_counter() - t0)
    figures = {
        "units": len(run.results[0].units),
        "codes": len(run.results),
        "cold_s": round(cold, 3),
        "warm_median_s": round(statistics.median(warm), 4),
        "load_avg": os.getloadavg()[0],
        "codebook": str(DATA / "codebook.csv"),
    }
    if a.turns:
        import numpy as np

        rows = speech_rows(searcher.chunks, "quote")
        big = np.resize(rows, a.turns)
        queries = [CodeQuery(c.code, c.description) for c in gold.codes]
        t0 = time.perf_counter()
        CodeRanker(searcher, big).rank(queries)
        figures[f"rank_{a.turns}_units_s"] = round(time.perf_counter() - t0, 3)
    print(format_report(evaluate(searcher, gold, a.split), a.split))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
