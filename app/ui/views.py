"""The page's pure view helpers: service results turned into what the widgets show (HTML,
Markdown, table rows, Filters from widget values). Importable without Gradio."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Sequence
from typing import Any

from citaat.index.search import Filters
from citaat.ingest.attributes import RespondentSheet
from citaat.ingest.respondents import parse_respondents

from ..conversations import ConversationStore
from ..extractive import MORE_MARK
from ..records import (
    LABEL_FICTIONAL,
    Answer,
    Source,
    attributes_text,
    escape_markdown,
    is_fictional,
    join_dutch,
    section_label,
)
from ..requests import parse_filters
from ..service import Answerer
from ..upload import UploadOutcome
from ..webpage import RESULT_HEADERS

TITLE = "Citaat"
EXAMPLES = [
    "Wat maakt samenwerking in de bedrijfsvoering succesvol?",
    "Welke risico's noemen de geïnterviewden bij ICT?",
    "Wat zegt R13 over de blauwe aanpak?",
    "Hoe belangrijk is vertrouwen tussen gemeenten?",
]
TABLE_HEADERS = list(RESULT_HEADERS)
CONTEXT_CHARS = 700  # passage shown around a quote in the sources panel, each side at most
_CITATION_RE = re.compile(r"(?<![\w\[])\[(\d{1,3})\](?!\()")
Turns = list[dict[str, Any]]  # per answer of the conversation: {"q": question, "sources": [Source, ...]}


# ---------------------------------------------------------------------------- pure view helpers


ATTRIBUTE_SEP = ": "


def attribute_choices(sheet: RespondentSheet | None) -> list[str]:
    """The respondent menu's extra entries for a classification sheet: 'rol: bestuurder', …"""
    if sheet is None:
        return []
    return [f"{name}{ATTRIBUTE_SEP}{value}" for name, values in sheet.values().items() for value in values]


def make_filters(respondents: Sequence[str] | str | None, section: str | None, kind: str | None) -> Filters:
    """Filters from the widget values (empty values do not filter). The respondent menu holds codes
    ('R13') and respondent attributes ('rol: bestuurder', from `citaat ingest --respondents`)."""
    if isinstance(respondents, str):
        respondents = [respondents] if respondents else []
    codes = tuple(v for v in respondents or () if ATTRIBUTE_SEP not in v)
    split = (v.partition(ATTRIBUTE_SEP) for v in respondents or () if ATTRIBUTE_SEP in v)
    pairs = tuple((name, value) for name, _, value in split)
    return parse_filters(codes, section, kind, attributes=pairs)


def _context_html(source: Source) -> str:
    """The passage around a source, escaped, with the quoted text in <mark>; long passages are cut
    to CONTEXT_CHARS on each side of the mark."""
    ctx, a, b = source.context, source.mark_start, source.mark_end
    lo, hi = max(0, a - CONTEXT_CHARS), min(len(ctx), b + CONTEXT_CHARS)
    before = ("…" if lo > 0 else "") + ctx[lo:a]
    after = ctx[b:hi] + ("…" if hi < len(ctx) else "")
    return f"{html.escape(before)}<mark>{html.escape(ctx[a:b])}</mark>{html.escape(after)}"


def _label_class(source: Source) -> str:
    if source.respondents:
        return "cz-kind"
    return "cz-kind " + ("cz-label-unattributed" if source.kind in ("quote", "turn") else "cz-label-report")


def _viewable(source: Source) -> str | None:
    """The link text of the page view for a source, or None when there is nothing to show."""
    if source.kind == "turn" or source.chunk.meta.get("time"):
        return "Bekijk in het transcript"
    if source.page is not None:
        return "Bekijk op de pagina"
    return None


def sources_html(
    sources: Sequence[Source],
    notice: str | None = None,
    title: str = "Bronnen",
    turn: int | None = None,
    selected: int | None = None,
    sheet: RespondentSheet | None = None,
) -> str:
    """The sources panel: one card per source with number, respondent, its honest label
    (`Source.label`), section, page and the passage around the quote with the quote highlighted.
    With `turn` (the answer's number in the conversation) each card links to its page view."""
    parts = [f'<div class="cz-sources-head">{html.escape(title)} ({len(sources)})</div>', '<div class="cz-sources">']
    if notice:
        parts.append(f'<div class="cz-notice">{html.escape(notice)}</div>')
    if not sources:
        parts.append(
            '<div class="cz-empty">Stel een vraag; de citaten en passages waarop het antwoord steunt '
            "verschijnen hier, met hun context.</div>"
        )
    for s in sources:
        where = s.theme + (f" · p. {s.page}" if s.page is not None else "")
        for also_section, also_page in s.also:  # the same text printed elsewhere in the document
            where += f" · ook {section_label(also_section, s.doc)}" + (f", p. {also_page}" if also_page else "")
        time_label = s.chunk.meta.get("time")
        if time_label:
            where += f" · {time_label}"
        section_path = " > ".join(s.section) or s.doc
        css = "cz-card cz-selected" if selected == s.n else "cz-card"
        attrs = attributes_text(s.respondents, sheet)
        who = f"{s.who} ({attrs})" if attrs else s.who
        parts.append(
            f'<div class="{css}" id="bron-{s.n}" data-chunk="{html.escape(s.chunk.id)}">'
            f'<div class="cz-card-head"><span class="cz-n">{s.n}</span>'
            f'<span class="cz-who">{html.escape(who)}</span>'
            f'<span class="{_label_class(s)}">{html.escape(s.label)}</span></div>'
            f'<div class="cz-where" title="{html.escape(section_path)}">{html.escape(where)}</div>'
        )
        if s.interviewer:
            parts.append(f'<div class="cz-interviewer">Interviewer: {html.escape(s.interviewer)}</div>')
        parts.append(f'<div class="cz-ctx">{_context_html(s)}</div>')
        if not s.in_answer:
            parts.append('<div class="cz-more-note">onder “Meer uit de interviews”</div>')
        link = _viewable(s)
        if turn is not None and link:
            parts.append(f'<div class="cz-card-foot"><a href="#pagina-{turn}-{s.n}" class="cz-page">{link}</a></div>')
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def link_citations(text: str, turn: int) -> str:
    """`[n]` in an answer becomes a link that selects source n of answer `turn`."""
    return _CITATION_RE.sub(
        lambda m: f'<a href="#bron-{turn}-{m.group(1)}" class="cz-ref">[{m.group(1)}]</a>',
        text,
    )


def answer_markdown(answer: Answer, turn: int | None = None) -> str:
    """The chat message for a final answer: the answer text (its `[n]` linked to the sources when
    `turn` is given) plus a one-line verification badge."""
    text = answer.text if turn is None else link_citations(answer.text, turn)
    if answer.mode == "message":
        return text
    if answer.no_evidence:
        badge = "Geen antwoord: de getoonde passages komen het dichtst bij, maar gaan niet over deze vraag."
    elif answer.verified:
        badge = (
            "✓ De lopende tekst is een samenvatting door het taalmodel en niet woord voor woord gecontroleerd. "
            "Gecontroleerd zijn: de citaten (letterlijk uit de bronnen ingevoegd), elke aanhaling van het "
            "taalmodel, elk R-nummer en elke [n]-verwijzing."
            if answer.mode == "llm"
            else "✓ Elk citaat staat letterlijk in de bron; respondent, sectie en pagina zijn gecontroleerd."
        )
    else:
        n = len(answer.issues)
        badge = f"⚠ {n} {'onderdeel' if n == 1 else 'onderdelen'} niet geverifieerd en weggelaten of gemarkeerd."
    # the badge under the answer itself; the collapsed rest ("Meer uit de interviews") after it
    main, mark, more = text.partition(MORE_MARK)
    return f"{main.rstrip()}\n\n<span class='cz-badge'>{badge}</span>" + (f"\n\n{mark}{more}" if mark else "")


def user_markdown(question: str) -> str:
    """The user's question as typed: HTML escaped and Markdown characters backslash-escaped, so the
    chat shows `<b>` and `*x*` literally instead of rendering them; line breaks kept. A long
    question is shown collapsed (`collapsed_question`)."""
    if _is_long(question):
        return collapsed_question(question)
    return "  \n".join(escape_markdown(line) for line in question.splitlines())


# A question longer than this (characters or lines) is shown collapsed: its start, "toon alles" opens it.
LONG_QUESTION_CHARS = 400
LONG_QUESTION_LINES = 4
EMPTY_QUESTION_HINT = "Typ eerst een vraag, bijvoorbeeld: Wat zegt R13 over vertrouwen?"


def _is_long(question: str) -> bool:
    return len(question) > LONG_QUESTION_CHARS or len(question.splitlines()) > LONG_QUESTION_LINES


def collapsed_question(question: str) -> str:
    """A long question as a <details> block: the first line(s) as its summary, the whole text
    (escaped, line breaks kept) inside."""
    lines = question.splitlines() or [""]
    start = " ".join(" ".join(lines[:LONG_QUESTION_LINES]).split())[:200]
    whole = "<br>".join(html.escape(line, quote=False) for line in lines)
    return (
        f'<details class="cz-long-q"><summary>{html.escape(start, quote=False)} … '
        f'<span class="cz-more">(toon alles, {len(question)} tekens)</span></summary>'
        f"<div>{whole}</div></details>"
    )


def filter_note(question: str, filters: Filters) -> str | None:
    """When the respondent filter overrides R-numbers named in the question, say so (Dutch)."""
    _, asked = parse_respondents(question)
    ignored = [c for c in asked if c not in filters.respondents]
    if not filters.respondents or not ignored:
        return None
    return (
        f"Let op: het filter ({join_dutch(list(filters.respondents))}) gaat voor; "
        f"{join_dutch(ignored)} uit de vraag {'is' if len(ignored) == 1 else 'zijn'} niet gebruikt. "
        "Wis het filter om daarnaar te vragen."
    )


def _page(source: Source) -> Any:
    return "" if source.page is None else source.page


def table_rows(sources: Sequence[Source]) -> list[list[Any]]:
    return [[s.n, " ".join(s.text.split()), s.who, s.theme, _page(s), s.label] for s in sources]


def quote_counts(answerer: Answerer) -> tuple[int, int]:
    """(attributed interview quotes, respondents who gave them): quotes and transcript turns with a
    respondent code; unattributed quotations and report text are not counted."""
    speech = [c for c in answerer.chunks if c.kind in ("quote", "turn") and c.respondents]
    return len(speech), len({r for c in speech for r in c.respondents})


def header_html(answerer: Answerer, llm_label: str) -> str:
    chunks = answerer.chunks
    docs = {c.doc for c in chunks}
    quotes, people = quote_counts(answerer)
    pills = [
        f"{len(docs)} document{'en' if len(docs) != 1 else ''}",
        f"{quotes} citaten van {people} respondenten",
        f"{len(chunks)} fragmenten",
        f"taalmodel: {llm_label}",
    ]
    fictional = {c.doc for c in chunks if is_fictional(c)}
    if fictional:  # the demo's made-up transcripts (`scripts/run.sh --voorbeelden`)
        n = len(fictional)
        pills.insert(1, f"waarvan {n} {'fictief voorbeeld' if n == 1 else 'fictieve voorbeelden'}")
    pill_html = "".join(f'<span class="cz-pill">{html.escape(p)}</span>' for p in pills)
    return (
        f'<div id="cz-header"><h1>Citaat<span class="cz-dot">.</span></h1>'
        "<p>Vraag het de interviews. Elk citaat is letterlijk overgenomen, met respondent, sectie en pagina.</p>"
        f'<div class="cz-stats" id="cz-counts">{pill_html}</div></div>'
    )


def transcript_html(source: Source, chunks: Sequence[Any]) -> str:
    """The transcript of a source's document, turn by turn as the index holds them: each respondent
    turn with its code and time, the interviewer's question before it (labelled as the
    interviewer's). The turns the source's excerpt lies in are marked (the first has id cz-here,
    which the page script scrolls into view), the excerpt itself in <mark>."""
    turns = sorted((c for c in chunks if c.doc == source.doc and c.kind == "turn"), key=lambda c: c.start)
    a, b = source.chunk.start + source.start, source.chunk.start + source.end  # the excerpt in the document
    head = f"{source.doc} — {LABEL_FICTIONAL}" if is_fictional(source.chunk) else source.doc
    parts = [f'<div class="cz-sources-head">{html.escape(head)}</div><div class="cz-transcript">']
    asked: str | None = None
    anchored = False
    for c in turns:
        lo, hi = max(a, c.start) - c.start, min(b, c.end) - c.start
        here = lo < hi
        body = html.escape(c.text)
        if here:
            body = (f"{html.escape(c.text[:lo])}<mark>{html.escape(c.text[lo:hi])}</mark>"
                    f"{html.escape(c.text[hi:])}")
        if c.context and c.context != asked:  # a long answer cut in parts carries its question once
            parts.append(f'<div class="cz-interviewer"><b>Interviewer:</b> {html.escape(c.context)}</div>')
        asked = c.context
        attrs = ' class="cz-turn"'
        if here:
            attrs = ' class="cz-turn cz-here"' + ("" if anchored else ' id="cz-here"')
            anchored = True
        who = ", ".join(c.respondents) or "respondent zonder code"
        stamp = c.meta.get("time") or ""
        parts.append(
            f'<div{attrs}><span class="cz-time">{html.escape(stamp)}</span><b>{html.escape(who)}:</b> {body}</div>'
        )
    parts.append("</div>")
    return "".join(parts)


def respondent_status(code: str, quotes: Sequence[Source]) -> str:
    """'R13: 12 citaten in 5 secties', and when the quotes come from more than one document, from
    which ('…, uit 2 documenten: rapport.pdf (10), R13-nagekomen.txt (2)'): the same code in two
    documents need not be the same person."""
    sections = len({q.section for q in quotes})
    status = f"{code}: {len(quotes)} citaten in {sections} secties"
    docs: dict[str, int] = {}
    for q in quotes:
        docs[q.doc] = docs.get(q.doc, 0) + 1
    if len(docs) > 1:
        listed = ", ".join(f"{escape_markdown(doc)} ({n})" for doc, n in docs.items())
        status += f", uit {len(docs)} documenten: {listed}"
    return status


def question_refusal(question: str, max_chars: int) -> str | None:
    """Why a question typed on the page is refused (the API's limits: characters, valid text), or None."""
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        return "Je vraag bevat ongeldige tekens (ongeldige Unicode); typ hem opnieuw."
    if len(question.strip()) > max_chars:
        size = f"{len(question.strip()):,}".replace(",", ".")
        return f"Je vraag is {size} tekens lang; de grens is {max_chars:,}. Maak hem korter.".replace(",", ".")
    return None


def upload_result_lines(outcome: UploadOutcome) -> list[str]:
    """The upload log's lines: ✓ per file only when the index took it in (or nothing needed to be
    indexed); after a refusal or failure the same files are named with ✗, never both."""
    failed = bool(outcome.problems) and not outcome.indexed
    files = [f"- ✗ {escape_markdown(line)} (niet toegevoegd)" if failed else f"- ✓ {escape_markdown(line)}"
             for line in outcome.lines]
    return files + [f"- ✗ {escape_markdown(p)}" for p in outcome.problems]




MOBILE_PANEL_HTML = (
    '<button type="button" id="cz-mobile-toggle" aria-expanded="false" aria-controls="cz-filters">'
    "Filters en eerdere gesprekken ▾</button>"
)


def mark_height(image: Any) -> float:
    """Where the highlighted quote starts on the rendered page, as a share of its height (0 = top):
    the first row with the highlight's outline colour (app/pageview.py OUTLINE)."""
    import numpy as np

    from ..pageview import OUTLINE

    pixels = np.asarray(image)
    rows = np.flatnonzero((pixels[:, :, :3] == np.asarray(OUTLINE[:3], dtype=pixels.dtype)).all(axis=2).any(axis=1))
    return float(rows[0]) / pixels.shape[0] if rows.size else 0.0


def page_caption_html(n: int, caption: str, mark_y: float) -> str:
    """The page view's caption: what is shown, zoom buttons, and where the highlight is (`data-mark-y`,
    which the page script scrolls into view)."""
    zoom = (
        '<span class="cz-zoom" role="group" aria-label="Zoom">'
        '<button type="button" data-zoom="out" aria-label="Kleiner">−</button>'
        '<button type="button" data-zoom="fit" aria-label="Passend">Passend</button>'
        '<button type="button" data-zoom="in" aria-label="Groter">+</button></span>'
    )
    return (
        f'<div class="cz-where" id="pageview-caption" data-mark-y="{mark_y:.3f}">[{n}] {html.escape(caption)}'
        f"{zoom}</div>"
    )


def claim_status(claim: bool, report: bool) -> str:
    """The mode a search ran in, as the status line says it (matches the "Bewering zoeken" box)."""
    if not claim:
        return ""
    return " · gezocht als bewering, zin voor zin, in " + (
        "citaten, interviewbeurten en rapporttekst" if report else "citaten en interviewbeurten"
    )


def conversation_choices(store: ConversationStore, owner: str) -> list[tuple[str, str]]:
    return [
        (f"{time.strftime('%d-%m %H:%M', time.localtime(c.updated))} · {c.title} ({c.turns})", c.id)
        for c in store.list(owner)
    ]

