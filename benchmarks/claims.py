"""Claim search against plain search on the claim items of the eval set (retrieval quality, not
speed): Hit@1, Hit@5 and MRR@10 with k = 10, per split, for `citaat search` (the searcher's
default) and for `citaat search --claim` (index/claims.py) with its default and a few variants;
with --time also the warm latency of a claim search as the web page runs it (page one of 30, then
"Meer resultaten": the page at offset 30), p50/p95 over the items.

    python -m citaat.benchmarks.claims [--questions eval/data/questions.jsonl] [--split dev] [--time]

Variants are there to show why the defaults are what they are; choose on the dev split only.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from citaat.eval.dataset import judge_items, load_questions
from citaat.eval.metrics import mean_scores, per_query
from citaat.eval.run import ensure_default_index
from citaat.index.claims import ClaimConfig, ClaimSearch
from citaat.index.search import Searcher
from citaat.index.stats import latency_summary

VARIANTS: dict[str, ClaimConfig] = {
    "claim (default)": ClaimConfig(),
    "claim speech only": ClaimConfig(speech_weight=1.0, all_weight=0.0),
    "claim speech 0.25": ClaimConfig(speech_weight=0.25, all_weight=1.0),
    "claim speech 0.5": ClaimConfig(speech_weight=0.5, all_weight=1.0),
    "claim all only rrf_k 10": ClaimConfig(speech_weight=0.0, all_weight=1.0, rrf_k=10),
    "claim all only + whole claim": ClaimConfig(speech_weight=0.0, all_weight=1.0, whole_weight=1.0),
    "claim all only + whole claim 0.5": ClaimConfig(speech_weight=0.0, all_weight=1.0, whole_weight=0.5),
}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=Path, default=None)
    ap.add_argument("--index", type=Path, default=None, help="ingest directory (default: the eval's report index)")
    ap.add_argument("--split", default="dev")
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--time", action="store_true", help="also time claim search (3 rounds over the items)")
    args = ap.parse_args(argv)
    questions = load_questions(args.questions).select(args.split)
    items = [i for i in questions if i.category == "claim"]
    searcher = Searcher.open(args.index or ensure_default_index())
    judged = judge_items(items, searcher.chunks)
    items = [i for i in items if judged[i.id].judgeable]
    qrels = {i.id: dict(judged[i.id].qrels) for i in items}

    def score(rank: Callable[[str], list[str]]) -> dict[str, float]:
        runs = {i.id: judged[i.id].ranked_units(rank(i.q)) for i in items}
        means = mean_scores(per_query(qrels, runs))
        return {m: round(means[m], 3) for m in ("hit@1", "hit@5", "mrr@10")}

    rows = {"plain search": score(lambda q: [h.id for h in searcher.search(q, k=args.k)])}
    for name, cfg in VARIANTS.items():
        claims = ClaimSearch(searcher, cfg)
        rows[name] = score(lambda q, c=claims: [h.hit.id for h in c.search(q, k=args.k).hits])  # type: ignore[misc]
    out: dict[str, object] = {"split": args.split, "n": len(items), "k": args.k, "results": rows}
    if args.time:
        # The web page's case: page one (30 results) of a new claim, then "Meer resultaten" (offset
        # 30), which reuses page one's segment from the ranking cache and searches only the next.
        timings: dict[str, list[float]] = {"page 1 (k=30)": [], "more (offset 30, k=30)": []}
        for _ in range(3):
            for item in items:
                claims = ClaimSearch(searcher)
                claims.wording("")  # builds the quote vocabulary (once per opened index), not timed
                for name, offset in zip(timings, (0, 30), strict=True):
                    t0 = time.perf_counter()
                    claims.search(item.q, k=30, offset=offset)
                    timings[name].append((time.perf_counter() - t0) * 1000)
        out["latency_ms"] = {n: {k: round(v, 1) for k, v in latency_summary(t).items()} for n, t in timings.items()}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
