"""The answer a language model writes, never shown unchecked.

The evidence units go to the model as data (app/llm.py builds the prompt); its reply is shown
while it streams, but only up to the last complete sentence and only after app/verify.py has
removed unverifiable quotations and instruction echoes and marked unverifiable R-numbers. When the
model fails or says nothing usable, the extractive answer over the same units is given instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from citaat.ingest.model import Chunk

from .extractive import extractive_answer
from .llm import LLMClient, LLMError, build_messages
from .records import Answer, Source, with_notes
from .verify import safe_boundary, split_sentences, verify

log = logging.getLogger(__name__)

_WARNING_RE = re.compile(r"⚠ \[[^\]]*\]")


def _issue_note(n: int) -> str:
    one = n == 1
    return (
        f"{n} {'onderdeel' if one else 'onderdelen'} van het gegenereerde antwoord {'kon' if one else 'konden'} "
        f"niet geverifieerd worden en {'is' if one else 'zijn'} weggelaten of gemarkeerd (⚠)."
    )


def generated_answer(
    llm: LLMClient,
    question: str,
    previous: str | None,
    units: Sequence[Source],
    evidence: Sequence[Chunk],
    base: Answer,
    scores: dict[str, float | None],
) -> Iterator[str | Answer]:
    """Yield the verified reply as it grows, then the final `Answer` built on `base`.

    `evidence` is what the reply may quote (the units' chunks with their passages and the quotes
    in them); `previous` is the earlier question of a follow-up.
    """
    messages = build_messages(question, units, previous)
    raw = ""
    shown_upto = 0
    try:
        for piece in llm.stream(messages):
            raw += piece
            cut = safe_boundary(raw)
            if cut > shown_upto:
                shown_upto = cut
                yield with_notes(verify(raw[:cut], evidence).text, base.notes)
    except LLMError as exc:
        log.warning("LLM failed, falling back to the extractive answer: %s", exc)
        note = f"Het taalmodel gaf geen antwoord ({exc}); hieronder het extractieve antwoord."
        yield from extractive_answer(units, (), replace(base, notes=(*base.notes, note)), scores)
        return
    checked = verify(raw.strip(), evidence)
    body = checked.text.strip()
    if not re.search(r"\w", _WARNING_RE.sub("", body)):
        note = "Het taalmodel gaf geen bruikbaar antwoord; hieronder het extractieve antwoord."
        yield from extractive_answer(units, (), replace(base, notes=(*base.notes, note)), scores)
        return
    notes = base.notes
    text = with_notes(body, notes)  # the issue count goes to `notes` (the page shows it as a badge)
    if checked.issues:
        notes = (*notes, _issue_note(len(checked.issues)))
    spans = split_sentences(body)
    lead = body[spans[0][0] : spans[0][1]].strip() if spans else body
    yield replace(
        base,
        text=text,
        lead=lead,
        sources=tuple(units),
        verified=checked.ok,
        mode="llm",
        issues=checked.issues,
        scores=scores,
        notes=notes,
    )


__all__ = ["generated_answer"]
