"""The coding assistant's service: a codebook in, suggested codings and a respondent × code matrix out.

    service = CodingService(searcher, data_dir)
    run = service.run(read_codebook(path), kind="quote", respondents=("R3",))
    run.json_lines(); run.matrix(); service.decide(code, unit_id, "accept")
    write_coding_export(run, "codes.xlsx" | "codes.qdpx" | "codes.md", directory=index_dir)

The ranking itself is index/coding.py (dense + BM25 per code, Rocchio from the decisions). This
module adds: reading a codebook file (one Dutch error naming the file and the reason), the
researcher's decisions (accept/reject) in DIR/coding.sqlite3 that move the next ranking, the
sentence of each suggested unit that matched best, the matrix, and the exports.

A unit is *coded* with a code when the researcher accepted it, or when it is suggested and was not
rejected; every export says which of the two ("geaccepteerd" / "voorgesteld").
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from citaat.index.bm25 import tokenize as content_terms
from citaat.index.coding import Code, CodebookError, CodeQuery, CodeRanker, CodingSettings, parse_codebook, speech_rows
from citaat.ingest.fsio import atomic_write_bytes, atomic_write_text
from citaat.ingest.model import Chunk
from citaat.ingest.quotations import split_sentences

from .export import ExportError, ExportMeta, _xlsx_value, qdpx_bytes
from .records import Source, escape_markdown, quoted

if TYPE_CHECKING:
    from citaat.index.search import Searcher

DECISIONS_FILE = "coding.sqlite3"
Decision = Literal["accept", "reject"]
DECISION_LABELS = {"accept": "geaccepteerd", "reject": "afgewezen", None: ""}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    code TEXT NOT NULL, unit TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
    updated REAL NOT NULL, PRIMARY KEY (code, unit)
);
"""


def read_codebook(path: Path | str) -> list[Code]:
    """The codes of a codebook CSV file; `CodebookError` (Dutch, naming the file) when unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CodebookError(f"{path}: codeboek niet gevonden") from None
    except OSError as exc:
        raise CodebookError(f"{path}: codeboek niet leesbaar ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise CodebookError(
                f"{path}: geen tekstbestand (geen UTF-8)", "sla het codeboek op als CSV (UTF-8)"
            ) from None
    if "\x00" in text:
        raise CodebookError(f"{path}: geen tekstbestand", "sla het codeboek op als CSV (UTF-8)")
    return parse_codebook(text, str(path))


class DecisionStore:
    """Accepted and rejected units per code in one SQLite file (DIR/coding.sqlite3)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ready = False

    def _create(self) -> None:
        """Made on the first decision, so coding an index (`citaat code`) only reads it."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._db() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
            self._ready = True

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:
                yield db
        finally:
            db.close()

    def set(self, code: str, unit: str, decision: Decision | None) -> None:
        """Record a decision; None forgets it."""
        self._create()
        with self._db() as db:
            if decision is None:
                db.execute("DELETE FROM decisions WHERE code = ? AND unit = ?", (code, unit))
            elif decision in ("accept", "reject"):
                db.execute(
                    "INSERT OR REPLACE INTO decisions (code, unit, decision, updated) VALUES (?, ?, ?, ?)",
                    (code, unit, decision, time.time()),
                )
            else:
                raise ValueError(f"unknown decision {decision!r}")

    def all(self) -> dict[str, dict[str, Decision]]:
        if not self.path.is_file():
            return {}
        self._create()
        with self._db() as db:
            rows = db.execute("SELECT code, unit, decision FROM decisions ORDER BY code, unit").fetchall()
        out: dict[str, dict[str, Decision]] = {}
        for code, unit, decision in rows:
            out.setdefault(code, {})[unit] = decision
        return out


@dataclass(frozen=True)
class RankedUnit:
    """One speech unit in one code's ranking."""

    chunk: Chunk
    score: float
    suggested: bool
    why: str
    decision: Decision | None = None
    sentence: str = ""

    @property
    def coded(self) -> bool:
        return self.decision == "accept" or (self.suggested and self.decision != "reject")

    @property
    def status(self) -> str:
        return "geaccepteerd" if self.decision == "accept" else "voorgesteld"

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "id": c.id,
            "text": c.text,
            "respondents": list(c.respondents),
            "section": " > ".join(c.section),
            "page": c.page,
            "score": round(self.score, 4),
            "suggested": self.suggested,
        }


@dataclass(frozen=True)
class CodeResult:
    code: Code
    units: list[RankedUnit]  # every unit in scope, best first

    @property
    def coded(self) -> list[RankedUnit]:
        return [u for u in self.units if u.coded]


@dataclass
class CodingRun:
    """The result of coding one scope with one codebook."""

    results: list[CodeResult]
    index_version: str = ""
    codebook_name: str = ""
    scope: str = ""
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    attribute_columns: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: ExportMeta().created)

    def json_lines(self) -> list[str]:
        """One JSON object per code: code, beschrijving, ranking (every unit in scope, best first)."""
        return [
            json.dumps(
                {
                    "code": r.code.code,
                    "beschrijving": r.code.description,
                    "ranking": [u.to_dict() for u in r.units],
                },
                ensure_ascii=False,
            )
            for r in self.results
        ]

    def respondents(self) -> list[str]:
        codes = {c for r in self.results for u in r.units for c in u.chunk.respondents}
        return sorted(codes, key=lambda c: (int(c[1:]) if c[1:].isdigit() else 10**6, c))

    def cell(self, respondent: str, code: str) -> list[RankedUnit]:
        """The coded units of one matrix cell, best first."""
        for r in self.results:
            if r.code.code == code:
                return [u for u in r.coded if respondent in u.chunk.respondents]
        return []

    def matrix(self, group_by: str | None = None) -> list[tuple[str, str, list[int]]]:
        """Rows (group, respondent, counts per code in codebook order); grouped (and sorted) by the
        respondent attribute `group_by` when the index has a respondent sheet."""
        rows = []
        for resp in self.respondents():
            group = self.attributes.get(resp, {}).get(group_by, "") if group_by else ""
            counts = [sum(1 for u in r.coded if resp in u.chunk.respondents) for r in self.results]
            rows.append((group, resp, counts))
        if group_by:
            rows.sort(key=lambda row: (row[0] == "", row[0].casefold()))  # stable: R-order within a group
        return rows

    def meta_items(self) -> list[tuple[str, str]]:
        return [
            ("geëxporteerd", self.created),
            ("codeboek", self.codebook_name or "onbekend"),
            ("selectie", self.scope or "alle citaten en beurten"),
            ("indexversie", self.index_version or "onbekend"),
            ("gecodeerd", "geaccepteerd, of voorgesteld en niet afgewezen"),
        ]


class CodingService:
    """Codes the speech units of an opened index; decisions persist in `data_dir` (if given)."""

    def __init__(
        self, searcher: Searcher, data_dir: Path | str | None = None, settings: CodingSettings | None = None
    ) -> None:
        self.searcher = searcher
        self.settings = settings or CodingSettings()
        self.store = DecisionStore(Path(data_dir) / DECISIONS_FILE) if data_dir is not None else None
        self._sentences: dict[str, list[tuple[str, set[str]]]] = {}
        self._dfs: dict[str, int] | None = None

    def decide(self, code: str, unit: str, decision: Decision | None) -> None:
        if self.store is None:
            raise ExportError("beslissingen opslaan kan alleen met een datamap")
        self.store.set(code, unit, decision)

    def decisions(self) -> dict[str, dict[str, Decision]]:
        return self.store.all() if self.store is not None else {}

    def run(
        self,
        codes: Sequence[Code],
        kind: str | None = None,
        respondents: Sequence[str] = (),
        codebook_name: str = "",
        sentences: bool = True,
    ) -> CodingRun:
        """Rank every speech unit in scope for every code (examples and decisions included)."""
        chunks = self.searcher.chunks
        by_id = {c.id: n for n, c in enumerate(chunks)}
        # scored over every unit of the kind, then narrowed to the respondents: a quote keeps its
        # score and its suggestion whatever the selection (the thresholds are per code, over the scope)
        rows = speech_rows(chunks, kind)
        wanted = set(respondents)
        decisions = self.decisions()
        queries = []
        for c in codes:
            mine = decisions.get(c.code, {})
            accepted = [by_id[u] for u, d in mine.items() if d == "accept" and u in by_id]
            rejected = [by_id[u] for u, d in mine.items() if d == "reject" and u in by_id]
            texts = []
            for ex in c.examples:
                if ex in by_id:
                    accepted.append(by_id[ex])
                else:
                    texts.append(ex)
            queries.append(CodeQuery(c.code, c.description, tuple(accepted), tuple(rejected), tuple(texts)))
        rankings = CodeRanker(self.searcher, rows, self.settings).rank(queries)
        results = []
        n_docs = max(self.searcher.bm25.n_docs, 1)
        terms = [
            self._weights(content_terms(f"{c.code} {c.description} {' '.join(c.examples)}"), n_docs) for c in codes
        ]
        for ci, (c, rk) in enumerate(zip(codes, rankings, strict=True)):
            mine = decisions.get(c.code, {})
            units = []
            for i in rk.order.tolist():
                chunk = chunks[int(rk.rows[i])]
                if wanted and not wanted & set(chunk.respondents):
                    continue
                # a unit the codebook lists as an example is coded already, unless rejected since
                decision = mine.get(chunk.id) or ("accept" if chunk.id in c.examples else None)
                suggested = bool(rk.suggested[i])
                sentence = ""
                if sentences and (suggested or decision == "accept"):
                    sentence = self._best_sentence(chunk, terms[ci])
                units.append(RankedUnit(chunk, float(rk.score[i]), suggested, rk.why(i), decision, sentence))
            results.append(CodeResult(c, units))
        sheet = self.searcher.attributes
        scope = ", ".join(
            p
            for p in (
                f"soort: {kind}" if kind else "",
                f"respondenten: {', '.join(respondents)}" if respondents else "",
            )
            if p
        )
        return CodingRun(
            results,
            index_version=self.searcher.version,
            codebook_name=codebook_name,
            scope=scope,
            attributes=dict(sheet.respondents),
            attribute_columns=list(sheet.columns),
        )

    def _weights(self, terms: list[str], n_docs: int) -> dict[str, float]:
        """Each code term's BM25 idf in the index (terms the index does not know weigh little)."""
        from citaat.index.bm25 import idf

        return {t: idf(n_docs, self._df(t)) if self._df(t) else 0.1 for t in set(terms)}

    def _df(self, term: str) -> int:
        if self._dfs is None:
            dfs: dict[str, int] = {}
            for c in self.searcher.chunks:
                for t in set(content_terms(c.text)):
                    dfs[t] = dfs.get(t, 0) + 1
            self._dfs = dfs
        return self._dfs.get(term, 0)

    def _best_sentence(self, chunk: Chunk, weights: dict[str, float]) -> str:
        """The unit's sentence that shares the most (idf-weighted) terms with the code; the first
        sentence when none does (the unit was found by meaning, not by its words)."""
        cached = self._sentences.get(chunk.id)
        if cached is None:
            spans = split_sentences(chunk.text)
            texts = [" ".join(chunk.text[a:b].split()) for a, b in spans]
            texts = [t for t in texts if t] or [" ".join(chunk.text.split())]
            cached = self._sentences[chunk.id] = [(t, set(content_terms(t))) for t in texts]
        best, best_score = cached[0][0], 0.0
        for text, terms in cached:
            score = sum(weights.get(t, 0.0) for t in terms)
            if score > best_score + 1e-9:
                best, best_score = text, score
        return best


# --------------------------------------------------------------------------- exports


def _source(n: int, chunk: Chunk) -> Source:
    return Source(n, chunk, 0, len(chunk.text), chunk.text)


def coded_sources(run: CodingRun) -> tuple[list[Source], list[list[int]]]:
    """Every coded unit once as a `Source`, with the codes (indexes into the codebook) it carries."""
    order: dict[str, int] = {}
    units: list[Chunk] = []
    codes_of: list[list[int]] = []
    for ci, r in enumerate(run.results):
        for u in r.coded:
            i = order.get(u.chunk.id)
            if i is None:
                i = order[u.chunk.id] = len(units)
                units.append(u.chunk)
                codes_of.append([])
            codes_of[i].append(ci)
    return [_source(n + 1, c) for n, c in enumerate(units)], codes_of


def to_markdown(run: CodingRun) -> str:
    lines = ["# Codering", ""]
    lines += [f"- {k}: {escape_markdown(v)}" for k, v in run.meta_items()]
    lines.append("")
    for r in run.results:
        coded = r.coded
        lines += [
            f"## {escape_markdown(r.code.code)} ({len(coded)})",
            "",
            f"_{escape_markdown(r.code.description)}_",
            "",
        ]
        for u in coded:
            s = _source(1, u.chunk)
            lines += [
                f"- {quoted(u.chunk.text)}",
                f"  — {escape_markdown(s.citation)} · {u.status} · score {u.score:.2f}",
                "",
            ]
        if not coded:
            lines += ["_Geen citaten gecodeerd._", ""]
    return "\n".join(lines)


def to_xlsx_bytes(run: CodingRun, group_by: str | None = None) -> bytes:
    """Workbook: 'Matrix' (respondent × code counts, attributes as columns), 'Coderingen' (one row per
    coding with date, codebook and index version) and 'Codeboek'."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Matrix"
    names = [r.code.code for r in run.results]
    cols = run.attribute_columns
    ws.append(["respondent", *cols, *names])
    for _group, resp, counts in run.matrix(group_by):
        attrs = run.attributes.get(resp, {})
        ws.append([resp, *[_xlsx_value(attrs.get(c, "")) for c in cols], *counts])
    codings = wb.create_sheet("Coderingen")
    head = [
        "code",
        "respondent",
        "citaat",
        "zin",
        "sectie",
        "pagina",
        "score",
        "status",
        "waarom",
        "id",
        "geëxporteerd",
        "codeboek",
        "indexversie",
    ]
    codings.append(head)
    for r in run.results:
        for u in r.coded:
            c = u.chunk
            codings.append(
                [
                    _xlsx_value(v)
                    for v in (
                        r.code.code,
                        ", ".join(c.respondents),
                        c.text,
                        u.sentence,
                        " > ".join(c.section),
                        c.page,
                        round(u.score, 3),
                        u.status,
                        u.why,
                        c.id,
                        run.created,
                        run.codebook_name,
                        run.index_version,
                    )
                ]
            )
    book = wb.create_sheet("Codeboek")
    book.append(["code", "beschrijving", "voorbeelden"])
    for r in run.results:
        book.append(
            [_xlsx_value(r.code.code), _xlsx_value(r.code.description), _xlsx_value(" | ".join(r.code.examples))]
        )
    info = wb.create_sheet("Export")
    for k, v in run.meta_items():
        info.append([k, _xlsx_value(v)])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for line in sheet.iter_rows(min_row=1):
            for cell in line:
                if cell.data_type == "f":  # text that starts with '=' stays text: never a formula
                    cell.data_type = "s"
    codings.column_dimensions["C"].width = 80
    for cell in codings["C"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def qdpx_of(run: CodingRun, directory: Path | str | None = None) -> bytes:
    """REFI-QDA project: the codebook as codes, every coded unit a selection at its exact position in
    the source text, with one coding per code it carries."""
    from .export import _doc_texts

    sources, codes_of = coded_sources(run)
    texts = _doc_texts(Path(directory) if directory else None, {s.doc for s in sources})
    meta = ExportMeta(
        query=f"codeboek {run.codebook_name}".strip(), index_version=run.index_version, created=run.created
    )
    return qdpx_bytes(
        sources,
        meta,
        texts=texts,
        project_name="Citaat-codering",
        code_list=[(r.code.code, r.code.description) for r in run.results],
        source_codes=codes_of,
    )


CODING_FORMATS = (".xlsx", ".qdpx", ".md")


def write_coding_export(
    run: CodingRun, path: Path | str, directory: Path | str | None = None, group_by: str | None = None
) -> Path:
    """Write the export the suffix asks for (.xlsx, .qdpx or .md), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        atomic_write_bytes(path, to_xlsx_bytes(run, group_by), durable=False)
    elif suffix == ".qdpx":
        atomic_write_bytes(path, qdpx_of(run, directory), durable=False)
    elif suffix == ".md":
        atomic_write_text(path, to_markdown(run), durable=False)
    else:
        raise ExportError(f"{path}: onbekend exportformaat", f"kies {', '.join(CODING_FORMATS)}")
    return path


__all__ = [
    "CODING_FORMATS",
    "DECISIONS_FILE",
    "CodeResult",
    "CodingRun",
    "CodingService",
    "DecisionStore",
    "RankedUnit",
    "coded_sources",
    "qdpx_of",
    "read_codebook",
    "to_markdown",
    "to_xlsx_bytes",
    "write_coding_export",
]
