"""End to end in a real browser: `citaat chat` runs in a subprocess on a free loopback port against an
index built in tmp from the real report; Debian's chromium, driven by Playwright, asks questions,
uses the filters, the search tab, the respondent view and an export, and saves the screenshots in
docs/screenshots/ that the README shows.

Needs /usr/bin/chromium (`apt-get install chromium`); Playwright's own browser download is never used.
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "docs" / "screenshots"
BULLET_RE = re.compile(r"\[(\d+)\] [“‘](.+?)[”’] — (R\d+|rapport) · (.+?)(?: · p\. (\d+))?$", re.MULTILINE)
LEAD_ITEM_RE = re.compile(r"^(?!- )(.*)$", re.MULTILINE)
REPORT_ITEM_RE = re.compile(r"[“‘](.+?)[”’] \[(\d+)\]")
FINAL_BADGE = "gecontroleerd"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def index_dir(report_index, sentence_cache) -> Path:
    return report_index  # with the sentence vectors in report_index/cache


@pytest.fixture(scope="module")
def chunks(index_dir) -> list[dict]:
    with (index_dir / "chunks.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(index_dir) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "citaat.cli", "chat", "--index", str(index_dir), "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"citaat chat exited early:\n{proc.stdout.read() if proc.stdout else ''}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("citaat chat did not start within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(app_url)
        pg.wait_for_selector("#question textarea")
        yield pg
        browser.close()


def _norm(text: str) -> str:
    return " ".join(text.split())


def _ask(page, question: str, badge: str = FINAL_BADGE) -> str:
    """Type a question, wait for the final (verified) answer, return the last bot message's text."""
    before = page.locator('#chat [data-testid="bot"]').count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    bot = page.locator('#chat [data-testid="bot"]').nth(before)
    bot.wait_for()
    page.wait_for_function(
        "([n, badge]) => { const m = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return m.length > n && m[n].innerText.includes(badge); }",
        arg=[before, badge],
    )
    return bot.inner_text()


def _check_quotes_against_chunks(text: str, chunks: list[dict]) -> list[tuple[int, str, str]]:
    """Every rendered “quote” — R13 · section · p. N is verbatim text of a chunk with that respondent
    and page; returns (number, quote, code) in source-number order."""
    found = BULLET_RE.findall(text)
    # the report's own sentences that lead an answer: “…” [n] “…” [n] (no citation line of their own)
    for line in LEAD_ITEM_RE.findall(text):
        for quote, n in REPORT_ITEM_RE.findall(line):
            found.append((n, quote, "rapport", "", ""))
    assert len(found) >= 3, text
    pairs = []
    for n, quote, code, _section, page_no in found:
        holders = [c for c in chunks if _norm(quote) in _norm(c["text"])]
        assert holders, f"not verbatim in any chunk: {quote[:80]}"
        if code != "rapport" and page_no:
            assert any(code in c["respondents"] and str(c["page"]) == page_no for c in holders), (quote[:80], code)
        pairs.append((int(n), _norm(quote), code))
    return sorted(pairs)


def _shoot(page, name: str) -> None:
    """Screenshot with the latest question at the top of the conversation."""
    page.wait_for_timeout(400)  # let the chatbot's own autoscroll finish first
    page.evaluate(
        "() => { const log = document.querySelector('#chat [role=log]');"
        " const u = document.querySelectorAll('#chat [data-testid=\"user\"]');"
        " if (log && u.length) log.scrollTop += u[u.length - 1].getBoundingClientRect().top"
        " - log.getBoundingClientRect().top - 16; window.scrollTo(0, 0); }"
    )
    page.wait_for_timeout(200)
    page.screenshot(path=str(SHOTS / name))


def _cards(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#sources .cz-card",
        "els => els.map(e => ({who: e.querySelector('.cz-who').innerText, mark: e.querySelector('mark').innerText,"
        " where: e.querySelector('.cz-where').innerText}))",
    )


def test_chat_in_a_real_browser(page, chunks):
    t0 = time.monotonic()
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 1. a question: a Dutch answer of verbatim quotes with R-numbers, and the sources panel
    text = _ask(page, "Hoe belangrijk is vertrouwen tussen gemeenten?")
    assert text.startswith("“") and "In de getoonde citaten noemen" in text  # report sentences, then quotes
    pairs = _check_quotes_against_chunks(text, chunks)
    assert any(code.startswith("R") for _, _, code in pairs), "at least one respondent quote with its R-number"
    cards = _cards(page)
    assert [n for n, _, _ in pairs] == list(range(1, len(cards) + 1))
    for card, (_, quote, code) in zip(cards, pairs, strict=True):
        assert _norm(card["mark"]) == quote  # the quote is highlighted inside its passage
        assert card["who"] == code
        assert re.search(r"· p\. \d+$", card["where"])
    _shoot(page, "chat.png")

    # 2. a follow-up in the context of the previous turn
    follow = _ask(page, "En wat zeggen de bestuurders daarover?")
    _check_quotes_against_chunks(follow, chunks)

    # 2b. an off-topic question: a refusal, the nearest passages labelled as no answer, no ✓
    refusal = _ask(page, "Hoe vraag ik een paspoort aan?", badge="maar gaan niet over deze vraag")
    assert refusal.startswith("De interviews zeggen hier niets over") and "Geen antwoord" in refusal
    assert "✓" not in refusal
    _shoot(page, "refusal.png")

    # 3. the respondent filter: R13 only
    page.click("#reset")
    page.click("#filter-respondent input")
    page.keyboard.type("R13")
    page.click('#filter-respondent li[aria-label="R13"]')
    page.keyboard.press("Escape")
    text = _ask(page, "Wat vindt deze respondent van de aanpak?")
    pairs = _check_quotes_against_chunks(text, chunks)
    assert {code for _, _, code in pairs} == {"R13"}
    assert set(re.findall(r"\bR\d+\b", text)) == {"R13"}
    assert {c["who"] for c in _cards(page)} == {"R13"}
    _shoot(page, "filter.png")

    # 4. the search tab, same filter, results as a table
    page.get_by_role("tab", name="Zoek citaten").click()
    page.fill("#search-query textarea", "vertrouwen")
    page.click("#search-btn")
    page.wait_for_function("() => (document.querySelector('#search-status')?.innerText || '').includes('resultaten')")
    page.wait_for_selector("#search-results .virtual-row [role=gridcell]")
    rows = page.eval_on_selector_all(  # the table is virtualised: the rendered (visible) rows
        "#search-results .virtual-row",
        "rows => rows.map(r => Array.from(r.querySelectorAll('[role=gridcell]')).map(c => c.innerText))",
    )
    rows = [r for r in rows if len(r) >= 6 and r[1].strip()]
    assert rows and all(r[2].strip() == "R13" for r in rows), rows[:3]
    page.screenshot(path=str(SHOTS / "search.png"))

    # 5. the respondent view and an export
    page.click("#filter-respondent input")  # clear the filter is not needed: the view has its own picker
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Per respondent").click()
    page.click("#respondent-pick input")
    page.keyboard.type("R13")
    page.click('#respondent-pick li[aria-label="R13"]')
    page.wait_for_function("() => /R13: \\d+ citaten/.test(document.querySelector('#respondent-status')?.innerText)")
    expected = sum(1 for c in chunks if c["kind"] == "quote" and "R13" in c["respondents"])
    assert f"R13: {expected} citaten" in page.inner_text("#respondent-status")
    page.wait_for_selector("#respondent-csv:not([disabled])")
    with page.expect_download() as dl:
        page.click("#respondent-csv")
    path = dl.value.path()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert len(exported) == expected and all(r["respondent"] == "R13" for r in exported)
    assert all(r["bronvermelding"].startswith("R13 · ") for r in exported)
    page.screenshot(path=str(SHOTS / "respondent.png"))

    assert time.monotonic() - t0 < 45, "the browser part should stay well under a minute"
