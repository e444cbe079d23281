"""The shipped question set (eval/data/questions.jsonl) against the report it was written for.

These are the checks of the former eval/data/check_questions.py that the loader (eval/dataset.py)
does not already make: id form, the dev/test split rule, snippet size and form, snippets occurring
verbatim in the report, respondents agreeing with the quotes the snippets sit in, and noanswer
terms occurring nowhere in the report.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from citaat.eval.dataset import DEFAULT_QUESTIONS, NOANSWER, NOFIGURE, load_questions, normalize_text

QUESTIONS = load_questions(DEFAULT_QUESTIONS)


def test_ids_and_the_split_rule():
    """Ids are qNNN; within a category, by id, the 1st, 3rd, ... question is dev, the others test."""
    assert all(re.fullmatch(r"q\d{3,}", i.id) for i in QUESTIONS)
    by_category = defaultdict(list)
    for item in QUESTIONS:
        by_category[item.category].append(item)
    for items in by_category.values():
        for k, item in enumerate(sorted(items, key=lambda i: i.id), 1):
            assert item.split == ("dev" if k % 2 else "test"), item.id


def test_snippet_size_and_form():
    for item in QUESTIONS:
        assert len(item.snippets) <= 3 and len(item.context_snippets) <= 3, item.id
        assert item.category in (NOANSWER, NOFIGURE) or item.snippets, item.id
        for snippet in (*item.snippets, *item.context_snippets):
            assert 20 <= len(snippet) <= 200 and "*" not in snippet and "\n" not in snippet, (item.id, snippet)


@pytest.fixture(scope="module")
def report_text(report_txt) -> str:
    return normalize_text(report_txt.read_text(encoding="utf-8"))


def test_snippets_occur_in_the_report_and_noanswer_terms_do_not(report_text):
    for item in QUESTIONS:
        for snippet in (*item.snippets, *item.context_snippets):
            assert normalize_text(snippet) in report_text, (item.id, snippet)
        if item.category == NOANSWER:
            terms = re.search(r"grep op: (.+)$", item.note)
            assert terms, f"{item.id}: the note lists the checked terms after 'grep op:'"
            for term in (t.strip().rstrip(".") for t in terms.group(1).split(",")):
                assert not re.search(rf"(?<!\w){re.escape(term)}(?!\w)", report_text, re.IGNORECASE), (item.id, term)


def test_respondents_are_the_codes_of_the_quotes_the_snippets_sit_in(txt_chunks):
    quotes = [(normalize_text(c.text), c.respondents) for c in txt_chunks if c.kind == "quote" and c.respondents]
    for item in QUESTIONS:
        codes = {r for s in item.snippets for text, resp in quotes if normalize_text(s) in text for r in resp}
        assert set(item.respondents) == codes, item.id
