"""Researcher flow v2 (issue 22) in a real browser, on its own copy of the report index: the
empty-question hint, a long question shown collapsed, the page view at a readable size (a dialog
that opens where the reader is, the highlight in view, zoom), the claim box showing the mode used,
the search results as cards on 390 px with the filters in a panel at the top, an upload whose
speaker code is corrected on the page and then cited, and a duplicate upload. Saves the
screenshots in docs/screenshots/ that the README shows.

Uses the server and browser fixtures of tests/test_ui_browser.py (its own instance per module).
"""

from __future__ import annotations

import re
import shutil

import pytest
from test_ui_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    SHOTS,
    TRANSCRIPT,
    _ask,
    app_url,
    index_dir,
    page,
    playwright,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]

CLAIM = "Gemeenten die elkaar vertrouwen werken beter samen. Zonder vertrouwen loopt samenwerking vast."


def _wait_upload_done(page) -> str:  # noqa: F811
    page.wait_for_function(
        "() => /Klaar|Niet ingelezen|Niets/.test(document.querySelector('#upload-status')?.innerText || '')",
        timeout=240_000,
    )
    return page.inner_text("#upload-status")


def _choose_file(page, path) -> None:  # noqa: F811
    page.get_by_role("tab", name="Interviews toevoegen").click()
    page.wait_for_selector("#upload-btn", state="visible")
    page.set_input_files("#upload-files input[type=file]", str(path))
    # the file box shows the name, sometimes as stem and extension on two lines
    page.wait_for_function(
        "(name) => (document.querySelector('#upload-files')?.innerText || '').replace(/\\s+/g, '').includes(name)",
        arg=path.name.replace(" ", ""),
    )
    page.click("#upload-btn")
    page.wait_for_selector("#upload-confirm", state="visible", timeout=240_000)


def test_empty_and_long_questions(page):  # noqa: F811
    page.click("#ask")
    toast = page.wait_for_selector('[data-testid="toast-text"]')
    assert toast.inner_text().startswith("Typ eerst een vraag, bijvoorbeeld:")
    assert page.locator('#chat [data-testid="bot"]').count() == 0  # nothing was asked
    page.screenshot(path=str(SHOTS / "empty-question.png"))

    # longer than the bubble should show (400 characters), within the page's limit (1,000: issue 21)
    long = "Wat zeggen de respondenten over vertrouwen tussen gemeenten? " + "Ik bedoel vooral de bestuurders. " * 25
    assert 400 < len(long) <= 1000
    _ask(page, long)
    bubble = page.locator('#chat [data-testid="user"]').last
    assert bubble.locator("details.cz-long-q").count() == 1
    assert bubble.locator("details.cz-long-q").get_attribute("open") is None  # collapsed
    assert bubble.bounding_box()["height"] < 160
    assert "toon alles" in bubble.inner_text()
    page.click("#reset")


def test_page_view_opens_readable_where_the_reader_is(page):  # noqa: F811
    page.get_by_role("tab", name="Vraag & antwoord").click()
    _ask(page, "Wat zegt R13 over de blauwe aanpak?")
    link = page.locator("#sources a.cz-page").first
    link.scroll_into_view_if_needed()
    scroll_before = page.evaluate("() => window.scrollY")
    link.click()
    page.wait_for_selector("#pageview-img img")
    page.wait_for_function("() => document.querySelector('#pageview-img img')?.naturalWidth > 0")
    page.wait_for_timeout(600)
    box = page.evaluate(
        "() => { const b = document.querySelector('#pageview'), i = document.querySelector('#pageview-img img');"
        " const r = b.getBoundingClientRect(); return {pos: getComputedStyle(b).position, top: r.top,"
        " bottom: r.bottom, img: i.clientWidth}; }"
    )
    assert box["pos"] == "fixed" and 0 <= box["top"] < 100 and box["bottom"] <= 1000  # in the viewport
    assert box["img"] >= 800  # readable: the page at main-column width, not a thumbnail
    assert page.evaluate("() => window.scrollY") == scroll_before  # the page behind did not jump
    # the highlighted quote is in view inside the dialog
    mark_y = float(page.get_attribute("#pageview-caption", "data-mark-y"))
    assert 0 < mark_y < 1
    visible = page.evaluate(
        "(y) => { const i = document.querySelector('#pageview-img img'); const r = i.getBoundingClientRect();"
        " const at = r.top + y * r.height; return at > 0 && at < window.innerHeight; }",
        mark_y,
    )
    assert visible
    page.screenshot(path=str(SHOTS / "pageview.png"))
    page.click(".cz-zoom button[data-zoom=in]")
    assert page.evaluate("() => document.querySelector('#pageview-img img').clientWidth") > box["img"] * 1.2
    page.click(".cz-zoom button[data-zoom=fit]")
    page.click("#pageview-close")
    page.wait_for_selector("#pageview", state="hidden")


def test_claim_box_shows_the_mode_used(page):  # noqa: F811
    page.get_by_role("tab", name="Zoek citaten").click()
    assert not page.is_checked("#search-claim input")
    page.fill("#search-query textarea", CLAIM)
    page.click("#search-btn")
    page.wait_for_function("() => /\\d+ resultaten/.test(document.querySelector('#search-status')?.innerText)")
    assert page.is_checked("#search-claim input")  # two sentences: searched as a claim, and the box says so
    status = page.inner_text("#search-status")
    assert "gezocht als bewering, zin voor zin, in citaten en interviewbeurten" in status, status
    kinds = page.eval_on_selector_all(
        '#search-results [data-testid^="cell-"][data-testid$="-5"]', "els => els.map(e => e.innerText)"
    )
    assert kinds and all(k.startswith("citaat") for k in kinds), kinds


def test_mobile_cards_and_panel(playwright, app_url):  # noqa: F811
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        pg = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        pg.set_default_timeout(60_000)
        pg.goto(app_url)
        pg.wait_for_selector("#question textarea")
        assert not pg.is_visible("#cz-filters")
        pg.click("#cz-mobile-toggle")
        pg.wait_for_selector("#cz-filters", state="visible")
        top = pg.evaluate(
            "() => [document.querySelector('#cz-filters').getBoundingClientRect().top,"
            " document.querySelector('#cz-content').getBoundingClientRect().top]"
        )
        assert top[0] < top[1]  # filters and history above the conversation and its sources
        assert pg.is_visible("#cz-history")
        pg.click("#cz-mobile-toggle")
        pg.get_by_role("tab", name="Zoek citaten").click()
        pg.fill("#search-query textarea", "vertrouwen tussen gemeenten")
        pg.click("#search-btn")
        pg.wait_for_function("() => /\\d+ resultaten/.test(document.querySelector('#search-status')?.innerText)")
        cells = pg.evaluate(
            "() => [...document.querySelectorAll('#search-results [data-testid^=\"cell-0-\"]')].map(c => {"
            " const r = c.getBoundingClientRect(); return [getComputedStyle(c, '::before').content, r.left, r.right,"
            " c.innerText]; })"
        )
        labels = [c[0].strip('"') for c in cells]
        assert labels == ["Nr", "Citaat of passage", "Respondent", "Sectie", "Pagina", "Soort"]
        assert all(0 <= left and right <= 390 for _, left, right, _ in cells)  # no sideways swipe
        assert all(text.strip() for *_, text in cells)
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
        pg.locator("#search-results").scroll_into_view_if_needed()
        pg.screenshot(path=str(SHOTS / "mobile-search.png"))
    finally:
        browser.close()


def test_upload_corrected_on_the_page_then_cited_and_a_duplicate(page, tmp_path):  # noqa: F811
    _choose_file(page, TRANSCRIPT)
    status = page.inner_text("#upload-status")
    assert "interview-R31.txt: interviewer: Interviewer; respondenten: Respondent → R31" in status
    assert "Er is nog niets aan de index toegevoegd" in status
    cell = page.locator('#upload-review [data-testid="cell-1-2"]')
    assert cell.inner_text().strip() == "R31"
    cell.dblclick()
    page.wait_for_function(  # the cell is in edit mode
        "() => ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)"
        " && !!document.activeElement.closest('#upload-review')"
    )
    page.keyboard.press("Control+A")
    page.keyboard.type("R41")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#upload-review [data-testid=\"cell-1-2\"]')?.innerText.trim().startsWith('R41')"
    )
    page.screenshot(path=str(SHOTS / "upload-review.png"))
    page.click("#upload-confirm")
    status = _wait_upload_done(page)
    assert status.startswith("Klaar") and "(R41)" in status and "(R31)" not in status, status
    assert "--" not in status  # no command-line advice on the page
    page.screenshot(path=str(SHOTS / "upload-corrected.png"))

    page.get_by_role("tab", name="Vraag & antwoord").click()
    text = _ask(page, "Wat zegt R41 over het zaaksysteem?")
    assert re.search(r"— R41 · ", text), text

    copy = tmp_path / "kopie-gesprek-ict.txt"
    shutil.copy(TRANSCRIPT, copy)
    _choose_file(page, copy)
    status = page.inner_text("#upload-status")
    assert "zelfde inhoud als interview-R31.txt" in status and "vink hieronder aan" in status, status
    assert page.is_visible("#upload-replace")
    page.screenshot(path=str(SHOTS / "upload-duplicate.png"))
    page.click("#upload-confirm")  # not ticked: skipped
    page.wait_for_function("() => /Niets toegevoegd/.test(document.querySelector('#upload-status')?.innerText)")
    assert "kopie-gesprek-ict.txt: overgeslagen (zelfde inhoud als interview-R31.txt)" in page.inner_text(
        "#upload-status"
    )
