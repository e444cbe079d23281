"""End to end in a real browser: `citaat chat` runs in a subprocess on a free loopback port against a
copy of the index built from the real report; Debian's chromium, driven by Playwright, asks
questions, clicks a citation and opens its page, checks the bugs of issue 12 (empty and double
send, the question shown as typed, the filter that overrides an R-number, the page language),
uses the filters, the search tab, the respondent view and an export, uploads a transcript and asks
about it, reloads (the conversation stays), and looks at the page 390 px wide. It saves the
screenshots in docs/screenshots/ that the README and docs/chat.md show.

A second chat runs with `--llm openai` against the adversarial stub (tests/llm_stub.py, in a thread
of this process): the model's summary is labelled as such, the quotations under it are inserted
verbatim by Citaat, the badge says what was checked, and a fabricated quotation is removed and
flagged (docs/screenshots/llm.png, llm-flagged.png).

XLSX/QDPX export buttons (issue 12, helper 12a) are not on this branch; their assertions are to be
added after the merge, beside the CSV check in step 5.

Needs /usr/bin/chromium (`apt-get install chromium`); Playwright's own browser download is never used.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
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
TRANSCRIPT = REPO / "examples" / "transcripts" / "interview-R31.txt"
BULLET_RE = re.compile(r"\[(\d+)\] [“‘](.+?)[”’] — (R\d+|rapport) · (.+?)(?: · p\. (\d+))?$", re.MULTILINE)
LEAD_ITEM_RE = re.compile(r"^(?!- )(.*)$", re.MULTILINE)
REPORT_ITEM_RE = re.compile(r"[“‘](.+?)[”’] \[(\d+)\]")
FINAL_BADGE = "gecontroleerd"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def index_dir(report_index, sentence_cache, tmp_path_factory) -> Path:
    """A copy of the report index (with the sentence vectors in its cache/): the upload step adds a
    transcript to it."""
    copy = tmp_path_factory.mktemp("ui") / "data"
    shutil.copytree(report_index, copy)
    return copy


@pytest.fixture(scope="module")
def chunks(index_dir) -> list[dict]:
    with (index_dir / "chunks.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(index_dir: Path, *extra: str) -> Iterator[str]:
    """`citaat chat` on the index in a subprocess on a free loopback port; yields its URL."""
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "citaat.cli", "chat", "--index", str(index_dir), "--port", str(port), *extra],
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
def playwright() -> Iterator[Any]:
    """One Playwright driver for the module (the sync API allows only one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@contextmanager
def _browser_page(playwright: Any, url: str) -> Iterator[Any]:
    """Debian's chromium (headless) on the page, 1440 px wide, once the question box is there."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(url)
        pg.wait_for_selector("#question textarea")
        yield pg
    finally:
        browser.close()


@pytest.fixture(scope="module")
def app_url(index_dir) -> Iterator[str]:
    with _serving(index_dir) as url:
        yield url


@pytest.fixture(scope="module")
def page(playwright, app_url):
    with _browser_page(playwright, app_url) as pg:
        yield pg


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


def _check_quotes_against_chunks(text: str, chunks: list[dict], least: int = 3) -> list[tuple[int, str, str]]:
    """Every rendered “quote” — R13 · section · p. N is verbatim text of a chunk with that respondent
    and page (at least `least` of them); returns (number, quote, code) in source-number order."""
    found = BULLET_RE.findall(text)
    # the report's own sentences that lead an answer: “…” [n] “…” [n] (no citation line of their own)
    for line in LEAD_ITEM_RE.findall(text):
        for quote, n in REPORT_ITEM_RE.findall(line):
            found.append((n, quote, "rapport", "", ""))
    assert len(found) >= least, text
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


def _bots(page) -> int:
    return page.locator('#chat [data-testid="bot"]').count()


def _exports_enabled(page) -> bool:
    return page.evaluate(
        "() => ['#chat-csv', '#chat-md'].every(s => { const b = document.querySelector(s);"
        " return b && !b.disabled && !b.querySelector('button[disabled]'); })"
    )


def _upload_and_wait(page, path: Path) -> str:
    page.get_by_role("tab", name="Interviews toevoegen").click()
    page.set_input_files("#upload-files input[type=file]", str(path))
    # the file box shows the name, sometimes as stem and extension on two lines
    page.wait_for_function(
        "(name) => (document.querySelector('#upload-files')?.innerText || '').replace(/\\s+/g, '').includes(name)",
        arg=path.name,
    )
    page.click("#upload-btn")  # step 1: who is who, nothing indexed yet
    page.wait_for_selector("#upload-confirm", state="visible", timeout=240_000)
    page.click("#upload-confirm")  # step 2: confirmed as read
    page.wait_for_function(
        "() => /Klaar|Niet ingelezen|Niets/.test(document.querySelector('#upload-status')?.innerText || '')",
        timeout=240_000,
    )
    return page.inner_text("#upload-status")


def test_chat_in_a_real_browser(page, chunks, index_dir):
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 0. the page is Dutch, and the header counts only attributed interview quotes
    assert page.evaluate("document.documentElement.lang") == "nl"
    labels = page.eval_on_selector_all("[aria-label]", "els => els.map(e => e.getAttribute('aria-label'))")
    assert "chatbot conversation" not in labels and "gesprek" in labels  # Gradio's English label, in Dutch
    speech = [c for c in chunks if c["kind"] in ("quote", "turn") and c["respondents"]]
    people = {r for c in speech for r in c["respondents"]}
    assert f"{len(speech)} citaten van {len(people)} respondenten" in page.inner_text("#cz-counts")

    # 1. a question: a Dutch answer of verbatim quotes with R-numbers, and the sources panel; the
    #    answer itself up front (the report's finding, then quotes), the rest collapsed
    text = _ask(page, "Wat vinden de geïnterviewden van vertrouwen?")
    assert text.startswith("“") and "Meer uit de interviews" in text  # a report sentence, then quotes
    pairs = _check_quotes_against_chunks(text, chunks, least=2)
    assert any(code.startswith("R") for _, _, code in pairs), "at least one respondent quote with its R-number"
    cards = _cards(page)
    assert [n for n, _, _ in pairs] == list(range(1, len(pairs) + 1)) and len(cards) > len(pairs)
    for card, (_, quote, code) in zip(cards, pairs, strict=False):
        assert _norm(card["mark"]) == quote  # the quote is highlighted inside its passage
        assert card["who"] == code
        assert re.search(r"· p\. \d+$", card["where"])
    labels = page.eval_on_selector_all("#sources .cz-card .cz-kind", "els => els.map(e => e.innerText.toLowerCase())")
    for label, (_, _, code) in zip(labels, pairs, strict=False):
        # the report's own text, or a quote it prints without a respondent code (said so)
        expected = (f"citaat — {code}".lower(),) if code.startswith("R") else ("rapporttekst", "citaat, geen respondentcode")
        assert label in expected, (label, code)
    _shoot(page, "chat.png")

    # 2. [n] in the answer selects source n; "Bekijk op de pagina" shows the page with the quote marked
    ref = page.locator('#chat [data-testid="bot"]').last.locator("a.cz-ref").nth(1)
    n = int(ref.inner_text().strip("[]"))
    ref.click()
    page.wait_for_selector(f"#sources #bron-{n}.cz-selected")
    page.click(f"#sources #bron-{n} a.cz-page")
    page.wait_for_selector("#pageview-img img")
    page_no = re.search(r"· p\. (\d+)$", cards[n - 1]["where"]).group(1)  # source n's own page
    assert page.inner_text("#pageview-caption").startswith(f"[{n}] ") and f"p. {page_no}" in page.inner_text(
        "#pageview-caption"
    )
    assert "niet teruggevonden" not in page.inner_text("#pageview-caption")
    page.eval_on_selector("#pageview", "e => e.scrollIntoView()")
    page.screenshot(path=str(SHOTS / "pageview.png"))
    page.click("#pageview-close")

    # 3. an empty send and a double send leave the previous answer, its sources and exports alone
    before, sources_before = _bots(page), page.inner_html("#sources")
    assert _exports_enabled(page)
    page.fill("#question textarea", "")
    page.press("#question textarea", "Enter")
    page.click("#ask")
    page.wait_for_timeout(1500)
    assert _bots(page) == before and page.inner_html("#sources") == sources_before and _exports_enabled(page)

    # 4. the question is shown as typed (not rendered), a follow-up answers in context; pressing
    #    Enter twice gives one answer, not a second empty one
    typed = "En wat zeggen de <b>bestuurders</b> *daarover*?"
    page.fill("#question textarea", typed)
    page.press("#question textarea", "Enter")
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "([n, badge]) => { const m = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return m.length > n && m[n].innerText.includes(badge); }",
        arg=[before, FINAL_BADGE],
    )
    page.wait_for_timeout(1000)
    assert _bots(page) == before + 1
    user = page.locator('#chat [data-testid="user"]').last
    assert _norm(user.inner_text()) == typed and user.locator("b, em").count() == 0
    _check_quotes_against_chunks(page.locator('#chat [data-testid="bot"]').last.inner_text(), chunks, least=1)
    assert _exports_enabled(page)
    # the first answer's sources are still there: [n] of answer 1 brings them back
    page.locator('#chat [data-testid="bot"]').first.locator("a.cz-ref").first.click()
    page.wait_for_function("() => document.querySelector('#sources .cz-sources-head').innerText.includes('vraag 1')")

    # 4b. an off-topic question: a refusal, the nearest passages labelled as no answer, no ✓
    refusal = _ask(page, "Hoe vraag ik een paspoort aan?", badge="maar gaan niet over deze vraag")
    assert refusal.startswith("De interviews zeggen hier niets over") and "Geen antwoord" in refusal
    assert "✓" not in refusal
    _shoot(page, "refusal.png")

    # 5. the respondent filter: R13 only; a question about R24 says the filter wins
    page.click("#reset")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    page.click("#filter-respondent input")
    page.keyboard.type("R13")
    page.click('#filter-respondent li[aria-label="R13"]')
    page.keyboard.press("Escape")
    text = _ask(page, "Wat vindt R24 van de aanpak?")
    assert "het filter (R13) gaat voor" in text and "R24 uit de vraag is niet gebruikt" in text
    pairs = _check_quotes_against_chunks(text, chunks, least=1)
    assert {code for _, _, code in pairs} == {"R13"}
    assert {c["who"] for c in _cards(page)} == {"R13"}
    _shoot(page, "filter.png")

    # 6. the search tab, same filter, results as a table
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

    # 7. the respondent view and an export (XLSX/QDPX: add beside this after merging 12a)
    page.click("#filter-respondent input")
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
    with open(dl.value.path(), encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh, delimiter=";"))  # ';' for Dutch Excel
    assert len(exported) == expected and all(r["respondent"] == "R13" for r in exported)
    assert all(r["bronvermelding"].startswith("R13 · ") for r in exported)
    assert all(r["filters"] and r["geëxporteerd"] and r["indexversie"] for r in exported)
    # the same quotes as XLSX (one row each under the header) and as a REFI-QDA project (one coded
    # selection each, R13 as a case)
    with page.expect_download() as dl:
        page.click("#respondent-xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))["Citaten"]
    assert sheet.max_row - 1 == expected
    with page.expect_download() as dl:
        page.click("#respondent-qdpx")
    assert dl.value.suggested_filename.endswith(".qdpx")
    with zipfile.ZipFile(dl.value.path()) as qdpx:
        project = ElementTree.fromstring(qdpx.read("project.qde"))
    tags = [el.tag.rsplit("}", 1)[-1] for el in project.iter()]
    assert tags.count("PlainTextSelection") == expected
    assert any(el.get("name") == "R13" for el in project.iter() if el.tag.endswith("Case"))
    page.screenshot(path=str(SHOTS / "respondent.png"))

    # 8. upload a transcript; its respondent appears in the filters, and a question finds it
    status = _upload_and_wait(page, TRANSCRIPT)
    assert status.startswith("Klaar") and "interview-R31.txt:" in status and "R31" in status, status
    page.screenshot(path=str(SHOTS / "upload.png"))
    page.get_by_role("tab", name="Vraag & antwoord").click()
    page.click("#clear-filters")
    page.click("#filter-respondent input")
    page.keyboard.type("R31")
    page.wait_for_selector('#filter-respondent li[aria-label="R31"]')
    page.keyboard.press("Escape")
    page.click("#reset")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    text = _ask(page, "Wat zegt R31 over het zaaksysteem?")
    assert "R31" in text
    cards = _cards(page)
    r31 = next(i for i, c in enumerate(cards, 1) if c["who"] == "R31")
    page.locator('#chat [data-testid="bot"]').last.locator("a.cz-ref", has_text=f"[{r31}]").first.click()
    page.wait_for_selector(f"#sources #bron-{r31}.cz-selected")
    page.click(f"#sources #bron-{r31} a.cz-page")
    page.wait_for_selector("#pageview #cz-here")
    here = page.inner_text("#pageview #cz-here")
    assert re.match(r"\d{2}:\d{2}:\d{2}\s*R31:", here), here  # the turn, at its timestamp

    # 9. a reload keeps the conversation; earlier conversations can be reopened and exported
    shown = page.locator('#chat [data-testid="bot"]').last.inner_text()
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 1")
    assert _norm(page.locator('#chat [data-testid="bot"]').last.inner_text()) == _norm(shown)
    assert "Bronnen bij vraag 1" in page.inner_text("#sources") and _exports_enabled(page)
    page.click("#cz-history button")
    page.click("#conv-pick input")
    options = page.eval_on_selector_all("#conv-pick li", "els => els.map(e => e.innerText)")
    page.keyboard.press("Escape")
    assert len(options) >= 3 and any("Wat zegt R31" in o for o in options), options
    page.wait_for_selector("#conv-md:not([disabled])")
    with page.expect_download() as dl:
        page.click("#conv-md")
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# Citaat: gesprek — Wat zegt R31") and "### Bronnen" in md and "R31" in md
    # reopen an earlier conversation (the R13-filter one), then delete another one from the list
    page.click("#conv-pick input")
    page.locator("#conv-pick li", has_text="Wat vindt R24").click()
    page.click("#conv-open")
    page.wait_for_function(
        "() => (document.querySelector('#chat [data-testid=\"user\"]')?.innerText || '').includes('Wat vindt R24')"
    )
    assert _bots(page) == 1
    page.wait_for_timeout(500)
    page.click("#conv-pick input")
    page.locator("#conv-pick li", has_text="Wat vinden de geïnterviewden van vertrouwen").click()
    page.click("#conv-delete")
    page.wait_for_timeout(1000)
    page.click("#conv-pick input")
    left = page.eval_on_selector_all("#conv-pick li", "els => els.map(e => e.innerText)")
    page.keyboard.press("Escape")
    assert len(left) == len(options) - 1 and not any("Wat vinden de geïnterviewden van vertrouwen" in o for o in left), left
    assert "Wat vindt R24" in page.locator('#chat [data-testid="user"]').first.inner_text()  # still open

    # 10. 390 px wide: opens at the top, answer before sources, every tab visible, results as cards
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 1")
    page.wait_for_timeout(800)
    assert page.evaluate("window.scrollY") == 0
    tabs = page.eval_on_selector_all("#cz-tabs [role=tab]", "els => els.map(e => e.innerText)")
    assert tabs == ["Vraag & antwoord", "Zoek citaten", "Per respondent", "Coderen", "Interviews toevoegen"], tabs
    top = page.evaluate("s => document.querySelector(s).getBoundingClientRect().top", "#chat")
    assert top < page.evaluate("s => document.querySelector(s).getBoundingClientRect().top", "#sources")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "mobile.png"))
    page.get_by_role("tab", name="Zoek citaten").click()
    page.fill("#search-query textarea", "vertrouwen")
    page.click("#search-btn")
    page.wait_for_selector("#search-results .virtual-row [role=gridcell]")
    # every cell of a result (respondent, section, page included) fits the width, under its column's name
    cells = page.evaluate(
        "() => [...document.querySelectorAll('#search-results [data-testid^=\"cell-0-\"]')].map(c =>"
        " [getComputedStyle(c, '::before').content, c.getBoundingClientRect().right])"
    )
    assert [c[0].strip('"') for c in cells][2:5] == ["Respondent", "Sectie", "Pagina"], cells
    assert all(right <= 390 for _, right in cells), cells
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # 11. Gradio's hard-coded English connection message is shown in Dutch
    page.evaluate(
        "() => { const d = document.createElement('div'); d.id = 'probe';"
        " d.textContent = 'Connection to the server was lost. Attempting reconnection...';"
        " document.body.appendChild(d); }"
    )
    page.wait_for_function("() => document.querySelector('#probe').innerText.startsWith('De verbinding')")


# --- the LLM answer, from the adversarial stub (tests/llm_stub.py) ----------------------------------

BRON_RE = re.compile(r'<bron nr="(\d+)" respondent="([^"]*)"[^>]*soort="([^"]*)">\n(.*?)\n</bron>', re.DOTALL)
WORDS_RE = re.compile(r"(?<![\w-])\w+(?:,? \w+){6,13}(?![\w-])")  # 7–14 whole words, on word boundaries
FABRICATED = "Vertrouwen komt vanzelf zodra er maar genoeg geld is"


def _stub_reply(body: dict, fabricate: bool) -> str:
    """What the stub 'model' writes: a summary sentence citing the first source, a verbatim quotation
    from the first respondent quote it was given (named by its R-number and [n]) and, when asked to
    fabricate, a quotation that is in no source, cited to that same source."""
    content = body["messages"][-1]["content"]
    sources = BRON_RE.findall(content)
    n, who, text = next((n, who, t) for n, who, kind, t in sources if re.fullmatch(r"R\d+", who) and kind == "citaat")
    text = re.sub(r"^\[vraag van de interviewer:.*\]\n", "", text)
    words = WORDS_RE.search(text)
    assert words, text
    first = next(s[0] for s in sources if s[0] != n)
    reply = (
        f"Vertrouwen tussen de gemeenten is volgens de bronnen een voorwaarde voor de samenwerking [{first}]. "
        f"{who} zegt het zo: “{words.group(0)}” [{n}]."
    )
    if fabricate:
        reply += f" Een andere bestuurder zegt: “{FABRICATED}” [{n}]."
    return reply


@pytest.fixture(scope="module")
def stub():
    from llm_stub import running_stub

    with running_stub() as server:
        yield server


def test_llm_answer_in_a_real_browser(playwright, stub, report_index, sentence_cache, chunks, tmp_path):
    """`citaat chat --llm openai` against the adversarial stub: the model's prose is labelled as its
    summary, the quotations under it are inserted verbatim from the cited sources, the model's own
    quotation holds, the badge says what was checked; a fabricated quotation is removed and flagged."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    index_dir = tmp_path / "data"
    shutil.copytree(report_index, index_dir)
    llm = ["--llm", "openai", "--llm-url", stub.url, "--llm-model", "stub-model"]
    stub.responder = lambda body: _stub_reply(body, fabricate=False)
    with _serving(index_dir, *llm) as url, _browser_page(playwright, url) as page:
        assert "stub-model" in page.inner_text("body")  # the header names the model in use

        # 1. a clean reply: verified, labelled, quotations inserted verbatim
        text = _ask(page, "Hoe belangrijk is vertrouwen tussen gemeenten?", badge="Gecontroleerd zijn")
        assert stub.requests and stub.requests[-1]["model"] == "stub-model"
        assert text.startswith("Samenvatting door het taalmodel; de citaten zijn letterlijk uit de bronnen ingevoegd")
        assert "✓ De lopende tekst is een samenvatting door het taalmodel en niet woord voor woord gecontroleerd" in text
        quoted = re.search(r"(R\d+) zegt het zo: “(.+?)” \[(\d+)\]", text)
        assert quoted, text  # the model's own verbatim quotation stands
        code, words, n = quoted.groups()
        assert any(_norm(words) in _norm(c["text"]) and code in c["respondents"] for c in chunks)
        _check_quotes_against_chunks(text, chunks, least=2)  # every quotation shown is verbatim
        inserted = [(int(k), q, who) for k, q, who, _, _ in BULLET_RE.findall(text)]  # Citaat's, under the prose
        assert [k for k, _, _ in inserted] == [1, 2] and int(n) == 2, text  # renumbered in the order cited
        assert inserted[1][2] == code
        assert [c["who"] for c in _cards(page)[:2]] == [who for _, _, who in inserted]
        _shoot(page, "llm.png")

        # 2. the same reply with a fabricated quotation: removed, flagged, no ✓
        stub.responder = lambda body: _stub_reply(body, fabricate=True)
        page.click("#reset")
        page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
        text = _ask(page, "Wat zeggen bestuurders over vertrouwen?", badge="niet geverifieerd en weggelaten")
        assert text.startswith("Samenvatting door het taalmodel")
        assert FABRICATED not in text and "⚠ [citaat weggelaten: niet letterlijk zo in de bronnen]" in text
        assert "⚠ 1 onderdeel niet geverifieerd en weggelaten of gemarkeerd." in text and "✓" not in text
        assert re.search(r"R\d+ zegt het zo: “.+?” \[2\]", text)  # the true quotation is kept
        _check_quotes_against_chunks(text, chunks, least=2)
        page.set_viewport_size({"width": 1440, "height": 1200})
        page.wait_for_timeout(400)
        page.evaluate(  # the whole answer down to its badge in view
            "() => { const log = document.querySelector('#chat [role=log]'); log.scrollTop = log.scrollHeight; }"
        )
        page.wait_for_timeout(200)
        page.screenshot(path=str(SHOTS / "llm-flagged.png"))
