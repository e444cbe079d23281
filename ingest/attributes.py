"""Respondent attributes: the researchers' classification sheet (`citaat ingest --respondents FILE.csv`).

A sheet has one row per respondent: the code first, then its attributes, e.g.
`R13,gemeentesecretaris,Drechtsteden`. A header row (`code,rol,organisatie`) names the columns;
without one they are called `rol`, `organisatie`, then `kenmerk4`, `kenmerk5`, … The delimiter is
`,`, `;` (Dutch Excel) or a tab. Attribute names are stored lower-case; values as written.

The attributes are stored as DIR/respondents.json (`{"columns": [...], "respondents": {"R13":
{"rol": ..., ...}}}`, atomic write) beside chunks.jsonl, where the searcher reads them for its
filters (`Filters.attributes`) and the exports for their columns and QDPX case variables.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CitaatError
from .fsio import atomic_write_text
from .respondents import normalize_code

RESPONDENTS_FILE = "respondents.json"
DEFAULT_COLUMNS = ("rol", "organisatie")
_MAX_SHEET_BYTES = 10_000_000


class SheetError(CitaatError):
    """The respondent sheet cannot be used (missing, empty, not a table of codes)."""


@dataclass
class RespondentSheet:
    """Attributes per respondent code, the attribute names in sheet order, and what was odd."""

    columns: list[str] = field(default_factory=list)
    respondents: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"columns": self.columns, "respondents": self.respondents}, ensure_ascii=False, indent=1)

    def unknown_codes(self, known: Iterable[str]) -> list[str]:
        """Codes in the sheet that no chunk carries, in sheet order."""
        have = set(known)
        return [c for c in self.respondents if c not in have]

    def matching(self, wanted: Iterable[tuple[str, str]]) -> set[str]:
        """Codes whose attributes equal every (name, value) pair, case-insensitively."""
        pairs = [(n.casefold(), v.casefold()) for n, v in wanted]
        return {
            code for code, attrs in self.respondents.items() if all(attrs.get(n, "").casefold() == v for n, v in pairs)
        }

    def values(self) -> dict[str, list[str]]:
        """Every attribute with its distinct values (sorted), for filter menus."""
        out: dict[str, set[str]] = {c: set() for c in self.columns}
        for attrs in self.respondents.values():
            for name, value in attrs.items():
                if value:
                    out.setdefault(name, set()).add(value)
        return {name: sorted(vals, key=str.casefold) for name, vals in out.items()}


def _column_name(raw: str, n: int) -> str:
    name = " ".join(raw.split()).casefold()
    return name or f"kenmerk{n}"


def read_sheet(path: Path | str) -> RespondentSheet:
    """Read a respondent sheet (see the module docstring); SheetError when it cannot be used."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"{path}: kan niet gelezen worden ({exc.strerror or exc})") from None
    if len(data) > _MAX_SHEET_BYTES:
        raise SheetError(f"{path}: te groot voor een respondentenlijst (meer dan 10 MB)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise SheetError(
            f"{path}: de respondentenlijst is leeg", "zet op elke regel een code en kenmerken, bv. R13,rol"
        )
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [[c.strip() for c in row] for row in csv.reader(lines, delimiter=delimiter)]
    sheet = RespondentSheet()
    first = rows[0]
    if first and normalize_code(first[0]) is None:  # a header row
        sheet.columns = [_column_name(c, i + 1) for i, c in enumerate(first[1:], start=1)]
        body = list(enumerate(rows[1:], start=2))
    else:
        width = max(len(r) for r in rows) - 1
        sheet.columns = [DEFAULT_COLUMNS[i] if i < len(DEFAULT_COLUMNS) else f"kenmerk{i + 2}" for i in range(width)]
        body = list(enumerate(rows, start=1))
    for line_no, row in body:
        if not row or not any(row):
            continue
        code = normalize_code(row[0])
        if code is None:
            sheet.warnings.append(f"{path.name}: regel {line_no}: {row[0]!r} is geen respondentcode; overgeslagen")
            continue
        if code in sheet.respondents:
            sheet.warnings.append(f"{path.name}: regel {line_no}: {code} staat er al eerder in; deze regel telt")
        while len(sheet.columns) < len(row) - 1:
            sheet.columns.append(f"kenmerk{len(sheet.columns) + 2}")
        sheet.respondents[code] = {
            name: (row[i + 1] if i + 1 < len(row) else "") for i, name in enumerate(sheet.columns)
        }
    if not sheet.respondents:
        raise SheetError(f"{path}: geen enkele regel begint met een respondentcode", "bv. R13,gemeentesecretaris")
    return sheet


def write_sheet(out_dir: Path | str, sheet: RespondentSheet) -> Path:
    """Store the sheet as DIR/respondents.json (atomic)."""
    target = Path(out_dir) / RESPONDENTS_FILE
    atomic_write_text(target, sheet.to_json())
    return target


def read_attributes(out_dir: Path | str) -> RespondentSheet:
    """DIR/respondents.json, or an empty sheet when there is none; SheetError when it is damaged."""
    path = Path(out_dir) / RESPONDENTS_FILE
    if not path.is_file():
        return RespondentSheet()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        columns = [str(c) for c in data["columns"]]
        respondents = {
            str(code): {str(k): str(v) for k, v in attrs.items()} for code, attrs in data["respondents"].items()
        }
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise SheetError(
            f"{path}: beschadigd ({exc})", "lees de respondentenlijst opnieuw in met `citaat ingest --respondents`"
        ) from None
    return RespondentSheet(columns, respondents)


def attribute_pairs(values: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs with the name lower-case and both stripped; empty values dropped."""
    items = values.items() if isinstance(values, Mapping) else values
    pairs = [(" ".join(str(n).split()).casefold(), str(v).strip()) for n, v in items]
    return tuple((n, v) for n, v in pairs if n and v)


def parse_attribute_option(value: str) -> tuple[str, str]:
    """'rol=gemeentesecretaris' -> ('rol', 'gemeentesecretaris'); SheetError otherwise."""
    name, sep, val = value.partition("=")
    pairs = attribute_pairs([(name, val)]) if sep else ()
    if not pairs:
        raise SheetError(f"kenmerk {value!r} is geen NAAM=WAARDE", "bv. rol=gemeentesecretaris")
    return pairs[0]
