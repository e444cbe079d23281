"""The cited page of a PDF, rendered, with the quote highlighted ("Bekijk op de pagina").

    image, found = render_quote(pdf_path, page, quote)    # PIL image; found: the quote was located

pypdfium2 renders the page and gives its text with a box per character. The quote is located by
its letters and digits only (lower case), so line breaks, hyphenation at a line end, and typographic
quotes or dashes in the PDF do not stop the match; when the whole quote is not on the page (it runs
on to the next one), its longest beginning that is is highlighted. The boxes of the matched characters,
merged per line by pdfium, are drawn as translucent rectangles with PIL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HIGHLIGHT = (250, 204, 21, 110)  # amber, translucent
OUTLINE = (217, 119, 6, 255)
MIN_MATCH_CHARS = 12  # a shorter prefix could be anywhere on the page


def _keys(text: str) -> tuple[str, list[int]]:
    """The letters and digits of `text`, lower case, with the index of each in `text`."""
    kept = [(i, ch.lower()) for i, ch in enumerate(text) if ch.isalnum()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def locate(page_text: str, quote: str) -> tuple[int, int] | None:
    """[start, end) in `page_text` of the quote (or of its longest beginning found on the page)."""
    hay, where = _keys(page_text)
    needle, _ = _keys(quote)
    if not needle:
        return None
    lo, hi, best = MIN_MATCH_CHARS, len(needle), -1
    if hay.find(needle) >= 0:
        best = len(needle)
    else:  # the longest prefix present (binary search: a prefix of a present prefix is present)
        while lo <= hi:
            mid = (lo + hi) // 2
            if hay.find(needle[:mid]) >= 0:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
    if best < min(MIN_MATCH_CHARS, len(needle)):
        return None
    at = hay.find(needle[:best])
    return where[at], where[at + best - 1] + 1


def render_quote(pdf_path: Path | str, page: int, quote: str, scale: float = 1.6) -> tuple[Any, bool]:
    """The 1-based `page` of the PDF as a PIL image with `quote` highlighted; found says whether it was."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"page {page} not in 1..{len(pdf)}")
        pdf_page = pdf[page - 1]
        height = pdf_page.get_height()
        image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
        text_page = pdf_page.get_textpage()
        span = locate(text_page.get_text_range(), quote)
        rects = []
        if span is not None:
            start, end = span
            for i in range(text_page.count_rects(start, end - start)):
                left, bottom, right, top = text_page.get_rect(i)
                rects.append(
                    (left * scale - 2, (height - top) * scale - 2, right * scale + 2, (height - bottom) * scale + 2)
                )
    finally:
        pdf.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box in rects:
        draw.rectangle(box, fill=HIGHLIGHT, outline=OUTLINE, width=2)
    return Image.alpha_composite(image, overlay).convert("RGB"), bool(rects)


__all__ = ["locate", "render_quote"]
