"""The "Zoek citaten" tab in a real browser: a claim searched sentence by sentence (with the
wording notice and the per-sentence panel), then "Meer resultaten" appending the next page.

Uses the server and browser fixtures of tests/test_ui_browser.py (its own instance per module).
"""

from __future__ import annotations

import csv
import re

import pytest
from test_ui_browser import CHROMIUM, app_url, index_dir, page, playwright  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]

CLAIM = (
    "Gemeenten die elkaar vertrouwen werken beter samen; zonder dat vertrouwen strandt de samenwerking "
    "al in de beginfase."
)


def _status(page) -> str:  # noqa: F811
    return page.inner_text("#search-status")


def test_claim_search_and_more_results(page):  # noqa: F811
    page.get_by_role("tab", name="Zoek citaten").click()
    page.check("#search-claim input")
    page.fill("#search-query textarea", CLAIM)
    page.click("#search-btn")
    page.wait_for_function("() => /\\d+ resultaten/.test(document.querySelector('#search-status')?.innerText)")
    # quotes only (interview evidence); an excerpt already shown is not repeated, so a page may hold 29
    status = _status(page)
    assert re.match(r"(29|30) resultaten · gezocht als bewering, zin voor zin, in citaten en interviewbeurten", status)
    panel = page.inner_text("#search-claim-panel")
    assert "Het woord ‘beginfase’ uit je bewering komt in geen enkel citaat voor" in panel  # "strandt": lemma "stranden" occurs
    assert "Je bewering, zin voor zin" in panel
    assert re.search(r"Gemeenten die elkaar vertrouwen werken beter samen — gevonden: resultaat \d", panel)

    page.click("#search-more")
    page.wait_for_function(
        "() => /^([4-9]\\d|\\d{3,}) resultaten/.test(document.querySelector('#search-status')?.innerText || '')"
    )
    total = int(re.match(r"(\d+) resultaten", _status(page)).group(1))
    assert 50 <= total <= 60
    page.wait_for_selector("#search-csv:not([disabled])")
    with page.expect_download() as dl:
        page.click("#search-csv")
    with open(dl.value.path(), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == total
    texts = [" ".join(next(iter(r.values())).split()) for r in rows]
    assert len(set(texts)) == len(texts)
