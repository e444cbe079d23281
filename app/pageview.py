"""The cited page of a PDF, rendered, with the quote highlighted ("Bekijk op de pagina").

    image, found = render_quote(pdf_path, page, quote)    # PIL image; found: the quote was located
    image, found = page_image(pdf_path, page, quote, cache_dir)   # what the chat calls (see below)

A page is never rendered larger than `MAX_SIDE_PX` on its long side (the scale shrinks to fit), and
a page larger than `MAX_PAGE_PT` on a side is refused (`PageViewError`, Dutch): a PDF can declare
a 5 m page in a few bytes, which at the chat's scale took 8 GB of memory. The chat renders in a
child process (`python -m citaat.app.pageview`) with an address-space limit (`RENDER_MEMORY_MB`)
and a timeout (`RENDER_TIMEOUT_S`), and keeps the PNG in a cache keyed by the file's hash, the
page and the quote, so a second click costs a file read.

pypdfium2 renders the page and gives its text with a box per character. The quote is located by
its letters and digits only (lower case), so line breaks, hyphenation at a line end, and typographic
quotes or dashes in the PDF do not stop the match; when the whole quote is not on the page (it runs
on to the next one), its longest beginning that is is highlighted. The boxes of the matched characters,
merged per line by pdfium, are drawn as translucent rectangles with PIL.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from citaat.ingest.errors import CitaatError
from citaat.ingest.fsio import atomic_write_bytes, sha256_file

MAX_SIDE_PX = 2000  # the long side of a rendered page, at most (a 2000 x 2000 RGBA page is 16 MB)
MAX_PAGE_PT = 5000.0  # ~176 cm; A0 is 3370 pt. Larger pages are refused, not shrunk
DEFAULT_SCALE = 1.6
RENDER_TIMEOUT_S = 30.0
RENDER_MEMORY_MB = 1536  # address space of the render child (Python, pdfium, PIL and one page)
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


class PageViewError(CitaatError):
    """A page that is not shown (too large, too slow, damaged); the message is for the user."""


def fit_scale(width_pt: float, height_pt: float, scale: float = DEFAULT_SCALE, max_side: int = MAX_SIDE_PX) -> float:
    """The render scale: `scale`, or less so the long side stays within `max_side` pixels. Refuses
    (PageViewError) a page larger than MAX_PAGE_PT on a side, or without a size."""
    longest = max(width_pt, height_pt)
    if not 0 < min(width_pt, height_pt) or longest > MAX_PAGE_PT:
        raise PageViewError(
            f"de pagina is {width_pt / 72 * 2.54:.0f} × {height_pt / 72 * 2.54:.0f} cm groot; "
            f"pagina's groter dan {MAX_PAGE_PT / 72 * 2.54:.0f} cm worden niet getoond"
        )
    return min(scale, max_side / longest)


def render_quote(
    pdf_path: Path | str, page: int, quote: str, scale: float = DEFAULT_SCALE, max_side: int = MAX_SIDE_PX
) -> tuple[Any, bool]:
    """The 1-based `page` of the PDF as a PIL image with `quote` highlighted; found says whether it
    was. The image is at most `max_side` pixels on its long side (`fit_scale`)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"page {page} not in 1..{len(pdf)}")
        pdf_page = pdf[page - 1]
        height = pdf_page.get_height()
        scale = fit_scale(pdf_page.get_width(), height, scale, max_side)
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


def page_image(
    pdf_path: Path | str,
    page: int,
    quote: str,
    cache_dir: Path | None,
    timeout: float = RENDER_TIMEOUT_S,
    memory_mb: int = RENDER_MEMORY_MB,
) -> tuple[Any, bool]:
    """The highlighted page as a PIL image, rendered in a child process (memory limit, timeout) and
    cached in `cache_dir` (None: no cache). Raises PageViewError with a Dutch message when the page
    cannot be shown (too large, too slow, damaged, not there)."""
    from PIL import Image

    pdf_path = Path(pdf_path)
    key = hashlib.sha256(
        json.dumps([sha256_file(pdf_path), page, quote, MAX_SIDE_PX, DEFAULT_SCALE]).encode("utf-8")
    ).hexdigest()[:32]
    if cache_dir is not None:
        for found, name in ((True, f"{key}-1.png"), (False, f"{key}-0.png")):
            cached = cache_dir / name
            if cached.is_file():
                try:
                    with Image.open(cached) as img:
                        return img.convert("RGB"), found
                except OSError:
                    cached.unlink(missing_ok=True)  # damaged: render again
    out_dir = cache_dir if cache_dir is not None else Path(os.environ.get("TMPDIR", "/tmp"))
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{key}.render"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "citaat.app.pageview", str(pdf_path), str(page), str(out), str(memory_mb)],
            input=quote,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        out.unlink(missing_ok=True)
        raise PageViewError(f"het tekenen van de pagina duurde langer dan {timeout:.0f} s en is afgebroken") from None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    if "error" in result or "found" not in result or not out.is_file():
        out.unlink(missing_ok=True)
        reason = result.get("error") or (
            "er was te weinig geheugen" if proc.returncode != 0 else "de pagina is onleesbaar"
        )
        raise PageViewError(f"de pagina kon niet getoond worden: {reason}")
    found = bool(result["found"])
    final = out_dir / f"{key}-{int(found)}.png"
    os.replace(out, final)
    try:
        with Image.open(final) as img:
            return img.convert("RGB"), found
    finally:
        if cache_dir is None:
            final.unlink(missing_ok=True)


def _child_main(argv: list[str]) -> int:
    """`python -m citaat.app.pageview PDF PAGE OUT MEMORY_MB` (quote on stdin): limits its own
    address space to MEMORY_MB first, writes OUT as PNG, prints {"found": bool} or {"error": …}."""
    import io

    pdf_path, page, out = argv[0], int(argv[1]), Path(argv[2])
    if os.name == "posix":  # set here, not in a preexec_fn: that is unsafe in the threaded server
        import resource

        limit = int(argv[3]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    quote = sys.stdin.read()
    try:
        image, found = render_quote(pdf_path, page, quote)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        atomic_write_bytes(out, buffer.getvalue(), durable=False)
    except PageViewError as exc:
        print(json.dumps({"error": exc.message}))
        return 1
    except ValueError:
        print(json.dumps({"error": f"pagina {page} bestaat niet in dit bestand"}))
        return 1
    except MemoryError:
        print(json.dumps({"error": "er was te weinig geheugen"}))
        return 1
    except Exception:  # noqa: BLE001 - a damaged PDF: one Dutch line, the parent shows it
        print(json.dumps({"error": "het bestand is beschadigd of onleesbaar"}))
        return 1
    print(json.dumps({"found": found}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))


__all__ = ["MAX_PAGE_PT", "MAX_SIDE_PX", "PageViewError", "fit_scale", "locate", "page_image", "render_quote"]
