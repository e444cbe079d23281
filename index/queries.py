"""Query files: JSON Lines with one question per line, `{"id": "q1", "q": "Wat zegt R13 over …?"}`,
optionally with `"history"`: the earlier questions of a conversation (`citaat ask` replays them).

One reader for `citaat search --queries` and the eval question set (which adds its own fields on
top, see eval/dataset.py), so both accept and reject the same files with the same messages.
Blank lines and lines starting with `#` are skipped; `id` is optional but unique when given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citaat.ingest.errors import CitaatError


class QueryFileError(CitaatError, ValueError):
    """A query file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class QueryRecord:
    """One question line: its number in the file and the JSON object on it (`q` checked)."""

    line: int
    data: dict[str, Any]

    @property
    def q(self) -> str:
        return str(self.data["q"])

    @property
    def history(self) -> list[str]:
        """The earlier questions of the conversation this question is asked in (`"history"`, optional)."""
        return [str(h) for h in self.data.get("history") or []]

    @property
    def id(self) -> Any:
        """The record's `id`, or its line number when it has none."""
        return self.data.get("id", self.line)


def parse_query_lines(lines: Iterable[str], source: str = "<geheugen>") -> list[QueryRecord]:
    """The records of a query file's lines; a bad line raises QueryFileError naming `source:line`."""
    records: list[QueryRecord] = []
    seen: dict[Any, int] = {}
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QueryFileError(f"{source}:{n}: geen geldige JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise QueryFileError(f"{source}:{n}: geen JSON-object")
        q = data.get("q")
        if not isinstance(q, str) or not q.strip():
            raise QueryFileError(f'{source}:{n}: geen vraag ("q" ontbreekt of is leeg)')
        history = data.get("history")
        if history is not None and (not isinstance(history, list) or not all(isinstance(h, str) for h in history)):
            raise QueryFileError(f'{source}:{n}: "history" moet een lijst met eerdere vragen (teksten) zijn')
        if "id" in data:
            qid = data["id"]
            if not isinstance(qid, str | int) or isinstance(qid, bool) or not str(qid).strip():
                raise QueryFileError(f'{source}:{n}: "id" moet een niet-lege tekst of een getal zijn')
            if qid in seen:
                raise QueryFileError(f"{source}:{n}: id {qid!r} staat ook op regel {seen[qid]}")
            seen[qid] = n
        records.append(QueryRecord(n, data))
    if not records:
        raise QueryFileError(f"{source}: geen vragen gevonden")
    return records


def read_query_file(path: Path | str) -> list[QueryRecord]:
    """`parse_query_lines` of a UTF-8 file; a missing or unreadable file is a QueryFileError too."""
    path = Path(path)
    if not path.is_file():
        raise QueryFileError(f"{path}: bestand niet gevonden")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(f"{path}: kan niet gelezen worden ({exc})") from None
    return parse_query_lines(text.splitlines(), str(path))
