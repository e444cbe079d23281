"""Issue 21, attacks 6 and 9: an upload within every size limit could hold the machine (100k cues,
20,000 identical pages), said both "Niet ingelezen." and ✓, and left files behind; and a new file
could put words in an existing respondent's mouth without a warning."""

from __future__ import annotations

from pathlib import Path

from citaat.app.ui import upload_result_lines
from citaat.app.upload import UploadLimits, UploadOutcome, accept_files, ingest_uploads
from citaat.ingest.pipeline import IngestConfig, ingest_paths
from citaat.ingest.store import has_staged
from tests.hostile import tiny_pdf


def _vtt(path: Path, cues: int) -> Path:
    lines = ["WEBVTT", ""]
    for n in range(cues):
        who = "Interviewer" if n % 2 == 0 else "R13"
        start = f"00:{n // 60 % 60:02d}:{n % 60:02d}.000"
        end = f"00:{n // 60 % 60:02d}:{n % 60:02d}.900"
        lines += [f"{start} --> {end}", f"<v {who}>Dit is beurt nummer {n} over de samenwerking{'?' if who == 'Interviewer' else '.'}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_an_upload_over_the_cost_budget_is_refused_before_embedding(tmp_path):
    data = tmp_path / "data"
    src = _vtt(tmp_path / "R13-lang.vtt", 400)
    stored, problems = accept_files([(src.name, src)], data / "uploads")
    assert not problems
    outcome = ingest_uploads(stored, data, UploadLimits(max_new_chunks=50))
    assert not outcome.indexed and len(outcome.problems) == 1
    line = outcome.problems[0]
    assert "fragmenten" in line and "de grens is 50 fragmenten per upload" in line and "Er is niets veranderd" in line
    assert not has_staged(data)  # nothing staged is left behind
    assert not (data / "index").exists()


def test_exact_duplicate_chunks_within_a_document_are_dropped(tmp_path):
    text = "\n".join([
        "Inleiding",
        "\u201cDe blauwe aanpak werkt hier heel goed voor iedereen in de regio\u201d (R13).",
        "Dat zei de secretaris van de gemeente tijdens het gesprek over de samenwerking.",
        "Daarna ging het gesprek verder over de kosten van de gezamenlijke organisatie.",
        "Slot",
    ])
    one = tiny_pdf(tmp_path / "een.pdf", 595, 842, text)
    many = tiny_pdf(tmp_path / "veel.pdf", 595, 842, text, pages=300)
    r_one = ingest_paths([one], tmp_path / "a", IngestConfig(progress=False))
    r_many = ingest_paths([many], tmp_path / "b", IngestConfig(progress=False))
    # one page's chunks, not 300 times as many (the repeated lines of a page are its running header)
    assert r_one.files[0].chunks >= 1 and r_many.files[0].chunks <= r_one.files[0].chunks
    assert "299 herhaalde fragmenten (precies dezelfde tekst) weggelaten" in r_many.files[0].warnings


def test_one_outcome_line_never_both_refused_and_done():
    failed = UploadOutcome(lines=["R13.vtt: 10 fragmenten, 5 citaten (R13)"], problems=["de zoekindex bijwerken duurde langer"])
    lines = upload_result_lines(failed)
    assert not any("✓" in line for line in lines) and "(niet toegevoegd)" in lines[0]
    done = UploadOutcome(lines=["R13.vtt: 10 fragmenten"], indexed=True)
    assert upload_result_lines(done) == ["- ✓ R13.vtt: 10 fragmenten"]
    # a file name is data too: no Markdown from it
    assert upload_result_lines(UploadOutcome(problems=["![x](http://e/x.png): leeg"])) == [
        "- ✗ !\\[x\\](http\\://e/x.png): leeg"
    ]


# Refused or cancelled uploads leave no stored copy: tests/test_upload_review.py (forget_uploads).


def test_a_new_document_quoting_an_existing_code_is_warned_about(tmp_path):
    first = tmp_path / "rapport.txt"
    first.write_text("Inleiding\n\nDe secretaris zei: \u201cDe blauwe aanpak werkt bij ons heel goed, echt waar\u201d (R13).\n")
    out = tmp_path / "data"
    assert not ingest_paths([first], out, IngestConfig(progress=False)).files[0].warnings
    later = tmp_path / "R13-nagekomen.txt"
    later.write_text("Nagekomen\n\nIemand zei: \u201cDe blauwe aanpak heeft bij ons juist tot grote vertraging geleid\u201d (R13).\n")
    result = ingest_paths([first, later], out, IngestConfig(progress=False))
    added = next(f for f in result.files if f.doc == "R13-nagekomen.txt")
    assert any(w.startswith("R13 wordt ook geciteerd in rapport.txt") for w in added.warnings), added.warnings
    unchanged = next(f for f in result.files if f.doc == "rapport.txt")
    assert not unchanged.warnings  # only the document that brings the second source is flagged


def test_the_respondent_view_says_which_documents_a_code_comes_from():
    from citaat.app.records import Source
    from citaat.app.ui import respondent_status
    from citaat.ingest.model import Chunk

    def source(n: int, doc: str) -> Source:
        chunk = Chunk(id=f"c{n}", doc=doc, kind="quote", text=f"citaat nummer {n}", respondents=("R13",),
                      section=("Kop",), page=None, start=0, end=len(f"citaat nummer {n}"))
        return Source(n, chunk, 0, len(chunk.text), chunk.text)

    one = [source(1, "rapport.pdf"), source(2, "rapport.pdf")]
    assert respondent_status("R13", one) == "R13: 2 citaten in 1 secties"
    two = [*one, source(3, "R13-nagekomen.txt")]
    assert respondent_status("R13", two).endswith("uit 2 documenten: rapport.pdf (2), R13-nagekomen.txt (1)")


def test_an_answer_names_the_document_of_a_code_quoted_in_two(tmp_path):
    """Attack 9: a new file quoting "(R13)" no longer adds silently to R13's answer: every excerpt of
    a code that two documents quote names its document, and the answer is still verified."""
    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.index.search import Searcher
    from citaat.index.update import ingest_and_index

    first = tmp_path / "rapport.txt"
    first.write_text("Inleiding\n\nDe secretaris zei: \u201cDe blauwe aanpak werkt bij ons heel goed, echt waar\u201d (R13).\n")
    later = tmp_path / "nagekomen.txt"
    later.write_text("Nagekomen\n\nIemand zei: \u201cDe blauwe aanpak heeft bij ons juist tot grote vertraging geleid\u201d (R13).\n")
    ingest_and_index([first, later], tmp_path / "data", progress=False)
    answerer = Answerer(Searcher.open(tmp_path / "data"), AnswerConfig())
    answer = answerer.answer("Wat zegt R13 over de blauwe aanpak?")
    quotes = [s for s in answer.sources if s.respondents == ("R13",)]
    assert {s.doc for s in quotes} == {"rapport.txt", "nagekomen.txt"} and answer.verified
    for s in quotes:
        assert s.show_doc and s.citation.startswith(f"R13 · {s.doc} · ")
        assert f"R13 · {s.doc} · " in answer.text
