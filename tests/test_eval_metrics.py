"""Metric values checked by hand on tiny runs and against plain ranx; the harness on a fake searcher."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest

from citaat.eval import metrics as M
from citaat.eval.configs import DEFAULT, EvalConfig, resolve
from citaat.eval.dataset import Item, QuestionSet, judge_items
from citaat.eval.run import evaluate_configs, markdown_report, run_config, write_outputs
from citaat.index.config import SearchConfig
from citaat.index.records import Hit
from citaat.index.stats import latency_summary, percentile
from citaat.ingest.model import Chunk, ChunkKind

pytestmark = pytest.mark.usefixtures("ranx_warm")

QRELS = {"a": {"u1": 2, "u2": 1}, "b": {"u3": 2, "u4": 2}, "c": {"u5": 2}}
RANKINGS = {"a": ["x", "u2", "u1"], "b": ["u4"], "c": []}


def test_per_query_values_by_hand():
    per_q = M.per_query(QRELS, RANKINGS)
    # a: first answer (u1, grade 2) at rank 3; the grade-1 unit at rank 2 does not count as a hit.
    assert per_q["hit@1"] == {"a": 0.0, "b": 1.0, "c": 0.0}
    assert per_q["hit@5"] == {"a": 1.0, "b": 1.0, "c": 0.0}
    assert per_q["mrr@10"]["a"] == pytest.approx(1 / 3)
    assert per_q["recall@10"] == {"a": 1.0, "b": 0.5, "c": 0.0}
    # nDCG, gain = grade, discount log2(rank + 1):
    # a: DCG = 1/log2(3) + 2/log2(4); ideal = 2/log2(2) + 1/log2(3)
    dcg_a = 1 / math.log2(3) + 2 / math.log2(4)
    assert per_q["ndcg@10"]["a"] == pytest.approx(dcg_a / (2 + 1 / math.log2(3)))
    # b: DCG = 2; ideal = 2 + 2/log2(3)
    assert per_q["ndcg@10"]["b"] == pytest.approx(2 / (2 + 2 / math.log2(3)))
    assert per_q["ndcg@10"]["c"] == 0.0


def test_means_by_hand():
    means = M.evaluate(QRELS, RANKINGS)
    assert means["hit@1"] == pytest.approx(1 / 3)
    assert means["hit@5"] == pytest.approx(2 / 3)
    assert means["recall@10"] == pytest.approx(0.5)
    assert means["mrr@10"] == pytest.approx((1 / 3 + 1) / 3)
    assert math.isnan(M.mean_scores({"hit@1": {}})["hit@1"])


def test_cutoffs():
    ranked = {"q": [f"n{i}" for i in range(10)] + ["u"]}  # the answer at rank 11
    per_q = M.per_query({"q": {"u": 2}}, ranked)
    assert per_q["mrr@10"]["q"] == 0.0 and per_q["recall@10"]["q"] == 0.0
    ranked = {"q": ["n0", "n1", "n2", "n3", "u"]}  # rank 5
    per_q = M.per_query({"q": {"u": 2}}, ranked)
    assert (per_q["hit@1"]["q"], per_q["hit@5"]["q"], per_q["mrr@10"]["q"]) == (0.0, 1.0, pytest.approx(0.2))


def test_run_dict_keeps_order_and_first_position():
    assert M.run_dict({"q": ["a", "b", "a", "c"]}) == {"q": {"a": 4.0, "b": 3.0, "c": 1.0}}


def test_units_equal_plain_ranx_on_chunks_without_duplicates():
    """With no duplicate chunks, judging via evidence units gives exactly ranx on chunk-level qrels."""
    import ranx

    @dataclass(frozen=True)
    class C:
        id: str
        text: str
        respondents: tuple[str, ...]
        start: int
        end: int
        parent: str | None = None
        doc: str = "d"

    chunks = [C(f"c{i}", f"tekst nummer {i} over onderwerp {i % 3}", (), i * 100, i * 100 + 30) for i in range(12)]
    items = [
        Item("q1", "?", "broad", "dev", (), ("onderwerp 1",)),
        Item("q2", "?", "broad", "dev", (), ("nummer 4 ",), ("onderwerp 2",)),
    ]
    judged = judge_items(items, chunks)
    rankings = {"q1": ["c0", "c4", "c1", "c7"], "q2": ["c2", "c4", "c5", "c9"]}
    qrels = {i.id: dict(judged[i.id].qrels) for i in items}
    ours = M.per_query(qrels, {q: judged[q].ranked_units(r) for q, r in rankings.items()})
    chunk_qrels = ranx.Qrels({q: dict(judged[q].grades) for q in rankings})
    run = ranx.Run({q: {c: float(len(r) - n) for n, c in enumerate(r)} for q, r in rankings.items()})
    theirs = ranx.evaluate(chunk_qrels, run, list(M.METRICS.values()), return_mean=False)
    for name, ranx_name in M.METRICS.items():
        assert [ours[name][q] for q in rankings] == pytest.approx(list(theirs[ranx_name])), name


def test_significance_against_baseline():
    qrels = {f"q{i}": {"u": 2} for i in range(30)}
    good = {q: ["u"] for q in qrels}
    bad = {q: ["x", "y", "z", "u"] for q in qrels}
    for test in M.STAT_TESTS:
        p = M.compare(qrels, {"base": good, "worse": bad, "same": dict(good)}, "base", stat_test=test)
        assert set(p) == {"worse", "same"}
        assert p["worse"]["mrr@10"] < 0.01
        assert p["worse"]["hit@5"] > 0.05  # both find it in the top 5
        assert p["same"] == dict.fromkeys(M.METRICS, 1.0)  # identical runs
    with pytest.raises(ValueError):
        M.compare(qrels, {"base": good}, "other")


def test_respondent_accuracy_by_hand():
    expected = {"a": ["R1"], "b": ["R2", "R3"], "c": []}
    retrieved = {"a": [[], ["R1"]], "b": [["R4"]] * 5 + [["R2"]]}
    assert M.respondent_accuracy(expected, retrieved, k=5) == 0.5  # a yes (rank 2), b only at rank 6; c skipped
    assert M.respondent_accuracy(expected, retrieved, k=6) == 1.0
    assert math.isnan(M.respondent_accuracy({"c": []}, {}))


def test_auc_and_noanswer_behaviour():
    assert M.auc([3, 2, 1], [0, 2]) == pytest.approx(4.5 / 6)  # 4 wins, one tie, one loss
    out = M.noanswer_behaviour([0.9, 0.8, None], [0.5, None], [True, False], [False, False, True])
    assert out["top_score_noanswer"] == {"n": 2, "empty": 1, "min": 0.5, "median": 0.5, "max": 0.5}
    assert out["auc"] == pytest.approx(4.5 / 6)  # "nothing returned" ranks lowest on both sides
    assert (out["refused_noanswer"], out["refused_answerable"]) == (0.5, pytest.approx(1 / 3))


def test_latency_percentiles():
    out = latency_summary([float(i) for i in range(1, 101)])  # 1..100 ms
    assert out["p50"] == pytest.approx(50.5)
    assert out["p95"] == pytest.approx(95.05)
    assert out["max"] == pytest.approx(100.0) and out["mean"] == pytest.approx(50.5)
    assert math.isnan(latency_summary([])["p95"]) and math.isnan(percentile([], 50))


# ----------------------------------------------------------------------------------- harness


def _chunk(id_: str, text: str, respondents: tuple[str, ...], kind: ChunkKind, start: int) -> Chunk:
    return Chunk(id_, "d", kind, text, respondents, (), None, start, start + len(text))


class FakeSearcher:
    """Returns a fixed ranking per question (by question text)."""

    def __init__(self, chunks, answers):
        self._chunks = chunks
        self._by_id = {c.id: c for c in chunks}
        self.answers = answers

    @property
    def chunks(self):
        return self._chunks

    def search(self, query, k=None, filters=None, mode=None):
        ids = self.answers.get(query, [])[: k or 10]
        return [Hit(self._by_id[i], score=1.0 - n / 10, rank=n + 1) for n, i in enumerate(ids)]


CHUNKS = [
    _chunk("c1", "De klik tussen de bestuurders is het belangrijkste.", ("R7",), "quote", 0),
    _chunk("c2", "Geld is nooit een drijfveer geweest bij ons.", ("R25",), "quote", 100),
    _chunk("c3", "Tabel 1. Vertrouwen tussen gemeentesecretarissen 3,94", (), "table", 200),
    _chunk("c4", "Iets heel anders over huisvesting.", (), "passage", 300),
]
ITEMS = (
    Item("w1", "Wie noemt de klik?", "who", "dev", ("R7",), ("klik tussen de bestuurders",)),
    Item("w2", "Wie zegt dat geld geen drijfveer is?", "who", "test", ("R25",), ("Geld is nooit een drijfveer",)),
    Item("t1", "Hoe hoog scoort vertrouwen?", "table", "test", (), ("Vertrouwen tussen gemeentesecretarissen",)),
    Item("n1", "Hoeveel fte?", "noanswer", "test"),
)
GOOD = {
    "Wie noemt de klik?": ["c1", "c4"],
    "Wie zegt dat geld geen drijfveer is?": ["c2"],
    "Hoe hoog scoort vertrouwen?": ["c3", "c1"],
    "Hoeveel fte?": ["c4"],
}
WORSE = {
    "Wie noemt de klik?": ["c4", "c1"],
    "Wie zegt dat geld geen drijfveer is?": ["c4"],
    "Hoe hoog scoort vertrouwen?": ["c3"],
    "Hoeveel fte?": ["c1", "c2"],
}


@pytest.fixture(scope="module")
def fake_results():
    configs = [EvalConfig(DEFAULT, "fake best"), EvalConfig("worse", "fake worse", SearchConfig(mode="bm25"))]
    searchers = {DEFAULT: FakeSearcher(CHUNKS, GOOD), "worse": FakeSearcher(CHUNKS, WORSE)}
    return evaluate_configs(QuestionSet(ITEMS, "fake.jsonl"), configs, searchers)


def test_harness_scores_fake_searchers(fake_results):
    best, worse = fake_results["configs"][DEFAULT], fake_results["configs"]["worse"]
    assert fake_results["n_judged"] == 3 and fake_results["n_noanswer"] == 1
    assert best["metrics"]["hit@1"] == 1.0 and best["metrics"]["mrr@10"] == 1.0
    assert worse["metrics"]["hit@1"] == pytest.approx(1 / 3)
    assert worse["metrics"]["mrr@10"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert best["respondent_accuracy@5"] == 1.0 and worse["respondent_accuracy@5"] == 0.5
    assert best["by_category"]["who"]["n"] == 2 and best["by_category"]["table"]["hit@5"] == 1.0
    assert best["by_split"]["test"]["n"] == 2
    assert [f["id"] for f in worse["failed"]] == ["w2"]
    assert worse["failed"][0]["got"][0]["id"] == "c4"
    # Top score of the no-answer question (0.9 for "worse" is the top of an irrelevant list).
    assert best["noanswer"]["top_score_noanswer"]["median"] == 1.0
    assert set(worse["significance"]) == set(M.METRICS)
    assert best["latency_ms"]["p50"] >= 0


def test_harness_outputs(fake_results, tmp_path):
    md = markdown_report(fake_results)
    assert "| config | Hit@1 | Hit@5 | Recall@10 | MRR@10 | nDCG@10 |" in md
    assert "| default | 1.000 | 1.000 |" in md
    assert "Per categorie" in md and "Per split" in md
    paths = write_outputs(fake_results, tmp_path)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["configs"]["worse"]["metrics"]["hit@1"] == pytest.approx(1 / 3, abs=1e-6)
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["markdown"].read_text(encoding="utf-8") == md


def test_labelled_set_scores_like_the_snippets(fake_results):
    from citaat.eval.labels import derive

    labelled = derive(QuestionSet(ITEMS, "fake.jsonl"), CHUNKS).items
    configs = [EvalConfig(DEFAULT, "fake best"), EvalConfig("worse", "fake worse", SearchConfig(mode="bm25"))]
    searchers = {DEFAULT: FakeSearcher(CHUNKS, GOOD), "worse": FakeSearcher(CHUNKS, WORSE)}
    again = evaluate_configs(QuestionSet(labelled, "labels.jsonl"), configs, searchers)
    assert again["judging"]["sources"]["labels"] == 3
    for name, result in fake_results["configs"].items():
        assert again["configs"][name]["metrics"] == result["metrics"]


def test_show_candidates_for_one_question():
    from citaat.eval.labels import show

    item = ITEMS[0]
    text = show(FakeSearcher(CHUNKS, GOOD), item, judge_items([item], CHUNKS)[item.id])
    assert "bm25 top 10:" in text and "hybrid top 10:" in text
    assert "★★ c1 [quote R7]" in text
    assert "»klik tussen de bestuurders«" in text


def test_run_config_times_each_question():
    runs = run_config(FakeSearcher(CHUNKS, GOOD), list(ITEMS), k=1)
    assert [r.item_id for r in runs] == [i.id for i in ITEMS]
    assert all(len(r.hits) <= 1 and r.seconds >= 0 for r in runs)


def test_named_configs():
    configs = resolve()
    names = [c.name for c in configs]
    assert names[0] == DEFAULT
    assert {"bm25", "dense", "no-rerank", "english-hybrid", "naive"} <= set(names)
    lost = {"hybrid-weighted", "previous-default", "sentence-max", "sentence-max-prf", "no-dedup", "no-respondent-parse"}
    assert not lost & set(names)  # variants that lost were removed with their settings
    distinct = {(c.search, c.embedder, repr(sorted(c.index.items())), c.chunking) for c in configs}
    assert len(distinct) == len(configs)  # no duplicates
    by_name = {c.name: c for c in configs}
    # The baselines pin their own index and chunking, so a change of defaults never changes them.
    assert by_name["naive"].index["bm25_stopwords"] == "none"
    assert by_name["naive"].chunking is not None and by_name["naive"].chunking.whole_paragraphs
    assert by_name["naive"].search.rrf_k == 60 and by_name["naive"].search.dense_weight == 1.0
    assert [c.name for c in resolve(["bm25", "dense"])] == ["bm25", "dense"]
    with pytest.raises(ValueError, match="onbekende configuratie"):
        resolve(["bestaat-niet"])
