"""Interview transcripts as text: speaker turns, the interviewer/respondent split and the file's code.

Plain text, markdown and the text of a .docx (see `ingest.docx`) all come here as one string.
A turn starts at a line with a speaker label (`Interviewer:`, `I:`, `R12:`, `Respondent:`,
`Jan Smit:`), optionally with a `[00:12:34]` timestamp before or after the label; lines without a
label continue the previous turn. Lines before the first turn may be a header (`Respondent: R12`,
`Interviewer: Jan Smit`, `Datum: ...`) that names the respondent code and the interviewers.

Who is who (the rules are tested in tests/test_transcripts.py):

1. Interviewer labels: Interviewer, I, Int, Onderzoeker, Interviewer 1, Q, V, Vraag, Moderator,
   and names declared in a header line `Interviewer: Jan Smit` (or `Interviewers: A, B en C`).
2. A label that is a code (`R12`, `R 12`, `Respondent 12`) gives that code.
3. Any other label (`Respondent`, `R`, `A`, a name) gives the file's code: the override passed in,
   else the header line, else the file name (`R12.docx`, `interview-R12.txt`). No code known
   means no code: the turn stays unattributed, never guessed.

`subtitles.py` feeds its cues through the same resolution (`build_document`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Document, IngestError, RawBlock, assemble
from .respondents import MENTION_RE, mention_code, normalize_code, parse_code
from .text import join_dutch

INTERVIEWER = "interviewer"
GUESS_PREFIX = "geraden:"  # starts the warning that names a guessed interviewer

# --------------------------------------------------------------------------- labels

# fmt: off
_INTERVIEWER_WORDS = {
    "interviewer", "interviewster", "i", "int", "onderzoeker", "onderzoekster", "q", "v", "vraag",
    "moderator", "gespreksleider",
}
# 'Interviewer 2', 'I1', 'Onderzoeker B'
_INTERVIEWER_NUMBERED_RE = re.compile(
    r"^(?:(?:interviewer|interviewster|onderzoeker|int|i)\s?\d{1,2}|(?:interviewer|interviewster|onderzoeker) [a-z])$"
)
_RESPONDENT_WORDS = {"respondent", "resp", "r", "a", "antwoord", "geïnterviewde", "geinterviewde"}
# Generic numbered speakers from transcription tools; they are names, not respondent codes.
_NUMBERED_NAME_WORDS = {"spreker", "speaker", "deelnemer", "persoon", "stem"}
# Diarized speakers of WhisperX/pyannote ('SPEAKER_00'): names, not codes.
_DIARIZED_RE = re.compile(r"^(?:speaker|spk|spreker)[_ -]?\d{1,3}$", re.IGNORECASE)
_TITLES = {
    "dhr", "dhr.", "mw", "mw.", "mevr", "mevr.", "mevrouw", "meneer", "mr", "mr.", "dr", "dr.", "drs",
    "drs.", "ir", "ir.", "ing", "ing.", "prof", "prof.",
}
# First words that make a capitalised phrase a place or a document part, not a person.
_NON_NAME_FIRST = {
    "gemeente", "gemeenten", "provincie", "regio", "stap", "fase", "optie", "scenario", "figuur", "tabel",
    "bijlage", "hoofdstuk", "paragraaf", "bron", "noot", "thema", "vraag", "punt", "casus", "deel",
}
_PARTICLES = {
    "van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "’t", "la", "le", "du", "di", "da", "von",
    "op", "in", "el", "al", "bin", "ben",
}
# Capitalised words that end in a colon in running text, captions or report prose but never name a
# speaker. Metadata keys are listed separately (`_META_KEYS`).
_NOT_SPEAKERS = {
    "kijk", "kortom", "dus", "maar", "en", "want", "ofwel", "oftewel", "namelijk", "bijvoorbeeld",
    "voorbeeld", "conclusie", "samenvatting", "let op", "noot", "opmerking", "toelichting", "stelling",
    "punt", "ten eerste", "ten tweede", "ten derde", "eerlijk gezegd", "nou", "ja", "nee", "oké", "oke",
    "tip", "advies", "resultaat", "probleem", "oplossing", "doel", "vraagstuk", "let wel", "figuur",
    "tabel", "bijlage", "hoofdstuk", "paragraaf", "zie", "pauze", "einde", "note", "citaat", "quote",
    "muziek", "gelach", "lacht", "stilte", "onverstaanbaar", "applaus", "geluid", "inaudible",
    "music", "laughter", "crosstalk", "kern", "wat", "waarom", "hoe",
    # Dutch function words that start a sentence with a colon in it ("Daarom: ...").
    "in", "op", "met", "voor", "over", "bij", "als", "dat", "die", "dit", "het", "de", "een", "wij", "ik",
    "we", "zij", "ze", "je", "jij", "u", "er", "zo", "toen", "daarna", "nu", "hier", "daar", "ook", "of",
    "om", "tot", "na", "vanuit", "welke", "wie", "waar", "wanneer", "daarom", "dan", "eerst", "later",
    "vervolgens", "tja", "goed", "prima", "precies", "klopt", "inderdaad", "zeker", "nogmaals", "overigens",
    "verder", "ten slotte", "tot slot", "uiteindelijk", "samengevat", "anders gezegd", "met andere woorden",
}
_RESPONDENT_KEYS = {
    "respondent", "respondentcode", "respondentnummer", "respondent code", "respondent nr",
    "respondentnr", "code respondent", "code", "geïnterviewde", "geinterviewde",
}
_INTERVIEWER_KEYS = {
    "interviewer", "interviewers", "interviewster", "onderzoeker", "onderzoekers", "afgenomen door",
    "gespreksleider", "interview door",
}
_META_KEYS = {
    "datum", "tijd", "locatie", "plaats", "duur", "organisatie", "gemeente", "functie", "titel", "project",
    "transcriptie", "getranscribeerd door", "transcribent", "opname", "bron", "onderwerp", "type", "versie",
    "status", "aanwezig", "aanwezigen", "deelnemers", "context", "setting", "lengte", "taal", "notulist",
    "rol", "afdeling", "sector", "vorm", "kenmerk", "bestand",
}
_HEADING_KEYS = {"thema", "topic"}
# fmt: on

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LEAD_TS_RE = re.compile(rf"^(?:\[({_TS})\]|\(({_TS})\)|({_TS})(?=\s))\s*(?:[-–|]\s*)?")
_BARE_TS_RE = re.compile(rf"^[\[(]?({_TS})[\])]?$")
# A cue time range on its own line, as older Teams Word exports write it ('0:0:3.620 --> 0:0:7.80').
_LOOSE_TS = r"\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,3})?"
_RANGE_RE = re.compile(rf"^({_LOOSE_TS})\s*-->\s*{_LOOSE_TS}$")
_LABEL_RE = re.compile(
    rf"""^(?:\*\*|__|\*|_)?
    (?P<label>[^\W\d_][\w.'’\- ]{{0,44}}?)
    (?:\s*\((?P<paren>[^()\d:]{{1,40}})\))?
    (?:\s*(?:\[(?P<ts1>{_TS})\]|\((?P<ts2>{_TS})\)|(?P<ts3>{_TS})))?
    \s*(?:\*\*|__|\*|_)?\s*:(?!//)(?:\s*(?:\*\*|__|\*|_)(?=\s|$))?\s*
    (?:(?:\[(?P<ts4>{_TS})\]|\((?P<ts5>{_TS})\))\s*)?
    (?P<rest>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# `Key: value`, `**Key:** value`, or a `Key<TAB>value` row of a metadata table in a .docx.
_KEY_VALUE_RE = re.compile(
    r"^(?:\*\*|__)?(?P<key>[^\W\d_][\w .]{0,30}?)(?:\*\*|__)?[ ]*(?::|\t)\s*(?:\*\*|__)?\s*(?P<value>.*)$"
)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|/|&|\ben\b)\s*")


@dataclass(frozen=True)
class Label:
    """A parsed speaker label. `key` identifies the speaker; `label` is the label as written."""

    label: str
    key: str
    role: Literal["interviewer", "code", "respondent", "name"]
    code: str | None = None


def normalize_time(value: str) -> str:
    """'1:02' (mm:ss), '12:34', '1:02:03.5' -> 'hh:mm:ss' so all sources show one format."""
    parts = re.split(r"[.,]", value, maxsplit=1)[0].split(":")
    nums = [int(p) for p in parts]
    if len(nums) == 2:
        nums = [0, *nums]
    h, m, s = nums
    return f"{h:02d}:{m:02d}:{s:02d}"


def _clean_label(label: str) -> str:
    return " ".join(label.replace("**", "").replace("__", "").split()).strip(" -")


def _is_name(label: str) -> bool:
    """A person's name or a tool's numbered speaker: 'Jan Smit', 'mw. A. de Vries', 'Spreker 2'."""
    tokens = label.split()
    while tokens and tokens[0].lower() in _TITLES:
        tokens = tokens[1:]
    if not tokens or len(tokens) > 4 or len(label) > 40:
        return False
    first = tokens[0]
    if not first[0].isalpha() or not first[0].isupper() or first.lower() in _NON_NAME_FIRST:
        return False
    numbered = first.lower() in _NUMBERED_NAME_WORDS
    for tok in tokens[1:]:
        if tok[0].isupper() or tok.lower() in _PARTICLES or re.fullmatch(r"[A-Z]\.", tok):
            continue
        if numbered and tok.isdigit():
            continue
        return False
    return all(re.fullmatch(r"[^\W\d_]+(?:[.'’\-][^\W\d_]*)*\.?|\d{1,2}|'t|’t", t) for t in tokens)


def classify_label(raw: str) -> Label | None:
    """What a speaker label means, or None when the text before the colon is not a speaker."""
    label = _clean_label(raw)
    if not label:
        return None
    key = label.lower().rstrip(".").strip()
    if key in _NOT_SPEAKERS or key in _META_KEYS or key in _HEADING_KEYS:
        return None
    if key in _INTERVIEWER_WORDS or _INTERVIEWER_NUMBERED_RE.match(key):
        return Label(label, key, "interviewer")
    code = parse_code(label)
    if code:
        return Label(label, code.lower(), "code", code)
    if key in _RESPONDENT_WORDS:
        return Label(label, key, "respondent")
    if _DIARIZED_RE.match(label) or _is_name(label):
        return Label(label, key, "name")
    return None


@dataclass(frozen=True)
class LabelledLine:
    """A line that starts a turn: its label, the timestamp if any, and the spoken text after it."""

    label: Label
    display: str
    time: str | None
    text: str


def split_label(line: str) -> LabelledLine | None:
    """Parse `[00:12:34] Interviewer: text`, `**R12:** text`, `Jan Smit (00:01:02): text`, ..."""
    s = line.strip()
    time = None
    m = _LEAD_TS_RE.match(s)
    if m:
        time = next(g for g in m.groups() if g)
        s = s[m.end() :]
    m = _LABEL_RE.match(s)
    if not m:
        return None
    lab = classify_label(m.group("label"))
    if lab is None:
        return None
    time = time or next((m.group(g) for g in ("ts1", "ts2", "ts3", "ts4", "ts5") if m.group(g)), None)
    display = lab.label + (f" ({m.group('paren').strip()})" if m.group("paren") else "")
    rest = m.group("rest").strip()
    rest = re.sub(r"^(?:\*\*|__)\s*", "", rest)
    return LabelledLine(lab, display, normalize_time(time) if time else None, rest)


# A line with only a speaker and a time, the text following on the next lines (Teams and Zoom
# Word exports): 'Jan Smit   0:03', 'Jan Smit | 00:01:02', '[00:01:02] Jan Smit'.
_SPEAKER_TIME_RE = re.compile(
    rf"""^(?:(?P<name1>[^\W\d_][\w.'’\- ]{{0,44}}?)\s*(?:[-–|,]\s*)?[\[(]?(?P<ts1>{_TS})[\])]?
    |[\[(]?(?P<ts2>{_TS})[\])]?\s*(?:[-–|]\s*)?(?P<name2>[^\W\d_][\w.'’\- ]{{0,44}}?))\s*$""",
    re.VERBOSE,
)


def split_speaker_line(line: str) -> LabelledLine | None:
    """`Jan Smit   0:03` (a speaker and a time alone on a line): a turn whose text follows below."""
    m = _SPEAKER_TIME_RE.match(line.strip())
    if not m:
        return None
    name = (m.group("name1") or m.group("name2") or "").strip()
    time = m.group("ts1") or m.group("ts2")
    lab = classify_label(name)
    if lab is None:
        return None
    return LabelledLine(lab, lab.label, normalize_time(time), "")


def split_table_row(line: str) -> LabelledLine | None:
    """A transcript kept as a table in Word: `I<TAB>text`, `00:01:02<TAB>R12<TAB>text` or
    `00:01:02<TAB>Jan Smit<TAB>text` (also with speaker and time swapped).

    A name counts as a speaker only in a row with a timestamp cell: a name in the first cell of a
    table row without one is too often a place or an organisation in a report table.
    """
    cells = [c.strip() for c in line.split("\t")]
    time = None
    if len(cells) >= 3:
        for i in (0, 1):
            tm = _BARE_TS_RE.match(cells[i])
            if tm:
                time = normalize_time(tm.group(1))
                cells = cells[:i] + cells[i + 1 :]
                break
    if len(cells) < 2:
        return None
    lab = classify_label(cells[0].rstrip(":"))
    if lab is None or (lab.role == "name" and time is None):
        return None
    return LabelledLine(lab, lab.label, time, " ".join(c for c in cells[1:] if c))


_TABLE_HEADS = {
    "time": {"tijd", "tijdstip", "tijdcode", "time", "timestamp", "start", "begin"},
    "speaker": {"spreker", "speaker", "naam", "name", "wie", "persoon", "deelnemer"},
    "text": {"tekst", "text", "transcript", "transcriptie", "inhoud", "uitspraak", "gezegd"},
}


def table_header(line: str) -> dict[str, int] | None:
    """Column positions {'speaker': i, 'text': j, 'time': k?} of a transcript table's header row
    ('Tijd<TAB>Spreker<TAB>Tekst'), or None when the row is no such header."""
    cells = [" ".join(c.split()).casefold().rstrip(":") for c in line.split("\t")]
    cols: dict[str, int] = {}
    for i, cell in enumerate(cells):
        for role, words in _TABLE_HEADS.items():
            if cell in words and role not in cols:
                cols[role] = i
    return cols if "speaker" in cols and "text" in cols else None


def split_header_row(line: str, cols: dict[str, int]) -> LabelledLine | None:
    """A row of a table whose header named the columns: any speaker label counts, names too."""
    cells = [c.strip() for c in line.split("\t")]
    if len(cells) <= max(cols.values()):
        return None
    lab = classify_label(cells[cols["speaker"]].rstrip(":"))
    text = cells[cols["text"]]
    if lab is None or not text:
        return None
    tm = _BARE_TS_RE.match(cells[cols["time"]]) if "time" in cols else None
    return LabelledLine(lab, lab.label, normalize_time(tm.group(1)) if tm else None, text)


# --------------------------------------------------------------------------- header


@dataclass
class Header:
    """What the lines before the first turn say about the interview."""

    code: str | None = None
    interviewers: set[str] = field(default_factory=set)  # label keys
    respondent_names: set[str] = field(default_factory=set)


def _name_like(value: str, used_keys: set[str]) -> bool:
    value = _clean_label(value)
    if not value or not _is_name(value):
        return False
    return len(value.split()) >= 2 or value.lower() in used_keys


def _header_line(line: str, used_keys: set[str], header: Header) -> bool:
    """If `line` is a header line, record what it says in `header` and return True."""
    m = _KEY_VALUE_RE.match(line.strip())
    if not m:
        return False
    key = " ".join(m.group("key").lower().split()).rstrip(".")
    value = m.group("value").strip().strip("*_").strip()
    if key in _META_KEYS or key.split()[0] in _META_KEYS:
        return True
    if key in _RESPONDENT_KEYS:
        cm = MENTION_RE.search(value)
        code = mention_code(cm) if cm else None
        bare = value if re.fullmatch(r"\d{1,3}", value) and key != "respondent" else None
        if code is None and bare:
            code = normalize_code(bare)
        starts_with_code = cm is not None and cm.start() == 0
        in_brackets = cm is not None and re.search(rf"[(\[]\s*{re.escape(cm.group(0))}\s*[)\]]", value)
        if code and (key != "respondent" or starts_with_code or in_brackets or bare):
            if header.code is None:
                header.code = code
            # 'Henk de Wit (R33), gemeentesecretaris' or 'R33 – Henk de Wit'
            around = value[: cm.start()] if cm and cm.start() > 0 else value[cm.end() :] if cm else ""
            name = _clean_label(around.split(",")[0].strip(" ()[]–-"))
            if name and _is_name(name):
                header.respondent_names.add(name.lower())
            return True
        if key != "code" and _name_like(value, used_keys):
            header.respondent_names.add(_clean_label(value).lower())
            return True
        return False
    if key in _INTERVIEWER_KEYS:
        names = [n for n in _NAME_SPLIT_RE.split(value) if n.strip()]
        if names and all(_name_like(n, used_keys) or (len(names) > 1 and _is_name(_clean_label(n))) for n in names):
            header.interviewers.update(_clean_label(n).lower() for n in names)
            return True
    return False


# --------------------------------------------------------------------------- line classification


@dataclass
class _Line:
    kind: Literal["blank", "heading", "header", "time", "turn", "text", "frontmatter"]
    raw: str
    level: int = 0
    title: str = ""
    turn: LabelledLine | None = None
    time: str | None = None


def _heading(line: str) -> tuple[int, str, str] | None:
    """(level, block text, title) for `## ICT` or `Thema: ICT`, else None."""
    s = line.strip()
    m = _MD_HEADING_RE.match(s)
    if m:
        title = m.group(2).strip().strip("*_").strip()
        return (len(m.group(1)), title, title) if title else None
    m = _KEY_VALUE_RE.match(s)
    if m and m.group("key").strip().lower() in _HEADING_KEYS and m.group("value").strip():
        text = _clean_label(s)
        return 2, text, m.group("value").strip().strip("*_").strip()
    return None


def _last_kind(lines: list[_Line]) -> str:
    return next((ln.kind for ln in reversed(lines) if ln.kind != "blank"), "")


def _name_line(line: str) -> LabelledLine | None:
    """A speaker's name alone on a line (right after a time line): a turn whose text follows below."""
    if len(line) > 45 or line[-1:] in ".?!:;,":
        return None
    lab = classify_label(line)
    return LabelledLine(lab, lab.label, None, "") if lab is not None else None


def _classify(text: str, known_labels: Iterable[str] = ()) -> tuple[list[_Line], Header]:
    """Classify every line; a two-pass job because header lines and stray labels need the full view.

    `known_labels` are label keys used elsewhere (subtitle cues), so `Interviewer: Eva` in a header
    counts as a declaration when `Eva` speaks.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[_Line] = []
    i = 0
    if lines and lines[0].strip() == "---":  # markdown front matter
        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                out.extend(_Line("frontmatter", fm) for fm in lines[: j + 1])
                i = j + 1
                break
    columns: dict[str, int] | None = None  # the header of the transcript table being read
    for raw in lines[i:]:
        s = raw.strip()
        if not s or re.fullmatch(r"[-*_]{3,}", s):  # blank line or markdown rule
            out.append(_Line("blank", raw))
            columns = None  # a table is one block: a blank line ends it
            continue
        if "\t" in s:
            head = table_header(s)
            if head is not None:
                columns = head
                out.append(_Line("blank", raw))  # the header row is layout, not content
                continue
            row = split_header_row(s, columns) if columns is not None else None
            if row is not None:
                out.append(_Line("turn", raw, turn=row))
                continue
        h = _heading(s)
        if h:
            out.append(_Line("heading", h[1], level=h[0], title=h[2]))  # raw = text without '#'
            continue
        bm = _BARE_TS_RE.match(s) or _RANGE_RE.match(s)
        if bm:
            out.append(_Line("time", raw, time=normalize_time(bm.group(1))))
            continue
        t = split_label(s) or (split_table_row(s) if "\t" in s else None) or split_speaker_line(s)
        if t is None and out and _last_kind(out) == "time":
            t = _name_line(s)  # '0:0:3.6 --> 0:0:7.8' then 'Jan Smit' on the next line
        out.append(_Line("turn", raw, turn=t) if t else _Line("text", raw))

    used: defaultdict[str, int] = defaultdict(int)
    for key in known_labels:
        used[key] += 2
    for ln in out:
        if ln.turn:
            used[ln.turn.label.key] += 1

    # Header: front matter and the lines before the first real turn.
    header = Header()
    for ln in out:
        if ln.kind == "frontmatter" and ":" in ln.raw:
            _header_line(ln.raw, set(used), header)
    for ln in out:
        if ln.kind in ("blank", "heading", "time", "frontmatter"):
            continue
        if _header_line(ln.raw, set(used), header):
            if ln.turn:
                used[ln.turn.label.key] -= 1
            ln.kind, ln.turn = "header", None
            continue
        if ln.kind == "turn":
            break

    # A one-word name label seen only once among recurring speakers is prose ("Kijk: ..."), not a speaker.
    turns = [ln for ln in out if ln.kind == "turn" and ln.turn]
    recurring = sum(1 for n in used.values() if n > 1)
    for ln in turns:
        lab = ln.turn.label if ln.turn else None
        if (
            lab
            and lab.role == "name"
            and used[lab.key] == 1
            and " " not in lab.key
            and lab.key not in header.interviewers
            and lab.key not in header.respondent_names
            and recurring >= 2
            and len(turns) >= 6
        ):
            ln.kind, ln.turn = "text", None
    return out, header


def file_code(name: str) -> str | None:
    """Respondent code in a file name: 'R12.docx', 'interview-R12.txt', 'respondent_12.vtt'."""
    stem = re.split(r"[\\/]", name)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    m = MENTION_RE.search(stem)
    return mention_code(m) if m else None


def header_info(text: str, known_labels: Iterable[str] = ()) -> Header:
    """The header of a transcript text (code, interviewer names), without parsing the turns."""
    return _classify(text, known_labels)[1]


# --------------------------------------------------------------------------- public API


def is_transcript(text: str) -> bool:
    """True when speaker-turn lines make up most of the content lines (headers and headings aside).

    Transcripts with multi-paragraph answers have many unlabelled lines, so a long text with at
    least 8 turns passes at one third.
    """
    return _mostly_turns(_classify(text)[0])


def _mostly_turns(lines: list[_Line]) -> bool:
    content = [ln for ln in lines if ln.kind in ("turn", "text")]
    turns = sum(1 for ln in content if ln.kind == "turn")
    if turns < 2 or not content:
        return False
    # The first text line under a bare speaker line ('Jan Smit   0:03') is that turn's text.
    spoken = sum(
        1
        for prev, ln in zip(content, content[1:], strict=False)
        if ln.kind == "text" and prev.turn is not None and not prev.turn.text
    )
    share = (turns + spoken) / len(content)
    return share >= 0.5 or (turns >= 8 and share >= 1 / 3)


def respondent_from(name: str, text: str) -> str | None:
    """The file's respondent code: a header line (`Respondent: R12`) first, then the file name."""
    return header_info(text).code or file_code(name)


@dataclass
class Segment:
    """One unit before speaker resolution: a turn (label set), a heading or a paragraph.

    Shared by text transcripts and subtitles so both resolve speakers in exactly the same way.
    """

    kind: Literal["turn", "heading", "paragraph"]
    text: str
    label: LabelledLine | None = None
    level: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def _join_lines(lines: Sequence[str]) -> str:
    text = "\n".join(ln.rstrip() for ln in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _segments(lines: list[_Line]) -> list[Segment]:
    segs: list[Segment] = []
    buf: list[str] = []
    cur: LabelledLine | None = None
    cur_kind: Literal["turn", "paragraph"] = "paragraph"
    cur_header = False
    pending_time: str | None = None
    seen_turn = False

    def flush() -> None:
        nonlocal buf, cur
        text = _join_lines(buf)
        if text:
            # Text before the first turn is a title or metadata: kept in the document, not indexed.
            meta: dict[str, Any] = {}
            if cur_header:
                meta["header"] = True
            elif cur_kind == "paragraph" and not seen_turn:
                meta["intro"] = True
            segs.append(Segment(cur_kind, text, cur if cur_kind == "turn" else None, meta=meta))
        buf, cur = [], None

    for ln in lines:
        if ln.kind == "frontmatter":
            continue
        if ln.kind == "heading":
            flush()
            cur_kind, cur_header = "paragraph", False
            segs.append(Segment("heading", ln.raw, level=ln.level, meta={"title": ln.title}))
            continue
        if ln.kind == "time":
            pending_time = ln.time
            continue
        if ln.kind == "turn" and ln.turn:
            flush()
            seen_turn = True
            t = ln.turn
            if t.time is None and pending_time:
                t = LabelledLine(t.label, t.display, pending_time, t.text)
            pending_time = None
            cur, cur_kind, cur_header = t, "turn", False
            buf = [t.text]
            continue
        if ln.kind == "header":
            if cur_kind != "paragraph" or not cur_header:
                flush()
                cur_kind, cur_header = "paragraph", True
            buf.append(ln.raw.strip())
            continue
        if ln.kind == "blank":
            if cur_kind == "paragraph" and cur_header:
                continue  # header lines separated by blank lines (e.g. from .docx) stay one block
            if cur_kind == "paragraph" and not seen_turn:
                flush()  # intro paragraphs stay separate blocks
            else:
                buf.append("")
            continue
        # plain text: continues the current turn, or forms an intro paragraph
        if cur_kind == "paragraph" and cur_header:
            flush()
            cur_header = False
        buf.append(ln.raw.strip())
    flush()
    return segs


@dataclass(frozen=True)
class SpeakerOverrides:
    """What the user says about the speakers (`citaat ingest --interviewer NAME --speaker NAME=R12`).

    Names match a speaker label case-insensitively ('jan smit', 'SPEAKER_00'). They beat every
    rule below: an override is never a guess.
    """

    interviewers: tuple[str, ...] = ()
    speakers: tuple[tuple[str, str], ...] = ()  # (name, respondent code)

    def __post_init__(self) -> None:
        codes: list[tuple[str, str]] = []
        for name, value in self.speakers:
            code = normalize_code(value)
            if code is None or not name.strip():
                raise IngestError(
                    "--speaker", f"{name}={value} is geen geldige koppeling", "gebruik --speaker 'Naam=R12'"
                )
            codes.append((override_key(name), code))
        object.__setattr__(self, "speakers", tuple(codes))
        object.__setattr__(self, "interviewers", tuple(override_key(n) for n in self.interviewers if n.strip()))

    def code_for(self, lab: LabelledLine) -> str | None:
        keys = {override_key(lab.label.label), override_key(lab.display), lab.label.key}
        return next((code for name, code in self.speakers if name in keys), None)

    def is_interviewer(self, lab: LabelledLine) -> bool:
        keys = {override_key(lab.label.label), override_key(lab.display), lab.label.key}
        return any(name in keys for name in self.interviewers)


def override_key(name: str) -> str:
    """How a --speaker / --interviewer name is compared with a speaker label."""
    return _clean_label(name).casefold().rstrip(".")


def parse_speaker_option(value: str) -> tuple[str, str]:
    """'Jan Smit=R12' -> ('Jan Smit', 'R12'); IngestError for anything else."""
    name, sep, code = value.rpartition("=")
    norm = normalize_code(code.strip()) if sep else None
    if not name.strip() or norm is None:
        raise IngestError("--speaker", f"{value!r} is geen koppeling NAAM=CODE", "bv. --speaker 'Jan Smit=R12'")
    return name.strip(), norm


def _questions(text: str) -> int:
    return text.count("?")


def guess_interviewer(segments: Sequence[Segment], header: Header, overrides: SpeakerOverrides) -> str | None:
    """The label key of the speaker who asks the questions, when nobody is marked as interviewer.

    Only named speakers (names, 'SPEAKER_00') without an override are candidates, and only when
    there are at least two of them (or one, when --speaker mapped the others) and no turn is an
    interviewer by label, header or override. The one whose turns hold
    the most question marks wins, and must ask more than any other speaker and in at least a third
    of its turns; otherwise there is no guess.
    """
    labels = [s.label for s in segments if s.kind == "turn" and s.label is not None]
    if any(
        ll.label.role == "interviewer" or ll.label.key in header.interviewers or overrides.is_interviewer(ll)
        for ll in labels
    ):
        return None
    named = [ll for ll in labels if ll.label.role == "name" and overrides.code_for(ll) is None]
    keys = list(dict.fromkeys(ll.label.key for ll in named))
    mapped = any(overrides.code_for(ll) for ll in labels)  # --speaker gave the respondents
    if len(keys) < (1 if mapped else 2):
        return None
    asks: dict[str, int] = defaultdict(int)
    turns: dict[str, int] = defaultdict(int)
    asking_turns: dict[str, int] = defaultdict(int)
    for seg in segments:
        if seg.kind == "turn" and seg.label is not None and seg.label.label.key in keys:
            k = seg.label.label.key
            turns[k] += 1
            asks[k] += _questions(seg.text)
            asking_turns[k] += 1 if "?" in seg.text else 0
    ranked = sorted(keys, key=lambda k: (asking_turns[k], asks[k]), reverse=True)
    best = ranked[0]
    if asking_turns[best] == 0 or (len(ranked) > 1 and asking_turns[best] <= asking_turns[ranked[1]]):
        return None
    if asking_turns[best] * 3 < turns[best]:
        return None
    return best


def build_document(
    name: str,
    segments: Iterable[Segment],
    *,
    header: Header,
    respondent: str | None = None,
    warnings: Sequence[str] = (),
    overrides: SpeakerOverrides | None = None,
) -> Document:
    """Resolve every turn's speaker and assemble the Document (shared by text, subtitles and JSON).

    Order: an override (`--speaker`, `--interviewer`), an interviewer label or header line, a code
    label, then the file's code for everyone else; when nobody is marked as interviewer, the named
    speaker who asks the questions is taken to be the interviewer (`guess_interviewer`), and the
    document's warnings say so.
    """
    overrides = overrides or SpeakerOverrides()
    segments = list(segments)
    override = None
    if respondent is not None and respondent.strip():
        override = normalize_code(respondent)
        if override is None:
            raise IngestError(name, f"--respondent {respondent!r} is geen respondentcode", "gebruik een code zoals R12")
    code = override or header.code or file_code(name)
    code_from = "--respondent" if override else "de kopregel" if header.code else "de bestandsnaam" if code else ""
    guessed = guess_interviewer(segments, header, overrides)
    warns = list(warnings)
    names_by_code: dict[str, set[str]] = defaultdict(set)
    label_codes: list[str] = []
    unattributed = 0
    raw: list[RawBlock] = []
    n_turns = 0
    guessed_label = ""
    asked = total = 0
    for seg in segments:
        if seg.kind != "turn" or seg.label is None:
            raw.append(RawBlock(seg.kind, seg.text, level=seg.level, meta=dict(seg.meta)))
            continue
        lab = seg.label.label
        speaker: str | None
        forced = overrides.code_for(seg.label)
        if forced:
            speaker = forced
        elif overrides.is_interviewer(seg.label) or lab.role == "interviewer" or lab.key in header.interviewers:
            speaker = INTERVIEWER
        elif guessed is not None and lab.key == guessed:
            speaker = INTERVIEWER
            guessed_label = lab.label
            total += 1
            asked += 1 if "?" in seg.text else 0
        elif lab.role == "code":
            speaker = lab.code
            if lab.code and lab.code not in label_codes:
                label_codes.append(lab.code)
        else:
            speaker = code
            if speaker is None:
                unattributed += 1
            elif lab.role == "name":
                names_by_code[speaker].add(seg.label.label.label)
        meta: dict[str, Any] = {"label": seg.label.display}
        if seg.label.time:
            meta["time"] = seg.label.time
        meta.update(seg.meta)
        raw.append(RawBlock("turn", seg.text, speaker=speaker, meta=meta))
        n_turns += 1
    if n_turns == 0:
        raise IngestError(
            name, "geen sprekersbeurten gevonden (verwacht regels zoals 'Interviewer: ...' en 'R12: ...')"
        )
    if not any(rb.kind == "turn" and rb.speaker != INTERVIEWER for rb in raw):
        warns.append("alleen beurten van de interviewer gevonden; geen antwoorden van respondenten om te indexeren")
    if guessed_label:
        others = sorted({n for names in names_by_code.values() for n in names})
        mapped = f"; {join_dutch(others)} → {code} (code uit {code_from})" if others and code else ""
        warns.append(
            f"{GUESS_PREFIX} {guessed_label} is de interviewer (vraagt in {asked} van {total} beurten){mapped}; "
            "klopt dat niet, geef --interviewer NAAM of --speaker NAAM=R12"
        )
    for c, names in sorted(names_by_code.items()):
        if len(names) > 1:
            warns.append(
                f"sprekers {', '.join(sorted(names))} worden allemaal aan {c} toegeschreven; noem de interviewer "
                "in een kopregel 'Interviewer: <naam>' of geef --interviewer NAAM / --speaker NAAM=R12"
            )
    if code:
        for lc in label_codes:
            if lc != code:
                warns.append(f"beurten met label {lc} houden die code, hoewel de respondent van het bestand {code} is")
    if unattributed:
        warns.append(
            f"geen respondentcode voor {unattributed} antwoord(en); voeg een kopregel 'Respondent: R12' toe, "
            "zet de code in de bestandsnaam of geef --respondent of --speaker NAAM=R12"
        )
    doc_code = code or (label_codes[0] if len(label_codes) == 1 else None)
    forced_codes = list(dict.fromkeys(c for _, c in overrides.speakers))
    if doc_code is None and len(forced_codes) == 1 and any(rb.speaker == forced_codes[0] for rb in raw):
        doc_code = forced_codes[0]
    return assemble(name, raw, source_kind="transcript", respondent=doc_code, warnings=tuple(warns))


def parse_turns(
    text: str, name: str, respondent: str | None = None, overrides: SpeakerOverrides | None = None
) -> Document:
    """Parse a transcript text into heading and turn blocks; raises IngestError if it has no turns.

    `respondent` (the command line's --respondent) beats the header line, which beats the file name.
    """
    lines, header = _classify(text)
    return build_document(name, _segments(lines), header=header, respondent=respondent, overrides=overrides)


def read_transcript(
    text: str, name: str, respondent: str | None = None, overrides: SpeakerOverrides | None = None
) -> Document | None:
    """`parse_turns` when the text is a transcript (`is_transcript`), else None; the lines are classified once."""
    lines, header = _classify(text)
    if not _mostly_turns(lines):
        return None
    return build_document(name, _segments(lines), header=header, respondent=respondent, overrides=overrides)
