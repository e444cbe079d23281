"""Uploads the page can finish (app/upload_review.py): who is who before indexing, the user's
corrections as ingest overrides, files whose content is already indexed, and warnings that say
what to do on the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from citaat.app.upload import UploadLimits, accept_files, ingest_uploads
from citaat.app.upload_review import (
    PAGE_ACTION,
    ROLE_COLUMN,
    forget_uploads,
    page_hint,
    read_corrections,
    review_from_dict,
    review_uploads,
    speaker_rows,
    upload_selection,
)
from citaat.ingest.store import read_chunks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "transcripts"
R31 = EXAMPLES / "interview-R31.txt"
R38 = EXAMPLES / "R38-whisperx-ict-grevendal.json"


def _role(row: list, role: str) -> list:
    return [*row[:ROLE_COLUMN], role, *row[ROLE_COLUMN + 1 :]]


def _stored(tmp_path: Path, *files: Path) -> tuple[Path, list[Path]]:
    data = tmp_path / "data"
    stored, problems = accept_files([(f.name, f) for f in files], data / "uploads")
    assert not problems
    return data, stored


def test_who_is_who_is_shown_and_warnings_say_what_to_do_on_the_page(tmp_path):
    data, stored = _stored(tmp_path, R31, R38)
    reviews = review_uploads(stored, data)
    assert [r.name for r in reviews] == ["interview-R31.txt", "R38-whisperx-ict-grevendal.json"]
    r31, r38 = reviews
    assert [(s.label, s.role, s.turns) for s in r31.speakers] == [("Interviewer", "interviewer", 8), ("Respondent", "R31", 7)]
    assert r31.summary == "interview-R31.txt: interviewer: Interviewer; respondenten: Respondent → R31"
    assert {(s.label, s.role) for s in r38.speakers} == {("SPEAKER_00", "interviewer"), ("SPEAKER_01", "R38")}
    assert r38.warnings and all("--" not in w for w in r38.warnings)  # no command-line advice on the page
    assert r38.warnings[0].startswith("geraden: SPEAKER_00 is de interviewer") and r38.warnings[0].endswith(PAGE_ACTION)
    assert speaker_rows(reviews)[1] == ["interview-R31.txt", "Respondent", "R31", 7, r31.speakers[1].sample]
    assert review_from_dict(r38.to_dict()) == r38
    assert not any(r.duplicate_of for r in reviews)


def test_page_hint_replaces_command_line_advice():
    assert page_hint("iets anders") == "iets anders"
    hint = page_hint("sprekers A, B worden allemaal aan R3 toegeschreven; noem de interviewer in een kopregel "
                     "'Interviewer: <naam>' of geef --interviewer NAAM / --speaker NAAM=R12")
    assert hint == f"sprekers A, B worden allemaal aan R3 toegeschreven; {PAGE_ACTION}"


def test_corrections_only_for_changed_rows_and_bad_roles_are_named(tmp_path):
    data, stored = _stored(tmp_path, R38)
    reviews = review_uploads(stored, data)
    rows = speaker_rows(reviews)
    assert read_corrections(rows, reviews).to_env() == '{"interviewers": [], "speakers": [], "drop": []}'
    swapped = [_role(row, "R40" if row[ROLE_COLUMN] == "interviewer" else "interviewer") for row in rows]
    fixes = read_corrections(swapped, reviews)
    assert fixes.interviewers == ("SPEAKER_01",) and fixes.speakers == (("SPEAKER_00", "R40"),)
    bad = read_corrections([_role(rows[0], "de wethouder"), rows[1]], reviews)
    assert bad.problems and "R38-whisperx-ict-grevendal.json: ‘de wethouder’ bij SPEAKER_00 is geen rol" in bad.problems[0]


@pytest.mark.slow  # ~20-30 s on 2 busy cores (a model import or child processes)
def test_a_correction_on_the_page_reaches_the_index(tmp_path):
    data, stored = _stored(tmp_path, R31)
    reviews = review_uploads(stored, data)
    rows = [_role(row, "R41") if row[ROLE_COLUMN] == "R31" else row for row in speaker_rows(reviews)]
    fixes = read_corrections(rows, reviews)
    outcome = ingest_uploads(stored, data, UploadLimits(), fixes.to_env())
    assert outcome.indexed and outcome.respondents == ("R41",), outcome
    turns = [c for c in read_chunks(data) if c.kind == "turn"]
    assert turns and {c.respondents for c in turns} == {("R41",)}


@pytest.mark.slow  # ~20-30 s on 2 busy cores (a model import or child processes)
def test_same_content_under_another_name_is_reported_and_skipped_or_replaced(tmp_path):
    data, stored = _stored(tmp_path, R31)
    assert ingest_uploads(stored, data).indexed
    copy = tmp_path / "kopie van het interview.txt"
    shutil.copy(R31, copy)
    # re-saved with other line endings: other bytes, the same text
    resaved = tmp_path / "opnieuw-opgeslagen.txt"
    resaved.write_bytes(R31.read_bytes().replace(b"\n", b"\r\n"))
    more, problems = accept_files([(copy.name, copy), (resaved.name, resaved)], data / "uploads")
    assert not problems
    reviews = review_uploads(more, data)
    assert [r.duplicate_of for r in reviews] == ["interview-R31.txt", "interview-R31.txt"]

    paths, skipped = upload_selection(reviews, replace=())
    assert paths == [] and skipped[0] == "kopie van het interview.txt: overgeslagen (zelfde inhoud als interview-R31.txt)"
    forget_uploads(reviews, data)
    assert not any(p.exists() for p in more) and stored[0].exists()  # the indexed copy stays

    more, _ = accept_files([(copy.name, copy)], data / "uploads")
    reviews = review_uploads(more, data)
    paths, skipped = upload_selection(reviews, replace=[copy.name])
    fixes = read_corrections(speaker_rows(reviews), reviews, replace=[copy.name])
    assert paths == more and not skipped and fixes.drop == ("interview-R31.txt",)
    assert ingest_uploads(paths, data, UploadLimits(), fixes.to_env()).indexed
    assert {c.doc for c in read_chunks(data)} == {"kopie van het interview.txt"}
