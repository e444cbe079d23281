"""Researcher flow v2 (issue 22) without a browser: the report's own index by default, the
fictional example transcripts marked as fictional wherever they are shown, and the transcript
viewer showing the turns as the index holds them."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

from citaat.app.records import Source, source_label
from citaat.app.ui import claim_status, header_html, transcript_html
from citaat.index.search import Searcher
from citaat.ingest.pipeline import IngestConfig, ingest_paths
from citaat.ingest.store import read_chunks

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "transcripts"
RUN_SH = REPO / "scripts" / "run.sh"


def _header(chunks) -> str:
    return header_html(SimpleNamespace(chunks=tuple(chunks)), "uit")  # type: ignore[arg-type]


def test_the_main_jobs_index_is_the_report_alone(report_index):
    header = _header(Searcher.open(report_index).chunks)
    assert "1 document<" in header and "110 citaten van 27 respondenten" in header
    assert "fictief" not in header
    script = RUN_SH.read_text(encoding="utf-8")
    # the default ingest names the report only; the examples come in with --voorbeelden, as fictional
    default = [line for line in script.splitlines() if "citaat ingest" in line and "data-voorbeelden" not in line]
    assert default == ['.venv/bin/citaat ingest "$REPORT" --out data']
    assert '--fictief examples/transcripts --out data-voorbeelden' in script


def test_fictional_examples_are_marked_wherever_shown(tmp_path):
    folder = tmp_path / "voorbeelden"
    folder.mkdir()
    shutil.copy(EXAMPLES / "interview-R31.txt", folder)
    real = tmp_path / "echt-R40.txt"
    real.write_text((EXAMPLES / "interview-R31.txt").read_text(encoding="utf-8").replace("R31", "R40"), "utf-8")
    out = tmp_path / "data"
    result = ingest_paths([real, folder], out, IngestConfig(progress=False, fictional=(folder,)))
    assert not result.failed
    chunks = read_chunks(out)
    made_up = [c for c in chunks if c.doc == "interview-R31.txt"]
    genuine = [c for c in chunks if c.doc == "echt-R40.txt"]
    assert made_up and genuine
    assert all(c.meta.get("fictional") for c in made_up) and not any(c.meta.get("fictional") for c in genuine)

    turn = next(c for c in made_up if c.kind == "turn")
    assert source_label(turn) == "citaat — R31 (fictief voorbeeld)"
    source = Source(1, turn, 0, len(turn.text), turn.text)
    assert source.citation.endswith("· fictief voorbeeld")
    assert source.to_row()["bronvermelding"].endswith("fictief voorbeeld")
    real_turn = next(c for c in genuine if c.kind == "turn")
    assert source_label(real_turn) == "citaat — R40"
    assert "waarvan 1 fictief voorbeeld<" in _header(chunks)
    assert "interview-R31.txt — fictief voorbeeld" in transcript_html(source, chunks)

    # the mark is part of the fingerprint: ingesting the same file as real material re-reads it
    again = ingest_paths([real, folder], out, IngestConfig(progress=False))
    assert {f.doc: f.status for f in again.files}["interview-R31.txt"] == "changed"
    assert not any(c.meta.get("fictional") for c in read_chunks(out))


def test_transcript_viewer_shows_turns_as_indexed(tmp_path):
    out = tmp_path / "data"
    ingest_paths([EXAMPLES / "interview-R31.txt"], out, IngestConfig(progress=False))
    chunks = read_chunks(out)
    turns = sorted((c for c in chunks if c.kind == "turn"), key=lambda c: c.start)
    cited = next(c for c in turns if c.text.startswith("Vooral door transparant te zijn"))
    html = transcript_html(Source(1, cited, 0, 40, cited.text), chunks)
    # the interviewer's question before the turn, labelled as the interviewer's, and outside it
    question = "Hoe hebben jullie dat vertrouwen weer opgebouwd?"
    at_question = html.index(f"<b>Interviewer:</b> {question}")
    at_turn = html.index('id="cz-here"')
    assert at_question < at_turn
    cited_div = html[at_turn : html.index("</div>", at_turn)]
    assert question not in cited_div and "Interviewer" not in cited_div
    assert "<b>R31:</b>" in cited_div and "00:07:15" in cited_div
    assert "<mark>Vooral door transparant te zijn, ook als</mark>" in cited_div
    assert html.count('id="cz-here"') == 1
    # every turn of the document, each with its code and time
    assert html.count('class="cz-turn') == len(turns)

    # an exchange passage (question and answer) as the source marks the answer turn inside it
    exchange = next(c for c in chunks if c.kind == "passage" and c.start <= cited.start and c.end >= cited.end)
    offset = cited.start - exchange.start
    html = transcript_html(Source(1, exchange, offset, offset + 23, exchange.text), chunks)
    assert "<mark>Vooral door transparant</mark>" in html


def test_claim_status_names_the_mode_used():
    assert claim_status(False, False) == ""
    assert claim_status(True, False).endswith("in citaten en interviewbeurten")
    assert claim_status(True, True).endswith("in citaten, interviewbeurten en rapporttekst")
