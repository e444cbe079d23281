"""Figures as data (eval/figures.py): docs/benchmarks.md is generated from eval/figures/*.json, and the
conditions in eval/figures/conditions.json hold on the recorded figures, as eval/floors.json's do."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from citaat.eval.figures import DOC, Figures, check, evaluate, render
from citaat.eval.run import EvalError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def figures() -> Figures:
    return Figures.load()


def test_the_benchmarks_document_is_generated_from_the_recorded_figures(figures):
    assert DOC.read_text(encoding="utf-8") == render(figures), "run `citaat eval figures --write`"
    assert len(render(figures).splitlines()) <= 250


def test_every_condition_holds_on_the_recorded_figures(figures):
    assert check(figures) == []
    kinds = {c.get("kind", "condition") for c in figures.conditions}
    assert kinds <= {"condition", "target"}
    for cond in figures.conditions:
        assert cond["name"] and cond["command"] and cond["expected"]
        evaluate(cond["expected"], figures.values())  # every figure named exists


def test_a_failing_condition_is_reported_and_a_missed_target_is_only_shown(figures):
    failing = {"name": "onmogelijk", "command": "x", "expected": "answers.dev.duplicates >= 1"}
    target = {**failing, "name": "doel", "kind": "target"}
    assert check(replace(figures, conditions=[target])) == []
    [line] = check(replace(figures, conditions=[failing]))
    assert line.startswith("onmogelijk: answers.dev.duplicates >= 1 geldt niet")
    assert "✗ gemist" in render(replace(figures, conditions=[target]))


def test_expressions():
    values = {"a": 2.0, "b": 10.0}
    assert evaluate("a >= 0.2 * b", values) == (True, 2.0, 2.0)
    assert evaluate("a < b - 7.5", values)[0] is True
    assert evaluate("b <= a + 7", values)[0] is False
    assert evaluate("a == 2", values)[0] is True
    for bad in ("a", "a => 1", "a >= c", "a >= 1 * * b"):
        with pytest.raises(EvalError):
            evaluate(bad, values)


def test_recorded_files_are_what_the_commands_write(figures):
    speed = json.loads((REPO / "eval" / "figures" / "speed.json").read_text(encoding="utf-8"))
    keys = [f["key"] for f in speed["figures"]]
    assert len(keys) == len(set(keys))
    for fig in speed["figures"]:
        assert fig["command"] and fig["measured"][:4] == "2026" and isinstance(fig["value"], int | float)
    for split in ("dev", "test"):
        answers = figures.answers[split]
        assert {"contains", "lead@1", "lead@3", "search_hit@1", "followup_accuracy"} <= set(answers)


@pytest.mark.slow
def test_recorded_answer_figures_are_todays(report_index, sentence_cache):
    """The answers docs/benchmarks.md shows (eval/figures/answers-dev.json) are what the code gives now."""
    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.eval.answers import score_answers
    from citaat.eval.dataset import load_questions
    from citaat.index.search import Searcher

    qset = load_questions().select("dev")
    answerer = Answerer(Searcher.open(report_index), AnswerConfig(), sentence_cache=sentence_cache)
    now = score_answers(qset, {i.id: answerer.answer(i.q).to_dict(i.id) for i in qset})
    shown = json.loads((REPO / "eval" / "figures" / "answers-dev.json").read_text(encoding="utf-8"))
    keys = ("contains", "accepted", "lead@1", "lead@3", "chars_median", "duplicates", "apparatus")
    stale = {k: (shown[k], now[k]) for k in keys if abs(shown[k] - now[k]) > 0.004 * max(1.0, abs(shown[k]) / 100)}
    assert not stale, f"eval/figures/answers-dev.json is stale (recorded, now): {stale}; re-record (docs/benchmarks.md)"


def test_a_benchmark_run_records_its_figures_and_regenerates_the_document(tmp_path, monkeypatch):
    """`--docs` of a benchmark (benchmarks/common.py `record`) updates speed.json, writes a dated lab
    record and renders the document again, which then names the new value."""
    import shutil

    import citaat.eval.figures as figures_module
    from citaat.benchmarks import common

    shutil.copytree(REPO / "eval" / "figures", tmp_path / "figures")
    monkeypatch.setattr(figures_module, "FIGURES_DIR", tmp_path / "figures")
    monkeypatch.setattr(figures_module, "DOC", tmp_path / "benchmarks.md")
    monkeypatch.setattr(common, "LAB", tmp_path / "lab")
    speed_file, lab, doc = common.record({"bm25_1m_p95_ms": 12.34}, "bm25", "# BM25\n\nverslag")
    speed = json.loads(speed_file.read_text(encoding="utf-8"))
    fig = next(f for f in speed["figures"] if f["key"] == "bm25_1m_p95_ms")
    assert fig["value"] == 12.34 and fig["measured"] == lab.name[:10]
    assert lab.parent == tmp_path / "lab" and lab.read_text(encoding="utf-8").startswith("# BM25")
    assert "| BM25 bij 1.000.000 chunks, p95 | 12.34 ms |" in doc.read_text(encoding="utf-8")
    with pytest.raises(KeyError):
        common.record({"no_such_figure": 1.0}, "x", "")


@pytest.mark.slow
def test_recorded_coding_figures_are_todays(report_index):
    """The coding figures docs/benchmarks.md shows (eval/figures/coding-dev.json) are what the code gives now."""
    from citaat.eval.coding import evaluate, load_gold
    from citaat.index.search import Searcher

    now = evaluate(Searcher.open(report_index), load_gold(), "dev", source="report")
    shown = json.loads((REPO / "eval" / "figures" / "coding-dev.json").read_text(encoding="utf-8"))
    keys = ("map_zero_shot", "map_2_examples", "micro_f1", "baseline_e5_map", "baseline_tfidf_map")
    stale = {k: (shown[k], now[k]) for k in keys if abs(shown[k] - now[k]) > 0.005}
    assert not stale, f"eval/figures/coding-dev.json is stale (recorded, now): {stale}"
