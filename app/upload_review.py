"""Uploads the page can finish: who is who in each uploaded file, shown before anything is indexed,
corrected on the page and confirmed.

    reviews = review_uploads(stored, DIR, limits)       # child process with a timeout, like parsing
    rows = speaker_rows(reviews)                         # the page's table: file, speaker, turns, role
    fixes = read_corrections(edited_rows, reviews)       # the user's roles -> --interviewer / --speaker
    outcome = ingest_uploads(paths, DIR, limits, fixes.to_env())

A file whose text is already in the index, under any name, is reported as "zelfde inhoud als …":
the same bytes as an indexed file (sources.json keeps every file's SHA-256), or the same chunk
texts as an indexed document (a re-saved or renamed copy). The page then offers to skip it or to
replace the indexed one (`Corrections.drop`).

Every warning the page shows says what to do on the page (`page_hint`): the loaders' hints name the
command-line options, which a web page cannot carry out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from citaat.ingest.errors import CitaatError
from citaat.ingest.fsio import sha256_file
from citaat.ingest.respondents import normalize_code
from citaat.ingest.store import StoreError, read_chunks, read_sources
from citaat.ingest.text import squash_spaces

from .upload import UploadLimits, _run_child

INTERVIEWER = "interviewer"
# The page's words for a role in the "Rol of code" column.
ROLE_HELP = "interviewer, een respondentcode zoals R12, of leeg (niet indexeren als respondent)"
REVIEW_HEADERS = ["Bestand", "Spreker", "Rol of code", "Beurten", "Eerste woorden"]
ROLE_COLUMN = 2  # the one column the user edits
PAGE_ACTION = (
    "pas zo nodig de kolom ‘Rol of code’ in de tabel ‘Wie is wie’ aan en klik op ‘Bevestigen en toevoegen’"
)
# The loaders' command-line advice, replaced by what to do on the page.
_CLI_HINT_RE = re.compile(
    r"(?:;\s*)?(?:klopt dat niet, geef --interviewer[^;]*|noem de interviewer in een kopregel[^;]*|"
    r"voeg een kopregel 'Respondent: R12' toe[^;]*)$"
)


@dataclass(frozen=True)
class Speaker:
    """One speaker label of an uploaded transcript: how many turns, the first words, and the role
    the parser gave it ("interviewer", a respondent code, or "" for an answer without a code)."""

    label: str
    turns: int
    sample: str
    role: str


@dataclass(frozen=True)
class FileReview:
    """One stored upload after parsing: a transcript (with its speakers), a report, or an error."""

    name: str
    path: str
    kind: str  # "transcript" | "report" | "failed"
    respondent: str | None = None
    speakers: tuple[Speaker, ...] = ()
    warnings: tuple[str, ...] = ()
    duplicate_of: str | None = None
    error: str | None = None

    @property
    def summary(self) -> str:
        """One Dutch line for the page: who is who, or why the file cannot be read."""
        if self.error:
            return f"{self.name}: {page_hint(self.error)}"
        if self.kind == "report":
            return f"{self.name}: rapport (geen sprekers)"
        asks = [s.label for s in self.speakers if s.role == INTERVIEWER]
        answers = [f"{s.label} → {s.role}" for s in self.speakers if s.role and s.role != INTERVIEWER]
        who = f"interviewer: {', '.join(asks) or 'niet gevonden'}; respondenten: {', '.join(answers) or 'geen'}"
        return f"{self.name}: {who}"


    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "speakers": [asdict(sp) for sp in self.speakers]}


def review_from_dict(d: dict[str, Any]) -> FileReview:
    """The inverse of `FileReview.to_dict` (the page keeps reviews in its state as plain data)."""
    return FileReview(
        d["name"], d["path"], d["kind"], d.get("respondent"),
        tuple(Speaker(**sp) for sp in d.get("speakers", ())), tuple(d.get("warnings", ())),
        d.get("duplicate_of"), d.get("error"),
    )


def forget_uploads(reviews: Sequence[FileReview], data_dir: Path | None) -> None:
    """Remove the stored copies of reviewed files that are not in the index (skipped or cancelled);
    a copy that sources.json points at is an indexed document and stays."""
    if data_dir is None:
        return
    try:
        indexed = {str(info.get("path")) for info in read_sources(data_dir).values()}
    except (StoreError, CitaatError):
        return
    for r in reviews:
        path = Path(r.path)
        if str(path.resolve()) not in indexed:
            path.unlink(missing_ok=True)


def upload_selection(reviews: Sequence[FileReview], replace: Sequence[str]) -> tuple[list[Path], list[str]]:
    """(paths to ingest, one Dutch line per skipped duplicate): a file whose content is already
    indexed goes in only when the user chose to replace the indexed version."""
    paths: list[Path] = []
    skipped: list[FileReview] = []
    for r in reviews:
        if r.error:
            continue
        if r.duplicate_of and r.name not in replace:
            skipped.append(r)
        else:
            paths.append(Path(r.path))
    return paths, [f"{r.name}: overgeslagen (zelfde inhoud als {r.duplicate_of})" for r in skipped]


@dataclass(frozen=True)
class Corrections:
    """What the page passes to the ingest: interviewer labels, (label, code) pairs, documents to drop."""

    interviewers: tuple[str, ...] = ()
    speakers: tuple[tuple[str, str], ...] = ()
    drop: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=(), compare=False)

    def to_env(self) -> str:
        return json.dumps({
            "interviewers": list(self.interviewers),
            "speakers": [list(p) for p in self.speakers],
            "drop": list(self.drop),
        })


def page_hint(text: str) -> str:
    """A loader's warning with its command-line advice replaced by what to do on this page."""
    stripped = _CLI_HINT_RE.sub("", text.strip()).rstrip("; ")
    return f"{stripped}; {PAGE_ACTION}" if stripped != text.strip() else text


def chunk_signature(texts: Sequence[str]) -> str:
    """What 'the same text' means: the chunk texts, whitespace squashed, as a sorted multiset."""
    return json.dumps(sorted(squash_spaces(t) for t in texts), ensure_ascii=False)


def indexed_content(data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(file SHA-256 -> document name, chunk signature -> document name) of the index in `data_dir`."""
    try:
        sources = read_sources(data_dir)
        chunks = read_chunks(data_dir) if (data_dir / "chunks.jsonl").is_file() else []
    except (StoreError, CitaatError):
        return {}, {}
    by_hash = {str(info.get("sha256")): name for name, info in sources.items() if info.get("sha256")}
    texts: dict[str, list[str]] = {}
    for c in chunks:
        texts.setdefault(c.doc, []).append(c.text)
    return by_hash, {chunk_signature(t): name for name, t in texts.items()}


def review_file(path: Path, by_hash: dict[str, str], by_text: dict[str, str]) -> FileReview:
    """Parse one stored upload as `citaat ingest` would (no overrides) and describe it."""
    from citaat.ingest.loaders import load
    from citaat.ingest.model import IngestError
    from citaat.ingest.pipeline import IngestConfig, chunk_document

    try:
        doc = load(path)
        chunks = chunk_document(doc, IngestConfig(progress=False))
    except IngestError as exc:
        return FileReview(path.name, str(path), "failed", error=exc.explanation)
    except Exception as exc:  # noqa: BLE001 - a broken file is reported, never raised into the page
        return FileReview(path.name, str(path), "failed", error=f"onverwachte fout: {exc!r}"[:200])
    same = by_hash.get(sha256_file(path)) or by_text.get(chunk_signature([c.text for c in chunks]))
    turns = [b for b in doc.blocks if b.kind == "turn"]
    counts = Counter(str(b.meta.get("label") or b.speaker) for b in turns)
    speakers: list[Speaker] = []
    for label in counts:
        first = next(b for b in turns if str(b.meta.get("label") or b.speaker) == label)
        role = first.speaker or ""
        speakers.append(Speaker(label, counts[label], " ".join(first.text.split()[:12]), role))
    return FileReview(
        path.name,
        str(path),
        doc.source_kind,
        doc.respondent,
        tuple(speakers),
        tuple(page_hint(w) for w in doc.warnings),
        same,
    )


def review_uploads(paths: Sequence[Path], data_dir: Path, limits: UploadLimits | None = None) -> list[FileReview]:
    """Every stored upload reviewed in a child process (timeout `parse_timeout_s`, as parsing)."""
    limits = limits or UploadLimits()
    if not paths:
        return []
    try:
        out = _run_child([str(data_dir), *map(str, paths)], limits.parse_timeout_s, module="citaat.app.upload_review")
    except subprocess.TimeoutExpired:
        return [
            FileReview(p.name, str(p), "failed", error=f"lezen duurde langer dan {limits.parse_timeout_s:.0f} s")
            for p in paths
        ]
    if "error" in out:
        return [FileReview(p.name, str(p), "failed", error=str(out["error"])) for p in paths]
    return [review_from_dict(f) for f in out["files"]]


def speaker_rows(reviews: Sequence[FileReview]) -> list[list[Any]]:
    """The page's "Wie is wie" table: one row per speaker of every transcript."""
    return [[r.name, s.label, s.role, s.turns, s.sample] for r in reviews for s in r.speakers]


def read_corrections(
    rows: Sequence[Sequence[Any]], reviews: Sequence[FileReview], replace: Sequence[str] = ()
) -> Corrections:
    """The edited table as ingest overrides: a speaker whose role changed becomes --interviewer or
    --speaker LABEL=CODE (unchanged rows add nothing, so the parser's own reading stays). A role
    that is neither "interviewer" nor a code is a problem line naming the file and the speaker.
    `replace`: uploaded file names whose indexed duplicate is to be replaced."""
    parsed = {(r.name, s.label): s.role for r in reviews for s in r.speakers}
    interviewers: list[str] = []
    speakers: list[tuple[str, str]] = []
    problems: list[str] = []
    given: dict[str, str] = {}
    for row in rows:
        if len(row) < 5:
            continue
        name, label, role = str(row[0]), str(row[1]), str(row[ROLE_COLUMN] or "").strip()
        if (name, label) not in parsed or role == parsed[(name, label)]:
            continue
        if role.casefold() in (INTERVIEWER, "i", "int"):
            interviewers.append(label)
            value = INTERVIEWER
        elif (code := normalize_code(role)) is not None:
            speakers.append((label, code))
            value = code
        else:
            problems.append(
                f"{name}: ‘{role}’ bij {label} is geen rol; vul in de kolom ‘Rol of code’ {ROLE_HELP} in"
            )
            continue
        if given.get(label, value) != value:
            problems.append(
                f"{name}: {label} heeft in een ander bestand een andere rol; voeg deze bestanden apart toe"
            )
        given[label] = value
    drop = tuple(
        r.duplicate_of for r in reviews if r.name in replace and r.duplicate_of and r.duplicate_of != r.name
    )
    return Corrections(tuple(interviewers), tuple(speakers), drop, tuple(problems))


def _child_main(argv: list[str]) -> int:
    """`python -m citaat.app.upload_review DIR FILE…`: one JSON line with every file's review."""
    data_dir = Path(argv[0])
    by_hash, by_text = indexed_content(data_dir)
    files = [review_file(Path(p), by_hash, by_text).to_dict() for p in argv[1:]]
    print(json.dumps({"files": files}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
