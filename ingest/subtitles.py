"""WebVTT and SRT files from transcription tools, read as interview transcripts.

Cues are short and cut mid-sentence, so consecutive cues of one speaker are merged into one turn
that keeps the first cue's start time and the last cue's end time. Speakers come from `<v Name>`
voice spans (VTT), or a `Name:`, `- Name:` or `[Name]` prefix in the cue text; a cue without a
label continues the current speaker. Who is interviewer or respondent is decided by
`transcript.build_document`, exactly as for text transcripts. In a VTT file, NOTE blocks may
carry header lines (`NOTE Respondent: R34`) and theme headings (`NOTE Thema: ICT`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from .model import Document, IngestError
from .transcript import (
    Label,
    LabelledLine,
    Segment,
    SpeakerOverrides,
    build_document,
    classify_label,
    header_info,
    normalize_time,
    split_label,
)

_VOICE_RE = re.compile(r"^<v(?:\.[\w-]+)*\s+([^>]+)>\s*")
_TAG_RE = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # VTT/HTML tags and SRT position codes like {\an8}
_BRACKET_RE = re.compile(r"^\[([^\[\]]{1,40})\]\s*(.*)$")
_DASH_RE = re.compile(r"^(?:-|–|—|>>)\s*")
_HEADING_NOTE_RE = re.compile(r"^\s*(?:thema|topic)\s*:\s*(.+)$", re.IGNORECASE)


@dataclass
class _Cue:
    start: str
    end: str
    lines: list[str]  # raw cue text lines (VTT tags still in place)
    notes: list[str]  # NOTE blocks just before the cue


def _read_text(path: Path) -> tuple[str, list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), f"kan niet gelezen worden ({exc.strerror or exc})") from None
    if not data.strip():
        raise IngestError(str(path), "leeg ondertitelbestand (geen cues)")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), ["file is not UTF-8; read as Windows-1252"]


def _hms(td: timedelta) -> str:
    total = int(td.total_seconds())
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _vtt_cues(path: Path, text: str) -> tuple[list[_Cue], str]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        vtt = webvtt.from_string(text)
    except MalformedFileError:
        raise IngestError(str(path), "geen geldig WebVTT-bestand (het moet beginnen met 'WEBVTT')") from None
    except MalformedCaptionError as exc:
        raise IngestError(str(path), f"ongeldige cue in WebVTT-bestand ({exc})") from None
    cues = [
        _Cue(normalize_time(c.start), normalize_time(c.end), c.raw_text.split("\n"), list(c.comments or []))
        for c in vtt.captions
    ]
    # A `NOTE Thema: ...` before the first cue is read as a header comment; it heads the first cue.
    themes = [n for n in vtt.header_comments if _HEADING_NOTE_RE.match(n.strip())]
    if cues and themes:
        cues[0].notes[:0] = themes
    notes = [n for n in vtt.header_comments if n not in themes]
    header = "\n".join([vtt.header_text.lstrip(" -\t"), *notes])
    return cues, header


def _srt_cues(path: Path, text: str) -> list[_Cue]:
    import srt

    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as exc:
        where = getattr(exc, "actual_start", None)
        at = f" bij teken {where}" if isinstance(where, int) else ""
        raise IngestError(str(path), f"geen geldig SRT-bestand (onleesbare tekst{at})") from None
    except (ValueError, OverflowError) as exc:
        raise IngestError(str(path), f"geen geldig SRT-bestand ({exc})") from None
    return [_Cue(_hms(s.start), _hms(s.end), s.content.split("\n"), []) for s in subs]


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub("", text)).split())


def _speaker_line(line: str) -> tuple[LabelledLine | None, str]:
    """(label, text) of one cue line; the label is None when the line names no speaker."""
    vm = _VOICE_RE.match(line)
    if vm:
        voice = " ".join(vm.group(1).split())
        lab = classify_label(voice) or Label(voice, voice.lower(), "name")
        spoken = _clean(line[vm.end() :])
        return LabelledLine(lab, lab.label, None, spoken), spoken
    text = _DASH_RE.sub("", _clean(line))
    bm = _BRACKET_RE.match(text)
    if bm:
        bracket = classify_label(bm.group(1))
        if bracket is not None:
            spoken = bm.group(2).strip()
            return LabelledLine(bracket, bracket.label, None, spoken), spoken
        if not bm.group(2).strip():
            return None, ""  # a sound description such as [gelach] on its own
    ll = split_label(text)
    if ll is not None:
        return ll, ll.text
    return None, text


def _segments(cues: list[_Cue]) -> list[Segment]:
    """Merge cue lines into turns: a new turn starts where the speaker label changes."""
    segs: list[Segment] = []
    cur: LabelledLine | None = None
    parts: list[str] = []
    start = end = ""

    def flush() -> None:
        nonlocal parts
        text = " ".join(p for p in parts if p).strip()
        if text:
            if cur is None:
                segs.append(Segment("paragraph", text, meta={"time": start, "end": end}))
            else:
                turn = LabelledLine(cur.label, cur.display, start, text)
                segs.append(Segment("turn", text, label=turn, meta={"end": end}))
        parts = []

    for cue in cues:
        for note in cue.notes:
            hm = _HEADING_NOTE_RE.match(note.strip())
            if hm:
                flush()
                title = " ".join(hm.group(1).split())
                segs.append(Segment("heading", " ".join(note.split()), level=2, meta={"title": title}))
        for line in cue.lines:
            if not line.strip():
                continue
            lab, text = _speaker_line(line)
            if lab is not None and (cur is None or lab.label.key != cur.label.key or lab.display != cur.display):
                flush()
                cur = lab
            if not parts:
                start = cue.start
            parts.append(text)
            end = cue.end
    flush()
    return segs


def load_subtitles(path: Path, respondent: str | None = None, overrides: SpeakerOverrides | None = None) -> Document:
    """Read a .vtt or .srt file into a transcript Document (one turn per run of one speaker)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".vtt", ".srt"):
        raise IngestError(
            str(path), f"ondertitelformaat {suffix or '(geen)'} wordt niet ondersteund (verwacht .vtt of .srt)"
        )
    text, warnings = _read_text(path)
    if suffix == ".vtt":
        cues, header_text = _vtt_cues(path, text)
    else:
        cues, header_text = _srt_cues(path, text), ""
    if not cues:
        raise IngestError(str(path), "geen cues gevonden in het ondertitelbestand")
    segs = _segments(cues)
    if not any(s.kind == "turn" for s in segs):
        raise IngestError(str(path), "geen sprekerlabels gevonden in de cues (verwacht <v Naam>, 'Naam:' of '[Naam]')")
    keys = {s.label.label.key for s in segs if s.label is not None}
    header = header_info(header_text, keys)
    return build_document(path.name, segs, header=header, respondent=respondent, warnings=warnings, overrides=overrides)
