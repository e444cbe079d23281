"""`citaat ingest`: files in, DIR/chunks.jsonl out — incremental, atomic, one clear line per bad file.

Incremental by content hash: an unchanged file keeps its chunks (ids are stable anyway), a
changed file's chunks are replaced, and a file that no longer exists on disk is dropped. A file
that fails now but was ingested before keeps its previous chunks, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .chunker import ChunkConfig, chunk_report
from .loaders import SUPPORTED, load
from .model import Chunk, Document, IngestError
from .store import CHUNKS_FILE, read_chunks, read_sources, write_chunks, write_sources

log = logging.getLogger(__name__)

# Bump when loaders or chunkers change their output, so unchanged files are chunked again.
CHUNKER_VERSION = 1


@dataclass(frozen=True)
class IngestConfig:
    respondent_override: str | None = None
    progress: bool = True
    chunk: ChunkConfig = field(default_factory=ChunkConfig)


@dataclass
class FileReport:
    path: str
    doc: str
    status: str  # "new" | "changed" | "unchanged" | "failed" | "kept" | "duplicate"
    chunks: int = 0
    quotes: int = 0
    respondents: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class IngestResult:
    out_dir: Path
    files: list[FileReport]
    dropped: list[str]
    chunk_count: int

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
                errors.append(FileReport(str(p), p.name, "failed", error="no supported files in this folder"))
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            errors.append(FileReport(str(p), p.name, "failed", error="file not found"))
    unique: list[Path] = []
    seen: set[Path] = set()
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, errors


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def chunk_document(doc: Document, cfg: IngestConfig) -> list[Chunk]:
    if doc.source_kind == "transcript":
        from .transcript_chunker import chunk_transcript

        return chunk_transcript(doc, max_chars=cfg.chunk.max_chars)
    return chunk_report(doc, cfg.chunk)


def _doc_name(path: Path, taken: dict[str, str]) -> str:
    """The chunk's `doc`: the file name, or parent/name when another file already has that name."""
    name = path.name
    resolved = str(path.resolve())
    if name in taken and taken[name] != resolved:
        name = f"{path.parent.name}/{path.name}"
    return name


def _report(doc: Document, chunks: list[Chunk]) -> tuple[int, tuple[str, ...], list[str]]:
    quotes = [c for c in chunks if c.kind in ("quote", "turn")]
    codes = Counter(r for c in quotes for r in c.respondents)
    warnings = list(doc.warnings)
    unattributed = sum(1 for c in chunks if c.kind == "quote" and not c.respondents)
    if unattributed:
        warnings.append(f"{unattributed} citaten zonder respondentcode")
    return len(quotes), tuple(sorted(codes, key=lambda r: int(r[1:]) if r[1:].isdigit() else 0)), warnings


def ingest_paths(paths: list[Path], out_dir: Path, cfg: IngestConfig | None = None) -> IngestResult:
    cfg = cfg or IngestConfig()
    out_dir = Path(out_dir)
    sources = read_sources(out_dir)
    previous: dict[str, list[Chunk]] = {}
    if (out_dir / CHUNKS_FILE).is_file():
        for c in read_chunks(out_dir):
            previous.setdefault(c.doc, []).append(c)
    files, reports = expand_paths(paths)
    taken = {name: info.get("path", "") for name, info in sources.items()}
    new_sources: dict[str, dict] = {}
    chunks_by_doc: dict[str, list[Chunk]] = {}
    seen_hashes: dict[str, str] = {}

    iterator = files
    if cfg.progress and len(files) > 1 and sys.stderr.isatty():
        from tqdm import tqdm

        iterator = tqdm(files, desc="Inlezen", unit="bestand")
    for path in iterator:
        doc_name = _doc_name(path, taken)
        taken.setdefault(doc_name, str(path.resolve()))
        try:
            digest = file_hash(path)
        except OSError as exc:
            reports.append(FileReport(str(path), doc_name, "failed", error=f"cannot be read ({exc.strerror})"))
            continue
        if digest in seen_hashes:
            reports.append(
                FileReport(
                    str(path),
                    doc_name,
                    "duplicate",
                    warnings=[f"zelfde inhoud als {seen_hashes[digest]}; overgeslagen"],
                )
            )
            continue
        seen_hashes[digest] = doc_name
        old = sources.get(doc_name)
        fingerprint = {
            "sha256": digest,
            "version": CHUNKER_VERSION,
            "respondent": cfg.respondent_override,
            "max_chars": cfg.chunk.max_chars,
        }
        if old and all(old.get(k) == v for k, v in fingerprint.items()) and doc_name in previous:
            kept = previous[doc_name]
            new_sources[doc_name] = old
            chunks_by_doc[doc_name] = kept
            reports.append(FileReport(str(path), doc_name, "unchanged", len(kept), *_counts(kept)))
            continue
        try:
            doc = load(path, cfg.respondent_override)
            doc = Document(doc_name, doc.text, doc.blocks, doc.source_kind, doc.respondent, doc.warnings)
            chunks = chunk_document(doc, cfg)
            if not chunks:
                raise IngestError(str(path), "no text found to index")
        except IngestError as exc:
            rep = FileReport(str(path), doc_name, "failed", error=exc.reason)
            if doc_name in previous and old:
                rep.warnings.append("previous version kept")
                chunks_by_doc[doc_name] = previous[doc_name]
                new_sources[doc_name] = old
            reports.append(rep)
            continue
        except Exception as exc:  # noqa: BLE001 - a bug or unexpected input must not stop the other files
            log.debug("unexpected error in %s", path, exc_info=True)
            reports.append(FileReport(str(path), doc_name, "failed", error=f"unexpected error: {exc!r}"[:200]))
            continue
        nquotes, codes, warnings = _report(doc, chunks)
        chunks_by_doc[doc_name] = chunks
        new_sources[doc_name] = {
            **fingerprint,
            "path": str(path.resolve()),
            "kind": doc.source_kind,
            "respondent_code": doc.respondent,
            "chunks": len(chunks),
        }
        reports.append(
            FileReport(str(path), doc_name, "changed" if old else "new", len(chunks), nquotes, codes, warnings)
        )

    # Documents from earlier runs: keep those whose file still exists, drop the rest.
    dropped: list[str] = []
    for name, info in sources.items():
        if name in new_sources:
            continue
        if Path(info.get("path", "")).is_file() and name in previous:
            new_sources[name] = info
            chunks_by_doc[name] = previous[name]
        else:
            dropped.append(name)
    all_chunks = [c for name in sorted(chunks_by_doc) for c in chunks_by_doc[name]]
    changed = dropped or any(r.status in ("new", "changed") for r in reports) or not (out_dir / CHUNKS_FILE).exists()
    if changed and (all_chunks or dropped):
        write_chunks(out_dir, all_chunks)
        write_sources(out_dir, new_sources)
    return IngestResult(out_dir, reports, dropped, len(all_chunks))


def _counts(chunks: list[Chunk]) -> tuple[int, tuple[str, ...]]:
    quotes = [c for c in chunks if c.kind in ("quote", "turn")]
    codes = sorted({r for c in quotes for r in c.respondents}, key=lambda r: int(r[1:]) if r[1:].isdigit() else 0)
    return len(quotes), tuple(codes)


STATUS_NL = {
    "new": "nieuw",
    "changed": "gewijzigd",
    "unchanged": "ongewijzigd",
    "failed": "MISLUKT",
    "duplicate": "dubbel",
    "kept": "behouden",
}


def print_summary(result: IngestResult) -> None:
    """Per-file summary table on stdout, one error line per failed file on stderr."""
    from rich.console import Console
    from rich.table import Table

    out = Console()
    table = Table(title=f"Ingelezen naar {result.out_dir / CHUNKS_FILE}", show_lines=False)
    table.add_column("bestand", overflow="fold", ratio=3)
    for col in ("status", "chunks", "citaten", "respondenten"):
        table.add_column(col, no_wrap=True)
    table.add_column("waarschuwingen", overflow="fold", ratio=2)
    for r in result.files:
        codes = f"{len(r.respondents)} ({r.respondents[0]}–{r.respondents[-1]})" if r.respondents else "-"
        if len(r.respondents) == 1:
            codes = r.respondents[0]
        table.add_row(
            r.doc, STATUS_NL.get(r.status, r.status), str(r.chunks), str(r.quotes), codes, "; ".join(r.warnings) or "-"
        )
    out.print(table)
    for name in result.dropped:
        out.print(f"verwijderd uit de index (bestand bestaat niet meer): {name}")
    out.print(f"totaal: {result.chunk_count} chunks")
    for r in result.failed:
        print(f"citaat: {r.path}: {r.error}", file=sys.stderr)
