"""Plain text from a .docx, in reading order, so transcripts and reports in Word share the text path.

Heading-styled paragraphs become markdown headings (`#`, `##`, `###`), which the transcript parser
and the report chunker both understand; a table becomes one block of tab-separated rows. Anything
that is not a readable Word document raises IngestError with a one-line reason.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .model import BLOCK_SEPARATOR, IngestError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: encrypted OOXML or old .doc
_HEADING_STYLE_RE = re.compile(r"^(?:heading|kop)\s*(\d)", re.IGNORECASE)
_TITLE_STYLES = {"title", "titel"}


def _heading_level(style_name: str | None) -> int:
    """1-3 for Heading/Kop 1.., Title; 0 for body text. Levels below 3 are shown as ###."""
    if not style_name:
        return 0
    name = style_name.strip()
    if name.lower() in _TITLE_STYLES:
        return 1
    m = _HEADING_STYLE_RE.match(name)
    return min(int(m.group(1)), 3) if m and int(m.group(1)) > 0 else 0


def _precheck(path: Path) -> None:
    """Give the common failures a precise reason before python-docx gives a generic one."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise IngestError(str(path), f"kan niet gelezen worden ({exc.strerror or exc})") from None
    if not head:
        raise IngestError(str(path), "het bestand is leeg (0 bytes)")
    if head == _OLE_MAGIC:
        with path.open("rb") as fh:
            data = fh.read()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise IngestError(
                str(path),
                "het .docx-bestand is met een wachtwoord beveiligd",
                "haal het wachtwoord weg in Word en sla het opnieuw op",
            )
        raise IngestError(str(path), "oud Word 97-2003-formaat (.doc)", "sla het in Word op als .docx")
    if not zipfile.is_zipfile(path):
        raise IngestError(str(path), "geen geldig .docx-bestand (geen Word-document)")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise IngestError(
            str(path), f"beschadigd .docx-bestand ({exc})", "open het in Word en sla het opnieuw op als .docx"
        ) from None
    if bad is not None:
        raise IngestError(
            str(path),
            f"beschadigd .docx-bestand (onderdeel {bad} is kapot)",
            "open het in Word en sla het opnieuw op als .docx",
        )
    if "word/document.xml" not in names:
        raise IngestError(str(path), "geen geldig .docx-bestand (zip-archief zonder word/document.xml)")


def _cell_text(text: str) -> str:
    return " ".join(text.split())


def docx_text(path: Path) -> str:
    """Paragraphs and tables in document order, joined by blank lines (see module docstring)."""
    path = Path(path)
    _precheck(path)
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
        parts: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = item.text.strip()
                if not text:
                    continue
                style = item.style.name if item.style is not None else None
                level = _heading_level(style)
                if level:
                    text = "#" * level + " " + " ".join(text.split())
                parts.append(text)
            elif isinstance(item, Table):
                rows: list[str] = []
                for row in item.rows:
                    cells: list[str] = []
                    seen: list[object] = []
                    for cell in row.cells:
                        if any(cell._tc is tc for tc in seen):  # a merged cell comes once per grid column
                            continue
                        seen.append(cell._tc)
                        cells.append(_cell_text(cell.text))
                    if any(cells):
                        rows.append("\t".join(cells))
                if rows:
                    parts.append("\n".join(rows))
    except IngestError:
        raise
    except Exception as exc:  # python-docx/lxml raise many types for broken parts
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IngestError(
            str(path), f"beschadigd .docx-bestand ({reason[:120]})", "open het in Word en sla het opnieuw op als .docx"
        ) from None
    return BLOCK_SEPARATOR.join(parts)
