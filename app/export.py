"""Export of results (an answer's sources, a search, a respondent's quotes) to CSV and Markdown.

Every row carries its citation (respondent · section · page) and chunk id, so an exported quote
can always be traced back. CSV is written as UTF-8 with a byte-order mark so Excel reads the
Dutch characters correctly.
"""

from __future__ import annotations

import csv
import itertools
import re
import time
from collections.abc import Sequence
from pathlib import Path

from .records import Source, quoted

CSV_COLUMNS = (
    "nr",
    "citaat",
    "respondent",
    "sectie",
    "sectiepad",
    "pagina",
    "soort",
    "document",
    "bronvermelding",
    "id",
)
_counter = itertools.count(1)


def to_csv(sources: Sequence[Source], path: Path | str) -> Path:
    """Write one row per source (columns `CSV_COLUMNS`) and return the path."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for s in sources:
            row = s.to_row()
            writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    return path


def to_markdown(sources: Sequence[Source], title: str, question: str | None = None, answer: str | None = None) -> str:
    """A Markdown document: title, the question and answer if given, then every source as a
    blockquote with its citation and chunk id."""
    lines = [f"# {title}", ""]
    if question:
        lines += [f"**Vraag:** {question}", ""]
    if answer:
        lines += ["## Antwoord", "", answer.strip(), ""]
    if sources:
        lines += ["## Bronnen", ""]
    for s in sources:
        lines += [f"{s.n}. {quoted(s.text)}", "", f"   — {s.citation}  ", f"   `{s.doc}` · `{s.chunk.id}`", ""]
    if not sources:
        lines += ["_Geen resultaten._", ""]
    return "\n".join(lines)


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].strip("-") or "resultaten"


EXPORT_MAX_AGE_S = 3600  # a download link older than an hour is not clicked any more


def prune_exports(directory: Path, max_age_s: float = EXPORT_MAX_AGE_S) -> int:
    """Delete our own export files older than `max_age_s`, so a long-running app (every answer
    writes a CSV and a Markdown file) does not fill the disk. Returns how many were removed."""
    cutoff = time.time() - max_age_s
    removed = 0
    for path in directory.glob("citaat-*"):
        try:
            if path.suffix in (".csv", ".md") and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another session removed it first
    return removed


def write_exports(
    sources: Sequence[Source],
    directory: Path | str,
    name: str,
    title: str,
    question: str | None = None,
    answer: str | None = None,
) -> tuple[Path, Path]:
    """Write `<name>-<time>-<n>.csv` and `.md` into `directory` (unique names, so concurrent
    sessions never overwrite each other's downloads); returns (csv path, md path)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    prune_exports(directory)
    stem = f"citaat-{_slug(name)}-{time.strftime('%Y%m%d-%H%M%S')}-{next(_counter)}"
    csv_path = to_csv(sources, directory / f"{stem}.csv")
    md_path = directory / f"{stem}.md"
    md_path.write_text(to_markdown(sources, title, question, answer), encoding="utf-8")
    return csv_path, md_path
