"""Plain text and Markdown reports: blocks separated by blank lines, emphasis markers removed.

Headings are not marked in the report's .txt, so this loader only splits and cleans blocks;
`structure.classify_headings` decides which single-line blocks are headings, the same way for
TXT and PDF. Markdown `#` headings are taken as given.
"""

from __future__ import annotations

import re

from .model import RawBlock
from .text import clean_inline, starts_lower, strip_emphasis

_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_MARK_RE = re.compile(r"^\s*(?:[-•*–]\s+|\d+[.)]\s+|[a-z][.)]\s+)")
_BLANK_RE = re.compile(r"\n[ \t\u00a0]*\n")
TABLE_CELL_SEP = " | "


def table_row(cells: list[str]) -> str:
    """One table row as text: non-empty cells joined by ' | ' (same for TXT tabs and PDF gaps)."""
    return TABLE_CELL_SEP.join(c for c in (clean_inline(x) for x in cells) if c)


def join_lines(lines: list[str]) -> str:
    """Join the lines of one block: wrapped prose becomes one line, list items stay on their own.

    A line continues the previous one when it starts with a lowercase letter and is not a list
    item; everything else keeps its line break.
    """
    out: list[str] = []
    for line in lines:
        line = clean_inline(line)
        if not line:
            continue
        if out and starts_lower(line) and not _LIST_MARK_RE.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def load_text(text: str) -> list[RawBlock]:
    """Split a plain-text/Markdown report into raw blocks (paragraph, list, table, heading)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    blocks: list[RawBlock] = []
    for raw in _BLANK_RE.split(text):
        lines = [ln for ln in raw.split("\n") if ln.strip()]
        if not lines:
            continue
        md = _MD_HEADING_RE.match(lines[0])
        if md and len(lines) == 1:
            title = clean_inline(strip_emphasis(md.group(2)))
            if title:
                blocks.append(RawBlock("heading", title, level=len(md.group(1)), meta={"marked": True}))
            continue
        tab_lines = [ln for ln in lines if "\t" in ln.strip("\t ") or ln.count("\t") >= 2]
        if len(tab_lines) >= max(1, len(lines) // 2) and len(lines) >= 1 and tab_lines:
            rows = [table_row(strip_emphasis(ln).split("\t")) for ln in lines]
            body = "\n".join(r for r in rows if r)
            if body:
                blocks.append(RawBlock("table", body))
            continue
        body = join_lines([strip_emphasis(ln) for ln in lines])
        if body:
            blocks.append(RawBlock("list" if "\n" in body else "paragraph", body))
    return blocks
