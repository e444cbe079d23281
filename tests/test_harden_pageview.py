"""Issue 21, attack 1: one click on "Bekijk op de pagina" for a PDF that declares a huge page
took ~8 GB of server memory. The page image is now capped, refused when absurd, rendered in a
child process with a memory limit and a timeout, and cached."""

from __future__ import annotations

import pytest

from citaat.app.pageview import MAX_SIDE_PX, PageViewError, fit_scale, page_image, render_quote
from tests.hostile import tiny_pdf

QUOTE = "De blauwe aanpak werkt goed voor ons allemaal"


def test_an_absurd_page_size_is_refused_in_dutch(tmp_path):
    pdf = tiny_pdf(tmp_path / "groot.pdf", 14400, 14400, f"\u201c{QUOTE}\u201d (R13)")
    assert pdf.stat().st_size < 1000
    with pytest.raises(PageViewError) as err:
        render_quote(pdf, 1, QUOTE)
    assert "508 × 508 cm" in err.value.message and "niet getoond" in err.value.message


def test_a_large_page_is_rendered_within_the_pixel_cap(tmp_path):
    pdf = tiny_pdf(tmp_path / "a0.pdf", 3000, 2000, f"\u201c{QUOTE}\u201d (R13)")
    image, found = render_quote(pdf, 1, QUOTE)
    assert found
    assert max(image.size) <= MAX_SIDE_PX and image.size[0] == 2000 and abs(image.size[1] - 1333) <= 1


def test_fit_scale_keeps_the_normal_scale_for_a_normal_page():
    assert fit_scale(595, 842) == 1.6  # A4 at 1.6 is 1347 px high: under the cap
    assert fit_scale(2000, 1000) == pytest.approx(1.0)
    with pytest.raises(PageViewError):
        fit_scale(0, 842)


def test_the_chat_renders_in_a_child_with_a_memory_limit_and_caches(tmp_path):
    pdf = tiny_pdf(tmp_path / "a4.pdf", 595, 842, f"\u201c{QUOTE}\u201d (R13)")
    cache = tmp_path / "cache"
    image, found = page_image(pdf, 1, QUOTE, cache)
    assert found and abs(image.size[0] - 952) <= 1 and abs(image.size[1] - 1347) <= 1
    cached = list(cache.glob("*.png"))
    assert len(cached) == 1 and cached[0].name.endswith("-1.png")
    # the second click reads the cache: the PDF is not opened again (a changed file has a new key)
    again, found_again = page_image(pdf, 1, QUOTE, cache)
    assert found_again and again.size == image.size and list(cache.glob("*.png")) == cached


def test_the_child_refuses_the_huge_page_and_a_tight_memory_limit_is_a_dutch_line(tmp_path):
    huge = tiny_pdf(tmp_path / "groot.pdf", 14400, 14400, f"\u201c{QUOTE}\u201d (R13)")
    with pytest.raises(PageViewError) as err:
        page_image(huge, 1, QUOTE, tmp_path / "cache")
    assert "niet getoond" in err.value.message
    a4 = tiny_pdf(tmp_path / "a4.pdf", 595, 842, QUOTE)
    with pytest.raises(PageViewError) as err:  # 64 MB of address space: pdfium does not even load
        page_image(a4, 1, QUOTE, None, memory_mb=64)
    assert err.value.message == "de pagina kon niet getoond worden: er was te weinig geheugen"
    assert "Traceback" not in err.value.message and not list((tmp_path / "cache").glob("*"))


def test_a_missing_page_is_a_dutch_line(tmp_path):
    a4 = tiny_pdf(tmp_path / "a4.pdf", 595, 842, QUOTE)
    with pytest.raises(PageViewError) as err:
        page_image(a4, 7, QUOTE, None)
    assert "pagina 7 bestaat niet" in err.value.message
