"""Golden tests for transcripts as transcription tools deliver them (fictional examples in
examples/transcripts): a Teams/Zoom Word export, a Word table, WhisperX JSON with diarized
speakers and a Zoom VTT with voice tags. Each answer turn must carry the file's respondent code
and the interviewer's question as context; the guessed interviewer is named in a warning; the
user's --interviewer / --speaker overrides win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citaat.ingest.loaders import load
from citaat.ingest.model import IngestError
from citaat.ingest.transcript import INTERVIEWER, SpeakerOverrides, parse_speaker_option, parse_turns
from citaat.ingest.transcript_chunker import chunk_transcript

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "transcripts"

# file -> (code, guessed interviewer, [(question context starts with, answer starts with, time)])
GOLDEN = {
    "R36-teams-transcript-inkoop.docx": (
        "R36",
        "Anna de Boer",
        [
            ("Goedemorgen. U bent gemeentesecretaris", "Goedemorgen. Dat begon eigenlijk uit nood.", "00:00:14"),
            ("En wat hebben jullie toen afgesproken?", "We hebben een inkoopteam van drie mensen", "00:00:45"),
            ("En wat hebben jullie toen afgesproken?", "Wat wel lastig was: elke gemeente", "00:01:20"),
            ("Hoe kijkt u nu naar het vertrouwen", "Het vertrouwen is gegroeid doordat", "00:01:44"),
        ],
    ),
    "R37-transcript-tabel-personeel.docx": (
        "R37",
        "Karin Vos",
        [
            ("Welkom. U bent hoofd P&O", "Dat mensen een nieuwe werkgever kregen.", "00:00:19"),
            ("Hoe hebben jullie de medewerkers daarin meegenomen?", "Met veel kleine bijeenkomsten", "00:01:07"),
            ("Is er iets wat u achteraf anders zou doen?", "Ik zou de leidinggevenden eerder", "00:01:44"),
        ],
    ),
    "R38-whisperx-ict-grevendal.json": (
        "R38",
        "SPEAKER_00",
        [
            # two consecutive SPEAKER_01 segments are one turn
            (
                "Fijn dat u tijd heeft.",
                "Omdat geen van de vier gemeenten de informatiebeveiliging nog alleen kon bijhouden. De eisen werden",
                "00:00:10",
            ),
            ("Hoe is de sturing geregeld?", "Er is een bestuurscommissie", "00:00:27"),
            ("Werkt dat goed?", "Meestal wel. Het knelt", "00:00:41"),
        ],
    ),
    "R39-zoom-governance.vtt": (
        "R39",
        "Sanne Visser",
        [
            ("Goedemiddag. Hoe is de gemeenschappelijke regeling", "Met een algemeen bestuur", "00:00:08"),
            ("Wat zou u veranderen", "Ik zou de ambtelijke opdrachtgever", "00:00:26"),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_turns_respondent_and_question(name):
    code, interviewer, expected = GOLDEN[name]
    doc = load(EXAMPLES / name)
    assert doc.source_kind == "transcript" and doc.respondent == code
    turns = [c for c in chunk_transcript(doc) if c.kind == "turn"]
    assert len(turns) == len(expected)
    for chunk, (question, answer, time) in zip(turns, expected, strict=True):
        assert chunk.respondents == (code,)
        assert chunk.context is not None and chunk.context.startswith(question), chunk.context
        assert chunk.text.startswith(answer)
        assert chunk.meta["time"] == time
        assert doc.text[chunk.start : chunk.end] == chunk.text
    # the interviewer's own words are never indexed as an answer
    interviewer_turns = [b for b in doc.blocks if b.kind == "turn" and b.speaker == INTERVIEWER]
    assert interviewer_turns and all(b.meta["label"] == interviewer for b in interviewer_turns)
    (warning,) = doc.warnings
    assert warning.startswith(f"geraden: {interviewer} is de interviewer")
    assert f"→ {code} (code uit de bestandsnaam)" in warning and "--interviewer NAAM" in warning


def test_overrides_beat_the_guess(tmp_path):
    path = EXAMPLES / "R38-whisperx-ict-grevendal.json"
    doc = load(path, speakers=SpeakerOverrides(interviewers=("speaker_01",), speakers=(("SPEAKER_00", "r 12"),)))
    speakers = [b.speaker for b in doc.blocks if b.kind == "turn"]
    assert speakers[:2] == ["R12", INTERVIEWER] and doc.warnings == ()
    # --speaker alone: the other speaker still gets the file's code; no guess, no warning about it
    doc = load(path, speakers=SpeakerOverrides(speakers=(("SPEAKER_00", "R12"),)))
    assert [b.speaker for b in doc.blocks if b.kind == "turn"][:2] == ["R12", "R38"]
    # a file without a code: --speaker names the respondent, and the document takes that code
    nameless = tmp_path / "gesprek.json"
    nameless.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    doc = load(nameless, speakers=SpeakerOverrides(speakers=(("SPEAKER_01", "R40"),)))
    assert doc.respondent == "R40"
    assert {b.speaker for b in doc.blocks if b.kind == "turn"} == {INTERVIEWER, "R40"}


def test_teams_text_export_and_unknown_code_warns():
    text = (
        "Jan Smit   0:03\nWat is uw rol in de samenwerking?\n\n"
        "Els de Wit   0:09\nIk ben de regisseur.\n\n"
        "Jan Smit   0:15\nEn wat gaat goed?\n\n"
        "Els de Wit   0:20\nDe contacten met de wethouders.\n"
    )
    doc = parse_turns(text, "gesprek.txt")
    speakers = [(b.speaker, b.meta.get("time")) for b in doc.blocks if b.kind == "turn"]
    assert speakers == [(INTERVIEWER, "00:00:03"), (None, "00:00:09"), (INTERVIEWER, "00:00:15"), (None, "00:00:20")]
    assert any("geen respondentcode" in w for w in doc.warnings)
    assert any("geraden: Jan Smit" in w for w in doc.warnings)


def test_whisper_json_errors_are_one_dutch_line(tmp_path):
    cases = {
        "kapot.json": ("{", "ongeldige JSON"),
        "ander.json": ('{"foo": 1}', "geen Whisper/WhisperX-transcript"),
        "zonder-sprekers.json": (json.dumps({"segments": [{"start": 0, "end": 1, "text": "Hallo"}]}), "geen sprekers"),
    }
    for name, (content, reason) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(IngestError) as err:
            load(path)
        assert reason in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "expected"), [("Jan Smit=R12", ("Jan Smit", "R12")), ("SPEAKER_01 = r 7", ("SPEAKER_01", "R7"))]
)
def test_parse_speaker_option(value, expected):
    assert parse_speaker_option(value) == expected


@pytest.mark.parametrize("value", ["Jan Smit", "=R12", "Jan=Piet"])
def test_parse_speaker_option_refuses(value):
    with pytest.raises(IngestError):
        parse_speaker_option(value)


def test_changed_overrides_read_the_file_again(tmp_path):
    from citaat.ingest.pipeline import IngestConfig, ingest_paths

    path = EXAMPLES / "R38-whisperx-ict-grevendal.json"
    out = tmp_path / "data"
    first = ingest_paths([path], out, IngestConfig(progress=False))
    again = ingest_paths([path], out, IngestConfig(progress=False))
    assert [f.status for f in first.files] == ["new"] and [f.status for f in again.files] == ["unchanged"]
    forced = IngestConfig(progress=False, interviewers=("SPEAKER_01",), speakers=(("SPEAKER_00", "R12"),))
    assert [f.status for f in ingest_paths([path], out, forced).files] == ["changed"]
    assert [f.status for f in ingest_paths([path], out, forced).files] == ["unchanged"]
    assert [f.status for f in ingest_paths([path], out, IngestConfig(progress=False)).files] == ["changed"]


def test_older_teams_word_export_with_time_ranges():
    text = (
        "Transcript\n\n"
        "0:0:0.0 --> 0:0:3.620\nJan Smit\nWat is uw rol in de samenwerking?\n\n"
        "0:0:3.620 --> 0:0:9.80\nEls de Wit\nIk ben de regisseur van het shared service centrum.\n\n"
        "0:0:10.0 --> 0:0:12.0\nJan Smit\nEn wat gaat goed?\n\n"
        "0:0:12.5 --> 0:1:02.0\nEls de Wit\nDe contacten met de wethouders.\n"
    )
    doc = parse_turns(text, "R41-teams.docx")
    turns = [(b.speaker, b.meta.get("time"), b.text) for b in doc.blocks if b.kind == "turn"]
    assert turns == [
        (INTERVIEWER, "00:00:00", "Wat is uw rol in de samenwerking?"),
        ("R41", "00:00:03", "Ik ben de regisseur van het shared service centrum."),
        (INTERVIEWER, "00:00:10", "En wat gaat goed?"),
        ("R41", "00:00:12", "De contacten met de wethouders."),
    ]
    chunks = [c for c in chunk_transcript(doc) if c.kind == "turn"]
    assert [c.context for c in chunks] == ["Wat is uw rol in de samenwerking?", "En wat gaat goed?"]


def test_word_table_with_a_header_row_and_no_times():
    text = (
        "Spreker\tTekst\n"
        "Jan Smit\tWat is uw rol in de samenwerking?\n"
        "Els de Wit\tIk ben de regisseur.\n"
        "Jan Smit\tEn wat gaat goed?\n"
        "Els de Wit\tDe contacten met de wethouders.\n"
    )
    doc = parse_turns(text, "R42.docx")
    assert [(b.speaker, b.text) for b in doc.blocks if b.kind == "turn"] == [
        (INTERVIEWER, "Wat is uw rol in de samenwerking?"),
        ("R42", "Ik ben de regisseur."),
        (INTERVIEWER, "En wat gaat goed?"),
        ("R42", "De contacten met de wethouders."),
    ]
    assert "Spreker" not in doc.text  # the header row is layout
    # a report table without such a header keeps its first column as data, never as speakers
    report = "Gemeente\tInwoners\nKreekendam\t40.000\nLindehoven\t25.000\n"
    assert not any(b.kind == "turn" for b in load_text(report, "rapport.txt").blocks)


def load_text(text: str, name: str):
    from citaat.ingest.loaders import load_text_document

    return load_text_document(text, name)
