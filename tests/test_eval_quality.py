"""CI quality floor: the default retrieval configuration on the TEST split of the real question set.

The index is built once per session from the shared report in a tmp dir. Floors live in
eval/floors.json: the measured test-split figures minus a small margin (see docs/benchmarks.md).
Tuning happens on the dev split only; this test never informs a setting.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("ranx_warm")

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[1].parent / "shared/corpus"
REPORT = CORPUS / "succesvol-samenwerken-bedrijfsvoering.pdf"
FLOORS = REPO / "eval" / "floors.json"


@pytest.fixture(scope="session")
def eval_index(report_index) -> Path:
    """The shared report, ingested and indexed with the default chunker and embedder (conftest)."""
    return report_index


def test_floors_file_is_well_formed():
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert floors["split"] == "test"
    assert set(floors["floors"]) == {"hit@5", "mrr@10"}
    for name, floor in floors["floors"].items():
        assert 0 < floor <= floors["measured"][name], name


def test_default_config_meets_the_floors_on_the_test_split(eval_index):
    from citaat.eval.run import run_eval

    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    results, report = run_eval(
        index_dir=eval_index, config_names=[floors["config"]], split=floors["split"], out_dir=None
    )
    measured = results["configs"][floors["config"]]["metrics"]
    below = [
        f"{name} = {measured[name]:.3f} < floor {floor:.3f} (measured when set: {floors['measured'][name]:.3f})"
        for name, floor in floors["floors"].items()
        if measured[name] < floor
    ]
    assert not below, "retrieval quality dropped below the CI floor:\n" + "\n".join(below) + "\n\n" + report
    # docs/benchmarks.md shows the recorded figures (eval/figures/retrieval.json): they must be today's
    recorded = json.loads((REPO / "eval" / "figures" / "retrieval.json").read_text(encoding="utf-8"))
    shown = recorded["configs"][floors["config"]]["split"][floors["split"]]
    now = results["configs"][floors["config"]]["by_split"][floors["split"]]
    stale = {m: (shown[m], round(now[m], 4)) for m in ("hit@1", "hit@5", "mrr@10") if abs(shown[m] - now[m]) > 0.006}
    assert not stale, f"eval/figures/retrieval.json is stale (recorded, now): {stale}; re-record (docs/benchmarks.md)"


def test_committed_labels_match_the_snippets(eval_index):
    """eval/data/labels.jsonl is what `citaat eval label` derives from the question set today."""
    from citaat.eval.dataset import DEFAULT_LABELS, load_questions
    from citaat.eval.labels import derive
    from citaat.ingest.store import read_chunks

    derived = derive(load_questions(), read_chunks(eval_index))
    committed = load_questions(DEFAULT_LABELS)
    stale = [a.id for a, b in zip(committed.items, derived.items, strict=False) if a != b]
    assert len(committed.items) == len(derived.items) and not stale, (
        f"eval/data/labels.jsonl is stale ({len(stale)} items differ, e.g. {stale[:5]}): run `citaat eval label`"
    )


def test_eval_scores_the_refusal_rule_the_chat_uses(eval_index, sentence_cache):
    """`citaat eval`'s "geweigerd" is the chat's own decision (issue 23): on off-topic and answerable
    dev questions the eval's rule refuses exactly where the chat answers "geen antwoord"."""
    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.eval.dataset import NOANSWER, load_questions
    from citaat.eval.run import no_evidence_rule
    from citaat.index.search import Searcher

    dev = load_questions().select("dev").items
    items = [i for i in dev if i.category == NOANSWER][:15] + [i for i in dev if i.answerable][:15]
    searcher = Searcher.open(eval_index)
    answerer = Answerer(searcher, AnswerConfig(), sentence_cache=sentence_cache)
    rule = no_evidence_rule()
    answers = {i.id: answerer.answer(i.q) for i in items}
    # a question about a code no interview has ("Wat zegt R22 …") gets a message, not a search: skip it
    chat = {k: a.no_evidence for k, a in answers.items() if a.mode != "message"}
    ev = {i.id: rule(i.q, searcher) for i in items if i.id in chat}
    assert {k: (v, chat[k]) for k, v in ev.items() if v != chat[k]} == {}
    assert any(ev.values()) and not all(ev.values())
