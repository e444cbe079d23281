"""Whisper / WhisperX JSON transcripts: segments with start, end, text and (after diarization) a speaker.

WhisperX writes `{"segments": [{"start": 3.2, "end": 9.8, "text": "...", "speaker": "SPEAKER_00"}, ...]}`
(plain whisper the same without `speaker`; some tools write the list of segments alone).
Consecutive segments of one speaker become one turn with the first segment's start time; who is
interviewer or respondent is decided by `transcript.build_document`, exactly as for text and
subtitles (a declared label, an override, else the speaker who asks the questions). An optional
top-level `"respondent": "R38"` (or `"metadata": {"respondent": ...}`) names the file's code, as a
header line does in a text transcript.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import Document, IngestError
from .respondents import normalize_code
from .transcript import Header, Label, LabelledLine, Segment, SpeakerOverrides, build_document, classify_label

# A JSON file larger than this is not a transcript (hours of speech are a few MB).
MAX_JSON_MB = 100


def _hms(seconds: Any) -> str | None:
    try:
        total = int(float(seconds))
    except (TypeError, ValueError):
        return None
    if total < 0:
        return None
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _label(speaker: str) -> LabelledLine:
    name = " ".join(speaker.split())
    lab = classify_label(name) or Label(name, name.lower(), "name")
    return LabelledLine(lab, lab.label, None, "")


def _segments_of(path: Path, data: Any) -> list[dict[str, Any]]:
    segs = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segs, list) or not all(isinstance(s, dict) for s in segs):
        raise IngestError(
            str(path),
            "geen Whisper/WhisperX-transcript (verwacht een object met een lijst 'segments')",
            "exporteer het transcript als JSON uit WhisperX, of als .vtt/.srt/.docx/.txt",
        )
    return segs


def _header(data: Any) -> Header:
    header = Header()
    if isinstance(data, dict):
        meta: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
        value = data.get("respondent") or meta.get("respondent")
        if isinstance(value, str | int):
            header.code = normalize_code(str(value))
        for key in ("interviewer", "interviewers"):
            names = data.get(key) or meta.get(key)
            if isinstance(names, str):
                names = [names]
            if isinstance(names, list):
                header.interviewers.update(" ".join(str(n).split()).lower() for n in names if str(n).strip())
    return header


def load_whisper(path: Path, respondent: str | None = None, overrides: SpeakerOverrides | None = None) -> Document:
    """Read a (WhisperX) JSON transcript into a transcript Document (one turn per run of one speaker)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), f"kan niet gelezen worden ({exc.strerror or exc})") from None
    if len(raw) > MAX_JSON_MB * 1_000_000:
        raise IngestError(str(path), f"JSON-bestand groter dan {MAX_JSON_MB} MB; geen transcript")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise IngestError(str(path), "geen UTF-8-tekst", "sla het op als UTF-8") from None
    except json.JSONDecodeError as exc:
        raise IngestError(str(path), f"ongeldige JSON (regel {exc.lineno}, kolom {exc.colno}: {exc.msg})") from None
    items = _segments_of(path, data)
    segs: list[Segment] = []
    cur: LabelledLine | None = None
    parts: list[str] = []
    start = end = None

    def flush() -> None:
        nonlocal parts
        text = " ".join(p for p in parts if p).strip()
        if text:
            meta: dict[str, Any] = {"end": end} if end else {}
            if cur is None:
                segs.append(Segment("paragraph", text, meta={"time": start, **meta} if start else meta))
            else:
                turn = LabelledLine(cur.label, cur.display, start, text)
                segs.append(Segment("turn", text, label=turn, meta=meta))
        parts = []

    for item in items:
        text = " ".join(str(item.get("text") or "").split())
        if not text:
            continue
        speaker = item.get("speaker")
        lab = _label(str(speaker)) if isinstance(speaker, str | int) and str(speaker).strip() else None
        if lab is not None and (cur is None or lab.label.key != cur.label.key):
            flush()
            cur = lab
        if not parts:
            start = _hms(item.get("start"))
        parts.append(text)
        end = _hms(item.get("end"))
    flush()
    if not segs:
        raise IngestError(str(path), "geen tekst in de segmenten van het JSON-transcript")
    if not any(s.kind == "turn" for s in segs):
        raise IngestError(
            str(path),
            "geen sprekers in de segmenten (het veld 'speaker' ontbreekt)",
            "maak het transcript met sprekerherkenning, bv. whisperx --diarize",
        )
    return build_document(path.name, segs, header=_header(data), respondent=respondent, overrides=overrides)
