"""Claim search on the claim items of the eval set (retrieval quality, not speed): Hit@1, Hit@5 and
MRR@10 with k = 10, per split, in one run, for

- plain BM25 over quotes (and transcript turns) only, the whole claim as one query;
- claim search with report text (`--ook-rapporttekst`: each sentence searched among all chunks,
  the publication's apparatus left out; before issue 22 this was the default, then without the
  apparatus filter);
- claim search for interview evidence (the default now) and a few variants of its weights.

Two scores per system: "quote" counts a hit only when it is itself a quote or a transcript turn
that holds an answer snippet (what a researcher looking for supporting quotes needs); "evidence"
is the eval's usual judging, where a passage that contains the quote counts too. With --time also
the warm latency of a claim search as the web page runs it (page one of 30, then "Meer
resultaten": the page at offset 30), p50/p95 over the items.

    python -m lab.claims [--questions eval/data/questions.jsonl] [--split dev] [--time]

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
from citaat.index.search import Filters, Searcher
from citaat.index.stats import latency_summary

SPEECH_KINDS = ("quote", "turn")


class TodaysClaimSearch(ClaimSearch):
    """Claim search as it was before issue 22: all chunks, the publication's apparatus included."""

    _apparatus = frozenset()  # type: ignore[assignment]

VARIANTS: dict[str, ClaimConfig] = {
    "interview (default)": ClaimConfig(),
    "interview, speech 1 + passages 1": ClaimConfig(speech_weight=1.0, passage_weight=1.0),
    "interview, speech 0.5 + passages 1": ClaimConfig(speech_weight=0.5, passage_weight=1.0),
    "interview, speech 0.25 + passages 1": ClaimConfig(speech_weight=0.25, passage_weight=1.0),
    "interview, rrf_k 10": ClaimConfig(rrf_k=10),
    "interview, + whole claim 0.5": ClaimConfig(whole_weight=0.5),
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

    kinds = {c.id: c.kind for c in searcher.chunks}

    def score(rank: Callable[[str], list[str]]) -> dict[str, float]:
        ranked_ids = {i.id: rank(i.q) for i in items}
        row: dict[str, float] = {}
        for label, keep in (("quote", lambda cid: kinds[cid] in SPEECH_KINDS), ("evidence", lambda cid: True)):
            runs = {
                i.id: judged[i.id].ranked_units([cid if keep(cid) else f"not-speech:{cid}" for cid in ranked_ids[i.id]])
                for i in items
            }
            means = mean_scores(per_query(qrels, runs))
            row.update({f"{label} {m}": round(means[m], 3) for m in ("hit@1", "hit@5", "mrr@10")})
        return row

    speech = [k for k in SPEECH_KINDS if k in set(kinds.values())]

    def bm25_quotes(q: str) -> list[str]:
        hits = [h for kind in speech for h in searcher.search(q, k=args.k, filters=Filters(kind=kind), mode="bm25")]
        return [h.id for h in sorted(hits, key=lambda h: -h.score)[: args.k]]

    rows = {"plain BM25 over quotes": score(bm25_quotes)}
    today = TodaysClaimSearch(searcher)
    rows["today's claim search (all chunks)"] = score(
        lambda q: [h.hit.id for h in today.search(q, k=args.k, report_text=True).hits]
    )
    with_report = ClaimSearch(searcher)
    rows["claim search with report text"] = score(
        lambda q: [h.hit.id for h in with_report.search(q, k=args.k, report_text=True).hits]
    )
    for name, cfg in VARIANTS.items():
        claims = ClaimSearch(searcher, cfg)
        rows[f"claim search, {name}"] = score(
            lambda q, c=claims: [h.hit.id for h in c.search(q, k=args.k).hits]  # type: ignore[misc]
        )
    out: dict[str, object] = {"split": args.split, "n": len(items), "k": args.k, "results": rows}
    if args.time:
        # The web page's case: page one (30 results) of a new claim, then "Meer resultaten" (offset
        # 30), which reuses page one's segment from the ranking cache and searches only the next.
        timings: dict[str, list[float]] = {"page 1 (k=30)": [], "more (offset 30, k=30)": []}
        for _ in range(3):
            for item in items:
                claims = ClaimSearch(searcher)
                claims.warm()  # what is built once per opened index (vocabulary, apparatus), not timed
                for name, offset in zip(timings, (0, 30), strict=True):
                    t0 = time.perf_counter()
                    claims.search(item.q, k=30, offset=offset)
                    timings[name].append((time.perf_counter() - t0) * 1000)
        out["latency_ms"] = {n: {k: round(v, 1) for k, v in latency_summary(t).items()} for n, t in timings.items()}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
