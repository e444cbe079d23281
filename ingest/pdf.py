"""PDF reports via pypdf: lines with position and font, running header and page numbers removed,
wrapped lines re-joined into paragraphs, bold lines kept as headings with their level.

Why positions: pypdf's plain `extract_text` loses paragraph breaks; the vertical gap between
lines (larger than the line spacing) and the font (bold, size) bring them back. Paragraphs that
run over a page break are joined again, so a quote split by a page break stays one quote.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .model import IngestError, RawBlock
from .plaintext import table_row
from .text import clean_inline, ends_sentence, join_wrapped, starts_lower

_TABLE_GAP_RE = re.compile(r"\S {4,}\S|\S {3,}$")
_PAGE_NUMBER_RE = re.compile(r"^\s*(?:pagina\s+|p\.\s*)?\d{1,4}(?:\s*(?:/|van)\s*\d{1,4})?\s*$", re.I)
_DIGITS_RE = re.compile(r"\d+")
_LIST_MARK_RE = re.compile(r"^\s*(?:[-•–]\s+|\d+[.)]\s+)")
MARGIN = 0.08  # top/bottom share of the page where running headers and page numbers live


@dataclass
class _Line:
    page: int
    y: float
    x: float
    size: float
    bold: bool
    text: str


def _read_lines(path: Path) -> tuple[list[list[_Line]], list[float]]:
    import pypdf
    from pypdf.errors import PdfReadError

    # pypdf logs repairable damage ("EOF marker not found") as warnings; our own error line says enough.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))  # an empty user password opens some "encrypted" PDFs
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported crypto
                ok = False
            if not ok:
                raise IngestError(
                    str(path),
                    "de PDF is met een wachtwoord beveiligd",
                    "haal het wachtwoord weg en probeer het opnieuw",
                )
        pages = list(reader.pages)
    except IngestError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(str(path), f"geen leesbare PDF ({_short(exc)})") from None
    if not pages:
        raise IngestError(str(path), "de PDF heeft geen pagina's")

    all_lines: list[list[_Line]] = []
    heights: list[float] = []
    for pno, page in enumerate(pages, 1):
        frags: list[tuple[float, float, float, bool, str]] = []

        def visit(text, cm, tm, font_dict, font_size, _frags=frags):  # type: ignore[no-untyped-def]
            if not text or not text.strip():
                return
            font = str((font_dict or {}).get("/BaseFont", ""))
            size = float(font_size) * abs(float(tm[3]) or 1.0) * abs(float(cm[3]) or 1.0)
            y = float(tm[5]) * float(cm[3]) + float(cm[5])
            x = float(tm[4]) * float(cm[0]) + float(cm[4])
            for i, part in enumerate(text.split("\n")):
                if part.strip():
                    _frags.append((round(y - i * size * 1.2, 1), x, round(size, 1), "bold" in font.lower(), part))

        try:
            page.extract_text(visitor_text=visit)
            height = float(page.mediabox.height)
        except Exception as exc:  # noqa: BLE001 - a broken page content stream
            raise IngestError(str(path), f"pagina {pno} kan niet gelezen worden ({_short(exc)})") from None
        heights.append(height)
        # Group fragments on the same baseline into one line, left to right.
        by_y: dict[float, list[tuple[float, float, float, bool, str]]] = {}
        for f in frags:
            key = next((k for k in by_y if abs(k - f[0]) < 1.5), f[0])
            by_y.setdefault(key, []).append(f)
        lines = []
        for y in sorted(by_y, reverse=True):
            parts = sorted(by_y[y], key=lambda f: f[1])
            text = "".join(p[4] for p in parts).rstrip("\n")
            size = max(p[2] for p in parts)
            bold = all(p[3] for p in parts)
            lines.append(_Line(pno, y, parts[0][1], size, bold, text))
        all_lines.append(lines)
    return all_lines, heights


def _short(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg[:120]


def _drop_furniture(pages: list[list[_Line]], heights: list[float]) -> list[list[_Line]]:
    """Remove running headers/footers (text repeated in the margins) and page-number lines."""
    n = len(pages)
    counts: Counter[str] = Counter()
    for lines, h in zip(pages, heights, strict=True):
        seen = set()
        for ln in lines:
            if ln.y > h * (1 - MARGIN) or ln.y < h * MARGIN:
                seen.add(_DIGITS_RE.sub("#", ln.text.strip()))
        counts.update(seen)
    repeated = {t for t, c in counts.items() if n >= 3 and c >= max(2, n // 2)}
    out = []
    for lines, h in zip(pages, heights, strict=True):
        kept = []
        for ln in lines:
            in_margin = ln.y > h * (1 - MARGIN) or ln.y < h * MARGIN
            if in_margin and (_DIGITS_RE.sub("#", ln.text.strip()) in repeated or _PAGE_NUMBER_RE.match(ln.text)):
                continue
            kept.append(ln)
        out.append(kept)
    return out


def _body_size(pages: list[list[_Line]]) -> float:
    sizes = Counter(ln.size for lines in pages for ln in lines if not ln.bold)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _is_table_line(text: str) -> bool:
    return bool(_TABLE_GAP_RE.search(text))


def _full_width(pages: list[list[_Line]], body: float) -> float:
    """Typical length (characters) of a full justified line, to tell wrapped lines from hard breaks."""
    lengths = sorted(len(clean_inline(ln.text)) for lines in pages for ln in lines if ln.size == body)
    return lengths[int(len(lengths) * 0.9)] if lengths else 80.0


def _group_lines(pages: list[list[_Line]], body: float) -> list[list[_Line]]:
    """The lines of each page grouped into visual blocks: a new block at a gap wider than the page's
    line spacing, or where boldness, size or table-ness changes (a wrapped heading stays one)."""
    groups: list[list[_Line]] = []
    for lines in pages:
        if not lines:
            continue
        gaps = [a.y - b.y for a, b in zip(lines, lines[1:], strict=False) if a.size == b.size == body]
        spacing = statistics.median(gaps) if gaps else body * 1.5
        current: list[_Line] = []
        for ln in lines:
            if current:
                prev = current[-1]
                limit = spacing * 1.25
                if prev.bold and ln.bold and prev.size == ln.size:
                    limit = max(limit, ln.size * 1.6)  # a heading wrapped over two lines
                new_block = (
                    (prev.y - ln.y) > limit
                    or prev.bold != ln.bold
                    or prev.size != ln.size
                    or _is_table_line(prev.text) != _is_table_line(ln.text)
                )
                if new_block:
                    groups.append(current)
                    current = []
            current.append(ln)
        if current:
            groups.append(current)
    return groups


def _table_text(group: list[_Line]) -> str:
    """A group of table lines as rows ('a | b | c'); a row of figures under a label-only line
    continues that line (a wrapped row: label on one line, figures below)."""
    rows: list[str] = []
    for ln in group:
        row = table_row(re.split(r" {3,}", ln.text.strip()))
        cells = row.split(" | ")
        numeric = all(re.fullmatch(r"[\d.,%*-]+", c) for c in cells)
        if rows and numeric and not re.search(r"\d", rows[-1].split(" | ")[-1]):
            rows[-1] = f"{rows[-1]} | {row}"
        else:
            rows.append(row)
    return "\n".join(rows)


def load_pdf(path: Path) -> list[RawBlock]:
    """Read a PDF into raw blocks with 1-based page numbers (headings from bold lines)."""
    pages, heights = _read_lines(path)
    pages = _drop_furniture(pages, heights)
    if not any(ln.text.strip() for lines in pages for ln in lines):
        raise IngestError(
            str(path), "de PDF heeft geen tekstlaag (alleen gescande afbeeldingen?)", "haal hem eerst door OCR"
        )
    body = _body_size(pages)
    full = _full_width(pages, body)
    heading_sizes = sorted({ln.size for lines in pages for ln in lines if ln.bold and ln.size >= body}, reverse=True)
    level_of = {s: i + 1 for i, s in enumerate(heading_sizes)}
    vocabulary = {w.lower().strip(".,;:()“”\"'‘’") for lines in pages for ln in lines for w in ln.text.split()}

    def wide(text: str) -> bool:
        """A line that reaches (nearly) the right margin: the next line in its block continues it."""
        t = text.strip()
        return "  " in t or len(clean_inline(t)) >= 0.85 * full

    def is_full(text: str) -> bool:
        """A justified (stretched) line, or a long one that stops mid-sentence: the paragraph goes on."""
        t = text.strip()
        return "  " in t or (len(clean_inline(t)) >= 0.85 * full and not ends_sentence(t))

    # 1. Group lines into visual blocks on each page.
    groups = _group_lines(pages, body)

    # 2. Turn groups into raw blocks; join paragraphs split by a page break.
    blocks: list[RawBlock] = []
    last_full: bool = False
    last_page = 0
    for group in groups:
        first = group[0]
        page_start = first.page != last_page
        last_page = group[-1].page
        if first.bold and first.size in level_of:
            title = clean_inline(" ".join(ln.text for ln in group))
            blocks.append(
                RawBlock("heading", title, page=first.page, level=level_of[first.size], meta={"from_font": True})
            )
            last_full = False
            continue
        if _is_table_line(first.text):
            blocks.append(RawBlock("table", _table_text(group), page=first.page))
            last_full = False
            continue
        text_lines: list[str] = []
        prev_raw = ""
        for ln in group:
            t = clean_inline(ln.text)
            if not t:
                continue
            if text_lines and not _LIST_MARK_RE.match(t) and (wide(prev_raw) or starts_lower(t)):
                text_lines[-1] = join_wrapped(text_lines[-1], t, vocabulary)
            else:
                text_lines.append(t)
            prev_raw = ln.text
        if not text_lines:
            continue
        text = "\n".join(text_lines)
        prev_block = blocks[-1] if blocks else None
        continues = (
            prev_block is not None
            and prev_block.kind in ("paragraph", "list")
            and page_start
            and not _LIST_MARK_RE.match(text)
            and (last_full or starts_lower(text))
        )
        list_goes_on = (
            prev_block is not None
            and prev_block.kind == "list"
            and page_start
            and not any(is_full(ln.text) for ln in group)
            and not ends_sentence(prev_block.text.rsplit("\n", 1)[-1])
        )
        if list_goes_on and prev_block is not None:
            breaks = [*prev_block.meta.get("page_breaks", []), (len(prev_block.text) + 1, first.page)]
            blocks[-1] = RawBlock(
                "list", f"{prev_block.text}\n{text}", page=prev_block.page, meta={"page_breaks": breaks}
            )
        elif continues and prev_block is not None:
            merged = join_wrapped(prev_block.text, text, vocabulary)
            breaks = [*prev_block.meta.get("page_breaks", []), (len(merged) - len(text), first.page)]
            blocks[-1] = RawBlock(
                "list" if "\n" in merged else "paragraph", merged, page=prev_block.page, meta={"page_breaks": breaks}
            )
        else:
            blocks.append(RawBlock("list" if "\n" in text else "paragraph", text, page=first.page))
        last_full = is_full(group[-1].text)
    return blocks
