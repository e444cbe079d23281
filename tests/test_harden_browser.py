"""Issue 21 in a real browser (attacks 1 and 3): a transcript whose text holds Markdown and HTML
(an image beacon, an <img>, a link, a fake bold ✓) is shown as text, and the page contacts no
other server; "Bekijk op de pagina" on a PDF that declares a 5 m page gives a Dutch line instead
of taking the server's memory, and a normal page is drawn within the pixel cap."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import tiny_pdf
from tests.test_ui_browser import CHROMIUM, _browser_page, _serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]

HOSTILE_TURN = (
    "De zonnepanelen op het gemeentehuis zijn een succes ![logo](http://127.0.0.1:{port}/beacon-md.png) "
    'en <img src="http://127.0.0.1:{port}/beacon.png"> iedereen is blij, zie [klik hier](http://127.0.0.1:{port}/x) '
    "en **✓ Alle citaten zijn gecontroleerd** want de zonnepanelen leveren veel stroom op."
)


@pytest.fixture(scope="module")
def beacon() -> Iterator[tuple[int, list[str]]]:
    """An 'outside' server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory, beacon) -> Path:
    from citaat.index.update import ingest_and_index
    from citaat.ingest.pipeline import IngestConfig

    port, _ = beacon
    src = tmp_path_factory.mktemp("hostile")
    (src / "interview-R41.txt").write_text(
        "Respondent: R41\n\nInterviewer: Wat vindt u van de zonnepanelen op het gemeentehuis?\n\n"
        f"R41: {HOSTILE_TURN.format(port=port)}\n\nInterviewer: En de kosten van de zonnepanelen?\n\n"
        "R41: De kosten van de zonnepanelen vielen mee, dat zei ook de wethouder.\n",
        encoding="utf-8",
    )
    tiny_pdf(src / "groot.pdf", 14400, 14400, "Inleiding\n\u201cDe windmolens bij de dijk draaien elke dag "
             "heel goed voor ons\u201d (R42).\nDat zei de ambtenaar over de windmolens.")
    tiny_pdf(src / "normaal.pdf", 595, 842, "Inleiding\n\u201cDe warmtepompen in de scholen werken elke winter "
             "uitstekend\u201d (R43).\nDat zei de directeur over de warmtepompen.")
    data = src / "data"
    ingest_and_index([src], data, IngestConfig(progress=False), progress=False)
    return data


@pytest.fixture(scope="module")
def pw() -> Iterator[Any]:
    """One Playwright driver for the module (the sync API allows only one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def page(pw, hostile_index):
    with _serving(hostile_index) as url, _browser_page(pw, url) as pg:
        yield pg, url


def _ask(page: Any, question: str) -> Any:
    before = page.locator('#chat [data-testid="bot"]').count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "n => { const m = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return m.length > n && m[n].querySelector('.cz-badge'); }",
        arg=before,
    )
    return page.locator('#chat [data-testid="bot"]').nth(before)


def test_document_text_is_shown_as_text_and_nothing_is_loaded_from_elsewhere(page, beacon):
    pg, url = page
    port, hits = beacon
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url))
    bot = _ask(pg, "Wat zegt R41 over de zonnepanelen op het gemeentehuis?")
    text = bot.inner_text()
    assert "zonnepanelen op het gemeentehuis zijn een succes" in text
    # the Markdown and HTML of the document are its text, shown literally
    assert f"![logo](http://127.0.0.1:{port}/beacon-md.png)" in text
    assert '<img src="http://127.0.0.1:' in text and "**✓ Alle citaten zijn gecontroleerd**" in text
    assert f"127.0.0.1:{port}" not in " ".join(bot.locator("img").evaluate_all("es => es.map(e => e.src)"))
    links = bot.locator("a").evaluate_all("es => es.map(e => e.getAttribute('href') || '')")
    assert all(h.startswith("#") for h in links), links  # only the [n] links to the sources
    assert "Alle citaten" not in " ".join(bot.locator("strong, b").all_inner_texts())
    # the sources panel shows the same text escaped
    assert "![logo]" in pg.inner_text("#sources")
    pg.wait_for_timeout(500)  # give a beacon the time it would need to be requested
    assert hits == [] and outside == [], (hits, outside)


def test_an_absurd_page_is_refused_and_a_normal_one_is_capped(page):
    pg, _ = page
    _ask(pg, "Wat zegt R42 over de windmolens bij de dijk?")
    pg.locator("#sources a.cz-page").first.click()
    pg.wait_for_function("() => /niet getoond/.test(document.querySelector('#pageview-info')?.innerText || '')")
    caption = pg.inner_text("#pageview-info")
    assert "508 × 508 cm" in caption and "Traceback" not in caption
    _ask(pg, "Wat zegt R43 over de warmtepompen in de scholen?")
    pg.locator("#sources a.cz-page").first.click()
    pg.wait_for_selector("#pageview-img img")
    width = pg.eval_on_selector("#pageview-img img", "img => img.naturalWidth")
    assert 0 < width <= 2000 and "niet getoond" not in pg.inner_text("#pageview-info")


def test_with_a_login_the_browser_sees_only_the_form_until_it_logs_in(pw, hostile_index, monkeypatch):
    monkeypatch.setenv("CITAAT_TEST_WACHTWOORD", "geheim-voor-de-test")
    with _serving(hostile_index, "--user", "onderzoeker", "--password-env", "CITAAT_TEST_WACHTWOORD") as url:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        try:
            pg = browser.new_page()
            pg.set_default_timeout(30_000)
            pg.goto(url)
            assert "R41" not in pg.content() and pg.locator("input[name=password]").count() == 1
            pg.fill("input[name=username]", "onderzoeker")
            pg.fill("input[name=password]", "fout")
            pg.click("button[type=submit]")
            pg.wait_for_selector(".fout")
            assert "klopt niet" in pg.inner_text(".fout")
            pg.fill("input[name=username]", "onderzoeker")
            pg.fill("input[name=password]", "geheim-voor-de-test")
            pg.click("button[type=submit]")
            pg.wait_for_selector("#question textarea")  # the chat itself, after the login
            assert "R41" in pg.content()
        finally:
            browser.close()
