"""The tab "Coderen" in a real browser (issue 25): code the report with a small codebook, accept a
suggestion, reject the next one with the keyboard, open a matrix cell, export the QDPX and read it
back. Saves docs/screenshots/coding.png. Uses the server and browser fixtures of
tests/test_ui_browser.py (its own instance per module, on a copy of the report index).
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from xml.etree import ElementTree as ET

import pytest
from test_ui_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    SHOTS,
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

BOOK = (
    "code;beschrijving\n"
    "vertrouwen;Vertrouwen tussen gemeenten en bestuurders: op elkaar kunnen rekenen, afspraken nakomen.\n"
    "ict;ICT en de kwaliteit van de dienstverlening: storingen, afhankelijkheid van digitale processen.\n"
)
NS = {"q": "urn:QDA-XML:project:1.0"}


def _wait_text(page, selector: str, text: str, timeout: int = 60_000) -> None:  # noqa: F811
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)", arg=[selector, text], timeout=timeout
    )


def test_code_accept_reject_cell_and_qdpx(page, index_dir, tmp_path):  # noqa: F811
    page.get_by_role("tab", name="Coderen").click()
    # Dutch in any browser: Gradio's own upload texts follow the browser's language unless the page rewrites them
    _wait_text(page, "#coding-file-in", "Sleep een bestand hierheen")
    assert "Drop File Here" not in page.inner_text("#coding-file-in")
    page.fill("#coding-book textarea", BOOK)
    page.click("#coding-run")
    _wait_text(page, "#coding-status", "Gecodeerd")
    _wait_text(page, "#coding-suggestions", "vertrouwen:")

    first = page.locator("#coding-suggestions .cz-source").first
    unit = first.get_attribute("data-chunk")
    who = first.locator(".cz-who").inner_text().split(" · ")[0]
    assert page.locator("#coding-pick input:checked").count() == 1  # the first suggestion is selected
    page.click("#coding-accept")
    _wait_text(page, "#coding-suggestions", "geaccepteerd")
    # the next undecided suggestion is selected now: reject it from the keyboard
    page.focus("#coding-reject")
    page.keyboard.press("Enter")
    _wait_text(page, "#coding-suggestions", "afgewezen")
    with sqlite3.connect(index_dir / "coding.sqlite3") as db:
        rows = dict(db.execute("SELECT decision, unit FROM decisions WHERE code = 'vertrouwen'").fetchall())
    assert rows["accept"] == unit and rows["reject"] != unit

    # the matrix cell of the accepted unit's respondent opens its quotes
    first_col = page.locator('#coding-matrix [role="gridcell"][data-col="0"]')
    first_col.first.wait_for()
    row = next(
        first_col.nth(i).get_attribute("data-row")
        for i in range(first_col.count())
        if first_col.nth(i).inner_text().strip() == who
    )
    cell = page.locator(f'#coding-matrix [data-testid="cell-{row}-1"]')
    assert int(cell.inner_text().strip()) >= 1
    cell.click()
    _wait_text(page, "#coding-cell", f"{who} × vertrouwen")
    assert page.locator(f'#coding-cell .cz-source .cz-who:has-text("{who}")').count() >= 1
    page.screenshot(path=str(SHOTS / "coding.png"), full_page=True)

    page.click("#coding-qdpx")
    link = page.locator("#coding-export a").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as dl:
        link.click()
    path = tmp_path / "codering.qdpx"
    dl.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/")}
    names = {c.get("guid"): c.get("name") for c in root.findall("q:CodeBook/q:Codes/q:Code", NS)}
    assert sorted(names.values()) == ["ict", "vertrouwen"]
    chunk_text = {}
    for line in (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        chunk_text[c["id"]] = c["text"]
    selections = {}
    for ts in root.findall("q:Sources/q:TextSource", NS):
        text = texts["sources/" + ts.get("plainTextPath", "").removeprefix("internal://")]
        for sel in ts.findall("q:PlainTextSelection", NS):
            exact = text[int(sel.get("startPosition", "0")) : int(sel.get("endPosition", "0"))]
            selections[exact] = {names[r.get("targetGUID")] for r in sel.findall("q:Coding/q:CodeRef", NS)}
    assert "vertrouwen" in selections[chunk_text[unit]]


def test_codebook_file_upload_and_broken_file(page, tmp_path):  # noqa: F811
    page.get_by_role("tab", name="Coderen").click()
    bad = tmp_path / "kapot.csv"
    bad.write_text("titel;uitleg\nA;b\n", encoding="utf-8")
    page.set_input_files("#coding-file-in input[type=file]", str(bad))
    page.wait_for_function(
        "() => (document.querySelector('#coding-file-in')?.innerText || '').replace(/\\s+/g, '').includes('kapot')"
    )
    page.click("#coding-run")
    _wait_text(page, "#coding-status", "Codeboek niet gelezen")
    status = page.inner_text("#coding-status")
    assert "kapot.csv" in status and "kolom 'code' ontbreekt" in status and "Traceback" not in status

    good = tmp_path / "thema's.csv"
    rows = [line.split(";", 1) for line in BOOK.splitlines()]
    good.write_text("".join(f'{a},"{b}"\n' for a, b in rows), encoding="utf-8")  # comma-separated, quoted
    page.locator("#coding-file-in button[aria-label='Clear']").first.click()
    page.set_input_files("#coding-file-in input[type=file]", str(good))
    page.wait_for_function(
        "() => (document.querySelector('#coding-file-in')?.innerText || '').replace(/\\s+/g, '').includes('thema')"
    )
    page.click("#coding-run")
    _wait_text(page, "#coding-status", "Gecodeerd")
    assert "ict;ICT en de kwaliteit" in page.input_value("#coding-book textarea")  # the file, shown as ';' CSV
    page.click("#coding-xlsx")
    link = page.locator("#coding-export a").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as dl:
        link.click()
    path = tmp_path / "codering.xlsx"
    dl.value.save_as(path)
    from openpyxl import load_workbook

    info = dict(load_workbook(path)["Export"].iter_rows(values_only=True))
    assert info["codeboek"] == "thema's.csv"
