"""The question-file format, snippet judging (incl. the respondent condition) and label derivation."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from citaat.eval.dataset import (
    DEFAULT_QUESTIONS,
    DatasetError,
    Item,
    dump_questions,
    find_snippet,
    judge_items,
    load_questions,
    normalize_text,
    parse_questions,
    snippet_grade,
)


@dataclass(frozen=True)
class C:
    """A chunk as judging sees it."""

    id: str
    text: str
    respondents: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    parent: str | None = None
    doc: str = "rapport.pdf"
    kind: str = "passage"


PASSAGE = (
    "Vertrouwen wordt vaak genoemd. “Er is een klik tussen de bestuurders en dat is eigenlijk het "
    "belangrijkste wat er is” (R7). Daarnaast speelt geld een rol."
)
QUOTE_TEXT = "Er is een klik tussen de bestuurders en dat is eigenlijk het belangrijkste wat er is"
Q_START = PASSAGE.index(QUOTE_TEXT)
CHUNKS = [
    C("p1", PASSAGE, ("R7",), 0, len(PASSAGE)),
    C("q1", QUOTE_TEXT, ("R7",), Q_START, Q_START + len(QUOTE_TEXT), parent="p1", kind="quote"),
    C("p2", "Geld is nooit een drijfveer geweest bij ons, zegt een bestuurder.", (), 500, 566),
    C("p3", "Elders: er is een klik tussen de bestuurders, vindt ook R9.", ("R9",), 700, 759),
]


def line(**fields) -> str:
    base = {"id": "q1", "q": "Wie noemt de klik?", "category": "who", "split": "dev"}
    base.update(fields)
    return json.dumps(base, ensure_ascii=False)


# ----------------------------------------------------------------------------------- format


def test_minimal_item_gets_defaults():
    qs = parse_questions([json.dumps({"id": "a", "q": "Vraag?", "snippets": ["een zin uit het rapport"]})])
    item = qs.items[0]
    assert (item.category, item.split, item.respondents, item.labels) == ("broad", "test", (), None)
    assert qs.warnings == ()


def test_round_trip_through_dump():
    items = [
        Item("a", "Vraag?", "who", "dev", ("r 13",), ("snippet één",), ("context",), None, "noot"),
        Item("b", "Niets?", "noanswer", "test"),
        Item("c", "Label?", "table", "test", labels={"chunk-1": 2, "chunk-2": 1}),
    ]
    again = parse_questions(dump_questions(items).splitlines()).items
    assert again == tuple(items)
    assert again[0].respondents == ("R13",)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"q": "x", "snippets": ["s"]}, "veld `id` ontbreekt"),
        ({"id": "a", "snippets": ["s"]}, 'geen vraag ("q" ontbreekt of is leeg)'),
        ({"id": "", "q": "x", "snippets": ["s"]}, '"id" moet een niet-lege tekst'),
        ({"id": "a", "q": "x", "split": "train", "snippets": ["s"]}, "`split` moet dev of test zijn"),
        ({"id": "a", "q": "x", "snippets": "s"}, "`snippets` moet een lijst zijn"),
        ({"id": "a", "q": "x", "snippets": [""]}, "`snippets` moet een lijst van niet-lege teksten zijn"),
        ({"id": "a", "q": "x", "snippets": ["s"], "respondents": ["Jan"]}, "geen respondentcode"),
        ({"id": "a", "q": "x"}, "heeft `snippets` of een label met cijfer 2 nodig"),
        ({"id": "a", "q": "x", "labels": {"c1": 1}}, "heeft `snippets` of een label met cijfer 2 nodig"),
        ({"id": "a", "q": "x", "labels": {"c1": 3}}, "geen cijfer 0, 1 of 2"),
        ({"id": "a", "q": "x", "labels": {"c1": True}}, "geen cijfer 0, 1 of 2"),
        ({"id": "a", "q": "x", "category": "noanswer", "snippets": ["s"]}, "een `noanswer`-vraag heeft geen snippets"),
        ({"id": "a", "q": "x", "category": "noanswer", "respondents": ["R3"]}, "een `noanswer`-vraag heeft geen"),
    ],
    ids=[
        "no-id",
        "no-q",
        "empty-id",
        "bad-split",
        "snippets-not-list",
        "empty-snippet",
        "bad-respondent",
        "nothing-to-judge",
        "only-context-label",
        "grade-3",
        "grade-bool",
        "noanswer-with-snippet",
        "noanswer-with-respondent",
    ],
)
def test_invalid_records_name_line_and_reason(record, message):
    lines = [line(id="q0", snippets=["goed"]), json.dumps(record)]
    with pytest.raises(DatasetError) as exc:
        parse_questions(lines, "set.jsonl")
    assert str(exc.value).startswith("set.jsonl:2: ")
    assert message in str(exc.value)


def test_bad_json_duplicate_ids_and_empty_file():
    with pytest.raises(DatasetError, match=r"set.jsonl:1: geen geldige JSON"):
        parse_questions(["{nope"], "set.jsonl")
    with pytest.raises(DatasetError, match=r"set.jsonl:3: id 'q1' staat ook op regel 1"):
        parse_questions([line(snippets=["a"]), "", line(snippets=["b"])], "set.jsonl")
    with pytest.raises(DatasetError, match="geen vragen gevonden"):
        parse_questions(["", "# commentaar"], "set.jsonl")


def test_unknown_fields_and_categories_are_warnings(tmp_path):
    path = tmp_path / "extern.jsonl"
    path.write_text(line(snippets=["x"], bron="extern", category="eigen") + "\n", encoding="utf-8")
    qs = load_questions(path)
    assert len(qs) == 1
    assert any("onbekende velden genegeerd: bron" in w for w in qs.warnings)
    assert any("categorie 'eigen'" in w for w in qs.warnings)


def test_missing_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="bestand niet gevonden"):
        load_questions(tmp_path / "nope.jsonl")


def test_select_split():
    qs = parse_questions([line(id="a", snippets=["x"]), line(id="b", split="test", snippets=["x"])])
    assert [i.id for i in qs.select("dev")] == ["a"]
    assert [i.id for i in qs.select("test")] == ["b"]
    assert len(qs.select("all")) == 2
    with pytest.raises(ValueError):
        qs.select("train")


def test_project_question_file_loads():
    qs = load_questions(DEFAULT_QUESTIONS)
    assert len(qs) >= 120
    assert {i.split for i in qs} == {"dev", "test"}
    assert {"who", "noanswer"} <= {i.category for i in qs}


# ----------------------------------------------------------------------------------- judging


def test_normalisation_ignores_whitespace_asterisks_and_soft_hyphens():
    assert normalize_text("  een\n  *klik*\ttussen\u00ad ons ") == "een klik tussen ons"
    text = "Eerst iets.\nEr  is een\nklik tussen de bestuurders."
    start, end = find_snippet(text, "een klik tussen")
    assert text[start:end] == "een\nklik tussen"
    assert find_snippet(text, "geen klik") is None


def test_snippet_grade_answer_context_and_respondent_condition():
    item = Item("q", "Wie?", "who", "dev", ("R7",), (QUOTE_TEXT,), ("Daarnaast speelt geld een rol.",))
    assert snippet_grade(item, PASSAGE, ("R7",)) == 2
    assert snippet_grade(item, QUOTE_TEXT.replace(" ", "\n  "), ("R7",)) == 2  # whitespace-insensitive
    # The snippet is there but the chunk carries another respondent: not the answer.
    assert (
        snippet_grade(
            item, "Er is een klik tussen de bestuurders en dat is eigenlijk het belangrijkste wat er is", ("R9",)
        )
        == 0
    )
    # Context needs no respondent.
    assert snippet_grade(item, "Daarnaast speelt geld een rol.", ()) == 1
    # Without respondents in the item any chunk containing the snippet answers.
    free = Item("q", "Wat?", "broad", "dev", (), (QUOTE_TEXT,))
    assert snippet_grade(free, QUOTE_TEXT, ("R9",)) == 2


def test_judge_derives_labels_and_groups_duplicates():
    item = Item("q55", "Wie noemt de klik?", "who", "dev", ("R7", "R9"), ("klik tussen de bestuurders",))
    j = judge_items([item], CHUNKS)["q55"]
    assert j.source == "snippets"
    # The quote, its passage and R9's chunk contain the snippet and carry an expected code.
    assert j.grades == {"p1": 2, "q1": 2, "p3": 2}
    # q1 lies inside p1 (parent link): one evidence unit; p3 is separate evidence.
    assert j.units["p1"] == j.units["q1"] != j.units["p3"]
    assert sorted(j.qrels.values()) == [2, 2]
    assert j.judgeable
    # The run as the metrics see it: a duplicate of an already credited unit is not credited again.
    assert j.ranked_units(["q1", "p2", "p1", "p3"]) == [j.units["q1"], "c:p2", "c:p1", j.units["p3"]]


def test_judge_reports_unmatched_and_wrong_respondent_snippets():
    item = Item("q", "Wie?", "who", "dev", ("R3",), (QUOTE_TEXT, "staat nergens in de tekst"))
    j = judge_items([item], CHUNKS)["q"]
    assert j.unmatched == ("staat nergens in de tekst",)
    assert j.wrong_respondent == (QUOTE_TEXT,)
    assert not j.judgeable
    assert j.grades == {}


def test_labels_win_and_fall_back_to_snippets_when_stale():
    labelled = Item("q", "Geld?", "broad", "dev", (), ("Geld is nooit een drijfveer",), labels={"p1": 2})
    j = judge_items([labelled], CHUNKS)["q"]
    assert (j.source, dict(j.grades)) == ("labels", {"p1": 2})
    stale = Item("q", "Geld?", "broad", "dev", (), ("Geld is nooit een drijfveer",), labels={"gone": 2})
    j = judge_items([stale], CHUNKS)["q"]
    assert (j.source, dict(j.grades)) == ("snippets", {"p2": 2})
    assert "beoordeeld op snippets" in j.notes[0]


def test_noanswer_items_are_not_judged():
    j = judge_items([Item("n", "Wat kost een fte?", "noanswer", "test")], CHUNKS)["n"]
    assert (j.source, j.judgeable, dict(j.qrels)) == ("none", False, {})


# ----------------------------------------------------------------------------------- label file


def test_derived_label_file_round_trips_and_judges_the_same(tmp_path):
    from citaat.eval.dataset import QuestionSet
    from citaat.eval.labels import derive, highlight, write_labels

    items = (
        Item("w", "Wie noemt de klik?", "who", "dev", ("R7",), (QUOTE_TEXT,), ("Daarnaast speelt geld een rol.",)),
        Item("m", "Iets?", "broad", "test", (), ("bestaat niet in de chunks",), labels={"oud": 2}),
        Item("r", "Wie?", "who", "test", ("R3",), ("Geld is nooit een drijfveer",)),
        Item("n", "Niets?", "noanswer", "test"),
    )
    report = derive(QuestionSet(items, "set.jsonl"), CHUNKS)
    labelled = {i.id: i for i in report.items}
    # The quote and its passage (answer; the passage also holds the context sentence but 2 wins).
    assert labelled["w"].labels == {"p1": 2, "q1": 2}
    assert labelled["m"].labels == {}  # old labels replaced; nothing matches
    assert labelled["n"].labels is None
    assert report.unmatched == {"m": ("bestaat niet in de chunks",)}
    assert report.wrong_respondent == {"r": ("Geld is nooit een drijfveer",)}
    assert report.unjudgeable == ("m", "r")
    assert "m: snippet in geen enkele chunk" in report.summary()

    path = write_labels(report, tmp_path / "labels.jsonl")
    again = load_questions(path)
    assert again.items == report.items
    by_snippets = judge_items(items, CHUNKS)
    by_labels = judge_items(again.items, CHUNKS)
    assert by_labels["w"].source == "labels"
    for item in items:
        assert dict(by_labels[item.id].grades) == dict(by_snippets[item.id].grades)
        assert dict(by_labels[item.id].qrels) == dict(by_snippets[item.id].qrels)

    marked = highlight(PASSAGE, items[0])
    assert f"»{QUOTE_TEXT}«" in marked and "›Daarnaast speelt geld een rol.‹" in marked
