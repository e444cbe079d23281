"""Choosing retrieval settings by cross-validation on the dev split (`python -m lab.tune`).

The dev split's answerable questions are dealt into `folds` folds, round robin within each
category (in id order), so every fold has its share of paraphrases, claims, who- and table
questions. Every candidate setting in the grid is run once on all dev questions; then, for each
fold, the candidate with the best mean objective on the other folds is chosen and scored on the
held-out fold. The mean held-out score is an honest estimate of what choosing by this grid is worth;
the setting finally recommended is the best on all dev folds together. The test split is never
read here.

Objective: the mean of MRR@10 and Hit@5 (what the issue asks to win on), ties broken by Hit@1.

The grid covers the index side (chunking: sentence windows or whole paragraphs; BM25 analysis:
simplemma lemma or not, question-word or NLTK stopwords; the chunk vector) and the query side (RRF
with rrf_k and dense weight; stripping question scaffolding for BM25 or not). Query embeddings and
BM25 scores are cached per index variant, so a candidate costs only fusion and duplicate collapsing.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from citaat.eval import metrics as M
from citaat.eval.dataset import PARAPHRASE, Item, judge_items, load_questions
from citaat.eval.run import EvalError, K, _open_or_build, ensure_default_index, open_variant_searcher, run_config
from citaat.index.config import IndexConfig, SearchConfig
from citaat.ingest.chunker import ChunkConfig

log = logging.getLogger(__name__)

OBJECTIVE = ("mrr@10", "hit@5")
TIE_BREAK = "hit@1"
REPORTED = ("hit@1", "hit@5", "mrr@10")
CHUNKINGS: dict[str, ChunkConfig] = {
    "windows": ChunkConfig(whole_paragraphs=False),
    "paragraphs": ChunkConfig(whole_paragraphs=True),
}


# The chunk vector (IndexConfig): the embedding of the chunk's own text without piece vectors, or the
# mean of its piece vectors (the default since docs/lab/2026-12-01-zoeken-v5.md).
PIECE_INDEX: dict[str, dict[str, Any]] = {
    "geen": {"sentence_vectors": False, "chunk_vectors": "window"},
    "gemiddelde": {"sentence_vectors": True, "chunk_vectors": "piece-mean"},
}


def piece_variant(index: Mapping[str, Any]) -> str:
    """The PIECE_INDEX name of an index override mapping ("geen" when it sets none)."""
    key = {f: index.get(f, PIECE_INDEX["geen"][f]) for f in PIECE_INDEX["geen"]}
    return next((name for name, v in PIECE_INDEX.items() if v == key), "?")


@dataclass(frozen=True)
class Candidate:
    """One point of the grid: chunking name, IndexConfig overrides and the SearchConfig."""

    chunking: str
    index: Mapping[str, Any] = field(default_factory=dict)
    search: SearchConfig = field(default_factory=SearchConfig)

    @property
    def index_key(self) -> str:
        return json.dumps([self.chunking, dict(self.index)], sort_keys=True)

    def label(self) -> str:
        s = self.search
        idx = self.index
        bm25 = f"{'lemma+' if idx.get('bm25_lemma', True) else ''}snowball/{idx.get('bm25_stopwords', 'question')}"
        return SEP.join(
            (
                self.chunking,
                bm25,
                f"rrf k={s.rrf_k} wd={s.dense_weight:g}",
                f"strip={'bm25' if s.strip_scaffolding else 'off'}",
                piece_variant(idx),
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {"chunking": self.chunking, "index": dict(self.index), "search": self.search.to_dict()}


@dataclass(frozen=True)
class Grid:
    """The values tried per setting; the grid is their full product."""

    chunkings: tuple[str, ...] = ("windows", "paragraphs")
    analyzers: tuple[tuple[bool, str], ...] = ((True, "question"), (False, "question"), (True, "nltk"), (False, "nltk"))
    # (rrf_k, dense weight)
    fusions: tuple[tuple[int, float], ...] = ((10, 1.5), (20, 1.0), (60, 1.0))
    strips: tuple[bool, ...] = (False, True)
    pieces: tuple[str, ...] = ("geen",)  # PIECE_INDEX names

    def candidates(self) -> list[Candidate]:
        out = []
        for chunking, (lemma, stop), pieces in itertools.product(self.chunkings, self.analyzers, self.pieces):
            index = {"bm25_lemma": lemma, "bm25_stopwords": stop, **PIECE_INDEX[pieces]}
            for (rrf_k, wd), strip in itertools.product(self.fusions, self.strips):
                search = SearchConfig(
                    rrf_k=rrf_k,
                    dense_weight=wd,
                    bm25_weight=1.0,
                    strip_scaffolding=strip,
                    # these grids tune the fusion; the reranker (docs/lab/2026-12-01-zoeken-v4.md) is tuned on top
                    rerank=False,
                )
                out.append(Candidate(chunking, index, search))
        return out


SMALL_GRID = Grid(
    analyzers=((True, "question"), (False, "nltk")),
    fusions=((10, 1.5), (60, 1.0)),
)


# The fusion around today's default with both chunk vectors (the fusion axis of docs/lab/2026-11-30-zoeken-v3.md and the
# chunk vector of docs/lab/2026-12-01-zoeken-v5.md; the sentence-vector and feedback variants of v3 lost
# and were removed).
V3_GRID = Grid(
    chunkings=("windows",),
    analyzers=((True, "question"),),
    fusions=((10, 1.5), (5, 1.5), (10, 0.7), (10, 2.0), (10, 3.0)),
    strips=(True,),
    pieces=("geen", "gemiddelde"),
)
GRIDS = {"v2": Grid(), "small": SMALL_GRID, "v3": V3_GRID}


class _CachedEmbedder:
    """Query embeddings computed once per text (the grid asks the same questions many times)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.inner.embed_queries(missing), strict=True):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


class _CachedBM25:
    """BM25 scores computed once per query text."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.n_docs = inner.n_docs
        self.analyzer = inner.analyzer
        self._cache: dict[str, np.ndarray] = {}

    def scores(self, query: str) -> np.ndarray:
        if query not in self._cache:
            self._cache[query] = self.inner.scores(query)
        return self._cache[query]


def assign_folds(items: Sequence[Item], folds: int) -> dict[str, int]:
    """Question id -> fold, round robin within each category in id order."""
    out: dict[str, int] = {}
    by_cat: dict[str, list[Item]] = {}
    for item in items:
        by_cat.setdefault(item.category, []).append(item)
    offset = 0
    for cat in sorted(by_cat):
        for n, item in enumerate(sorted(by_cat[cat], key=lambda i: i.id)):
            out[item.id] = (n + offset) % folds
        offset += len(by_cat[cat])  # spread the remainders of small categories over the folds
    return out


def _objective(means: Mapping[str, float]) -> tuple[float, float]:
    return (sum(means[m] for m in OBJECTIVE) / len(OBJECTIVE), means[TIE_BREAK])


def _means(per_q: Mapping[str, Mapping[str, float]], ids: Iterable[str]) -> dict[str, float]:
    ids = list(ids)
    return {m: float(np.mean([per_q[m].get(q, 0.0) for q in ids])) if ids else 0.0 for m in (*REPORTED,)}


def cross_validate(
    scores: Mapping[int, Mapping[str, Mapping[str, float]]], folds_of: Mapping[str, int], folds: int
) -> dict[str, Any]:
    """For each fold: the candidate best on the other folds and its held-out figures."""
    out: list[dict[str, Any]] = []
    held_out: list[dict[str, float]] = []
    for f in range(folds):
        train = [q for q, g in folds_of.items() if g != f]
        test = [q for q, g in folds_of.items() if g == f]
        best = max(scores, key=lambda c: (_objective(_means(scores[c], train)), -c))
        held_out.append(_means(scores[best], test))
        out.append(
            {"fold": f, "n": len(test), "chosen": best, "train": _means(scores[best], train), "held_out": held_out[-1]}
        )
    held = {m: float(np.mean([h[m] for h in held_out])) for m in REPORTED}
    return {"folds": out, "held_out_mean": held}


def current_default(candidates: Sequence[Candidate]) -> int | None:
    """Position of the candidate that is today's default (SearchConfig(), IndexConfig(), sentence
    windows), if the grid has it. The grids tune the fusion stage: the reranker is off in them."""
    index, search = IndexConfig(), replace(SearchConfig(), rerank=False)
    for n, c in enumerate(candidates):
        same_index = all(getattr(index, k) == v for k, v in c.index.items())
        if c.chunking == "windows" and c.search == search and same_index:
            return n
    return None


def score_candidates(
    candidates: Sequence[Candidate],
    items: Sequence[Item],
    open_index: Callable[[Candidate], Any],
    progress: bool = False,
) -> dict[int, dict[str, dict[str, float]]]:
    """Per candidate (by position): {metric: {question id: score}} on `items`."""
    from tqdm import tqdm

    judged_cache: dict[tuple[str, ...], Any] = {}
    loaded: dict[str, Any] = {}
    out: dict[int, dict[str, dict[str, float]]] = {}
    for n, cand in enumerate(tqdm(candidates, desc="Kandidaten", disable=not progress, leave=False)):
        if cand.index_key not in loaded:
            s = open_index(cand)
            loaded[cand.index_key] = s.with_parts(embedder=_CachedEmbedder(s.embedder), bm25=_CachedBM25(s.bm25))
        searcher = loaded[cand.index_key].with_parts(config=cand.search)
        key = tuple(c.id for c in searcher.chunks)
        if key not in judged_cache:
            judged_cache[key] = judge_items(items, list(searcher.chunks))
        judgements = judged_cache[key]
        runs = run_config(searcher, items, K)
        judged = [i for i in items if judgements[i.id].judgeable]
        qrels = {i.id: dict(judgements[i.id].qrels) for i in judged}
        hits = {r.item_id: [h.id for h in r.hits] for r in runs}
        rankings = {i.id: judgements[i.id].ranked_units(hits[i.id]) for i in judged}
        per_q = M.per_query(qrels, rankings)
        out[n] = {m: dict(per_q[m]) for m in REPORTED}
    return out


def run_tune(
    set_path: Path | str | None = None,
    folds: int = 5,
    grid: Grid | None = None,
    out_dir: Path | str | None = None,
    progress: bool = False,
) -> tuple[dict[str, Any], str]:
    """Run the grid on the dev split, cross-validate, write tune.json / tune.md; return (results, Markdown)."""
    if folds < 2:
        raise EvalError("--folds moet minstens 2 zijn")
    t0 = time.perf_counter()
    grid = grid or Grid()
    qset = load_questions(set_path).select("dev")
    items = [i for i in qset.items if i.answerable]
    if len(items) < folds:
        raise EvalError(f"{qset.source}: te weinig dev-vragen met antwoord voor {folds} folds")
    candidates = grid.candidates()
    bases: dict[str, Any] = {}
    variants: dict[str, Any] = {}

    def open_index(cand: Candidate) -> Any:
        if cand.chunking not in bases:
            directory = ensure_default_index(progress=progress, chunking=CHUNKINGS[cand.chunking])
            bases[cand.chunking] = _open_or_build(directory, None, progress)
        if cand.index_key not in variants:
            variants[cand.index_key] = open_variant_searcher(bases[cand.chunking], cand.index, progress)
        return variants[cand.index_key]

    scores = score_candidates(candidates, items, open_index, progress)
    judged_ids = sorted(set().union(*(s["mrr@10"].keys() for s in scores.values())))
    folds_of = {q: f for q, f in assign_folds([i for i in items if i.id in judged_ids], folds).items()}
    cv = cross_validate(scores, folds_of, folds)
    all_means = {n: _means(s, judged_ids) for n, s in scores.items()}
    paraphrases = [i.id for i in items if i.id in judged_ids and i.category == PARAPHRASE]
    for n, s in scores.items():
        all_means[n]["paraphrase_hit@5"] = _means(s, paraphrases)["hit@5"]
    best = max(all_means, key=lambda c: (_objective(all_means[c]), -c))
    current = current_default(candidates)
    if current is not None:  # what keeping today's default scores on each held-out fold
        for r in cv["folds"]:
            r["default_held_out"] = _means(scores[current], [q for q, g in folds_of.items() if g == r["fold"]])
    results = {
        "set": qset.source,
        "split": "dev",
        "n_questions": len(judged_ids),
        "folds": folds,
        "objective": f"mean of {' and '.join(OBJECTIVE)}, ties by {TIE_BREAK}",
        "grid": asdict(grid),
        "n_candidates": len(candidates),
        "cv": {
            **cv,
            "folds": [
                {**r, "chosen": candidates[r["chosen"]].label(), "chosen_config": candidates[r["chosen"]].to_dict()}
                for r in cv["folds"]
            ],
        },
        "chosen": {"label": candidates[best].label(), **candidates[best].to_dict(), "dev": all_means[best]},
        "default": None if current is None else {"label": candidates[current].label(), "dev": all_means[current]},
        "candidates": [{"label": c.label(), "dev": all_means[n]} for n, c in enumerate(candidates)],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    report = markdown(results)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "tune.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (out / "tune.md").write_text(report, encoding="utf-8")
    return results, report


FACTORS = ("chunking", "bm25", "fusie", "strip", "chunkvector")
SEP = " · "


def markdown(results: Mapping[str, Any]) -> str:
    cv = results["cv"]
    lines = [
        f"Tuning op dev ({results['n_questions']} vragen met antwoord, {results['folds']} folds, "
        f"{results['n_candidates']} kandidaten, {results['seconds']} s). Doel: {results['objective']}.",
        "",
        "| fold | n | gekozen op de andere folds | Hit@1 | Hit@5 | MRR@10 (uitgehouden) |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for r in cv["folds"]:
        h = r["held_out"]
        lines.append(
            f"| {r['fold']} | {r['n']} | {r['chosen']} | {h['hit@1']:.3f} | {h['hit@5']:.3f} | {h['mrr@10']:.3f} |"
        )
    h = cv["held_out_mean"]
    lines.append(f"| gem. | | | {h['hit@1']:.3f} | {h['hit@5']:.3f} | {h['mrr@10']:.3f} |")
    if results.get("default") is not None:
        lines += [
            "",
            f"Ter vergelijking de huidige standaard (`{results['default']['label']}`) op dezelfde uitgehouden folds:",
            "",
            "| fold | n | Hit@1 | Hit@5 | MRR@10 |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r in cv["folds"]:
            d = r["default_held_out"]
            lines.append(f"| {r['fold']} | {r['n']} | {d['hit@1']:.3f} | {d['hit@5']:.3f} | {d['mrr@10']:.3f} |")
        mean = {m: float(np.mean([r["default_held_out"][m] for r in cv["folds"]])) for m in REPORTED}
        lines.append(f"| gem. | | {mean['hit@1']:.3f} | {mean['hit@5']:.3f} | {mean['mrr@10']:.3f} |")
    lines += [
        "",
        f"Gekozen (beste op alle dev-folds samen): `{results['chosen']['label']}` — dev "
        + " / ".join(f"{m} {results['chosen']['dev'][m]:.3f}" for m in REPORTED),
        "",
        "Eén instelling tegelijk, de rest zoals gekozen (dev, alle folds):",
        "",
        "| instelling | waarde | Hit@1 | Hit@5 | MRR@10 | parafrase Hit@5 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += _one_at_a_time(results)
    return "\n".join(lines) + "\n"


def _one_at_a_time(results: Mapping[str, Any]) -> list[str]:
    """Each setting varied alone from the chosen candidate: what each lever is worth by itself."""
    chosen = results["chosen"]["label"].split(SEP)
    by_label = {tuple(c["label"].split(SEP)): c["dev"] for c in results["candidates"]}
    lines = []
    for pos, factor in enumerate(FACTORS):
        for value in sorted({key[pos] for key in by_label}):
            key = (*chosen[:pos], value, *chosen[pos + 1 :])
            if key not in by_label:
                continue
            d = by_label[key]
            mark = " (gekozen)" if value == chosen[pos] else ""
            para = f"{d['paraphrase_hit@5']:.3f}" if "paraphrase_hit@5" in d else "–"
            lines.append(
                f"| {factor} | {value}{mark} | {d['hit@1']:.3f} | {d['hit@5']:.3f} | {d['mrr@10']:.3f} | {para} |"
            )
    return lines


__all__ = ["GRIDS", "V3_GRID", "Candidate", "Grid", "SMALL_GRID", "assign_folds", "cross_validate", "run_tune"]


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m lab.tune [--grid v2|small|v3] [--folds 5] [--out eval/out]`: print the Markdown report."""
    import argparse
    import logging

    logging.basicConfig(level=logging.WARNING, format="citaat: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="question_set", type=Path, default=None, help="question set (JSONL)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--grid", choices=sorted(GRIDS), default="v2")
    parser.add_argument("--out", type=Path, default=Path("eval/out"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    _, report = run_tune(args.question_set, args.folds, GRIDS[args.grid], args.out, progress=not args.quiet)
    print(report)
    print(f"Geschreven: {args.out / 'tune.json'}, {args.out / 'tune.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
