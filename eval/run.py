"""The evaluation harness behind `citaat eval`: run named retrieval configurations on one question
set and report metrics overall, per split and per category, latency, no-answer behaviour and the
failed questions — as a Markdown table (stdout), a JSON file and a PNG chart.

    results = run_eval(set_path=None, index_dir=None, config_names=None, split="all", out_dir="eval/out")

Without an index directory the harness ingests the shared report into a cache directory
($CITAAT_CACHE, default ~/.cache/citaat, then eval/<report name>) and builds its index there once;
later runs reuse it (ingest and index are incremental and verified on open). Configurations with
another embedder get their own cached index over a copy of the same chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from citaat.index.config import EvidenceConfig, Mode
from citaat.index.evidence import EVIDENCE_DEPTH, TermStats, judge_evidence
from citaat.index.records import Hit
from citaat.index.stats import latency_summary
from citaat.ingest.errors import CitaatError

from . import metrics as M
from .configs import DEFAULT, EvalConfig, resolve
from .dataset import NOANSWER, WHO, Item, Judgement, QuestionSet, judge_items, load_questions

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
REPORT_NAME = "succesvol-samenwerken-bedrijfsvoering.pdf"
DEFAULT_OUT = Path("eval/out")
K = 10
METRIC_LABELS = {"hit@1": "Hit@1", "hit@5": "Hit@5", "recall@10": "Recall@10", "mrr@10": "MRR@10", "ndcg@10": "nDCG@10"}
ALPHA = 0.05
FAILED_SHOWN = 3  # hits shown per failed question


class EvalError(CitaatError):
    """The evaluation cannot run as asked; the message says what to change."""


# ------------------------------------------------------------------------------------ searchers


class SearcherLike(Protocol):
    """What the harness needs from a searcher (index.search.Searcher fits; tests pass fakes)."""

    @property
    def chunks(self) -> Sequence[Any]: ...

    def search(self, query: str, k: int | None = None, filters: Any = None, mode: Mode | None = None) -> list[Hit]: ...


def default_report() -> Path:
    """$CITAAT_REPORT, else the shared report beside the repository (../shared/corpus)."""
    env = os.environ.get("CITAAT_REPORT")
    if env:
        return Path(env)
    shared = Path(os.environ.get("CITAAT_SHARED", REPO.parent / "shared"))
    return shared / "corpus" / REPORT_NAME


def cache_root() -> Path:
    return Path(os.environ.get("CITAAT_CACHE", Path.home() / ".cache" / "citaat"))


def _open_or_build(directory: Path, build_config: Any = None, progress: bool = False) -> Any:
    """Open the index of `directory`; if it is missing, stale or built with other settings than
    `build_config` (default: `IndexConfig()`, today's defaults), build it (harness caches only)."""
    from citaat.index.build import build_index
    from citaat.index.config import IndexConfig
    from citaat.index.search import Searcher
    from citaat.index.store import SearchIndexError

    embedder = build_config.embedder if build_config is not None else None
    try:
        searcher = Searcher.open(directory, embedder=embedder)
        want = build_config if build_config is not None else IndexConfig().with_embedder(searcher.embedder_name)
        if searcher.index_config == want.with_embedder(searcher.index_config.embedder):
            return searcher
        log.info("rebuilding eval index in %s (other index settings)", directory)
    except SearchIndexError as exc:
        log.info("building eval index in %s (%s)", directory, exc)
    build_index(directory, build_config, progress=progress)
    return Searcher.open(directory, embedder=embedder)


def _chunking_suffix(chunking: Any) -> str:
    """"" for the ingest default, else a short key of the ChunkConfig (its own cache directory)."""
    from dataclasses import asdict

    from citaat.ingest.chunker import ChunkConfig

    if chunking is None or chunking == ChunkConfig():
        return ""
    return "-chunks-" + hashlib.sha1(json.dumps(asdict(chunking), sort_keys=True).encode()).hexdigest()[:8]


def ensure_default_index(report: Path | None = None, progress: bool = False, chunking: Any = None) -> Path:
    """Ingest the report into the cache directory (incremental) and return that directory.

    `chunking` (a ChunkConfig; None = the default) gets its own directory."""
    from citaat.ingest.chunker import ChunkConfig
    from citaat.ingest.pipeline import IngestConfig, ingest_paths

    report = Path(report) if report is not None else default_report()
    if not report.is_file():
        raise EvalError(f"{report}: rapport niet gevonden; geef --index DIR of zet CITAAT_REPORT")
    directory = cache_root() / "eval" / f"{report.stem}{_chunking_suffix(chunking)}"
    result = ingest_paths([report], directory, IngestConfig(progress=False, chunk=chunking or ChunkConfig()))
    if result.failed or not result.chunk_count:
        raise EvalError(f"{report}: inlezen mislukt ({'; '.join(f.error or f.status for f in result.failed)})")
    return directory


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", Path(text).name or text).strip("-")[:40] or "model"


# IndexConfig fields that change the vectors (a second index is built); the others only change BM25.
DENSE_FIELDS = ("embedder", "sentence_vectors", "chunk_vectors")
BM25_FIELDS = ("bm25_k1", "bm25_b", "bm25_lemma", "bm25_stopwords")


def variant_index_dir(base: Path, config: Any) -> Path:
    """Where the harness keeps an index of `base`'s chunks whose vectors are made with `config`."""
    dense = json.dumps([str(Path(base).resolve()), *(getattr(config, f) for f in DENSE_FIELDS)])
    key = hashlib.sha1(dense.encode()).hexdigest()[:10]
    return cache_root() / "eval" / "variants" / f"{_slug(config.embedder)}-{key}"


def with_bm25(searcher: Any, config: Any) -> Any:
    """The same loaded index and model with BM25 rebuilt in memory by `config`'s BM25 settings."""
    from dataclasses import replace

    from citaat.index.bm25 import BM25Index

    texts = [c.text for c in searcher.chunks]
    bm25 = BM25Index.build(texts, k1=config.bm25_k1, b=config.bm25_b, analyzer=config.analyzer)
    built = replace(searcher.index_config, **{f: getattr(config, f) for f in BM25_FIELDS})
    return searcher.with_parts(bm25=bm25, index_config=built)


def open_variant_searcher(base: Any, overrides: Mapping[str, Any], progress: bool = False) -> Any:
    """A searcher over `base`'s chunks built with `base`'s IndexConfig changed by `overrides`.

    Vectors change (embedder, piece vectors, chunk vectors): a second index, built once and cached.
    Only BM25 changes: BM25 rebuilt in memory (a few hundred ms for the report).
    """
    from dataclasses import replace

    from citaat.index.embedders import normalize_spec
    from citaat.ingest.store import CHUNKS_FILE, SOURCES_FILE

    want = replace(base.index_config, **overrides)
    want = want.with_embedder(normalize_spec(want.embedder))
    searcher = base
    if any(getattr(want, f) != getattr(base.index_config, f) for f in DENSE_FIELDS):
        target = variant_index_dir(base.directory, want)
        target.mkdir(parents=True, exist_ok=True)
        for name in (CHUNKS_FILE, SOURCES_FILE):
            src, dst = Path(base.directory) / name, target / name
            if src.is_file() and (not dst.is_file() or src.read_bytes() != dst.read_bytes()):
                shutil.copyfile(src, dst)
        searcher = _open_or_build(target, want, progress=progress)
    if any(getattr(want, f) != getattr(searcher.index_config, f) for f in BM25_FIELDS):
        searcher = with_bm25(searcher, want)
    return searcher


def with_search_config(searcher: Any, config: Any) -> Any:
    """The same loaded index and model, answering with another SearchConfig."""
    return searcher.with_parts(config=config)  # shares chunks, vectors, BM25 and the model


# ------------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class QueryRun:
    item_id: str
    hits: tuple[Hit, ...]
    seconds: float


def run_config(
    searcher: SearcherLike,
    items: Sequence[Item],
    k: int = K,
    progress: Callable[[], None] | None = None,
) -> list[QueryRun]:
    """Ask every question once (after one untimed warm-up query) and time each search."""
    out: list[QueryRun] = []
    if items:
        searcher.search(items[0].q, k=k)
    for item in items:
        t0 = time.perf_counter()
        hits = searcher.search(item.q, k=k)
        seconds = time.perf_counter() - t0
        out.append(QueryRun(item.id, tuple(hits[:k]), seconds))
        if progress is not None:
            progress()
    return out


# ------------------------------------------------------------------------------------ scoring


def _clean(value: Any) -> Any:
    """JSON-safe: NaN -> None, numpy scalars -> float, tuples -> lists, recursively."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def _excerpt(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# (question, searcher) -> True when the chat's rule says "no relevant evidence".
EvidenceRule = Callable[[str, Any], bool]


def no_evidence_rule(cfg: EvidenceConfig | None = None) -> EvidenceRule:
    """The chat's "no relevant evidence" decision, as `Answerer.stream` takes it (app/service.py):
    index.evidence.judge_evidence with the default EvidenceConfig, the term statistics of the
    searcher's corpus and the question's corpus baseline (the no-evidence model's inputs), on the
    question's top `EVIDENCE_DEPTH` hits as the chat searches them; no hits at all is no evidence.
    A stand-in searcher without `baseline` gets the rule without it."""
    cfg = cfg or EvidenceConfig()
    terms: dict[int, TermStats] = {}

    def rule(question: str, searcher: Any) -> bool:
        hits = searcher.search(question, k=EVIDENCE_DEPTH)
        if not hits:
            return True
        stats = terms.get(id(searcher))
        if stats is None:
            stats = terms[id(searcher)] = TermStats.of(searcher.chunks)
        baseline = None
        if cfg.use_model and hasattr(searcher, "baseline") and hasattr(searcher, "query"):
            baseline = searcher.baseline(searcher.query(question))
        embedder = getattr(searcher, "embedder_name", None)
        return not judge_evidence(hits, cfg, embedder, question, stats, baseline).relevant

    return rule


def score_config(
    config: EvalConfig,
    runs: Sequence[QueryRun],
    items: Sequence[Item],
    judgements: Mapping[str, Judgement],
    evidence_rule: EvidenceRule | None = None,
    searcher: Any = None,
) -> dict[str, Any]:
    """All figures of one configuration on `items` (JSON-ready apart from NaN).

    `searcher` is the searcher behind the hits (the no-evidence rule reads its corpus).
    """
    by_id = {r.item_id: r for r in runs}
    judged = [i for i in items if judgements[i.id].judgeable]
    qrels = {i.id: dict(judgements[i.id].qrels) for i in judged}
    rankings = {i.id: judgements[i.id].ranked_units([h.id for h in by_id[i.id].hits]) for i in judged}
    per_q = M.per_query(qrels, rankings) if qrels else {name: {} for name in M.METRICS}

    def means(ids: Sequence[str]) -> dict[str, float]:
        return M.mean_scores(per_q, ids)

    splits = sorted({i.split for i in items})
    categories = list(dict.fromkeys(i.category for i in items))
    by_split = {
        s: {**means([i.id for i in judged if i.split == s]), "n": sum(1 for i in judged if i.split == s)}
        for s in splits
    }
    by_category: dict[str, dict[str, Any]] = {}
    for cat in categories:
        ids = [i.id for i in judged if i.category == cat]
        by_category[cat] = {**means(ids), "n": len(ids)}

    who = [i for i in items if i.category == WHO and i.respondents]
    resp_acc = M.respondent_accuracy(
        {i.id: i.respondents for i in who}, {i.id: [h.respondents for h in by_id[i.id].hits] for i in who}, k=5
    )

    def top(item: Item) -> float | None:
        hits = by_id[item.id].hits
        return hits[0].score if hits else None

    def top_dense(item: Item) -> float | None:
        scores = [h.dense_score for h in by_id[item.id].hits if h.dense_score is not None]
        return max(scores) if scores else None

    answerable = [i for i in items if i.answerable]
    noanswer = [i for i in items if i.category == NOANSWER]
    noans = M.noanswer_behaviour(
        [top(i) for i in answerable],
        [top(i) for i in noanswer],
        [evidence_rule(i.q, searcher) for i in noanswer] if evidence_rule else None,
        [evidence_rule(i.q, searcher) for i in answerable] if evidence_rule else None,
    )
    if any(h.dense_score is not None for r in runs for h in r.hits):
        dense_ans = [top_dense(i) for i in answerable]
        dense_no = [top_dense(i) for i in noanswer]
        noans["top_dense_noanswer"] = M.score_summary(dense_no)
        noans["top_dense_answerable"] = M.score_summary(dense_ans)
        present = [v for v in (*dense_ans, *dense_no) if v is not None]
        floor = min(present) - 1.0 if present else 0.0
        noans["auc_dense"] = M.auc(
            [floor if v is None else v for v in dense_ans], [floor if v is None else v for v in dense_no]
        )

    failed = []
    for item in judged:
        if per_q["hit@5"].get(item.id, 0.0) > 0:
            continue
        j = judgements[item.id]
        hits = by_id[item.id].hits
        first = next((n for n, h in enumerate(hits, 1) if j.grade(h.id) == 2), None)
        failed.append(
            {
                "id": item.id,
                "q": item.q,
                "category": item.category,
                "split": item.split,
                "expected": {"respondents": list(item.respondents), "snippets": list(item.snippets)},
                "first_relevant_rank": first,
                "got": [
                    {
                        "rank": n,
                        "id": h.id,
                        "kind": h.kind,
                        "respondents": list(h.respondents),
                        "grade": j.grade(h.id),
                        "score": h.score,
                        "text": _excerpt(h.text),
                    }
                    for n, h in enumerate(hits[:FAILED_SHOWN], 1)
                ],
            }
        )

    return {
        "config": config.to_dict(),
        "n_judged": len(judged),
        "metrics": means([i.id for i in judged]),
        "by_split": by_split,
        "by_category": by_category,
        "respondent_accuracy@5": resp_acc,
        "n_who": len(who),
        "noanswer": noans,
        "latency_ms": latency_summary([r.seconds * 1000.0 for r in runs]),
        "failed": failed,
        "per_query": {
            r.item_id: {
                "ranking": [h.id for h in r.hits],
                "grades": [judgements[r.item_id].grade(h.id) for h in r.hits],
                "ms": r.seconds * 1000.0,
                **{m: per_q[m][r.item_id] for m in per_q if r.item_id in per_q[m]},
            }
            for r in runs
        },
        "_rankings": rankings,
        "_qrels": qrels,
    }


def evaluate_configs(
    qset: QuestionSet,
    configs: Sequence[EvalConfig],
    searchers: Mapping[str, SearcherLike],
    k: int = K,
    stat_test: str = "fisher",
    evidence_rule: EvidenceRule | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Run and score each configuration on every item of `qset` with the searcher given for it.

    The first configuration is the baseline of the significance tests. Each configuration is
    judged on the chunks of its own searcher (configurations with another chunking are judged by
    the same snippets); the paired test compares per-question scores on the questions judged in both.
    """
    if not configs:
        raise EvalError("geen configuraties om te evalueren")
    items = list(qset.items)
    by_chunks: dict[tuple[str, ...], dict[str, Judgement]] = {}

    def judged_on(name: str) -> dict[str, Judgement]:
        chunks = list(searchers[name].chunks)
        key = tuple(c.id for c in chunks)
        if key not in by_chunks:
            by_chunks[key] = judge_items(items, chunks)
        return by_chunks[key]

    judgements = judged_on(configs[0].name)
    results: dict[str, dict[str, Any]] = {}
    from tqdm import tqdm

    with tqdm(
        total=len(items) * len(configs), desc="Evalueren", unit="vraag", disable=not progress, leave=False
    ) as bar:
        for cfg in configs:
            bar.set_postfix_str(cfg.name)
            runs = run_config(searchers[cfg.name], items, k, progress=lambda: bar.update(1))
            results[cfg.name] = score_config(cfg, runs, items, judged_on(cfg.name), evidence_rule, searchers[cfg.name])

    baseline = configs[0].name
    qrels = results[baseline]["_qrels"]
    if qrels and len(configs) > 1:
        per_query = {name: r["per_query"] for name, r in results.items()}
        pvalues = M.compare_per_query(per_query, baseline, stat_test=stat_test)
    else:
        pvalues = {}
    for name, r in results.items():
        r["significance"] = pvalues.get(name, {})
        r.pop("_rankings")
        r.pop("_qrels")

    unjudgeable = [
        {
            "id": i.id,
            "q": i.q,
            "source": judgements[i.id].source,
            "unmatched": list(judgements[i.id].unmatched),
            "wrong_respondent": list(judgements[i.id].wrong_respondent),
            "notes": list(judgements[i.id].notes),
        }
        for i in items
        if i.answerable and not judgements[i.id].judgeable
    ]
    partly = [
        {
            "id": i.id,
            "unmatched": list(judgements[i.id].unmatched),
            "wrong_respondent": list(judgements[i.id].wrong_respondent),
        }
        for i in items
        if judgements[i.id].judgeable and (judgements[i.id].unmatched or judgements[i.id].wrong_respondent)
    ]
    return {
        "set": qset.source,
        "n_items": len(items),
        "n_judged": sum(1 for i in items if judgements[i.id].judgeable),
        "n_noanswer": sum(1 for i in items if i.category == NOANSWER),
        "splits": sorted({i.split for i in items}),
        "k": k,
        "stat_test": stat_test,
        "alpha": ALPHA,
        "baseline": baseline,
        "judging": {
            "sources": {
                s: sum(1 for j in judgements.values() if j.source == s) for s in ("snippets", "labels", "none")
            },
            "unjudgeable": unjudgeable,
            "snippet_problems": partly,
            "warnings": list(qset.warnings),
        },
        "configs": results,
    }


# ------------------------------------------------------------------------------------ output


def _f(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _g(value: Any) -> str:
    """A raw score (RRF ~0.03, BM25 ~5, cosine ~0.8) with four significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}"


def _significance_note(result: Mapping[str, Any], baseline: Mapping[str, Any], alpha: float) -> str:
    marks = []
    for metric, p in result.get("significance", {}).items():
        if p is not None and p < alpha:
            diff = result["metrics"][metric] - baseline["metrics"][metric]
            marks.append(f"{METRIC_LABELS[metric]}{'↑' if diff > 0 else '↓'}")
    return " ".join(marks) or "–"


def markdown_report(results: Mapping[str, Any], max_failed: int = 15) -> str:
    """The human report: main table, per split, per category, no-answer, failed questions."""
    configs: Mapping[str, Any] = results["configs"]
    baseline = results["baseline"]
    base = configs[baseline]
    alpha = results.get("alpha", ALPHA)
    lines = [
        f"Vragenset: `{results['set']}` — {results['n_items']} vragen ({results['n_judged']} beoordeeld, "
        f"{results['n_noanswer']} zonder antwoord), split: {', '.join(results['splits'])}, k={results['k']}",
        "",
        "| config | " + " | ".join(METRIC_LABELS.values()) + " | Resp@5 (who) | geen-antwoord AUC "
        f"| p50 ms | p95 ms | sign. vs {baseline} |",
        "|---|" + "---:|" * (len(METRIC_LABELS) + 4) + "---|",
    ]
    for name, r in configs.items():
        m = r["metrics"]
        lines.append(
            f"| {name} | " + " | ".join(_f(m[k]) for k in METRIC_LABELS) + f" | {_f(r['respondent_accuracy@5'])} "
            f"| {_f(r['noanswer']['auc'], 2)} | {_f(r['latency_ms']['p50'], 1)} | {_f(r['latency_ms']['p95'], 1)} "
            f"| {_significance_note(r, base, alpha) if name != baseline else '(basis)'} |"
        )
    lines += [
        "",
        f"Significantie: {results['stat_test']} (gepaard, per vraag), p < {alpha}; ↑/↓ = beter/slechter dan "
        f"{baseline}. Geen-antwoord AUC: kans dat de topscore van een beantwoordbare vraag hoger is dan die "
        "van een vraag zonder antwoord (0,5 = toeval).",
    ]
    if len(results["splits"]) > 1:
        lines += [
            "",
            "Per split:",
            "",
            "| config | split | n | " + " | ".join(METRIC_LABELS.values()) + " |",
            "|---|---|---:|" + "---:|" * len(METRIC_LABELS),
        ]
        for name, r in configs.items():
            for s in results["splits"]:
                m = r["by_split"][s]
                lines.append(f"| {name} | {s} | {m['n']} | " + " | ".join(_f(m[k]) for k in METRIC_LABELS) + " |")
    cats = [c for c in base["by_category"] if base["by_category"][c]["n"]]
    if cats:
        lines += [
            "",
            "Per categorie (Hit@5 / MRR@10; n = beoordeelde vragen):",
            "",
            "| config | " + " | ".join(f"{c} (n={base['by_category'][c]['n']})" for c in cats) + " |",
            "|---|" + "---:|" * len(cats),
        ]
        for name, r in configs.items():
            cells = [f"{_f(r['by_category'][c]['hit@5'])} / {_f(r['by_category'][c]['mrr@10'])}" for c in cats]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Geen antwoord (topscore; mediaan voor vragen zonder antwoord vs. beantwoordbare vragen):",
        "",
        "| config | mediaan topscore geen-antwoord | mediaan topscore beantwoordbaar | AUC "
        "| AUC dense-cosinus | geweigerd geen-antwoord | geweigerd beantwoordbaar |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in configs.items():
        na = r["noanswer"]
        lines.append(
            f"| {name} | {_g(na['top_score_noanswer']['median'])} | {_g(na['top_score_answerable']['median'])} "
            f"| {_f(na['auc'], 2)} | {_f(na.get('auc_dense'), 2)} | {_f(na.get('refused_noanswer'), 2)} "
            f"| {_f(na.get('refused_answerable'), 2)} |"
        )
    failed = base["failed"]
    lines += [
        "",
        f"Gemist door {baseline} (geen antwoord in de top 5): {len(failed)} vragen"
        + (f", de eerste {max_failed}:" if len(failed) > max_failed else ":"),
    ]
    for f in failed[:max_failed]:
        rank = f"eerste treffer op {f['first_relevant_rank']}" if f["first_relevant_rank"] else "niet in top 10"
        lines.append(f"- **{f['id']}** ({f['category']}, {rank}) {f['q']}")
        lines.append(
            f"  - verwacht: {f['expected']['respondents'] or ''} «{_excerpt(f['expected']['snippets'][0], 90)}»"
            if f["expected"]["snippets"]
            else "  - verwacht: (labels)"
        )
        for g in f["got"]:
            who = ",".join(g["respondents"]) or "-"
            lines.append(f"  - kreeg {g['rank']}: [{g['kind']} {who}] {_excerpt(g['text'], 110)}")
    others = {n: len(r["failed"]) for n, r in configs.items() if n != baseline}
    if others:
        lines.append("")
        lines.append(
            "Gemist per configuratie: "
            + ", ".join(f"{n} {c}" for n, c in others.items())
            + " (alle details in de JSON)."
        )
    j = results["judging"]
    if j["unjudgeable"]:
        lines += [
            "",
            "Niet te beoordelen (geen snippet in een chunk, of niet bij de verwachte respondent): "
            + ", ".join(u["id"] for u in j["unjudgeable"]),
        ]
    if j["snippet_problems"]:
        lines += [
            "",
            "Snippets die geen chunk vinden of alleen bij een andere respondent staan (de vraag telt mee op de "
            "overige snippets; zie `citaat eval label`): " + ", ".join(p["id"] for p in j["snippet_problems"]),
        ]
    if results.get("evidence_rule"):
        lines += ["", f"Geweigerd = {results['evidence_rule']} zegt 'geen relevant bewijs' bij deze treffers."]
    return "\n".join(lines) + "\n"


def write_chart(results: Mapping[str, Any], path: Path, title: str | None = None) -> Path:
    """A PNG comparing the configurations: the five metrics as grouped bars, latency beside them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    configs = list(results["configs"])
    metrics = list(METRIC_LABELS)
    values = np.array([[results["configs"][c]["metrics"][m] for m in metrics] for c in configs], dtype=float)
    values = np.nan_to_num(values)
    fig, (ax, lat) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3.2, 1]})
    x = np.arange(len(metrics))
    width = 0.8 / max(1, len(configs))
    cmap = plt.get_cmap("tab10")
    for n, name in enumerate(configs):
        ax.bar(x + (n - (len(configs) - 1) / 2) * width, values[n], width, label=name, color=cmap(n % 10))
    ax.set_xticks(x, [METRIC_LABELS[m] for m in metrics])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=min(5, len(configs)), loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    ax.set_title(title or f"Retrieval per configuratie ({', '.join(results['splits'])}; n={results['n_judged']})")
    p50 = [results["configs"][c]["latency_ms"]["p50"] or 0 for c in configs]
    p95 = [results["configs"][c]["latency_ms"]["p95"] or 0 for c in configs]
    y = np.arange(len(configs))
    lat.barh(y - 0.2, p50, 0.4, label="p50", color="#4c72b0")
    lat.barh(y + 0.2, p95, 0.4, label="p95", color="#dd8452")
    lat.set_yticks(y, configs, fontsize=8)
    lat.invert_yaxis()
    lat.set_xlabel("ms per vraag")
    lat.set_title("Latentie")
    lat.legend(fontsize=8)
    lat.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_outputs(results: Mapping[str, Any], out_dir: Path, report: str | None = None) -> dict[str, Path]:
    """results.json, report.md (`report`, default the Markdown report) and chart.png in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(_clean(results), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md_path = out_dir / "report.md"
    md_path.write_text(report if report is not None else markdown_report(results), encoding="utf-8")
    png_path = write_chart(results, out_dir / "chart.png")
    return {"json": json_path, "markdown": md_path, "chart": png_path}


# ------------------------------------------------------------------------------------ entry point


def open_searchers(
    configs: Sequence[EvalConfig], index_dir: Path | None, progress: bool = False
) -> tuple[dict[str, Any], list[EvalConfig], list[str]]:
    """One searcher per configuration (an index and model loaded once per chunking and variant).

    Returns (searchers, the configs that could be opened, warnings). A configuration whose
    embedder cannot be loaded, or that needs its own chunking when an --index was given, is
    skipped with a warning instead of failing the whole run.
    """
    from citaat.index.embedders import EmbedderError
    from citaat.index.search import Searcher
    from citaat.index.store import SearchIndexError

    if index_dir is None:
        directory = ensure_default_index(progress=progress)
        base = _open_or_build(directory, progress=progress)
    else:
        try:
            base = Searcher.open(index_dir)
        except SearchIndexError as exc:
            raise EvalError(str(exc)) from None
    bases: dict[Any, Any] = {None: base}
    loaded: dict[Any, Any] = {}
    searchers: dict[str, Any] = {}
    kept: list[EvalConfig] = []
    notes: list[str] = []
    for cfg in configs:
        chunk_key = cfg.chunking
        if chunk_key not in bases:
            if index_dir is not None:
                notes.append(f"{cfg.name} overgeslagen: eigen chunking, dus het rapport nodig (geen --index)")
                bases[chunk_key] = None
            else:
                directory = ensure_default_index(progress=progress, chunking=chunk_key)
                bases[chunk_key] = _open_or_build(directory, None, progress)
        if bases[chunk_key] is None:
            continue
        overrides = dict(cfg.index)
        if cfg.embedder:
            overrides["embedder"] = cfg.embedder
        key = (chunk_key, json.dumps(overrides, sort_keys=True))
        if key not in loaded:
            try:
                loaded[key] = open_variant_searcher(bases[chunk_key], overrides, progress=progress)
            except (EmbedderError, SearchIndexError) as exc:
                notes.append(f"{cfg.name} overgeslagen: {exc}")
                loaded[key] = None
        if loaded[key] is None:
            continue
        searchers[cfg.name] = with_search_config(loaded[key], cfg.search)
        kept.append(cfg)
    return searchers, kept, notes


def run_eval(
    set_path: Path | str | None = None,
    index_dir: Path | str | None = None,
    config_names: list[str] | None = None,
    split: str = "all",
    out_dir: Path | str | None = DEFAULT_OUT,
    stat_test: str = "fisher",
    progress: bool = False,
) -> tuple[dict[str, Any], str]:
    """Load the set, open the index, run the configurations, write the outputs.

    Returns (results, the Markdown report). `out_dir=None` writes nothing.
    """
    try:
        qset = load_questions(set_path).select(split)
        configs = resolve(config_names)
    except ValueError as exc:  # DatasetError is a ValueError
        raise EvalError(str(exc)) from None
    if not qset.items:
        raise EvalError(f"{qset.source}: geen vragen in split {split!r}")
    searchers, configs, notes = open_searchers(configs, Path(index_dir) if index_dir else None, progress)
    if not configs:
        raise EvalError("geen enkele configuratie kon worden geopend: " + "; ".join(notes))
    rule = no_evidence_rule()
    results = evaluate_configs(qset, configs, searchers, stat_test=stat_test, evidence_rule=rule, progress=progress)
    results["evidence_rule"] = "de weigerregel van de chat (index.evidence.judge_evidence met het weigermodel)"
    first = searchers[configs[0].name]
    results["split"] = split
    results["index"] = str(getattr(first, "directory", ""))
    results["embedders"] = {c.name: str(searchers[c.name].manifest.get("embedder")) for c in configs}
    results["skipped"] = notes
    results["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    report = markdown_report(results)
    if notes:
        report += "\n" + "\n".join(f"Let op: {n}" for n in notes) + "\n"
    if out_dir is not None:
        write_outputs(results, Path(out_dir), report)
    return results, report


__all__ = [
    "DEFAULT",
    "EvalError",
    "evaluate_configs",
    "markdown_report",
    "run_config",
    "run_eval",
    "score_config",
    "write_chart",
    "write_outputs",
]
