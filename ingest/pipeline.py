"""`citaat ingest`: files in, DIR/chunks.jsonl out — incremental, atomic, one clear line per bad file.

Incremental by content hash: an unchanged file keeps its chunks (ids are stable anyway), a
changed file's chunks are replaced, and a file that no longer exists on disk is dropped. A file
that fails now but was ingested before keeps its previous chunks, so nothing is lost.

Resumable: while a run goes, each file's chunks are checkpointed in DIR/.partial/<key>.jsonl
(temp file + rename, so a checkpoint is whole or absent). chunks.jsonl and sources.json are only
replaced at the end, atomically. A run killed midway (even SIGKILL) leaves the previous output
untouched; the next run with the same files takes the checkpointed files as they are, processes
the rest, writes the same chunks.jsonl a clean run would, and then removes DIR/.partial.

Limits: a file larger than `IngestConfig.max_file_mb` (default 200 MB; the CLI takes
`--max-file-mb` or CITAAT_MAX_FILE_MB) is refused with one line saying so. Progress is a tqdm bar over the
bytes to read, with rate and time left, when stderr is a terminal.

Test hook: `IngestConfig.delay_per_file` (CLI: CITAAT_INGEST_DELAY=<seconds>) sleeps after each
processed file, so crash tests can kill a run at a known point (tests/test_crash_safety.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .apparatus import mark_apparatus
from .attributes import read_sheet, write_sheet
from .chunker import ChunkConfig, chunk_report
from .fsio import atomic_write_text, sha256_bytes, sha256_file
from .loaders import NO_SPEAKERS_WARNING, SUPPORTED, load
from .model import FICTIONAL, Chunk, Document, IngestError
from .store import (
    CHUNKS_FILE,
    SOURCES_FILE,
    StoreError,
    read_chunks,
    read_sources,
    staged_dir,
    write_chunks,
    write_sources,
)
from .text import join_dutch
from .transcript import GUESS_PREFIX, SpeakerOverrides, override_key

log = logging.getLogger(__name__)

# Bump when loaders or chunkers change their output, so unchanged files are chunked again.
CHUNKER_VERSION = 4

PARTIAL_DIR = ".partial"  # per-file checkpoints of an unfinished run, inside the output directory
DEFAULT_MAX_FILE_MB = 200.0
MAX_FILE_ENV = "CITAAT_MAX_FILE_MB"  # read by the CLI (app/cli.py), named in the too-large message
# Warnings that change how a file was read: shown on a line of their own, not only in the summary table.
NOTICES = (NO_SPEAKERS_WARNING,)


@dataclass(frozen=True)
class IngestConfig:
    """respondent_override: code for every transcript (wins over the file's own); interviewers and
    speakers: the user's speaker overrides for every transcript; progress: show a
    bar on a terminal; max_file_mb: larger files are refused (0 = no limit); resume: use and write
    the per-file checkpoints of an interrupted run."""

    respondent_override: str | None = None
    interviewers: tuple[str, ...] = ()  # --interviewer NAME (repeatable)
    speakers: tuple[tuple[str, str], ...] = ()  # --speaker NAME=R12 (repeatable)
    respondents_file: Path | None = None  # --respondents FILE.csv: attributes per code (ingest/attributes.py)
    progress: bool = True
    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    resume: bool = True
    delay_per_file: float = 0.0  # test hook only
    # --fictief PATH: files (or folders of files) that are made-up examples; their chunks carry
    # meta["fictional"] so every view can say so (app/records.py `source_label`).
    fictional: tuple[Path, ...] = ()
    # documents (by name) to take out of the output, e.g. an earlier copy that an upload replaces
    drop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_file_mb < 0:
            raise ValueError("max_file_mb must be >= 0 (0 = no limit)")

    @property
    def speaker_overrides(self) -> SpeakerOverrides:
        return SpeakerOverrides(self.interviewers, self.speakers)

    def is_fictional(self, path: Path) -> bool:
        """Whether `path` is one of the --fictief paths or lies inside one."""
        resolved = path.resolve()
        return any(resolved == (root := p.resolve()) or root in resolved.parents for p in self.fictional)


@dataclass
class FileReport:
    path: str
    doc: str
    status: str  # "new" | "changed" | "unchanged" | "failed" | "duplicate"
    chunks: int = 0
    quotes: int = 0
    respondents: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    resumed: bool = False  # taken from the checkpoint of an interrupted run

    @property
    def notices(self) -> list[str]:
        """The warnings that change how the file was read (`NOTICES`) and every guess about a speaker."""
        return [w for w in self.warnings if w in NOTICES or w.startswith(GUESS_PREFIX)]


@dataclass
class IngestResult:
    out_dir: Path
    files: list[FileReport]
    dropped: list[str]
    chunk_count: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # problems with the previous output that this run repaired

    @property
    def resumed(self) -> list[FileReport]:
        return [f for f in self.files if f.resumed]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[FileReport]]:
    """Files to ingest: given files as they are, directories searched for supported files."""
    files: list[Path] = []
    errors: list[FileReport] = []
    for p in paths:
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUPPORTED
                and not any(x.startswith(".") for x in f.relative_to(p).parts)
                and not f.name.lower().startswith("readme")  # a folder's own notes are not material
            )
            if not found:
                errors.append(FileReport(str(p), p.name, "failed", error="geen ondersteunde bestanden in deze map"))
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            errors.append(FileReport(str(p), p.name, "failed", error="bestand niet gevonden"))
    unique: list[Path] = []
    seen: set[Path] = set()
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, errors


def chunk_document(doc: Document, cfg: IngestConfig) -> list[Chunk]:
    if doc.source_kind == "transcript":
        from .transcript_chunker import chunk_transcript

        return chunk_transcript(doc, max_chars=cfg.chunk.max_chars)
    return mark_apparatus(chunk_report(doc, cfg.chunk))


def drop_duplicates(chunks: list[Chunk]) -> tuple[list[Chunk], int]:
    """The chunks without exact repeats within one section of the document (same kind, text,
    respondents and section; a PDF of 20,000 identical pages is one page's chunks), and how many
    were dropped. A quote the report repeats in another section stays (it is cited there too), and
    a chunk that another chunk names as its parent is always kept."""
    parents = {c.parent for c in chunks if c.parent}
    seen: set[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = set()
    kept: list[Chunk] = []
    for c in chunks:
        key = (c.kind, " ".join(c.text.split()), c.respondents, tuple(c.section))
        if key in seen and c.id not in parents:
            continue
        seen.add(key)
        kept.append(c)
    return kept, len(chunks) - len(kept)


def _doc_name(path: Path, taken: dict[str, str]) -> str:
    """The chunk's `doc`: the file name, or parent/name when another file already has that name."""
    name = path.name
    resolved = str(path.resolve())
    if name in taken and taken[name] != resolved:
        name = f"{path.parent.name}/{path.name}"
    return name


def _tally(chunks: list[Chunk]) -> tuple[int, tuple[str, ...]]:
    """The number of quotes (and transcript turns) and the respondent codes they carry, in number order."""
    quotes = [c for c in chunks if c.kind in ("quote", "turn")]
    codes = sorted({r for c in quotes for r in c.respondents}, key=lambda r: int(r[1:]) if r[1:].isdigit() else 0)
    return len(quotes), tuple(codes)


def _warnings(doc: Document, chunks: list[Chunk]) -> list[str]:
    """The loader's warnings plus one for quotes that no respondent code could be attached to."""
    warnings = list(doc.warnings)
    unattributed = sum(1 for c in chunks if c.kind == "quote" and not c.respondents)
    if unattributed:
        warnings.append(f"{unattributed} citaten zonder respondentcode")
    return warnings


# --------------------------------------------------------------------------- checkpoints


def _checkpoint_key(doc_name: str, fingerprint: dict[str, Any]) -> str:
    """One checkpoint per (document name, content, chunker settings): a changed file never matches."""
    raw = json.dumps([doc_name, fingerprint], sort_keys=True, ensure_ascii=False)
    return sha256_bytes(raw.encode("utf-8"))[:40]


def _checkpoint_path(out_dir: Path, key: str) -> Path:
    return out_dir / PARTIAL_DIR / f"{key}.jsonl"


def save_checkpoint(out_dir: Path, key: str, header: dict[str, Any], chunks: list[Chunk]) -> None:
    """Write one file's result as a header line plus its chunks; temp file + rename, so whole or absent.

    No fsync: the checkpoint only has to survive a killed process (the page cache does), and a
    checkpoint torn by a power cut fails the chunk count in the header and is simply redone.
    """
    head = json.dumps({**header, "chunk_count": len(chunks)}, ensure_ascii=False)
    body = "".join(c.to_json() + "\n" for c in chunks)
    atomic_write_text(_checkpoint_path(out_dir, key), f"{head}\n{body}", durable=False)


def load_checkpoint(out_dir: Path, key: str) -> tuple[dict[str, Any], list[Chunk]] | None:
    """A checkpoint written by `save_checkpoint`, or None when absent or damaged (then redo the file)."""
    path = _checkpoint_path(out_dir, key)
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8") as fh:
            header = json.loads(fh.readline())
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        log.warning("beschadigd tussenresultaat %s genegeerd", path)
        return None
    if not isinstance(header, dict) or header.get("chunk_count") != len(chunks):
        log.warning("onvolledig tussenresultaat %s genegeerd", path)
        return None
    return header, chunks


def clear_checkpoints(out_dir: Path) -> None:
    shutil.rmtree(Path(out_dir) / PARTIAL_DIR, ignore_errors=True)


def _size_mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _progress(files: list[Path], cfg: IngestConfig) -> Any:
    """A tqdm bar over the bytes of all files (rate and time left), or None when not wanted."""
    if not (cfg.progress and len(files) > 1 and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    total = 0
    for f in files:
        with contextlib.suppress(OSError):
            total += f.stat().st_size
    return tqdm(total=total, desc="Inlezen", unit="B", unit_scale=True, unit_divisor=1024, leave=False)


# --------------------------------------------------------------------------- the run


@dataclass
class _Run:
    """One ingest run: what the previous run left behind and, per document, what this run keeps."""

    out_dir: Path
    cfg: IngestConfig
    sources: dict[str, Any]  # the previous sources.json
    previous: dict[str, list[Chunk]]  # the previous chunks, by document
    checkpoint: bool
    taken: dict[str, str] = field(default_factory=dict)  # document name -> resolved path
    seen_hashes: dict[str, str] = field(default_factory=dict)  # content hash -> document name
    kept: dict[str, tuple[dict[str, Any], list[Chunk]]] = field(default_factory=dict)  # name -> (source, chunks)

    def failed(self, path: Path, doc_name: str, reason: str) -> FileReport:
        """A failed file: one error line; its chunks from an earlier run stay in the index."""
        rep = FileReport(str(path), doc_name, "failed", error=reason)
        old = self.sources.get(doc_name)
        if doc_name in self.previous and old:
            rep.warnings.append("vorige versie behouden")
            self.kept[doc_name] = (old, self.previous[doc_name])
        return rep


def _speech_codes(chunks: list[Chunk]) -> set[str]:
    return {r for c in chunks if c.kind in ("quote", "turn") for r in c.respondents}


def _warn_shared_codes(run: _Run, reports: list[FileReport]) -> None:
    """A new or changed document that attributes quotes to a code another document already quotes
    gets a warning: an upload could otherwise put words in an existing respondent's mouth, or two
    studies' R13 could be taken for one person."""
    owners: dict[str, set[str]] = {}
    for name, (_, chunks) in run.kept.items():
        for code in _speech_codes(chunks):
            owners.setdefault(code, set()).add(name)
    for rep in reports:
        if rep.status not in ("new", "changed") or rep.doc not in run.kept:
            continue
        for code in sorted(_speech_codes(run.kept[rep.doc][1]), key=lambda r: int(r[1:]) if r[1:].isdigit() else 0):
            others = sorted(owners.get(code, set()) - {rep.doc})
            if others:
                rep.warnings.append(
                    f"{code} wordt ook geciteerd in {', '.join(others)}; de citaten van {code} komen nu uit "
                    "meer dan één document (controleer of het dezelfde respondent is)"
                )


def ingest_paths(
    paths: list[Path], out_dir: Path, cfg: IngestConfig | None = None, *, staged: bool = False
) -> IngestResult:
    """Ingest files and folders into OUT_DIR/chunks.jsonl + sources.json (see the module docstring).

    staged=True writes the new output to OUT_DIR/.staged instead; the index build then moves it
    into place together with the new index (`ingest.store.publish_staged`), so a crash while
    indexing leaves the previous chunks and index as a working pair.
    """
    t0 = time.perf_counter()
    cfg = cfg or IngestConfig()
    out_dir = Path(out_dir)
    notes: list[str] = []
    # A bad sheet stops the run before any work (SheetError, one line).
    sheet = read_sheet(cfg.respondents_file) if cfg.respondents_file is not None else None
    try:
        sources = read_sources(out_dir)
    except StoreError:
        sources = {}
        notes.append(f"{out_dir / SOURCES_FILE} was beschadigd; alle bestanden worden opnieuw ingelezen")
    shutil.rmtree(staged_dir(out_dir), ignore_errors=True)  # output of a run killed while indexing
    files, reports = expand_paths(paths)
    run = _Run(
        out_dir,
        cfg,
        sources,
        _read_previous(out_dir, sources, notes),
        checkpoint=cfg.resume and len(files) > 1,  # a single file has nothing to resume from
        taken={name: info.get("path", "") for name, info in sources.items()},
    )
    bar = _progress(files, cfg)
    pending = 0  # bytes of the file in hand; counted as done when the next one starts
    for path in files:
        if bar is not None:
            bar.update(pending)
            bar.set_postfix_str(path.name[-40:], refresh=False)
            pending = 0
            with contextlib.suppress(OSError):
                pending = path.stat().st_size
        reports.append(_ingest_file(run, path))
    if bar is not None:
        bar.update(pending)
        bar.close()
    dropped = _carry_over(run)
    _warn_shared_codes(run, reports)
    notes.extend(_unmatched_overrides(cfg, [source for source, _ in run.kept.values()]))
    all_chunks = [c for name in sorted(run.kept) for c in run.kept[name][1]]
    changed = (
        dropped
        or notes  # the previous output was damaged: rewrite it even if no file changed
        or any(r.status in ("new", "changed") for r in reports)
        or not (out_dir / CHUNKS_FILE).exists()
    )
    if changed and (all_chunks or dropped):
        # chunks first, then sources: a kill between the two leaves old fingerprints, so the next
        # run redoes those files and writes the same result (never sources ahead of chunks).
        write_chunks(out_dir, all_chunks, staged=staged)
        write_sources(out_dir, {name: source for name, (source, _) in run.kept.items()}, staged=staged)
    clear_checkpoints(out_dir)
    if sheet is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_sheet(out_dir, sheet)
        notes.extend(sheet.warnings)
        unknown = sheet.unknown_codes(r for c in all_chunks for r in c.respondents)
        if unknown:
            notes.append(
                f"{Path(str(cfg.respondents_file)).name}: {join_dutch(unknown)} "
                f"{'komt' if len(unknown) == 1 else 'komen'} in geen enkel ingelezen document voor; "
                "controleer de codes in de respondentenlijst"
            )
    return IngestResult(out_dir, reports, dropped, len(all_chunks), time.perf_counter() - t0, notes)


def _ingest_file(run: _Run, path: Path) -> FileReport:
    """One file: refused, a duplicate, unchanged, resumed from its checkpoint, or loaded and chunked."""
    doc_name = _doc_name(path, run.taken)
    run.taken.setdefault(doc_name, str(path.resolve()))
    old = run.sources.get(doc_name)
    limit = int(run.cfg.max_file_mb * 1e6)
    try:
        size = path.stat().st_size
        if limit and size > limit:
            return run.failed(
                path,
                doc_name,
                f"te groot ({_size_mb(size)}; de grens is {_size_mb(limit)}); splits het bestand, of verhoog "
                f"de grens met --max-file-mb of {MAX_FILE_ENV}",
            )
        if size == 0:  # before the duplicate check: two empty files are not copies of each other
            return run.failed(path, doc_name, "het bestand is leeg (0 bytes)")
        digest = sha256_file(path)
    except OSError as exc:
        return run.failed(path, doc_name, f"kan niet gelezen worden ({exc.strerror or exc})")
    if digest in run.seen_hashes:
        return FileReport(
            str(path), doc_name, "duplicate", warnings=[f"zelfde inhoud als {run.seen_hashes[digest]}; overgeslagen"]
        )
    run.seen_hashes[digest] = doc_name
    fingerprint: dict[str, Any] = {
        "sha256": digest,
        "version": CHUNKER_VERSION,
        "respondent": run.cfg.respondent_override,
        "max_chars": run.cfg.chunk.max_chars,
        # Only written when set, so fingerprints of window-chunked files stay as they were.
        **({"whole_paragraphs": True} if run.cfg.chunk.whole_paragraphs else {}),
    }
    # The speaker overrides only when given, so runs without them keep their earlier fingerprints.
    overrides = {
        "interviewers": sorted(run.cfg.interviewers),
        "speakers": sorted(f"{n}={c}" for n, c in run.cfg.speakers),
    }
    fingerprint.update({k: v for k, v in overrides.items() if v})
    fictional = run.cfg.is_fictional(path)
    if fictional:  # only when set, so the fingerprints of real files stay as they were
        fingerprint["fictional"] = True
    if (
        old
        and all(old.get(k) == v for k, v in fingerprint.items())
        and bool(old.get("fictional")) == fictional
        and not any(old.get(k) for k in overrides if k not in fingerprint)
        and ("whole_paragraphs" in old) == ("whole_paragraphs" in fingerprint)
        and doc_name in run.previous
    ):
        chunks = run.previous[doc_name]
        run.kept[doc_name] = (old, chunks)
        return FileReport(str(path), doc_name, "unchanged", len(chunks), *_tally(chunks))
    status = "changed" if old else "new"
    key = _checkpoint_key(doc_name, fingerprint)
    saved = load_checkpoint(run.out_dir, key) if run.checkpoint else None
    if saved is not None and saved[0].get("doc") == doc_name:
        header, chunks = saved
        run.kept[doc_name] = ({**header["source"], "path": str(path.resolve())}, chunks)
        warnings = list(header.get("warnings", ()))
        return FileReport(str(path), doc_name, status, len(chunks), *_tally(chunks), warnings, resumed=True)
    try:
        doc = load(path, run.cfg.respondent_override, speakers=run.cfg.speaker_overrides)
        doc = Document(doc_name, doc.text, doc.blocks, doc.source_kind, doc.respondent, doc.warnings)
        chunks, repeats = drop_duplicates(chunk_document(doc, run.cfg))
        if not chunks:
            raise IngestError(str(path), "geen tekst gevonden om te indexeren")
        if fictional:
            chunks = [replace(c, meta={**c.meta, FICTIONAL: True}) for c in chunks]
    except IngestError as exc:
        return run.failed(path, doc_name, exc.explanation)
    except Exception as exc:  # noqa: BLE001 - a bug or unexpected input must not stop the other files
        log.warning("unexpected error in %s: %r", path, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        return run.failed(path, doc_name, "onverwachte fout bij het lezen (ongebruikelijk of beschadigd bestand)")
    warnings = _warnings(doc, chunks)
    if repeats:
        warnings.append(f"{repeats} herhaalde fragmenten (precies dezelfde tekst) weggelaten")
    source = {
        **fingerprint,
        "path": str(path.resolve()),
        "kind": doc.source_kind,
        "respondent_code": doc.respondent,
        "chunks": len(chunks),
        # the speaker labels of a transcript, so a --speaker/--interviewer name that matches none is reported
        "speaker_labels": sorted({str(b.meta.get("label")) for b in doc.blocks if b.kind == "turn"}),
    }
    run.kept[doc_name] = (source, chunks)
    if run.checkpoint:
        save_checkpoint(run.out_dir, key, {"doc": doc_name, "source": source, "warnings": warnings}, chunks)
    if run.cfg.delay_per_file:
        time.sleep(run.cfg.delay_per_file)
    return FileReport(str(path), doc_name, status, len(chunks), *_tally(chunks), warnings)


def _unmatched_overrides(cfg: IngestConfig, sources: list[dict[str, Any]]) -> list[str]:
    """A note for every --speaker / --interviewer name that no transcript's speaker label matches."""
    overrides = cfg.speaker_overrides
    labels: set[str] = set()
    for source in sources:
        for lab in source.get("speaker_labels") or ():
            labels.update((override_key(str(lab)), override_key(str(lab).split(" (")[0])))  # 'Jan (wethouder)'

    names = [*overrides.interviewers, *(name for name, _ in overrides.speakers)]
    missing = [n for n in dict.fromkeys(names) if n not in labels]
    if not missing:
        return []
    return [
        f"sprekersnaam {join_dutch(missing)} komt in geen enkel transcript voor; "
        "controleer de spelling bij --interviewer/--speaker"
    ]


def _carry_over(run: _Run) -> list[str]:
    """Documents from earlier runs that were not given now: keep those whose file still exists; the
    names of the others (dropped from the output) are returned."""
    dropped: list[str] = []
    for name, info in run.sources.items():
        if name in run.kept:
            continue
        if name not in run.cfg.drop and Path(info.get("path", "")).is_file() and name in run.previous:
            run.kept[name] = (info, run.previous[name])
        else:
            dropped.append(name)
    return dropped


def _read_previous(out_dir: Path, sources: dict[str, Any], notes: list[str]) -> dict[str, list[Chunk]]:
    """The previous run's chunks by document; from a damaged chunks.jsonl only the documents that are whole.

    A document is whole when all its lines parse and their number matches sources.json; the others
    are read again from their files (or dropped when the files are gone), so a cut or edited
    chunks.jsonl heals on the next `citaat ingest` instead of stopping it.
    """
    path = out_dir / CHUNKS_FILE
    previous: dict[str, list[Chunk]] = {}
    if not path.is_file():
        return previous
    try:
        read = read_chunks(out_dir)
    except StoreError:
        read = None
    if read is not None:
        for c in read:
            previous.setdefault(c.doc, []).append(c)
        return previous
    damaged = 0
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                c = Chunk.from_dict(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                damaged += 1
                continue
            previous.setdefault(c.doc, []).append(c)
    whole = {d: cs for d, cs in previous.items() if (sources.get(d) or {}).get("chunks") == len(cs)}
    redo = sorted(set(previous) - set(whole))
    notes.append(
        f"{path} was beschadigd ({damaged} onleesbare regels); "
        + (f"opnieuw ingelezen: {', '.join(redo)}" if redo else "de complete documenten erin zijn behouden")
    )
    return whole
