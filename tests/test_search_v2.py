"""Retrieval v2: BM25 analysis, query understanding, whole-paragraph chunking, the CV harness and the
per-question significance test."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sample_index import write_sample

from citaat.eval.dataset import Item
from citaat.eval.metrics import compare_per_query
from citaat.index.bm25 import TOKENIZER_ID, Analyzer, BM25Index
from citaat.index.build import build_index
from citaat.index.config import IndexConfig, SearchConfig
from citaat.index.query import plan, preferred_kind, strip_scaffolding
from citaat.index.search import Searcher
from citaat.index.store import IndexMismatchError
from citaat.ingest.chunker import ChunkConfig, chunk_report
from citaat.ingest.errors import ConfigError
from citaat.ingest.model import Block, Document
from lab.tune import Grid, assign_folds, cross_validate

# ------------------------------------------------------------------ BM25 analysis


def test_lemmas_join_inflected_forms_that_the_stemmer_keeps_apart():
    plain, lemma = Analyzer(lemma=False), Analyzer(lemma=True)
    assert plain.tokenize("liep")[0] != plain.tokenize("lopen")[0]
    assert lemma.tokenize("liep") == lemma.tokenize("lopen")
    assert lemma.tokenize("gemeenten") == lemma.tokenize("gemeente")


def test_question_stopwords_keep_meaningful_words_the_nltk_list_drops():
    text = "Wat doen ze zelf samen als er niets gebeurt?"
    question, nltk = Analyzer(stopwords="question").tokenize(text), Analyzer(stopwords="nltk").tokenize(text)
    assert "wat" not in " ".join(question)  # a question word never matches
    assert len(question) > len(nltk)  # "zelf", "niets" … stay
    assert Analyzer(stopwords="none").tokenize("wat") != []


def test_analyzer_ids_differ_and_bad_stopwords_are_a_config_error():
    ids = {Analyzer(lemma, stop).id for lemma in (True, False) for stop in ("question", "nltk", "none")}
    assert len(ids) == 6 and TOKENIZER_ID == Analyzer().id
    assert IndexConfig().analyzer == Analyzer()
    with pytest.raises(ConfigError, match="stopwoordenlijst"):
        IndexConfig(bm25_stopwords="alles")  # type: ignore[arg-type]


def test_bm25_index_tokenizes_queries_with_its_own_analyzer():
    texts = ["De gemeenten liepen samen op.", "Een tabel met cijfers."]
    idx = BM25Index.build(texts, analyzer=Analyzer(lemma=True))
    assert idx.scores("lopen")[0] > 0  # found through the lemma
    assert BM25Index.build(texts, analyzer=Analyzer(lemma=False)).scores("lopen")[0] == 0


# ------------------------------------------------------------------ query understanding


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Welke respondent zegt dat wethouders te veel eigenaar blijven?", "wethouders te veel eigenaar blijven"),
        ("Welke twee respondenten vinden dat je moet stoppen?", "je moet stoppen"),
        ("Wat vinden de geïnterviewden van de kosten?", "de kosten"),
        ("Wie spreekt over schone relaties?", "schone relaties"),
        ("Wat zegt over transparantie?", "transparantie"),  # "Wat zegt R16 over …" after the code is taken out
        ("Wat staat er in het rapport over huisvesting?", "huisvesting"),
        ("Waarom werken gemeenten samen?", "Waarom werken gemeenten samen?"),  # no frame: unchanged
        ("Welke respondent?", "Welke respondent?"),  # nothing but a frame: kept as typed
    ],
)
def test_strip_scaffolding(question, topic):
    assert strip_scaffolding(question) == topic


def test_preferred_kind():
    assert preferred_kind("Welke respondent vergelijkt de samenwerking met de brink?") == "quote"
    assert preferred_kind("Wie noemt de klik het belangrijkste?") == "quote"
    assert preferred_kind("Hoeveel draagvlak is er bij medewerkers?") == "table"
    assert preferred_kind("Hoe hoog scoort vertrouwen?") == "table"
    assert preferred_kind("Waarom werken gemeenten samen?") is None
    assert plan("Wat zegt over geld?", who_hint=True).prefer == "quote"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    directory: Path = write_sample(tmp_path_factory.mktemp("sample-v2"))
    build_index(directory, progress=False)
    return directory


def test_kind_boost_is_a_soft_preference_never_a_filter(sample):
    # the boost acts on the fused scores; the learned reranker (Zoeken v4) reorders after it
    s = Searcher.open(sample, SearchConfig(kind_boost=0.0, rerank=False))
    question = "Welke respondent vertelt over de salarisadministratie?"
    plain = s.search(question, k=8)
    s.config = SearchConfig(kind_boost=0.5, rerank=False)
    boosted = s.search(question, k=8)
    rank = {h.id: h.rank for h in plain}
    quotes = [h for h in boosted if h.kind == "quote"]
    assert quotes and all(h.rank <= rank.get(h.id, 99) for h in quotes[:1])
    assert {h.kind for h in boosted} - {"quote"}  # other kinds still come back
    assert len(boosted) == len(plain)


def test_index_with_another_analysis_asks_for_a_rebuild(sample, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sample, copy)
    build_index(copy, IndexConfig(bm25_lemma=False, bm25_stopwords="nltk"), progress=False)
    s = Searcher.open(copy)  # the manifest's own config says how it was analysed
    assert s.bm25.analyzer == Analyzer(False, "nltk")
    manifest = next((copy / "index").glob("v-*/manifest.json"))
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(s.bm25.analyzer.id, "nl-old"), encoding="utf-8")
    with pytest.raises(IndexMismatchError):
        Searcher.open(copy)


# ------------------------------------------------------------------ chunking


def test_whole_paragraphs_keep_a_long_paragraph_in_one_passage():
    sentence = "De samenwerking tussen de gemeenten verliep in het begin erg moeizaam en traag. "
    text = "Inleiding\n\n" + sentence * 30
    doc = Document(
        "r.txt",
        text,
        (Block("heading", "Inleiding", 0, 9, level=1), Block("paragraph", text[11:], 11, len(text))),
    )
    windows = [c for c in chunk_report(doc) if c.kind == "passage"]
    whole = [c for c in chunk_report(doc, ChunkConfig(whole_paragraphs=True)) if c.kind == "passage"]
    assert len(windows) > 1 and len(whole) == 1
    assert whole[0].text == text[whole[0].start : whole[0].end]


# ------------------------------------------------------------------ harness


def _item(qid: str, category: str) -> Item:
    return Item(qid, "vraag?", category, "dev", snippets=("een snippet van twintig tekens",))


def test_folds_are_dealt_within_each_category():
    items = [_item(f"q{n:03d}", "paraphrase" if n % 2 else "who") for n in range(20)]
    folds = assign_folds(items, 5)
    assert sorted(set(folds.values())) == [0, 1, 2, 3, 4]
    for cat in ("paraphrase", "who"):
        got = [folds[i.id] for i in items if i.category == cat]
        assert sorted(got) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_cross_validation_chooses_on_the_other_folds_only():
    folds_of = {"a": 0, "b": 0, "c": 1, "d": 1}
    # Candidate 0 is perfect on fold 1 only, candidate 1 perfect on fold 0 only.
    good = {"hit@1": 1.0, "hit@5": 1.0, "mrr@10": 1.0}
    bad = {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}

    def scores(per_q):
        return {m: {q: v[m] for q, v in per_q.items()} for m in good}

    table = {0: scores({"a": bad, "b": bad, "c": good, "d": good}), 1: scores({"a": good, "b": good, "c": bad, "d": bad})}
    cv = cross_validate(table, folds_of, 2)
    assert [r["chosen"] for r in cv["folds"]] == [0, 1]  # fold 0 is chosen on fold 1, where 0 wins
    assert cv["held_out_mean"]["mrr@10"] == 0.0  # and held out it is honest: both choices fail


def test_grid_is_the_full_product():
    g = Grid()
    n = len(g.chunkings) * len(g.prefixes) * len(g.analyzers) * len(g.fusions) * len(g.strips) * len(g.boosts)
    cands = g.candidates()
    assert len(cands) == n == len({c.label() for c in cands})


def test_per_question_significance(ranx_warm):
    base = {f"q{n}": {"mrr@10": 0.0} for n in range(30)}
    better = {f"q{n}": {"mrr@10": 1.0} for n in range(30)}
    same = {q: dict(v) for q, v in base.items()}
    p = compare_per_query({"a": base, "b": better, "c": same}, "a", metrics=("mrr@10",))
    assert p["b"]["mrr@10"] < 0.01 and p["c"]["mrr@10"] == 1.0


def test_search_config_validates_the_new_settings():
    with pytest.raises(ConfigError):
        SearchConfig(strip_scaffolding="altijd")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        SearchConfig(kind_boost=-1)
    assert replace(SearchConfig(), kind_boost=0.2).kind_boost == 0.2
