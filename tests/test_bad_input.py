"""Bad input: every kind of broken, odd or hostile file gets one clear line, and the rest is ingested.

All files are made by the tests in tmp_path (PDFs are written by hand, byte by byte, so the
tests need no PDF generator). Per case: the message names the file and the reason, the good
files of the same run are ingested, and the output stays consistent. One run through the real
CLI mixes all cases, checks the exit code, the stderr lines, chunks.jsonl and the search index.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citaat.cli import app
from citaat.ingest.loaders import NO_SPEAKERS_WARNING, decode_text
from citaat.ingest.model import IngestError
from citaat.ingest.pipeline import IngestConfig, ingest_paths
from citaat.ingest.store import read_chunks

CFG = IngestConfig(progress=False)

GOOD_REPORT = """Verslag werkbezoek

Inleiding

Dit verslag beschrijft een werkbezoek aan de samenwerkende gemeenten in de regio. Het is fictief en dient alleen om de pijplijn te testen.

Bevindingen

Over de samenwerking zegt een respondent: “De verdeelsleutel moet eerlijk voelen voor iedereen” (R4).
"""

GOOD_TRANSCRIPT = """Respondentcode: R21

Interviewer: Hoe verliep de samenwerking met de buurgemeenten?

Respondent: Moeizaam in het begin, want ieder had een eigen zaaksysteem. Pas na twee jaar werkten we echt samen.

Interviewer: En het vertrouwen?

Respondent: Dat kwam toen we de storing samen hebben opgelost.
"""

# Dutch text with the accents that break when a decoder guesses wrong.
ACCENTED = """Rapport over samenwerking

Inleiding

Zoë en René hebben het geïnterviewd: de coördinatie tussen één en twee gemeenten verliep moeizaam, zeggen de ambtenaren in Zuidoost-Brabant. Het café in het gemeentehuis kostte € 12 per maand, ‘naïef’ vonden sommigen.
"""
ACCENT_WORDS = ("Zoë", "René", "geïnterviewd", "coördinatie", "één", "café", "naïef", "€ 12")


# --------------------------------------------------------------------------- PDF by hand


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file from numbered object bodies (1-based, object 1 is the catalog) with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def _escape(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with real text (Helvetica, WinAnsi) — one list of lines per page."""
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then per page: page object, content stream
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        ops = [b"BT", b"/F1 11 Tf", b"14 TL", b"72 740 Td"]
        for line in lines:
            ops.append(b"(" + _escape(line) + b") Tj T*")
        ops.append(b"ET")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(_stream(b"\n".join(ops)))
    return _pdf(objects)


def image_only_pdf() -> bytes:
    """A 'scanned' page: one grey image XObject painted over the page, no text operators at all."""
    pixels = bytes([200, 60, 60, 200] * 16)  # 8x8 greyscale
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> "
            b"/Contents 4 0 R >>",
            _stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
            _stream(pixels, b"/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
                    b"/BitsPerComponent 8 "),
        ]
    )


def encrypted_pdf(tmp_path: Path) -> bytes:
    from pypdf import PdfReader, PdfWriter

    src = tmp_path / "plain-for-encryption.pdf"
    src.write_bytes(text_pdf([["Geheime notitie over de samenwerking tussen gemeenten."]]))
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password="geheim", owner_password="eigenaar", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    src.unlink()
    return buf.getvalue()


LONG_PAGES = [
    [f"Pagina {p}: de gemeenten werkten samen aan de bedrijfsvoering, regel {i}." for i in range(40)]
    for p in range(1, 5)
]


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One input file: its name, bytes, and what must happen to it."""

    name: str
    data: bytes
    error: str | None = None  # reason text that must appear in the error line (None = ingested)
    warning: str | None = None  # text that must appear among the file's warnings
    words: tuple[str, ...] = ()  # exact strings its chunks must contain


def _fake_docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("foto.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
        zf.writestr("notities/lees-mij.txt", "Dit is een zip met foto's, geen Word-document.")
    return buf.getvalue()


def bad_cases(tmp_path: Path) -> list[Case]:
    full = text_pdf(LONG_PAGES)
    return [
        Case("leeg.txt", b"", error="het bestand is leeg (0 bytes)"),
        Case("leeg.pdf", b"", error="het bestand is leeg (0 bytes)"),
        Case("afgebroken.pdf", full[: len(full) // 2], error="de PDF is afgebroken of beschadigd (geen einde-markering)"),
        Case("beveiligd.pdf", encrypted_pdf(tmp_path), error="de PDF is met een wachtwoord beveiligd"),
        Case("scan.pdf", image_only_pdf(), error="de PDF heeft geen tekstlaag (alleen gescande afbeeldingen?); haal hem eerst door OCR"),
        Case("binair.txt", bytes((i * 37 + 11) % 256 for i in range(4096)), error="lijkt binaire data, geen tekst"),
        Case("nep.docx", _fake_docx(), error="geen geldig .docx-bestand (zip-archief zonder word/document.xml)"),
        Case("geen-pdf.pdf", b"Dit is gewoon tekst met een verkeerde extensie.\n", error="geen PDF-bestand (geen %PDF-kop)"),
    ]


def good_cases() -> list[Case]:
    return [
        Case("cp1252.txt", ACCENTED.encode("cp1252"), words=ACCENT_WORDS),
        Case("utf16-bom.txt", ACCENTED.encode("utf-16"), words=ACCENT_WORDS),  # BOM + little-endian
        Case("utf16le-zonder-bom.txt", ACCENTED.encode("utf-16-le"), words=ACCENT_WORDS),
        Case("utf16be-zonder-bom.txt", ACCENTED.encode("utf-16-be"), words=ACCENT_WORDS),
        Case("interview R12 – Zoë.txt", GOOD_TRANSCRIPT.replace("Respondentcode: R21\n", "").encode(), words=("zaaksysteem",)),
        Case("interview-R40.txt", b"Notities bij het gesprek\n\nDe respondent vertelde uitgebreid over de fusie van de afdelingen en over de kosten.\n",
             warning=NO_SPEAKERS_WARNING, words=("fusie van de afdelingen",)),
        Case("rapport.pdf", text_pdf([["Verslag", "", "De gemeenten delen een servicedesk sinds 2019."]]),
             words=("servicedesk sinds 2019",)),
    ]


def _write(folder: Path, cases: list[Case]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        (folder / c.name).write_bytes(c.data)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "verslag.txt").write_text(GOOD_REPORT, encoding="utf-8")
    (d / "interview-R21.txt").write_text(GOOD_TRANSCRIPT, encoding="utf-8")
    return d


def _case_id(case: Case) -> str:
    return case.name


# --------------------------------------------------------------------------- per case, through the API


@pytest.mark.parametrize("index", range(8), ids=["empty-txt", "empty-pdf", "truncated-pdf", "password-pdf",
                                                  "image-only-pdf", "binary-txt", "zip-named-docx", "text-named-pdf"])
def test_bad_file_fails_alone_with_its_reason(index: int, inbox: Path, tmp_path: Path) -> None:
    case = bad_cases(tmp_path)[index]
    _write(inbox, [case])
    out = tmp_path / "out"
    res = ingest_paths([inbox], out, CFG)
    failed = {Path(r.path).name: r.error for r in res.failed}
    assert list(failed) == [case.name], failed
    assert case.error in failed[case.name]
    # The good files of the same run are all there, and the output parses.
    assert {c.doc for c in read_chunks(out)} == {"verslag.txt", "interview-R21.txt"}


@pytest.mark.parametrize("case", good_cases(), ids=_case_id)
def test_odd_but_valid_file_is_ingested_right(case: Case, inbox: Path, tmp_path: Path) -> None:
    _write(inbox, [case])
    out = tmp_path / "out"
    res = ingest_paths([inbox], out, CFG)
    assert not res.failed, [(r.path, r.error) for r in res.failed]
    chunks = [c for c in read_chunks(out) if c.doc == case.name]
    assert chunks, f"{case.name} produced no chunks"
    text = "\n".join(c.text for c in chunks)
    for w in case.words:
        assert w in text, f"{w!r} missing from {case.name}"
    report = next(r for r in res.files if r.doc == case.name)
    if case.warning:
        assert case.warning in report.warnings
    else:
        assert NO_SPEAKERS_WARNING not in report.warnings


def test_non_ascii_name_keeps_its_name_and_code(inbox: Path, tmp_path: Path) -> None:
    """`interview R12 – Zoë.txt`: the doc name is kept exactly and R12 comes from the name."""
    name = "interview R12 – Zoë.txt"
    (inbox / name).write_text(GOOD_TRANSCRIPT.replace("Respondentcode: R21\n", ""), encoding="utf-8")
    out = tmp_path / "out"
    ingest_paths([inbox], out, CFG)
    turns = [c for c in read_chunks(out) if c.doc == name and c.kind == "turn"]
    assert turns and all(c.respondents == ("R12",) for c in turns)
    raw = (out / "chunks.jsonl").read_text(encoding="utf-8")
    assert '"doc": "interview R12 – Zoë.txt"' in raw  # stored as UTF-8, not escaped or mangled


def test_transcript_without_labels_is_a_report_with_a_warning(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "interview-R40.txt").write_text(
        "Gespreksverslag\n\nDe respondent vertelde over de fusie. Zij vond de kosten te hoog.\n", encoding="utf-8"
    )
    res = ingest_paths([d], tmp_path / "out", CFG)
    assert res.files[0].status == "new" and NO_SPEAKERS_WARNING in res.files[0].warnings
    chunks = read_chunks(tmp_path / "out")
    assert {c.kind for c in chunks} == {"passage"}  # no turns were invented
    assert all(c.respondents == () for c in chunks)  # and no respondent guessed


def test_duplicates_are_ingested_once_with_a_notice(inbox: Path, tmp_path: Path) -> None:
    (inbox / "zz kopie van verslag.txt").write_bytes((inbox / "verslag.txt").read_bytes())
    res = ingest_paths([inbox], tmp_path / "out", CFG)
    dup = next(r for r in res.files if r.doc == "zz kopie van verslag.txt")
    assert dup.status == "duplicate" and not res.failed
    assert dup.warnings == ["zelfde inhoud als verslag.txt; overgeslagen"]
    docs = [c.doc for c in read_chunks(tmp_path / "out")]
    assert "zz kopie van verslag.txt" not in docs and "verslag.txt" in docs


def test_size_limit_refuses_with_a_clear_reason(inbox: Path, tmp_path: Path) -> None:
    (inbox / "te-groot.txt").write_text("Tekst over gemeenten. " * 100_000, encoding="utf-8")  # 2.2 MB
    res = ingest_paths([inbox], tmp_path / "out", IngestConfig(progress=False, max_file_mb=1))
    assert [Path(r.path).name for r in res.failed] == ["te-groot.txt"]
    assert res.failed[0].error == (
        "te groot (2.2 MB; de grens is 1.0 MB); splits het bestand, of verhoog de grens met --max-file-mb of "
        "CITAAT_MAX_FILE_MB"
    )
    assert {c.doc for c in read_chunks(tmp_path / "out")} == {"verslag.txt", "interview-R21.txt"}


def test_size_limit_from_cli_option_and_environment(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from citaat.cli import app

    (inbox / "te-groot.txt").write_text("Tekst over gemeenten. " * 100_000, encoding="utf-8")  # 2.2 MB
    assert IngestConfig().max_file_mb == 200.0
    monkeypatch.setenv("CITAAT_MAX_FILE_MB", "1.5")
    res = CliRunner().invoke(app, ["ingest", str(inbox), "--out", str(tmp_path / "a"), "--no-index", "-q"])
    assert res.exit_code == 2 and "de grens is 1.5 MB" in res.stderr
    res = CliRunner().invoke(
        app, ["ingest", str(inbox), "--out", str(tmp_path / "b"), "--no-index", "-q", "--max-file-mb", "3"]
    )
    assert res.exit_code == 0, res.stderr


@pytest.mark.slow
def test_fifty_megabyte_text_file_ingests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 50 MB transcript goes through under the default limit; the timing is printed, not asserted."""
    d = tmp_path / "in"
    d.mkdir()
    big = d / "interview-R77-lang.txt"
    block = (
        "Interviewer: Hoe kijkt u terug op vraag {n} over de samenwerking?\n\n"
        "R77: Bij onderwerp {n} zagen we dat de gemeenten elkaar pas vonden na een gezamenlijke crisis. "
        "De kosten werden verdeeld naar inwoneraantal, wat voor de kleinste gemeente oneerlijk voelde. "
        "Vertrouwen groeide pas toen de storingen samen werden opgelost en iedereen de cijfers kon zien.\n\n"
    )
    with big.open("w", encoding="utf-8") as fh:
        n = 0
        while fh.tell() < 50_000_000:
            fh.write(block.format(n=n))
            n += 1
    size = big.stat().st_size
    t0 = time.perf_counter()
    res = ingest_paths([d], tmp_path / "out", CFG)
    seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[50 MB] {size / 1e6:.1f} MB -> {res.chunk_count} chunks in {seconds:.1f} s")
    assert not res.failed
    assert res.files[0].status == "new" and res.files[0].respondents == ("R77",)
    assert res.chunk_count >= 2 * n * 0.99  # every exchange became a passage and a turn
    last = read_chunks(tmp_path / "out")[-1]
    assert f"onderwerp {n - 1} " in last.text or f"vraag {n - 1} " in (last.context or last.text)


# --------------------------------------------------------------------------- decoding, directly


@pytest.mark.parametrize(
    "encoding", ["cp1252", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"], ids=str
)
def test_decode_text_gets_dutch_accents_right(encoding: str) -> None:
    assert decode_text(ACCENTED.encode(encoding), "x.txt") == ACCENTED


def test_binary_without_nul_bytes_is_called_binary() -> None:
    data = bytes(b for b in (bytes(range(1, 256)) * 20) if b not in b"\t\n\r\f")
    with pytest.raises(IngestError, match="lijkt binaire data, geen tekst"):
        decode_text(data, "x.txt")


# --------------------------------------------------------------------------- everything at once, through the CLI


def test_cli_mixed_run_reports_each_bad_file_and_keeps_the_index_consistent(inbox: Path, tmp_path: Path) -> None:
    """All bad and odd files in one folder: exit 2, one line per bad file, the rest indexed and searchable."""
    bad = bad_cases(tmp_path)
    good = good_cases()
    _write(inbox, bad + good)
    (inbox / "zz kopie van verslag.txt").write_bytes((inbox / "verslag.txt").read_bytes())
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(inbox), "--out", str(out), "-q"], env={"COLUMNS": "200"})
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output + res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("citaat: ")]
    assert len(errors) == len(bad), errors
    for case in bad:
        line = next((ln for ln in errors if f"/{case.name}: " in ln), None)
        assert line is not None, f"no error line for {case.name}"
        assert case.error in line
    notices = [ln for ln in res.stderr.splitlines() if ln.startswith("let op: ")]
    assert any("zz kopie van verslag.txt" in ln and "zelfde inhoud als verslag.txt" in ln for ln in notices), notices
    assert any("interview-R40.txt" in ln and "geen sprekerlabels" in ln for ln in notices), notices

    # chunks.jsonl parses line by line and holds exactly the good files.
    rows = [json.loads(line) for line in (out / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["doc"] for r in rows} == {"verslag.txt", "interview-R21.txt"} | {c.name for c in good}
    # The index was built and opens, and answers from the files that went in.
    from citaat.index.search import Searcher

    searcher = Searcher.open(out)
    hits = searcher.search("coördinatie tussen gemeenten", k=5)
    assert hits and any("coördinatie" in h.text for h in hits)
