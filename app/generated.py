"""The answer a language model writes: its summary, with the quotations inserted by Citaat.

The evidence units go to the model as numbered sources (app/llm.py builds the prompt); it writes
prose with [n] markers. Its prose is checked by `verify.check_generated` (quotations it wrote
itself, R-numbers, [n] markers, sentences addressed to the reader) and then rebuilt:

- sources are renumbered in the order the prose first cites them, so [1] comes first;
- after each paragraph, the sources it cites for the first time follow as verbatim quotations,
  cut from the source by Citaat (never by the model), with R-number, section and page;
- the text opens with a line that says the prose is the model's summary.

While the model streams, the checked prose is shown up to its last complete sentence. A reply that
fails, that ends without its end marker or with another finish reason than "stop", or that has
nothing left after the checks, gives the extractive answer over the same units instead (mode
"fallback"), with a Dutch note saying why.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace

from citaat.ingest.model import Chunk

from .extractive import SPEECH, Composition, bullets, extractive_answer
from .llm import LLMClient, LLMError, LLMIncomplete, build_messages, prompt_text
from .records import Answer, Source, with_notes
from .verify import (
    CITATION_RE,
    NumberedSource,
    Speech,
    Verification,
    answer_quotations,
    check_generated,
    citation_numbers,
    safe_boundary,
    split_sentences,
)

log = logging.getLogger(__name__)

SUMMARY_LABEL = (
    "Samenvatting door het taalmodel; de citaten zijn letterlijk uit de bronnen ingevoegd, "
    "met respondent, sectie en pagina."
)
SUMMARY_LABEL_NO_QUOTES = "Samenvatting door het taalmodel; het noemt geen bronnen."
_WARNING_RE = re.compile(r"⚠ \[[^\]]*\]|⚠ niet geverifieerd")


def _issue_note(n: int) -> str:
    one = n == 1
    return (
        f"{n} {'onderdeel' if one else 'onderdelen'} van de samenvatting {'kon' if one else 'konden'} "
        f"niet geverifieerd worden en {'is' if one else 'zijn'} weggelaten of gemarkeerd (⚠)."
    )


def numbered_sources(
    units: Sequence[Source], evidence: Sequence[Chunk], excerpts_only: bool = False
) -> list[NumberedSource]:
    """The units as the model read them, with the stretches that are a respondent's own words: a
    quote or turn is its speaker's throughout; in a passage, the quotes and turns inside it are
    (only known when the model read the whole passage)."""
    children: dict[str, list[Chunk]] = defaultdict(list)
    for c in evidence:
        if c.parent and c.kind in SPEECH:
            children[c.parent].append(c)
    out = []
    for u in units:
        text = prompt_text(u, excerpts_only)
        speech: list[Speech] = []
        if u.kind in SPEECH:
            speech.append(Speech(0, len(text), u.chunk.respondents))
        elif u.kind == "passage" and text == u.chunk.text:
            for c in children.get(u.chunk.id, []):
                rel = c.start - u.chunk.start
                if c.doc == u.chunk.doc and 0 <= rel and text[rel : rel + len(c.text)] == c.text:
                    speech.append(Speech(rel, rel + len(c.text), c.respondents))
        respondents = u.chunk.respondents if u.kind == "passage" else u.respondents
        out.append(NumberedSource(u.n, u.chunk.id, text, respondents, tuple(speech)))
    return out


def _cited_order(prose: str) -> list[int]:
    """Source numbers in the order the prose first cites them (markers inside quotations ignored)."""
    quotations = answer_quotations(prose)
    order: list[int] = []
    for m in CITATION_RE.finditer(prose):
        if any(q.outer_start <= m.start() < q.outer_end for q in quotations):
            continue
        for n in citation_numbers(m.group(0)):
            if n not in order:
                order.append(n)
    return order


def compose(prose: str, units: Sequence[Source], complete: bool = True) -> tuple[str, tuple[Source, ...], int]:
    """The checked prose renumbered in citation order, with the verbatim quotations of the sources
    each paragraph cites for the first time after it; the renumbered sources; how many sources the
    prose cites. While the reply still streams (`complete` false) the last paragraph may grow, so
    its quotations wait."""
    by_n = {u.n: u for u in units}
    order = [n for n in _cited_order(prose) if n in by_n]
    renumber = {old: new for new, old in enumerate([*order, *(u.n for u in units if u.n not in order)], 1)}
    sources = tuple(sorted((replace(by_n[old], n=new) for old, new in renumber.items()), key=lambda s: s.n))
    quotations = answer_quotations(prose)

    def marker(m: re.Match[str]) -> str:
        if any(q.outer_start <= m.start() < q.outer_end for q in quotations):
            return m.group(0)
        return "[" + ", ".join(str(renumber.get(n, n)) for n in citation_numbers(m.group(0))) + "]"

    renumbered = CITATION_RE.sub(marker, prose)
    parts: list[str] = []
    shown: set[int] = set()
    paragraphs = re.split(r"\n\s*\n", renumbered.strip())
    for k, paragraph in enumerate(paragraphs):
        parts.append(paragraph)
        if not complete and k == len(paragraphs) - 1:
            break
        new = [n for n in _cited_order(paragraph) if n not in shown and 1 <= n <= len(sources)]
        if new:
            shown.update(new)
            parts.append(bullets([sources[n - 1] for n in new]))
    return "\n\n".join(parts), sources, len(order)


def _shown(
    checked: Verification, units: Sequence[Source], complete: bool = True
) -> tuple[str, tuple[Source, ...], int]:
    body, sources, cited = compose(checked.text, units, complete)
    label = SUMMARY_LABEL if cited else SUMMARY_LABEL_NO_QUOTES
    return f"_{label}_\n\n{body}", sources, cited


def generated_answer(
    llm: LLMClient,
    question: str,
    previous: str | None,
    units: Sequence[Source],
    evidence: Sequence[Chunk],
    base: Answer,
    scores: dict[str, float | None],
) -> Iterator[str | Answer]:
    """Yield the checked reply as it grows, then the final `Answer` built on `base`.

    `evidence` holds the units' chunks with their parent passages and the quotes and turns inside
    those (who said which stretch of a passage); `previous` is the earlier question of a follow-up.
    """
    compact = bool(getattr(getattr(llm, "config", None), "compact_prompt", False))
    messages = build_messages(question, units, previous, compact)
    sources = numbered_sources(units, evidence, excerpts_only=compact)
    raw = ""
    shown_upto = 0

    def fallback(why: str) -> Iterator[str | Answer]:
        fallback_base = replace(base, mode="fallback", notes=(*base.notes, why))
        yield from extractive_answer(Composition(base.shape or "fact", list(units), [], None), fallback_base, scores)

    try:
        for piece in llm.stream(messages):
            raw += piece
            cut = safe_boundary(raw)
            if cut > shown_upto:
                shown_upto = cut
                partial = _shown(check_generated(raw[:cut], sources), units, complete=False)[0]
                yield with_notes(partial, base.notes)
    except LLMIncomplete as exc:
        log.warning("LLM reply incomplete, falling back to the extractive answer: %s", exc)
        yield from fallback(
            f"Het antwoord van het taalmodel is onvolledig ({exc}); hieronder het extractieve antwoord."
        )
        return
    except LLMError as exc:
        log.warning("LLM failed, falling back to the extractive answer: %s", exc)
        yield from fallback(f"Het taalmodel gaf geen antwoord ({exc}); hieronder het extractieve antwoord.")
        return
    checked = check_generated(raw.strip(), sources)
    if not re.search(r"\w", _WARNING_RE.sub("", CITATION_RE.sub("", checked.text))):
        yield from fallback("Het taalmodel gaf geen bruikbaar antwoord; hieronder het extractieve antwoord.")
        return
    shown, numbered, _ = _shown(checked, units)
    notes = base.notes
    text = with_notes(shown, notes)  # the issue count goes to `notes` (the page shows it as a badge)
    if checked.issues:
        notes = (*notes, _issue_note(len(checked.issues)))
    body = shown.split("\n\n", 1)[1]  # after the label: the renumbered prose, then the quotations
    spans = split_sentences(body)
    lead = body[spans[0][0] : spans[0][1]].strip() if spans else body
    yield replace(
        base,
        text=text,
        lead=lead,
        sources=numbered,
        verified=checked.ok,
        mode="llm",
        issues=checked.issues,
        scores=scores,
        notes=notes,
    )


__all__ = ["SUMMARY_LABEL", "compose", "generated_answer", "numbered_sources"]
