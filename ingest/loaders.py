"""Pick the loader for a file and turn it into a `Document`; bad input becomes one IngestError.

Which files are reports and which are transcripts: .vtt/.srt are always transcripts; .txt/.md/
.docx are transcripts when most of their lines are speaker turns (`transcript.read_transcript`),
otherwise reports; .json is a Whisper/WhisperX transcript (`whisper.py`).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .model import Document, IngestError, assemble
from .structure import prepare
from .transcript import SpeakerOverrides

REPORT_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
DOCX_SUFFIXES = {".docx"}
SUBTITLE_SUFFIXES = {".vtt", ".srt"}
JSON_SUFFIXES = {".json"}
SUPPORTED = REPORT_SUFFIXES | TEXT_SUFFIXES | DOCX_SUFFIXES | SUBTITLE_SUFFIXES | JSON_SUFFIXES


def decode_text(data: bytes, path: str) -> str:
    """Decode a text file: BOM-marked UTF-8/16, else UTF-8, else Windows-1252 (old Word exports).

    Binary data (NUL bytes without a UTF-16 BOM, or mostly control characters) is refused.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict")
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[2:].decode(enc)
            except UnicodeDecodeError:
                raise IngestError(
                    path, f"zegt {enc.upper()} te zijn, maar is geen geldige {enc.upper()}", "sla het op als UTF-8"
                ) from None
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM has a NUL in every other byte of ASCII text: the odd bytes for
        # little-endian (Windows' "Unicode"), the even bytes for big-endian.
        sample = data[:4096]
        for zeros, enc in ((sample[1::2], "utf-16-le"), (sample[0::2], "utf-16-be")):
            if len(sample) >= 4 and len(data) % 2 == 0 and zeros.count(0) > 0.4 * len(zeros):
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    continue
                if not _looks_binary(text):
                    return text
        raise IngestError(path, "lijkt binaire data, geen tekst")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            # cp1252 leaves five byte values undefined; real Windows text never has them, binary data does.
            if _looks_binary(data.decode("latin-1")):
                raise IngestError(path, "lijkt binaire data, geen tekst") from None
            raise IngestError(
                path, "onbekende tekstcodering (geen UTF-8, UTF-16 of Windows-1252)", "sla het op als UTF-8"
            ) from None
    if _looks_binary(text):
        raise IngestError(path, "lijkt binaire data, geen tekst")
    return text


def _looks_binary(text: str) -> bool:
    """More than 5% control characters (other than tab, newlines, form feed) in the first 4096."""
    head = text[:4096]
    control = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    return control > 0.05 * max(1, len(head))


# A file that names an interview but has no speaker turns is read as a report; say so.
_TRANSCRIPT_NAME_RE = re.compile(r"(?i)interview|transcript|gesprek|(?<![a-z])r[ _-]?\d{1,3}(?!\d)")
NO_SPEAKERS_WARNING = (
    "geen sprekerlabels gevonden (zoals 'Interviewer:' of 'R12:'); ingelezen als rapport, in gewone passages"
)


def check_pdf(path: Path) -> None:
    """Refuse what pypdf would half-read: no %PDF header, or no %%EOF at the end (a truncated copy).

    pypdf repairs a cut-off file by scanning for objects, which silently drops the missing pages;
    a clear error is better than an index that lacks half a report.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 8192))
            tail = fh.read()
    except OSError as exc:
        raise IngestError(str(path), f"kan niet gelezen worden ({exc.strerror or exc})") from None
    if b"%PDF-" not in head:
        raise IngestError(str(path), "geen PDF-bestand (geen %PDF-kop)", "klopt de extensie?")
    if b"%%EOF" not in tail:
        raise IngestError(
            str(path), "de PDF is afgebroken of beschadigd (geen einde-markering)", "kopieer of exporteer hem opnieuw"
        )


def load(path: Path, respondent: str | None = None, speakers: SpeakerOverrides | None = None) -> Document:
    """Load one file into a Document (report or transcript); `speakers` are the user's speaker overrides."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(
            str(path),
            f"bestandstype {suffix or '(geen)'} wordt niet ondersteund",
            f"gebruik {', '.join(sorted(SUPPORTED))}",
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(str(path), f"kan niet gelezen worden ({exc.strerror or exc})") from None
    if size == 0:
        raise IngestError(str(path), "het bestand is leeg (0 bytes)")

    if suffix in SUBTITLE_SUFFIXES:
        from .subtitles import load_subtitles

        return load_subtitles(path, respondent, speakers)

    if suffix in JSON_SUFFIXES:
        from .whisper import load_whisper

        return load_whisper(path, respondent, speakers)

    if suffix in REPORT_SUFFIXES:
        from .pdf import load_pdf

        check_pdf(path)
        return assemble(name, prepare(load_pdf(path)))

    if suffix in DOCX_SUFFIXES:
        from .docx import docx_text

        text = docx_text(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(str(path), f"kan niet gelezen worden ({exc.strerror or exc})") from None
        text = decode_text(data, str(path))
    if not text.strip():
        raise IngestError(str(path), "het bestand bevat geen tekst")
    return load_text_document(text, name, respondent, speakers)


def load_text_document(
    text: str, name: str, respondent: str | None = None, speakers: SpeakerOverrides | None = None
) -> Document:
    """A text (from .txt/.md/.docx) as a transcript when it has speaker turns, else as a report."""
    from .transcript import read_transcript

    transcript = read_transcript(text, name, respondent, speakers)
    if transcript is not None:
        return transcript
    from .plaintext import load_text

    warnings = (NO_SPEAKERS_WARNING,) if _TRANSCRIPT_NAME_RE.search(Path(name).stem) else ()
    return assemble(name, prepare(load_text(text)), warnings=warnings)
