"""Answers v3 in a real browser (issue 20): a who-question opens with the quote, a view question
shows the rest collapsed under "Meer uit de interviews", a figure question the report cannot answer
says so; each new answer comes into view from its first line (1440 px and 390 px), and the sources
panel follows the answer the reader scrolls to. Saves docs/screenshots/answer-who.png,
answer-view.png, answer-figure.png.

Uses the server and browser fixtures of tests/test_ui_browser.py (its own instance per module).
"""

from __future__ import annotations

import pytest
from test_ui_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    SHOTS,
    _ask,
    _browser_page,
    app_url,
    index_dir,
    page,
    playwright,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]

WHO = "Welke respondent vergelijkt het delen van de bedrijfsvoering met schapen op een gemeenschappelijk grasveld?"
VIEW = "Wat vinden de geïnterviewden van herindelingen?"
FIGURE = "Hoeveel procent van de respondenten is tevreden over de samenwerking?"

# The last answer's first line and the chat's visible box, in page coordinates.
FIRST_LINE_IN_VIEW = """() => {
  const log = document.querySelector('#chat [role=log]');
  const bots = document.querySelectorAll('#chat [data-testid="bot"]');
  const last = bots[bots.length - 1];
  const box = log.getBoundingClientRect(), top = last.getBoundingClientRect().top;
  return top >= box.top - 1 && top + 20 <= box.bottom && top + 20 <= window.innerHeight && top >= 0;
}"""


# The last question stands at the top of the chat (its answer below it), not scrolled past; or,
# when question and answer are shorter than the chat, the chat is at its end.
QUESTION_AT_TOP = """() => {
  const log = document.querySelector('#chat [role=log]');
  const users = document.querySelectorAll('#chat [data-testid="user"]');
  const q = users[users.length - 1].getBoundingClientRect().top - log.getBoundingClientRect().top;
  const atEnd = log.scrollTop >= log.scrollHeight - log.clientHeight - 2;
  return (q >= -2 && q <= 60) || (atEnd && q >= -2);
}"""


def _last_bot(pg):
    return pg.locator('#chat [data-testid="bot"]').last


def _shoot_answer(pg, name: str) -> None:
    pg.wait_for_timeout(300)
    pg.screenshot(path=str(SHOTS / name))


def test_answers_in_a_real_browser(page):  # noqa: F811
    # a who-question: the quote first, with its respondent; the rest collapsed
    text = _ask(page, WHO)
    assert text.lstrip().startswith("R24") and "De share is als vroeger de brink in het dorp" in text.split("\n")[2]
    assert text.count("De share is als vroeger de brink") == 1  # printed twice in the report, shown once
    details = _last_bot(page).locator("details")
    assert details.count() == 1 and not details.evaluate("d => d.open")
    assert "Meer uit de interviews" in details.locator("summary").inner_text()
    assert page.evaluate(FIRST_LINE_IN_VIEW)
    _shoot_answer(page, "answer-who.png")

    # a view question: the report's finding, then quotes; the rest opens with one click
    text = _ask(page, VIEW)
    assert page.evaluate(FIRST_LINE_IN_VIEW) and page.evaluate(QUESTION_AT_TOP)
    page.wait_for_timeout(800)  # the panel stays with the new answer (no scroll event picks the old one)
    assert "Bronnen bij vraag 2" in page.inner_text("#sources")
    details = _last_bot(page).locator("details")
    assert not details.evaluate("d => d.open")
    _shoot_answer(page, "answer-view.png")
    details.locator("summary").click()
    assert details.evaluate("d => d.open")
    assert "Sources" not in text and "[" in details.inner_text()

    # a figure question the report cannot answer: it says so, then the nearest figures
    text = _ask(page, FIGURE)
    assert text.lstrip().startswith("De bronnen geven hier geen percentage voor.")
    assert "Schaal:" in text and page.evaluate(FIRST_LINE_IN_VIEW)
    _shoot_answer(page, "answer-figure.png")
    assert "Bronnen bij vraag 3" in page.inner_text("#sources")

    # scrolling back to the first answer brings its sources into the panel
    page.wait_for_timeout(700)  # a scroll right after the page placed the answer counts as the page's own
    page.evaluate(
        "() => { const log = document.querySelector('#chat [role=log]');"
        " const b = document.querySelectorAll('#chat [data-testid=\"bot\"]')[0];"
        " log.scrollTop += b.getBoundingClientRect().top - log.getBoundingClientRect().top; }"
    )
    page.wait_for_function("() => document.querySelector('#sources').innerText.includes('Bronnen bij vraag 1')")


def test_a_new_answer_comes_into_view_on_a_phone(playwright, app_url):  # noqa: F811
    with _browser_page(playwright, app_url) as pg:
        pg.set_viewport_size({"width": 390, "height": 844})
        _ask(pg, VIEW)
        assert pg.evaluate(FIRST_LINE_IN_VIEW)
        _ask(pg, WHO)
        assert pg.evaluate(FIRST_LINE_IN_VIEW)
