"""Transcript ingestion on the fictional examples in examples/transcripts (one per format).

Covers speaker/respondent resolution (override > header > file name, label codes, declared
interviewers), timestamps, cue merging, the chunk invariants (exact substrings, parents, stable
ids), long-answer splitting and one-line IngestErrors for broken files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from citaat.ingest.docx import docx_text
from citaat.ingest.model import Chunk, Document, IngestError
from citaat.ingest.subtitles import load_subtitles
from citaat.ingest.transcript import (
    INTERVIEWER,
    file_code,
    is_transcript,
    parse_turns,
    respondent_from,
    split_label,
)
from citaat.ingest.transcript_chunker import chunk_transcript, sentence_spans, split_answer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "transcripts"
TXT = EXAMPLES / "interview-R31.txt"
DOCX = EXAMPLES / "R32.docx"
MD = EXAMPLES / "gesprek-governance-lindehoven.md"
VTT = EXAMPLES / "teams-opname-informatiebeveiliging.vtt"
SRT = EXAMPLES / "R35-interview-financien.srt"


def load_example(path: Path, respondent: str | None = None) -> Document:
    if path.suffix in (".vtt", ".srt"):
        return load_subtitles(path, respondent)
    text = docx_text(path) if path.suffix == ".docx" else path.read_text(encoding="utf-8")
    assert is_transcript(text), path.name
    return parse_turns(text, path.name, respondent)


def turns(doc: Document):
    return [b for b in doc.blocks if b.kind == "turn"]


def answers(doc: Document):
    return [b for b in turns(doc) if b.speaker != INTERVIEWER]


ALL = [TXT, DOCX, MD, VTT, SRT]


@pytest.fixture(scope="module", params=ALL, ids=lambda p: p.suffix.lstrip("."))
def example(request) -> tuple[Document, list[Chunk]]:
    doc = load_example(request.param)
    return doc, chunk_transcript(doc)


# --------------------------------------------------------------------------- per format


def test_txt_turns_codes_and_timestamps():
    doc = load_example(TXT)
    assert doc.source_kind == "transcript"
    assert doc.respondent == "R31"
    assert doc.warnings == ()
    ts = turns(doc)
    assert len(ts) == 15
    assert sum(b.speaker == INTERVIEWER for b in ts) == 8
    assert {b.speaker for b in answers(doc)} == {"R31"}
    assert all("time" in b.meta for b in ts)
    assert ts[0].meta == {"label": "Interviewer", "time": "00:00:15"}
    assert ts[0].text.startswith("Fijn dat je tijd wilt maken.")  # label and timestamp stripped
    assert ts[-1].meta["time"] == "00:12:05"
    headings = [b.meta["title"] for b in doc.blocks if b.kind == "heading"]
    assert headings == ["Aanleiding en ICT-landschap", "Vertrouwen", "Governance"]
    # The header is kept as one paragraph block, never a turn.
    header = [b for b in doc.blocks if b.meta.get("header")]
    assert len(header) == 1 and header[0].text.startswith("Respondentcode: R31")
    assert max(len(b.text) for b in answers(doc)) > 1500


def test_md_named_interviewer_and_respondent():
    doc = load_example(MD)
    # The file name has no code: R33 comes from the header line "**Respondent:** Henk de Wit (R33)".
    assert file_code(MD.name) is None
    assert respondent_from(MD.name, MD.read_text(encoding="utf-8")) == "R33"
    assert doc.respondent == "R33"
    assert doc.warnings == ()
    ts = turns(doc)
    assert len(ts) == 14
    assert {b.meta["label"] for b in ts if b.speaker == INTERVIEWER} == {"Sanne Bakker"}
    assert {(b.meta["label"], b.speaker) for b in answers(doc)} == {("Henk de Wit", "R33")}
    long_answer = max(answers(doc), key=lambda b: len(b.text))
    assert len(long_answer.text) > 1500
    # Its four paragraphs (one starting "Kijk: ...", which is not a speaker) stay in one turn.
    assert long_answer.text.count("\n\n") == 3
    assert "\n\nKijk: dat soort dingen" in long_answer.text
    sections = {c.section for c in chunk_transcript(doc)}
    assert ("Interview: bestuurlijke aansturing van de bedrijfsvoeringsorganisatie", "Autonomie") in sections


def test_docx_text_headings_table_and_paragraphs():
    text = docx_text(DOCX)
    blocks = text.split("\n\n")
    assert blocks[0] == "# Interviewverslag bedrijfsvoering Haverland"  # Title style
    assert blocks[1].splitlines()[0] == "Datum\t21 februari 2024"  # the table is one block
    assert len(blocks[1].splitlines()) == 4
    assert "# Personeel" in blocks
    assert any(b.startswith("I (00:00:20): Het SSC Haverland") for b in blocks)


def test_docx_table_transcript_and_heading_levels(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Interview", level=1)
    d.add_heading("Deel 1: ICT", level=2)
    table = d.add_table(rows=0, cols=3)
    rows = [
        ("Tijd", "Spreker", "Tekst"),
        ("00:00:05", "I", "Hoe is de samenwerking begonnen?"),
        ("00:00:09", "R", "Met een gezamenlijk zaaksysteem."),
        ("00:01:10", "Interviewer", "En het vertrouwen?"),
        ("00:01:15", "R", "Dat moest groeien."),
    ]
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    path = tmp_path / "tabel-R44.docx"
    d.save(str(path))
    text = docx_text(path)
    assert text.startswith("# Interview\n\n## Deel 1: ICT\n\nTijd\tSpreker\tTekst\n00:00:05\tI\t")
    assert is_transcript(text)
    doc = parse_turns(text, path.name)
    assert [(b.speaker, b.meta.get("time"), b.text) for b in turns(doc)] == [
        (INTERVIEWER, "00:00:05", "Hoe is de samenwerking begonnen?"),
        ("R44", "00:00:09", "Met een gezamenlijk zaaksysteem."),
        (INTERVIEWER, "00:01:10", "En het vertrouwen?"),
        ("R44", "00:01:15", "Dat moest groeien."),
    ]


def test_docx_code_from_file_name_and_labels():
    doc = load_example(DOCX)
    assert doc.respondent == "R32"  # only the file name carries the code
    ts = turns(doc)
    assert len(ts) == 13
    assert {b.meta["label"] for b in ts if b.speaker == INTERVIEWER} == {"I", "I2"}
    assert {b.speaker for b in answers(doc)} == {"R32"}
    assert ts[0].meta["time"] == "00:00:20"
    assert "time" not in ts[2].meta
    # The unlabelled paragraph after "R (00:04:20): Formeel netjes ..." continues that answer.
    personeel = next(b for b in answers(doc) if b.text.startswith("Formeel netjes"))
    assert "\n\nWat ons heeft geholpen" in personeel.text
    # The metadata table before the first turn is a header, not indexed.
    chunks = chunk_transcript(doc)
    assert not any("21 februari 2024" in c.text for c in chunks)


def test_vtt_voices_notes_and_merged_cues():
    doc = load_example(VTT)
    assert doc.respondent == "R34"  # from "NOTE Respondent: R34"
    assert doc.warnings == ()
    ts = turns(doc)
    assert len(ts) == 13  # 21 cues, consecutive cues of one speaker merged
    assert [b.speaker for b in ts[:2]] == [INTERVIEWER, "R34"]  # Eva Smit declared in the NOTE
    assert ts[1].meta == {"label": "Fatima El Amrani", "time": "00:00:10", "end": "00:00:24"}
    assert ts[1].text.startswith("Dat klopt.") and ts[1].text.endswith("ken ik wel.")
    # Cues 5-7: only the first has a <v> span; the others continue the speaker.
    assert ts[3].text.endswith("van elkaar afhankelijk zijn.")
    assert ts[3].meta["time"] == "00:00:31" and ts[3].meta["end"] == "00:00:58"
    assert "<" not in doc.text
    titles = [b.meta["title"] for b in doc.blocks if b.kind == "heading"]
    assert titles == ["Informatiebeveiliging", "Vertrouwen en verantwoordelijkheid"]


def test_srt_label_styles():
    doc = load_example(SRT)
    assert doc.respondent == "R35"
    ts = turns(doc)
    assert len(ts) == 11
    assert {b.meta["label"] for b in answers(doc)} == {"R35"}  # "[R35]" and "- R35:" alike
    assert sum(b.speaker == INTERVIEWER for b in ts) == 6
    assert ts[1].text.startswith("Grevendal verzorgt") and ts[1].text.endswith("moeten bijdragen.")
    assert (ts[1].meta["time"], ts[1].meta["end"]) == ("00:00:09", "00:00:25")
    assert "[gelach]" not in doc.text
    assert "Maar ik wil het niet alleen op geld gooien." in ts[7].text  # after the [gelach] cue


def test_vtt_two_voices_in_one_cue_and_unlabelled_start(tmp_path):
    vtt = tmp_path / "R45.vtt"
    vtt.write_text(
        "WEBVTT\n\n"
        "00:00:00.500 --> 00:00:02.000\nGoedemiddag, de opname loopt.\n\n"
        "00:00:02.000 --> 00:00:05.000\n<v Interviewer>Werkt de samenwerking?</v>\n<v Respondent>Ja, meestal.</v>\n\n"
        "00:00:05.000 --> 00:00:09.000\n<v Respondent><i>Behalve</i> bij de &quot;begroting&quot;.</v>\n",
        encoding="utf-8",
    )
    doc = load_subtitles(vtt)
    assert [(b.kind, b.speaker, b.text) for b in doc.blocks] == [
        ("paragraph", None, "Goedemiddag, de opname loopt."),
        ("turn", INTERVIEWER, "Werkt de samenwerking?"),
        ("turn", "R45", 'Ja, meestal. Behalve bij de "begroting".'),
    ]
    assert doc.blocks[2].meta == {"label": "Respondent", "time": "00:00:02", "end": "00:00:09"}
    chunks = chunk_transcript(doc)
    intro = chunks[0]  # unlabelled speech stays searchable, without a respondent
    assert intro.kind == "passage" and intro.respondents == ()
    assert intro.meta == {"interview": True, "time": "00:00:00"}


# --------------------------------------------------------------------------- respondent precedence

HEADER_TEXT = """Respondent: R31

Interviewer: Hoe werkt de samenwerking?
Respondent: Goed, al kost het tijd.
Interviewer: Waarom?
Respondent: Omdat drie gemeenten drie werkwijzen hebben.
"""
NO_HEADER_TEXT = HEADER_TEXT.split("\n", 2)[2]


def test_override_beats_header_beats_file_name():
    assert parse_turns(NO_HEADER_TEXT, "interview-R40.txt").respondent == "R40"
    assert parse_turns(HEADER_TEXT, "interview-R40.txt").respondent == "R31"
    doc = parse_turns(HEADER_TEXT, "interview-R40.txt", respondent="r 41")
    assert doc.respondent == "R41"
    assert {b.speaker for b in answers(doc)} == {"R41"}
    assert respondent_from("interview-R40.txt", HEADER_TEXT) == "R31"
    assert respondent_from("interview-R40.txt", NO_HEADER_TEXT) == "R40"
    assert respondent_from("notities.txt", NO_HEADER_TEXT) is None


def test_override_on_examples():
    assert load_example(TXT, respondent="R50").respondent == "R50"  # beats the header line
    assert load_example(DOCX, respondent="R51").respondent == "R51"  # beats the file name
    doc = load_example(VTT, respondent="R52")  # beats the NOTE header
    assert {b.speaker for b in answers(doc)} == {"R52"}


def test_bad_override_is_an_ingest_error():
    with pytest.raises(IngestError, match="interview-R40.txt: --respondent 'Jan' is geen respondentcode"):
        parse_turns(HEADER_TEXT, "interview-R40.txt", respondent="Jan")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("R12.docx", "R12"),
        ("interview-R12.txt", "R12"),
        ("transcript_r7.md", "R7"),
        ("Respondent 12 gemeente.vtt", "R12"),
        ("interview 2023-03.txt", None),
        ("Marr12.txt", None),
    ],
)
def test_file_code(name, code):
    assert file_code(name) == code


def test_label_code_wins_and_is_reported():
    text = "Interviewer: Wie begint?\nR12: Ik begin.\nRespondent: En ik vul aan.\nInterviewer: Dank."
    doc = parse_turns(text, "groep-R40.txt")
    assert [b.speaker for b in answers(doc)] == ["R12", "R40"]
    assert any("R12" in w and "R40" in w for w in doc.warnings)


def test_the_speaker_who_asks_is_guessed_as_interviewer_and_named_in_a_warning():
    text = "Jan Smit: Wat vindt u?\nPiet Bos: Lastig.\nJan Smit: Waarom?\nPiet Bos: Geld."
    doc = parse_turns(text, "R40.txt")
    assert [b.speaker for b in turns(doc)] == [INTERVIEWER, "R40", INTERVIEWER, "R40"]
    (warning,) = doc.warnings
    assert "geraden: Jan Smit is de interviewer" in warning and "Piet Bos → R40" in warning
    declared = parse_turns("Interviewer: Jan Smit\n\n" + text, "R40.txt")
    assert [b.speaker for b in turns(declared)] == [INTERVIEWER, "R40", INTERVIEWER, "R40"]
    assert declared.warnings == ()


def test_several_names_for_one_code_warns():
    # Nobody asks more than the others: no guess, and the warning says who shares the code.
    text = "Jan Smit: Wat vindt u?\nPiet Bos: Lastig, wat vindt u?\nJan Smit: Goed.\nPiet Bos: Geld."
    doc = parse_turns(text, "R40.txt")
    assert {b.speaker for b in turns(doc)} == {"R40"}
    assert any("Jan Smit, Piet Bos" in w and "R40" in w for w in doc.warnings)


def test_unattributed_turns_never_get_a_guessed_code():
    doc = parse_turns(NO_HEADER_TEXT, "gesprek.txt")
    assert doc.respondent is None
    assert all(b.speaker is None for b in answers(doc))
    assert any("geen respondentcode" in w for w in doc.warnings)
    chunks = chunk_transcript(doc)
    assert chunks and all(c.respondents == () and c.section == ("gesprek.txt",) for c in chunks)


@pytest.mark.parametrize(
    ("line", "label", "time", "text"),
    [
        ("[00:12:34] Interviewer: Hoe gaat het?", "Interviewer", "00:12:34", "Hoe gaat het?"),
        ("**R12:** Nou ja.", "R12", None, "Nou ja."),
        ("Jan Smit (00:01:02): Tekst", "Jan Smit", "00:01:02", "Tekst"),
        ("Interviewer: [1:02] Tekst", "Interviewer", "00:01:02", "Tekst"),
        ("mw. A. de Vries: Dat klopt.", "mw. A. de Vries", None, "Dat klopt."),
        ("Jan Smit (wethouder): Ja.", "Jan Smit (wethouder)", None, "Ja."),
        ("Int.: Vraag", "Int.", None, "Vraag"),
    ],
)
def test_split_label(line, label, time, text):
    ll = split_label(line)
    assert ll is not None and (ll.display, ll.time, ll.text) == (label, time, text)


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("I", "interviewer"),
        ("Int", "interviewer"),
        ("Onderzoeker", "interviewer"),
        ("Interviewer 1", "interviewer"),
        ("Q", "interviewer"),
        ("V", "interviewer"),
        ("Vraag", "interviewer"),
        ("R 12", "code"),
        ("Respondent 12", "code"),
        ("Respondent", "respondent"),
        ("R", "respondent"),
        ("Fatima El Amrani", "name"),
        ("Spreker 2", "name"),
    ],
)
def test_label_roles(label, role):
    ll = split_label(f"{label}: tekst")
    assert ll is not None and ll.label.role == role


@pytest.mark.parametrize(
    "line",
    [
        "Kijk: zo zit het.",
        "Het punt is: dit.",
        "Figuur 3: Kosten",
        "Gemeente Kreekendam: 45%",
        "10:30 begon het: x",
        "Zie https://example.org: daar",
        "Bron: CBS",
    ],
)
def test_not_a_speaker(line):
    assert split_label(line) is None


# --------------------------------------------------------------------------- is_transcript


def test_text_without_labels_is_not_a_transcript():
    text = (
        "Samenwerking in de bedrijfsvoering vraagt vertrouwen.\n\n"
        "De drie gemeenten kozen in 2019 voor één zaaksysteem.\n\n"
        "Kortom: de techniek was het makkelijkste deel (R13).\n"
    )
    assert not is_transcript(text)
    with pytest.raises(IngestError, match=r"^notities\.txt: geen sprekersbeurten gevonden"):
        parse_turns(text, "notities.txt")


def test_report_with_a_few_labelled_lines_is_not_a_transcript():
    prose = "Dit is een alinea over de governance van de samenwerking, met afspraken en rollen.\n\n" * 12
    text = prose + "Interviewer: Hoe ging dat?\nRespondent: Moeizaam.\n\n" + prose
    assert not is_transcript(text)


def test_transcript_with_multi_paragraph_answers_is_a_transcript():
    answer = "Eerste alinea van het antwoord.\n\nTweede alinea.\n\nDerde alinea.\n\n"
    text = "".join(f"Interviewer: Vraag {i}?\nRespondent: {answer}" for i in range(8))
    assert is_transcript(text)


# --------------------------------------------------------------------------- chunk invariants


def test_chunk_text_is_exact_document_substring(example):
    doc, chunks = example
    assert chunks
    for c in chunks:
        assert c.text == doc.text[c.start : c.end], c.id
        assert c.doc == doc.name and c.page is None
        assert c.kind in ("passage", "turn")


def test_parents_resolve_and_contain_their_turns(example):
    doc, chunks = example
    by_id = {c.id: c for c in chunks}
    assert len(by_id) == len(chunks)  # ids unique
    turn_chunks = [c for c in chunks if c.kind == "turn"]
    assert turn_chunks
    for c in turn_chunks:
        parent = by_id[c.parent]
        assert parent.kind == "passage" and parent.parent is None
        assert parent.start <= c.start and c.end <= parent.end
        assert c.respondents == (doc.respondent,)
        assert c.section == parent.section
        assert c.context and c.context not in c.text  # the question, shown beside the answer
        assert c.meta["label"]


def test_every_answer_is_covered_by_turn_chunks(example):
    doc, chunks = example
    covered = {(c.start, c.end) for c in chunks if c.kind == "turn"}
    for b in answers(doc):
        assert any(b.start <= s and e <= b.end for s, e in covered)


def test_ids_stable_across_runs(example):
    doc, chunks = example
    again = chunk_transcript(load_example(next(p for p in ALL if p.name == doc.name)))
    assert [c.id for c in again] == [c.id for c in chunks]
    assert [c.to_dict() for c in again] == [c.to_dict() for c in chunks]


def test_section_is_interview_code_without_headings():
    doc = load_example(SRT)
    assert {c.section for c in chunk_transcript(doc)} == {("Interview R35",)}


def test_turn_and_passage_context():
    doc = load_example(TXT)
    chunks = chunk_transcript(doc)
    first_turn = next(c for c in chunks if c.kind == "turn")
    assert first_turn.context.startswith("Fijn dat je tijd wilt maken.")
    assert first_turn.meta == {"label": "Respondent", "time": "00:00:24"}
    assert first_turn.section == ("Aanleiding en ICT-landschap",)
    parent = next(c for c in chunks if c.id == first_turn.parent)
    assert parent.text.startswith("Fijn dat je tijd") and parent.text.endswith(first_turn.text)
    assert parent.respondents == ("R31",) and parent.context is None


# --------------------------------------------------------------------------- long answers


def test_long_answer_split_at_sentences():
    doc = load_example(TXT)
    long_block = max(answers(doc), key=lambda b: len(b.text))
    assert len(long_block.text) > 2 * 1000
    chunks = chunk_transcript(doc, max_chars=1000)
    parts = [c for c in chunks if c.kind == "turn" and long_block.start <= c.start < long_block.end]
    assert len(parts) >= 3
    assert all(len(c.text) <= 1000 for c in parts)
    assert len({c.parent for c in parts}) == 1 and len({c.context for c in parts}) == 1
    assert [c.meta["part"] for c in parts] == list(range(1, len(parts) + 1))
    for c in parts:
        assert c.text[-1] in ".?!" and c.text[0].isupper()  # whole sentences
    # Together the parts cover the answer up to the spaces between them.
    assert parts[0].start == long_block.start and parts[-1].end == long_block.end
    assert "".join(c.text for c in parts).replace(" ", "") == long_block.text.replace(" ", "")


def test_long_exchange_gets_passage_windows():
    doc = load_example(TXT)
    chunks = chunk_transcript(doc, max_chars=1200)
    windows = [c for c in chunks if c.kind == "passage" and "window" in c.meta]
    assert [c.meta["window"] for c in windows] == [1, 2]
    assert all(c.meta["windows"] == 2 for c in windows)
    assert windows[0].text.startswith("Hoe zag het ICT-landschap")  # question in the first window
    assert windows[0].context is None
    assert windows[1].context.startswith("Hoe zag het ICT-landschap")  # later windows show it as context
    assert windows[0].text.endswith("\n\nHm-hm.")  # a backchannel stays in the exchange
    assert windows[1].text.startswith("En wat ik daar nog aan wil toevoegen")


def test_backchannel_does_not_start_a_new_exchange():
    doc = load_example(TXT)
    chunks = chunk_transcript(doc)
    after = next(c for c in chunks if c.kind == "turn" and c.text.startswith("En wat ik daar nog aan wil"))
    assert after.context.startswith("Hoe zag het ICT-landschap")


def test_split_answer_pieces_are_exact_and_bounded():
    text = ("Dit is een zin van gemiddelde lengte over de samenwerking, bijv. de ICT. " * 30).strip()
    pieces = split_answer(text, 300)
    assert all(0 < e - s <= 300 for s, e in pieces)
    assert all(text[s:e] == text[s:e].strip() for s, e in pieces)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    # "bijv. de" is not a sentence end.
    assert all(not text[s:e].endswith("bijv.") for s, e in pieces)
    no_stops = "woord " * 400
    assert all(e - s <= 300 for s, e in split_answer(no_stops.strip(), 300))


def test_sentence_spans_keep_closing_quotes():
    text = "Hij zei: “Dat werkt niet.” Daarna bleef het stil.\n\nNieuwe alinea zonder punt"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["Hij zei: “Dat werkt niet.”", "Daarna bleef het stil.", "Nieuwe alinea zonder punt"]


# --------------------------------------------------------------------------- bad input


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_docx_that_is_a_zip_of_something_else(tmp_path):
    bad = _zip(tmp_path / "R36.docx", {"notes.txt": "geen Word-document"})
    with pytest.raises(IngestError) as exc:
        docx_text(bad)
    assert exc.value.path == str(bad) and "R36.docx" in str(exc.value)
    assert "word/document.xml" in exc.value.reason and "\n" not in str(exc.value)


def test_docx_that_is_plain_text(tmp_path):
    bad = tmp_path / "R37.docx"
    bad.write_text("Interviewer: Dit is gewoon tekst.\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"R37\.docx: geen geldig \.docx-bestand \(geen Word-document\)"):
        docx_text(bad)


def test_docx_corrupt_xml(tmp_path):
    src = zipfile.ZipFile(DOCX)
    bad = tmp_path / "kapot-R38.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        for item in src.infolist():
            data = src.read(item.filename)
            zf.writestr(item, b"<w:document><w:body>" if item.filename == "word/document.xml" else data)
    with pytest.raises(IngestError, match=r"kapot-R38\.docx: beschadigd \.docx-bestand") as exc:
        docx_text(bad)
    assert "\n" not in str(exc.value)


def test_docx_encrypted_and_old_doc(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    enc = tmp_path / "geheim.docx"
    enc.write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(IngestError, match="wachtwoord"):
        docx_text(enc)
    old = tmp_path / "oud.docx"
    old.write_bytes(ole + b"WordDocument")
    with pytest.raises(IngestError, match="97-2003"):
        docx_text(old)


def test_empty_vtt(tmp_path):
    empty = tmp_path / "leeg-R39.vtt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(IngestError, match=r"leeg-R39\.vtt: leeg ondertitelbestand"):
        load_subtitles(empty)
    only_header = tmp_path / "alleen-kop.vtt"
    only_header.write_text("WEBVTT\n\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"alleen-kop\.vtt: geen cues gevonden"):
        load_subtitles(only_header)


def test_vtt_without_header(tmp_path):
    bad = tmp_path / "geen-kop.vtt"
    bad.write_text("00:00:01.000 --> 00:00:02.000\nInterviewer: Hallo\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"geen-kop\.vtt: geen geldig WebVTT-bestand"):
        load_subtitles(bad)


def test_srt_with_garbage(tmp_path):
    bad = tmp_path / "rommel.srt"
    bad.write_text("dit is geen ondertitel\nmaar rommel\n\x00\x01", encoding="utf-8")
    with pytest.raises(IngestError, match=r"rommel\.srt: geen geldig SRT-bestand") as exc:
        load_subtitles(bad)
    assert "\n" not in str(exc.value)


def test_subtitles_without_speakers(tmp_path):
    plain = tmp_path / "zonder-sprekers.srt"
    plain.write_text("1\n00:00:01,000 --> 00:00:02,000\nGoedemiddag allemaal.\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"zonder-sprekers\.srt: geen sprekerlabels gevonden"):
        load_subtitles(plain)


def test_unsupported_subtitle_suffix(tmp_path):
    other = tmp_path / "x.sbv"
    other.write_text("0:00:01.000,0:00:02.000\nHallo\n", encoding="utf-8")
    with pytest.raises(IngestError, match="wordt niet ondersteund"):
        load_subtitles(other)
