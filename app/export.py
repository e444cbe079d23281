"""Export of results (an answer's sources, a search, a respondent's quotes): CSV, XLSX, Markdown and
a REFI-QDA project (.qdpx) that ATLAS.ti, MAXQDA and NVivo open.

The export service for the UI's buttons and `citaat export` alike (`export_query`, `write_export`).
Every export says when it was made, for which question or query, with which filters and from
which index version (`ExportMeta`); every row carries its honest label (`Source.label`), its
citation (respondent · section · page) and chunk id, so an exported quote can always be traced
back. CSV is UTF-8 with a byte-order mark so Excel reads the Dutch characters; `sep=";"` gives
the CSV that Dutch Excel opens in columns.

QDPX follows the REFI-QDA Project standard (urn:QDA-XML:project:1.0, www.qdasoftware.org): a zip
with `project.qde` and the plain text of every source in `sources/<guid>.txt` (UTF-8, referred
to as `internal://<guid>.txt`). Every exported quote is a `PlainTextSelection` at its character
positions [start, end) in that text, coded with one code for the query; every respondent is a
`Case` with the sheet's attributes (`citaat ingest --respondents`) as `Variable`s. The source
text is the original document, read again from the file the ingest recorded when it is
unchanged (same sha256) and every quote sits at its recorded offsets; otherwise only the exported
fragments, one after the other (the source's description says so).
"""

from __future__ import annotations

import csv
import itertools
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.etree import ElementTree as ET

from citaat.index.records import Filters
from citaat.ingest.attributes import RespondentSheet
from citaat.ingest.errors import CitaatError
from citaat.ingest.fsio import atomic_write_bytes, atomic_write_text

from .records import Source, attributes_text, escape_markdown, quoted

if TYPE_CHECKING:
    from .service import Answerer

Format = Literal["csv", "xlsx", "md", "qdpx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "md", "qdpx")

CSV_COLUMNS = (
    "nr",
    "label",
    "citaat",
    "respondent",
    "sectie",
    "sectiepad",
    "pagina",
    "tijd",
    "interviewvraag",
    "soort",
    "document",
    "bronvermelding",
    "id",
    "geëxporteerd",
    "zoekvraag",
    "filters",
    "indexversie",
)
_counter = itertools.count(1)


class ExportError(CitaatError):
    """An export that cannot be made (nothing to export, a bad option); the hint says what to do."""


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ExportMeta:
    """What every export records: when, for which question or query, with which filters, from
    which index version, and what the search was ('vraag' for a chat answer, 'zoekopdracht' for a
    search or an export from the command line)."""

    query: str = ""
    filters: Filters = field(default_factory=Filters)
    index_version: str = ""
    created: str = field(default_factory=_now)
    kind: Literal["vraag", "zoekopdracht"] = "zoekopdracht"

    @property
    def query_text(self) -> str:
        return self.query or "(geen; alles wat aan de filters voldoet)"

    @property
    def filters_text(self) -> str:
        return self.filters.describe() or "geen"

    def items(self) -> list[tuple[str, str]]:
        """The metadata as (Dutch label, value) pairs, in the order every format shows them."""
        return [
            ("geëxporteerd", self.created),
            (self.kind, self.query_text),
            ("filters", self.filters_text),
            ("indexversie", self.index_version or "onbekend"),
        ]


def columns(sheet: RespondentSheet | None = None) -> tuple[str, ...]:
    """The export columns; the respondent attributes (if a sheet was ingested) follow 'respondent'."""
    extra = tuple(sheet.columns) if sheet is not None else ()
    i = CSV_COLUMNS.index("respondent") + 1
    return CSV_COLUMNS[:i] + extra + CSV_COLUMNS[i:]


def rows(
    sources: Sequence[Source], meta: ExportMeta | None = None, sheet: RespondentSheet | None = None
) -> list[dict[str, Any]]:
    """One flat row per source (keys `columns(sheet)`); None becomes ''."""
    meta = meta or ExportMeta()
    out: list[dict[str, Any]] = []
    for s in sources:
        row = s.to_row()
        row["label"] = s.label
        row["tijd"] = s.chunk.meta.get("time") or ""
        row["interviewvraag"] = s.interviewer if s.chunk.kind == "turn" else ""
        if sheet is not None:
            for name in sheet.columns:
                values = [sheet.respondents.get(code, {}).get(name, "") for code in s.respondents]
                row[name] = "; ".join(dict.fromkeys(v for v in values if v))
        row.update(
            {
                "geëxporteerd": meta.created,
                "zoekvraag": meta.query_text,
                "filters": meta.filters_text,
                "indexversie": meta.index_version,
            }
        )
        out.append({k: "" if row.get(k) is None else row.get(k, "") for k in columns(sheet)})
    return out


def to_csv(
    sources: Sequence[Source],
    path: Path | str,
    meta: ExportMeta | None = None,
    *,
    sep: str = ",",
    sheet: RespondentSheet | None = None,
) -> Path:
    """Write one row per source and return the path; `sep=";"` for Dutch Excel."""
    if sep not in (",", ";", "\t"):
        raise ExportError(f"scheidingsteken {sep!r} wordt niet ondersteund", "kies ',', ';' of een tab")
    path = Path(path)
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns(sheet), delimiter=sep)
    writer.writeheader()
    writer.writerows(rows(sources, meta, sheet))
    atomic_write_bytes(path, buf.getvalue().encode("utf-8-sig"), durable=False)
    return path


def to_xlsx(
    sources: Sequence[Source], path: Path | str, meta: ExportMeta | None = None, *, sheet: RespondentSheet | None = None
) -> Path:
    """An Excel workbook: sheet 'Citaten' (one row per source, frozen header, filters) and sheet
    'Export' (date, query, filters, index version, count)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    meta = meta or ExportMeta()
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Citaten"
    cols = columns(sheet)
    ws.append(list(cols))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows(sources, meta, sheet):
        ws.append([_xlsx_value(row[c]) for c in cols])
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            if cell.data_type == "f":  # text that starts with '=' stays text: never a formula
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    if sources:
        ws.auto_filter.ref = ws.dimensions
    widths = {"citaat": 80, "interviewvraag": 50, "bronvermelding": 40, "sectiepad": 40, "label": 24}
    for i, name in enumerate(cols, 1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(name, 16)
        if name in ("citaat", "interviewvraag"):
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    info = wb.create_sheet("Export")
    for key, value in [*meta.items(), ("aantal", str(len(sources)))]:
        info.append([key, value])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 80
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(str(tmp))
    tmp.replace(path)
    return path


_XLSX_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value: Any) -> Any:
    """Cell value with the control characters Excel refuses removed."""
    return _XLSX_ILLEGAL_RE.sub("", value) if isinstance(value, str) else value


def to_markdown(
    sources: Sequence[Source],
    title: str,
    question: str | None = None,
    answer: str | None = None,
    meta: ExportMeta | None = None,
    sheet: RespondentSheet | None = None,
) -> str:
    """A Markdown document: title, the question (escaped: shown as typed) and answer if given, the
    export's metadata, then every source as a blockquote with its label, citation, the
    respondents' attributes (if a sheet was ingested) and chunk id."""
    lines = [f"# {escape_markdown(title)}", ""]
    if question:
        lines += [f"**Vraag:** {escape_markdown(question)}", ""]
    if meta is not None:
        for key, value in meta.items():
            if key == meta.kind and question and meta.query == question:
                continue
            lines.append(f"- {key}: {escape_markdown(value)}")
        lines.append("")
    if answer:
        lines += ["## Antwoord", "", answer.strip(), ""]
    if sources:
        lines += ["## Bronnen", ""]
    for s in sources:
        attrs = attributes_text(s.respondents, sheet)
        lines += [
            f"{s.n}. {quoted(s.text)}",
            "",
            f"   — {escape_markdown(s.citation)} ({s.label}{'; ' + escape_markdown(attrs) if attrs else ''})  ",
            f"   {escape_markdown(s.doc)} · `{s.chunk.id}`",
            "",
        ]
    if not sources:
        lines += ["_Geen resultaten._", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- REFI-QDA (.qdpx)

QDA_NS = "urn:QDA-XML:project:1.0"
_GUID_NS = uuid.UUID("6f0d7c52-3a1e-4f0b-9a57-5c1e8d1f0a13")
ORIGIN = "Citaat"


def _guid(*parts: str) -> str:
    """A stable GUID (uuid5) for one thing in one export, so the same export gives the same file."""
    return str(uuid.uuid5(_GUID_NS, "\x1f".join(parts)))


@dataclass
class _QdaSource:
    name: str
    guid: str
    text: str
    complete: bool  # the whole original document, not only the exported fragments
    selections: list[tuple[Source, int, int]] = field(default_factory=list)  # (source, start, end)


def _doc_texts(directory: Path | None, docs: set[str]) -> dict[str, str]:
    """The original texts of these documents, read again from the files the ingest recorded, when
    they are unchanged (same sha256). Missing or changed files are left out."""
    if directory is None:
        return {}
    from citaat.ingest.fsio import sha256_file
    from citaat.ingest.store import read_sources

    texts: dict[str, str] = {}
    try:
        recorded = read_sources(directory)
    except CitaatError:
        return texts
    for name in sorted(docs):
        info = recorded.get(name) or {}
        path = Path(str(info.get("path") or ""))
        try:
            if not path.is_file() or sha256_file(path) != info.get("sha256"):
                continue
            texts[name] = _document_text(
                str(path),
                str(info.get("sha256")),
                info.get("respondent"),
                tuple(info.get("interviewers") or ()),
                tuple(info.get("speakers") or ()),
            )
        except (CitaatError, OSError, ValueError):
            continue
    return texts


@lru_cache(maxsize=32)
def _document_text(
    path: str, sha256: str, respondent: str | None, interviewers: tuple[str, ...], speakers: tuple[str, ...]
) -> str:
    """The text of one source file as ingest made it. Cached per file version (`sha256` is part of
    the key): the chat writes a QDPX beside every answer, and parsing the PDF again each time cost
    about 0.3 s of CPU per answer."""
    from citaat.ingest.loaders import load
    from citaat.ingest.transcript import SpeakerOverrides

    overrides = SpeakerOverrides(interviewers, tuple(tuple(s.split("=", 1)) for s in speakers))  # type: ignore[misc]
    return load(Path(path), respondent, speakers=overrides).text


def _qda_sources(sources: Sequence[Source], texts: dict[str, str], key: str) -> list[_QdaSource]:
    by_doc: dict[str, list[Source]] = {}
    for s in sources:
        by_doc.setdefault(s.doc, []).append(s)
    out: list[_QdaSource] = []
    for doc, items in by_doc.items():
        text = texts.get(doc)
        spans = [(s, s.chunk.start + s.start, s.chunk.start + s.end) for s in items]
        if text is not None and all(text[a:b] == s.text for s, a, b in spans):
            out.append(_QdaSource(doc, _guid(key, "source", doc), text, True, spans))
            continue
        # Only the fragments, one after the other, each at its own position.
        parts: list[str] = []
        pos = 0
        placed: list[tuple[Source, int, int]] = []
        for s in sorted(items, key=lambda x: (x.chunk.start + x.start, x.n)):
            if parts:
                parts.append("\n\n")
                pos += 2
            parts.append(s.text)
            placed.append((s, pos, pos + len(s.text)))
            pos += len(s.text)
        out.append(_QdaSource(doc, _guid(key, "source", doc), "".join(parts), False, placed))
    return out


def _transcript_of(qs: _QdaSource) -> str | None:
    """The respondent of a source that is one respondent's interview transcript, else None."""
    spoken = [s for s, _, _ in qs.selections if s.chunk.kind == "turn" or s.chunk.meta.get("interview")]
    codes = {c for s in spoken for c in s.chunk.respondents}
    return codes.pop() if spoken and len(codes) == 1 else None


def _el(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{QDA_NS}}}{tag}", attrs)


def qdpx_bytes(
    sources: Sequence[Source],
    meta: ExportMeta | None = None,
    *,
    sheet: RespondentSheet | None = None,
    texts: dict[str, str] | None = None,
    project_name: str = "Citaat-export",
    code_list: Sequence[tuple[str, str]] | None = None,
    source_codes: Sequence[Sequence[int]] | None = None,
) -> bytes:
    """The .qdpx archive (zip) of these sources; see the module docstring. With `code_list` ((name,
    description) pairs, a codebook) its codes replace the one query code, and source i is coded with
    the codes `source_codes[i]` (indexes into `code_list`; the coding assistant, app/coding.py)."""
    meta = meta or ExportMeta()
    sheet = sheet or RespondentSheet()
    key = f"{meta.created}|{meta.query}|{meta.filters_text}"
    when = meta.created
    user = _guid(key, "user")
    ET.register_namespace("", QDA_NS)
    project = ET.Element(
        f"{{{QDA_NS}}}Project",
        {"name": project_name, "origin": ORIGIN, "creatingUserGUID": user, "creationDateTime": when},
    )
    users = _el(project, "Users")
    _el(users, "User", guid=user, name="Citaat")
    code_name = f"Zoekvraag: {meta.query}" if meta.query else f"Filter: {meta.filters_text}"
    code_guid = _guid(key, "code")
    codebook = _el(project, "CodeBook")
    codes = _el(codebook, "Codes")
    code_guids = [_guid(key, "code", name) for name, _ in code_list or ()]
    for guid, (name, description) in zip(code_guids, code_list or (), strict=True):
        ET.SubElement(
            _el(codes, "Code", guid=guid, name=name[:200], isCodable="true"), f"{{{QDA_NS}}}Description"
        ).text = description
    if not code_list:
        code = _el(codes, "Code", guid=code_guid, name=code_name[:200], isCodable="true")
        ET.SubElement(code, f"{{{QDA_NS}}}Description").text = "; ".join(f"{k}: {v}" for k, v in meta.items())
    codes_of = {s.n: [code_guids[i] for i in cs] for s, cs in zip(sources, source_codes or (), strict=False)}

    qsources = _qda_sources(sources, texts or {}, key)
    sel_guid: dict[tuple[str, int], str] = {}
    for qs in qsources:
        for s, _, _ in qs.selections:
            sel_guid[(qs.name, s.n)] = _guid(key, "selection", qs.name, str(s.n))

    codes_in = sorted(
        {c for s in sources for c in s.respondents},
        key=lambda c: (int(c[1:]) if c[1:].isdigit() else 10**6, c),
    )
    if sheet.columns:
        variables = _el(project, "Variables")
        for name in sheet.columns:
            _el(variables, "Variable", guid=_guid(key, "variable", name), name=name, typeOfVariable="Text")
    if codes_in:
        cases = _el(project, "Cases")
        for rc in codes_in:
            case = _el(cases, "Case", guid=_guid(key, "case", rc), name=rc)
            for name in sheet.columns:
                value = sheet.respondents.get(rc, {}).get(name)
                if value:
                    vv = _el(case, "VariableValue")
                    _el(vv, "VariableRef", targetGUID=_guid(key, "variable", name))
                    ET.SubElement(vv, f"{{{QDA_NS}}}TextValue").text = value
            for qs in qsources:
                if _transcript_of(qs) == rc:  # the whole interview belongs to the case
                    _el(case, "SourceRef", targetGUID=qs.guid)
            for qs in qsources:
                for s, _, _ in qs.selections:
                    if rc in s.respondents:
                        _el(case, "SelectionRef", targetGUID=sel_guid[(qs.name, s.n)])

    srcs = _el(project, "Sources")
    for qs in qsources:
        ts = _el(
            srcs,
            "TextSource",
            guid=qs.guid,
            name=qs.name,
            plainTextPath=f"internal://{qs.guid}.txt",
            creatingUser=user,
            creationDateTime=when,
        )
        ET.SubElement(ts, f"{{{QDA_NS}}}Description").text = (
            "Het volledige document."
            if qs.complete
            else "Alleen de geëxporteerde fragmenten (het oorspronkelijke bestand was niet ongewijzigd beschikbaar)."
        )
        for s, start, end in qs.selections:
            sel = _el(
                ts,
                "PlainTextSelection",
                guid=sel_guid[(qs.name, s.n)],
                name=f"{s.n}. {s.label}"[:200],
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=user,
                creationDateTime=when,
            )
            ET.SubElement(sel, f"{{{QDA_NS}}}Description").text = s.citation
            for target in codes_of.get(s.n, []) if code_list else [code_guid]:
                parts = (key, "coding", qs.name, str(s.n), *([target] if code_list else []))
                coding = _el(sel, "Coding", guid=_guid(*parts), creatingUser=user, creationDateTime=when)
                _el(coding, "CodeRef", targetGUID=target)
    ET.SubElement(project, f"{{{QDA_NS}}}Description").text = "\n".join(f"{k}: {v}" for k, v in meta.items())

    xml = ET.tostring(project, encoding="utf-8", xml_declaration=True)
    import io

    buf = io.BytesIO()
    # level 1: the source texts are compressed on every chat answer; level 6 took 5x the CPU for 20 % less
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("project.qde", xml)
        for qs in qsources:
            zf.writestr(f"sources/{qs.guid}.txt", qs.text.encode("utf-8"))
    return buf.getvalue()


def to_qdpx(
    sources: Sequence[Source],
    path: Path | str,
    meta: ExportMeta | None = None,
    *,
    sheet: RespondentSheet | None = None,
    directory: Path | str | None = None,
) -> Path:
    """Write the .qdpx; `directory` (the ingest output) lets it include the original documents."""
    path = Path(path)
    texts = _doc_texts(Path(directory) if directory else None, {s.doc for s in sources})
    atomic_write_bytes(path, qdpx_bytes(sources, meta, sheet=sheet, texts=texts), durable=False)
    return path


# --------------------------------------------------------------------------- the service


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].strip("-") or "resultaten"


EXPORT_MAX_AGE_S = 3600  # a download link older than an hour is not clicked any more
_SUFFIXES = {".csv", ".md", ".xlsx", ".qdpx"}


def prune_exports(directory: Path, max_age_s: float = EXPORT_MAX_AGE_S) -> int:
    """Delete our own export files older than `max_age_s`, so a long-running app (every answer
    writes a CSV and a Markdown file) does not fill the disk. Returns how many were removed."""
    cutoff = time.time() - max_age_s
    removed = 0
    for path in directory.glob("citaat-*"):
        try:
            if path.suffix in _SUFFIXES and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another session removed it first
    return removed


PRUNE_EVERY_S = 60.0
_last_prune: dict[Path, float] = {}


def _prune_now_and_then(directory: Path) -> None:
    """prune_exports at most once a minute per directory: it looks at every file there, and a busy
    chat writes four per answer (pruning on every answer cost more than writing the CSV)."""
    now = time.monotonic()
    if now - _last_prune.get(directory, -PRUNE_EVERY_S) >= PRUNE_EVERY_S:
        _last_prune[directory] = now
        prune_exports(directory)


def write_export(
    sources: Sequence[Source],
    path: Path | str,
    fmt: str,
    meta: ExportMeta | None = None,
    *,
    title: str = "Citaat-export",
    question: str | None = None,
    answer: str | None = None,
    sep: str = ",",
    sheet: RespondentSheet | None = None,
    directory: Path | str | None = None,
) -> Path:
    """Write one export in format `fmt` ('csv', 'xlsx', 'md', 'qdpx') to `path`."""
    if fmt == "csv":
        return to_csv(sources, path, meta, sep=sep, sheet=sheet)
    if fmt == "xlsx":
        return to_xlsx(sources, path, meta, sheet=sheet)
    if fmt == "md":
        path = Path(path)
        atomic_write_text(path, to_markdown(sources, title, question, answer, meta, sheet), durable=False)
        return path
    if fmt == "qdpx":
        return to_qdpx(sources, path, meta, sheet=sheet, directory=directory)
    raise ExportError(f"exportformaat {fmt!r} bestaat niet", f"kies uit {', '.join(FORMATS)}")


def write_exports(
    sources: Sequence[Source],
    directory: Path | str,
    name: str,
    title: str,
    question: str | None = None,
    answer: str | None = None,
    meta: ExportMeta | None = None,
    formats: Sequence[str] = ("csv", "md"),
    *,
    sep: str = ",",
    sheet: RespondentSheet | None = None,
    index_dir: Path | str | None = None,
) -> tuple[Path, ...]:
    """Write `<name>-<time>-<n>.<format>` for each format into `directory` (unique names, so
    concurrent sessions never overwrite each other's downloads); returns the paths in order."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _prune_now_and_then(directory)
    meta = meta or ExportMeta(query=question or "", kind="vraag" if answer else "zoekopdracht")
    return tuple(
        write_export(
            sources,
            path,
            fmt,
            meta,
            title=title,
            question=question,
            answer=answer,
            sep=sep,
            sheet=sheet,
            directory=index_dir,
        )
        for path, fmt in zip(export_paths(directory, name, formats), formats, strict=True)
    )


def export_paths(directory: Path, name: str, formats: Sequence[str]) -> tuple[Path, ...]:
    """`<directory>/citaat-<name>-<time>-<n>.<format>` for each format: unique names, so concurrent
    sessions never overwrite each other's downloads."""
    stem = f"citaat-{_slug(name)}-{time.strftime('%Y%m%d-%H%M%S')}-{next(_counter)}"
    return tuple(directory / f"{stem}.{fmt}" for fmt in formats)


def export_sources(answerer: Answerer, query: str, filters: Filters, k: int | None = None) -> list[Source]:
    """The sources an export of `query` holds: the search results (as 'Zoek citaten' shows them),
    or, for an empty query, every chunk that passes the filters (quotes and answers first, each
    in document order). An empty query without filters is refused: that would be the whole index."""
    query = query.strip()
    if query:
        return answerer.search(query, filters, k)
    if filters.is_empty():
        raise ExportError("geef een zoekvraag of een filter", "bv. --respondent R13 of --kind quote")
    return answerer.listing(filters)


def export_query(
    answerer: Answerer,
    query: str,
    filters: Filters,
    fmt: str,
    out: Path | str,
    *,
    k: int | None = None,
    sep: str = ",",
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, int]:
    """`citaat export`: search (or filter), then write one export; returns (path, number of rows)."""
    if fmt not in FORMATS:
        raise ExportError(f"exportformaat {fmt!r} bestaat niet", f"kies uit {', '.join(FORMATS)}")
    sources = export_sources(answerer, query, filters, k)
    meta = ExportMeta(query=query.strip(), filters=filters, index_version=answerer.index_version)
    sheet = answerer.attributes
    if progress is not None:
        progress(f"{len(sources)} resultaten")
    title = f"Citaat-export: {meta.query}" if meta.query else f"Citaat-export: {meta.filters_text}"
    path = write_export(
        sources,
        out,
        fmt,
        meta,
        title=title,
        sep=sep,
        sheet=sheet if sheet is not None and sheet.respondents else None,
        directory=answerer.directory,
    )
    return path, len(sources)
