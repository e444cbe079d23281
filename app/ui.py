"""The Gradio page: builds widgets and wires events to the services, nothing else.

`build_app(answerer, ...)` returns the Blocks; `launch(demo, serve)` serves it. The pure view helpers
(`sources_html`, `answer_markdown`, `user_markdown`, `table_rows`, `make_filters`, `header_html`,
`filter_note`, `transcript_html`) turn service results into what the widgets show and are
importable without Gradio. Conversations are kept by app/conversations.py, uploads checked and
parsed by app/upload.py, cited PDF pages drawn by app/pageview.py.

A click on `[n]` in any answer, or on "Bekijk op de pagina" in a source card, is caught by the page
script (HEAD) and sent as `ref:K:N` / `page:K:N` (answer K, source N) through a hidden button.
"""

from __future__ import annotations

import gc
import html
import logging
import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from citaat.index.claims import claim_sentences
from citaat.index.search import Filters, Searcher
from citaat.ingest.attributes import RespondentSheet
from citaat.ingest.errors import CitaatError, ConfigError
from citaat.ingest.fsio import atomic_write_text
from citaat.ingest.respondents import parse_respondents
from citaat.ingest.store import read_sources

from .config import ServeConfig
from .conversations import CONVERSATIONS_FILE, ConversationStore, Turn, new_owner
from .downloads import PendingExports
from .export import FORMATS as EXPORT_FORMATS
from .export import ExportMeta
from .extractive import MORE_MARK
from .finder import QuoteFinder, claim_markdown
from .records import (
    KIND_LABELS,
    LABEL_FICTIONAL,
    Answer,
    Source,
    attributes_text,
    escape_markdown,
    is_fictional,
    join_dutch,
    section_label,
)
from .service import Answerer
from .upload import UPLOAD_DIR, UploadLimits, UploadOutcome, accept_files, ingest_uploads
from .upload_review import (
    REVIEW_HEADERS,
    ROLE_HELP,
    FileReview,
    forget_uploads,
    page_hint,
    read_corrections,
    review_from_dict,
    review_uploads,
    speaker_rows,
    upload_selection,
)
from .webpage import CSS, HEAD, RESPONDENT_HEADERS, RESULT_HEADERS

log = logging.getLogger(__name__)

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
    return Filters(respondents=codes, section=section or None, kind=kind or None, attributes=pairs)


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
    speech = [c for c in answerer.searcher.chunks if c.kind in ("quote", "turn") and c.respondents]
    return len(speech), len({r for c in speech for r in c.respondents})


def header_html(answerer: Answerer, llm_label: str) -> str:
    chunks = answerer.searcher.chunks
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


def upload_review_view(reviews: Sequence[FileReview], problems: Sequence[str]) -> tuple[Any, ...]:
    """Step 1 of an upload on the page: (log, review table, duplicate choice, confirm row, state).
    The log says who is who per file, every warning with what to do on the page."""
    import gradio as gr

    lines = [f"- ✗ {p}" for p in problems]
    for r in reviews:
        lines.append(f"- {'✗ ' if r.error else ''}{r.summary}")
        lines += [f"    - let op: {w}" for w in r.warnings]
        if r.duplicate_of:
            lines.append(
                f"    - zelfde inhoud als {r.duplicate_of} (staat al in de index); vink hieronder aan om die "
                "versie te vervangen, of laat het vakje leeg om dit bestand over te slaan"
            )
    usable = [r for r in reviews if not r.error]
    if not usable:
        return ("\n".join(["**Niets in te lezen.**", *lines]), gr.Dataframe(visible=False),
                gr.CheckboxGroup(visible=False), gr.Row(visible=False), {})
    head = ("**Controleer wie wie is** en pas zo nodig de kolom ‘Rol of code’ aan; klik dan op "
            "‘Bevestigen en toevoegen’. Er is nog niets aan de index toegevoegd.")
    rows = speaker_rows(usable)
    duplicates = [r.name for r in usable if r.duplicate_of]
    return (
        "\n".join([head, "", *lines]),
        gr.Dataframe(value=rows, visible=bool(rows)),
        gr.CheckboxGroup(choices=duplicates, value=[], visible=bool(duplicates)),
        gr.Row(visible=True),
        {"reviews": [r.to_dict() for r in usable]},
    )


MOBILE_PANEL_HTML = (
    '<button type="button" id="cz-mobile-toggle" aria-expanded="false" aria-controls="cz-filters">'
    "Filters en eerdere gesprekken ▾</button>"
)


def mark_height(image: Any) -> float:
    """Where the highlighted quote starts on the rendered page, as a share of its height (0 = top):
    the first row with the highlight's outline colour (app/pageview.py OUTLINE)."""
    import numpy as np

    from .pageview import OUTLINE

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


# ---------------------------------------------------------------------------- the page


def export_buttons(elem: str) -> tuple[Any, ...]:
    """One row of download buttons, in EXPORT_FORMATS order (CSV, XLSX, Markdown, QDPX), disabled
    until there is something to export; elem ids `<elem>-csv`, `<elem>-xlsx`, …"""
    import gradio as gr

    labels = {"csv": "Exporteer CSV", "xlsx": "Exporteer XLSX", "md": "Exporteer Markdown", "qdpx": "Exporteer QDPX"}
    with gr.Row():
        return tuple(
            gr.DownloadButton(labels[fmt], interactive=False, size="sm", elem_id=f"{elem}-{fmt}")
            for fmt in EXPORT_FORMATS
        )


def build_app(
    answerer: Answerer,
    llm_label: str = "uit (extractief)",
    export_dir: Path | None = None,
    data_dir: Path | None = None,
    allow_upload: bool = False,
    upload_limits: UploadLimits | None = None,
) -> Any:
    """Build the Blocks for one answerer. Event handlers only call the services and the view helpers.

    data_dir: the index directory; conversations are kept there (else in a temporary directory),
    uploads go to DIR/uploads. allow_upload: show the upload tab (the caller decides: loopback or
    behind the login, `ServeConfig.allows_upload`; it needs data_dir)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    exports = Path(export_dir or tempfile.mkdtemp(prefix="citaat-export-")).resolve()
    pending = PendingExports(exports)
    # Gradio serves the export directory in place (no hash and copy into its cache per file); the
    # file names sit in random subdirectories (PendingExports), the conversation's under its random id
    gr.set_static_paths([exports])
    data = Path(data_dir) if data_dir is not None else None
    try:
        store = ConversationStore((data or Path(tempfile.mkdtemp(prefix="citaat-conv-"))) / CONVERSATIONS_FILE)
    except (OSError, sqlite3.Error) as exc:  # a read-only data directory: the chat still works
        log.warning("gesprekken worden niet in %s bewaard (%s); alleen tot de chat stopt", data, exc)
        store = ConversationStore(Path(tempfile.mkdtemp(prefix="citaat-conv-")) / CONVERSATIONS_FILE)
    limits = upload_limits or UploadLimits()
    upload_lock = threading.Lock()
    can_upload = allow_upload and data is not None

    def respondent_choices() -> list[str]:
        """Codes, then the attribute values of the classification sheet (filterable the same way)."""
        return [*answerer.respondents(), *attribute_choices(getattr(answerer.searcher, "attributes", None))]

    def cards(
        sources: Sequence[Source],
        notice: str | None = None,
        title: str = "Bronnen",
        turn: int | None = None,
        selected: int | None = None,
    ) -> str:
        """The source cards, with each respondent's attributes when the index has a sheet."""
        sheet = getattr(answerer.searcher, "attributes", None)
        return sources_html(sources, notice, title, turn, selected, sheet)

    def kind_choices() -> list[tuple[str, str]]:
        return [("Alle soorten", "")] + [(KIND_LABELS[k], k) for k in answerer.kinds()]

    def downloads(
        sources: Sequence[Source],
        name: str,
        title: str,
        question: str | None = None,
        answer: str | None = None,
        filters: Filters | None = None,
        enabled: bool = False,
    ) -> tuple[Any, ...]:
        """The four export buttons (CSV with ';' for Dutch Excel, XLSX, Markdown, REFI-QDA .qdpx) for
        these sources; each file records the date, the question or query, the filters and the index.
        `enabled`: the buttons are interactive already, so only their files are sent (see `_file`)."""
        if not sources:
            return (gr.DownloadButton(value=None, interactive=False),) * len(EXPORT_FORMATS)
        meta = ExportMeta(
            query=question or ("" if name in ("zoekresultaten",) else name),
            filters=filters or Filters(),
            index_version=str(getattr(answerer.searcher, "version", "") or ""),
            kind="vraag" if answer else "zoekopdracht",
        )
        # the files are written when first downloaded (app/downloads.py); their content is fixed now
        paths = pending.add(
            sources,
            name,
            EXPORT_FORMATS,
            meta=meta,
            title=title,
            question=question,
            answer=answer,
            sep=";",
            sheet=getattr(answerer.searcher, "attributes", None),
            directory=data,
        )
        return tuple(_file(path, enabled) for path in paths)

    def _file(path: Path, enabled: bool) -> Any:
        """A download button's new file. A component returned from a handler is a property update:
        Gradio builds a new component and its config for the session, with the JSON schema of its
        file model (pydantic, built again for every new instance): about 10 ms of CPU per button. A
        button that is interactive already needs only its value, a plain path; the page is the same.
        (A subclass with the schema built once would save the rest, but Gradio writes a .pyi stub
        next to the module of every component class it sees defined.)"""
        return str(path) if enabled else gr.DownloadButton(value=str(path), interactive=True)

    def conversation_download(conv: str | None, owner: str, enabled: bool = False) -> Any:
        text = store.export_markdown(conv, owner) if conv else None
        if text is None:
            return gr.DownloadButton(value=None, interactive=False)
        path = exports / f"citaat-gesprek-{conv}.md"
        atomic_write_text(path, text, durable=False)  # served in place (a static path): never half written
        return _file(path, enabled)

    def sources_for_choices(turns: Turns) -> Any:
        choices = [(f"{k + 1}. {t['q'][:70]}", k) for k, t in enumerate(turns)]
        return gr.Dropdown(choices=choices, value=len(turns) - 1 if turns else None, interactive=bool(turns))

    def rebuild(turn: Turn) -> list[Source]:
        """The sources of a stored turn, rebuilt from the index (a chunk that is gone is skipped)."""
        out: list[Source] = []
        for rec in turn.sources:
            try:
                chunk = answerer.searcher.chunk(rec["id"])
                resp = None if rec.get("respondents") is None else tuple(rec["respondents"])
                out.append(answerer.excerpter.source(rec["n"], chunk, rec["start"], rec["end"], rec.get("score"), resp))
            except (KeyError, ValueError):
                continue
        return out

    # -------------------------------------------------------------- handlers

    def respond(
        question: str,
        messages: list[dict[str, Any]],
        asked: list[Any],
        turns: Turns,
        browser: dict[str, str],
        resp: list[str],
        section: str,
        kind: str,
    ) -> Iterator[tuple[Any, ...]]:
        n_out = 14
        if not (question or "").strip():
            # an empty send leaves the previous answer alone and says what to do
            gr.Info(EMPTY_QUESTION_HINT, title="Geen vraag")
            yield (gr.skip(),) * n_out
            return
        refusal = question_refusal(question, answerer.config.max_question_chars)
        if refusal:  # the page's own route has the API's limits: nothing stored, nothing searched
            gr.Warning(refusal)
            yield (gr.skip(),) * n_out
            return
        filters = make_filters(resp, section, kind)
        messages = list(messages or [])
        messages.append({"role": "user", "content": user_markdown(question.strip())})
        messages.append({"role": "assistant", "content": "Zoeken in de interviews…"})
        skip = (gr.skip(),) * 7  # the export buttons and what follows them keep their values
        yield messages, messages, asked, turns, browser, gr.skip(), "", *skip
        final: Answer | None = None
        for part in answerer.stream(question, asked or [], filters):
            if isinstance(part, Answer):
                final = part
            elif answerer.llm is not None:  # a model's answer grows; the extractive one is sent whole
                messages[-1] = {"role": "assistant", "content": part}
                yield messages, messages, asked, turns, browser, gr.skip(), gr.skip(), *skip
        assert final is not None
        k = len(turns or [])
        note = filter_note(question, filters)
        # <span class='cz-end'>: the page script's sign that this answer is complete (app/webpage.py)
        shown = (f"_{note}_\n\n" if note else "") + answer_markdown(final, k) + "<span class='cz-end'></span>"
        messages[-1] = {"role": "assistant", "content": shown}
        # which download buttons are interactive already: the chat's exports after an answer with
        # sources (respond and load_conversation set them so), the conversation's export once the
        # session has a conversation (it is set together with `conv`)
        exports_on = bool(turns and turns[-1]["sources"])
        conversation_on = bool((browser or {}).get("conv"))
        new_asked = [*(asked or []), final] if final.question else list(asked or [])
        new_turns = [*(turns or []), {"q": " ".join(question.split()), "sources": list(final.sources)}]
        owner = (browser or {}).get("owner") or new_owner()
        conv = store.add_turn((browser or {}).get("conv") or None, owner, question.strip(), shown, final.sources)
        browser = {"owner": owner, "conv": conv}
        notice = (
            "Geen antwoord: de interviews zeggen hier niets over; dit zijn de dichtstbijzijnde passages."
            if final.no_evidence and final.sources
            else None
        )
        buttons = downloads(
            final.sources,
            final.question or "antwoord",
            "Citaat: antwoord met bronnen",
            final.question,
            final.text,
            filters,
            enabled=exports_on,
        )
        yield (
            messages,
            messages,
            new_asked,
            new_turns,
            browser,
            cards(final.sources, notice, title=f"Bronnen bij vraag {k + 1}", turn=k),
            gr.skip(),
            *buttons,
            gr.Dropdown(choices=conversation_choices(store, owner), value=conv),
            sources_for_choices(new_turns),
            conversation_download(conv, owner, enabled=conversation_on),
        )

    def load_conversation(browser: dict[str, str] | None, conv: str | None = None) -> tuple[Any, ...]:
        """The page after a reload (conv None: the browser's current one) or after opening one."""
        browser = dict(browser or {})
        owner = browser.get("owner") or new_owner()
        conv = conv if conv is not None else browser.get("conv") or None
        stored = store.turns(conv, owner)
        if not stored:
            conv = None
        messages: list[dict[str, Any]] = []
        turns: Turns = []
        for t in stored:
            messages += [
                {"role": "user", "content": user_markdown(t.question)},
                {"role": "assistant", "content": t.answer},
            ]
            turns.append({"q": " ".join(t.question.split()), "sources": rebuild(t)})
        asked = [t.question for t in stored]
        last = turns[-1]["sources"] if turns else []
        k = len(turns) - 1
        buttons = (
            downloads(
                last,
                stored[-1].question if stored else "antwoord",
                "Citaat: antwoord met bronnen",
                stored[-1].question if stored else None,
            )
            if last
            else downloads([], "", "")
        )
        panel = cards(last, title=f"Bronnen bij vraag {k + 1}", turn=k) if turns else cards([])
        browser = {"owner": owner, "conv": conv or ""}
        return (
            messages,
            messages,
            asked,
            turns,
            browser,
            panel,
            *buttons,
            gr.Dropdown(choices=conversation_choices(store, owner), value=conv),
            sources_for_choices(turns),
            conversation_download(conv, owner),
            gr.Column(visible=False),
        )

    def open_conversation(conv: str | None, browser: dict[str, str]) -> tuple[Any, ...]:
        return load_conversation(browser, conv or "")

    def new_conversation(browser: dict[str, str]) -> tuple[Any, ...]:
        return load_conversation(browser, "")

    def delete_conversation(conv: str | None, browser: dict[str, str]) -> tuple[Any, ...]:
        owner = (browser or {}).get("owner") or ""
        if conv:
            store.delete(conv, owner)
        current = (browser or {}).get("conv")
        return load_conversation(browser, None if current and current != conv else "")

    def show_sources(k: int | None, turns: Turns) -> Any:
        if k is None or not turns or not 0 <= int(k) < len(turns):
            return gr.skip()
        k = int(k)
        return cards(turns[k]["sources"], title=f"Bronnen bij vraag {k + 1}", turn=k)

    def page_cache_dir() -> Path | None:
        directory = data or getattr(answerer.searcher, "directory", None)
        return Path(directory) / "cache" / "pages" if directory else None

    def page_view(source: Source) -> tuple[Any, str]:
        """(image or None, caption HTML) for a source's page or transcript turn."""
        if source.kind == "turn" or source.chunk.meta.get("time"):
            return None, transcript_html(source, answerer.searcher.chunks)
        directory = data or getattr(answerer.searcher, "directory", None)
        try:
            info = read_sources(Path(directory)).get(source.doc, {}) if directory else {}
        except CitaatError:
            info = {}
        path = Path(info.get("path", ""))
        if source.page is None or path.suffix.lower() != ".pdf" or not path.is_file():
            return (
                None,
                f'<div class="cz-notice">Geen pagina om te tonen: {html.escape(source.doc)} '
                "is niet als PDF beschikbaar.</div>",
            )
        from .pageview import PageViewError, page_image

        try:
            image, found = page_image(path, source.page, source.text, page_cache_dir())
        except PageViewError as exc:  # too large, too slow, damaged: one Dutch line, no traceback
            log.warning("page view of %s p. %s refused: %s", source.doc, source.page, exc)
            return (
                None,
                f'<div class="cz-notice">De pagina kon niet getoond worden ({html.escape(source.doc)}, '
                f"p. {source.page}): {html.escape(exc.message)}.</div>",
            )
        caption = f"{source.label} · {source.theme} · p. {source.page}" + (
            "" if found else " · het citaat is op deze pagina niet teruggevonden; de hele pagina staat hieronder"
        )
        return image, page_caption_html(source.n, caption, mark_height(image) if found else 0.0)

    def pick(value: str, turns: Turns) -> tuple[Any, ...]:
        """`ref:K:N` selects source N of answer K; `page:K:N` also opens its page view; `turn:K:0`
        shows the sources of answer K (the page script asks for it when the reader scrolls to it)."""
        m = re.fullmatch(r"(ref|page|turn):(\d+):(\d+)", value or "")
        if not m or not turns or int(m.group(2)) >= len(turns):
            return (gr.skip(),) * 5
        what, k, n = m.group(1), int(m.group(2)), int(m.group(3))
        sources = turns[k]["sources"]
        panel = cards(sources, title=f"Bronnen bij vraag {k + 1}", turn=k, selected=n)
        chosen = next((s for s in sources if s.n == n), None)
        if what != "page" or chosen is None:
            return panel, gr.Dropdown(value=k), gr.skip(), gr.skip(), gr.skip()
        image, caption = page_view(chosen)
        return (
            panel,
            gr.Dropdown(value=k),
            gr.Column(visible=True),
            gr.Image(value=image, visible=image is not None),
            caption,
        )

    finder = QuoteFinder(answerer)

    def show_found(state: dict[str, Any]) -> tuple[Any, ...]:
        """The search tab's widgets for everything found so far (`state` of run_search/more_results)."""
        found: list[Source] = state["sources"]
        filters = make_filters(state["resp"], state["section"], state["kind"])
        query = state["text"]
        if not query.strip() and filters.is_empty():
            status = "Typ een zoekopdracht of kies een filter."
        else:
            status = f"{len(found)} resultaten" + (" (filters actief)" if not filters.is_empty() else "")
            status += claim_status(state["claim"], state.get("report", False))
        title = "Citaat: citaten bij een bewering" if state["claim"] else f"Citaat: zoekresultaten voor {query or '…'}"
        buttons = downloads(found, query or "zoekresultaten", title, query or None, None, filters)
        panel = claim_markdown(state["sentences"], found, state["supports"], state["notice"])
        return (table_rows(found), status, cards(found, title="Context van de resultaten"), *buttons,
                state, gr.Button(visible=state["has_more"]), panel, gr.Checkbox(value=state["claim"]))

    def run_search(query: str, resp: list[str], section: str, kind: str, claim: bool,
                   report: bool = False) -> tuple[Any, ...]:
        query = query or ""
        claim = bool(claim) or len(claim_sentences(query)) > 1  # several sentences: a claim, not a question
        try:
            result = finder.page(query, make_filters(resp, section, kind), claim=claim, report_text=bool(report))
        except CitaatError as exc:  # e.g. a claim of too many sentences: say so where the count would be
            return (gr.skip(), f"⚠ {exc}", *(gr.skip(),) * 5, {}, gr.Button(visible=False), "", gr.skip())
        return show_found({
            "text": query, "claim": claim, "report": bool(report), "resp": resp, "section": section, "kind": kind,
            "sources": list(result.sources), "supports": list(result.supports), "sentences": result.sentences,
            "notice": result.notice, "next_offset": result.next_offset, "has_more": result.has_more,
        })

    def more_results(state: dict[str, Any] | None) -> tuple[Any, ...]:
        """"Meer resultaten": the next page of the same search (same text and filters), appended."""
        if not state or not state.get("has_more"):
            return (gr.skip(),) * 7 + (state, gr.Button(visible=False), gr.skip(), gr.skip())
        filters = make_filters(state["resp"], state["section"], state["kind"])
        result = finder.page(state["text"], filters, state["next_offset"], state["claim"],
                             first_n=len(state["sources"]) + 1, report_text=state.get("report", False))
        return show_found({
            **state, "sources": [*state["sources"], *result.sources],
            "supports": [*state["supports"], *result.supports],
            "next_offset": result.next_offset, "has_more": result.has_more,
        })

    def show_respondent(code: str | None) -> tuple[Any, ...]:
        if not code:
            off = gr.DownloadButton(value=None, interactive=False)
            return [], "Kies een respondent.", cards([], title="Citaten"), *(off,) * len(EXPORT_FORMATS)
        quotes = answerer.respondent_quotes(code)
        status = respondent_status(code, quotes)
        buttons = downloads(quotes, code, f"Citaat: alle citaten van {code}", None, None, Filters(respondents=(code,)))
        # in document order, so grouped by document; the document named when the code has several
        rows = [
            [q.n, " ".join(q.text.split()), (f"{q.doc} › " if q.show_doc else "") + q.theme, q.page or ""]
            for q in quotes
        ]
        return rows, status, cards(quotes, title=f"Citaten van {code}"), *buttons

    def refresh_choices() -> tuple[Any, ...]:
        """Filter choices and header from the index in use (a page loaded after an upload shows its
        respondents; the Blocks config holds the choices of the index at start)."""
        codes = answerer.respondents()
        return (
            gr.Dropdown(choices=respondent_choices()),
            gr.Dropdown(choices=codes),
            gr.Dropdown(choices=[("Alle hoofdstukken", ""), *answerer.section_choices()]),
            gr.Dropdown(choices=kind_choices()),
            header_html(answerer, llm_label),
        )

    def clear_filters() -> tuple[Any, ...]:
        return [], "", ""

    # ---------------------------------------------------------- upload: check, correct, confirm
    # Outputs of both steps: log, review table, duplicate choice, confirm row, state, then the
    # filters and the header (`refresh_choices`).

    def upload(files: list[str] | None, progress: Any = gr.Progress()) -> Iterator[tuple[Any, ...]]:  # noqa: B008
        """Step 1: check the files, parse them (child process, timeout) and show who is who; nothing
        is indexed until the user confirms (`confirm_upload`)."""
        hidden: tuple[Any, ...] = (
            gr.Dataframe(visible=False), gr.CheckboxGroup(visible=False), gr.Row(visible=False), {}
        )
        skips = (gr.skip(),) * 5
        if not can_upload or data is None:
            yield ("Uploaden kan alleen op deze computer of met inloggen.", *hidden, *skips)
            return
        if not files:
            yield ("Kies eerst een of meer bestanden hierboven.", *hidden, *skips)
            return
        progress(0.05, desc="Bestanden controleren")
        try:
            stored, problems = accept_files([(Path(f).name, Path(f)) for f in files], data / UPLOAD_DIR, limits)
        except OSError as exc:
            yield (f"**Niets ingelezen:** kan niet schrijven in {data / UPLOAD_DIR} ({exc.strerror or exc}).",
                   *hidden, *skips)
            return
        finally:
            for f in files:  # Gradio's temporary copies: refused or stored, they are not needed
                Path(f).unlink(missing_ok=True)
        problems = [escape_markdown(p) for p in problems]
        progress(0.3, desc="Lezen wie wie is (apart proces)")
        reviews = review_uploads(stored, data, limits)
        yield (*upload_review_view(reviews, problems), *skips)

    def confirm_upload(state: dict[str, Any] | None, rows: Any, replace: list[str] | None,
                       progress: Any = gr.Progress()) -> Iterator[tuple[Any, ...]]:  # noqa: B008
        """Step 2: index the reviewed files with the page's corrections, then swap the new index in.
        Other users keep asking questions meanwhile; the new respondents appear in the filters."""
        hidden: tuple[Any, ...] = (
            gr.Dataframe(visible=False), gr.CheckboxGroup(visible=False), gr.Row(visible=False), {}
        )
        skips = (gr.skip(),) * 5
        if not state or not state.get("reviews") or data is None:
            yield ("Kies eerst bestanden en klik op ‘Inlezen en controleren’.", *hidden, *skips)
            return
        reviews = [review_from_dict(r) for r in state["reviews"]]
        table = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
        fixes = read_corrections(table, reviews, replace or ())
        if fixes.problems:  # nothing indexed; the table stays for another try
            yield ("\n".join(f"- ✗ {p}" for p in fixes.problems), *(gr.skip(),) * 4, *skips)
            return
        paths, skipped = upload_selection(reviews, replace or ())
        if not paths:
            yield ("\n".join(["**Niets toegevoegd.**", *(f"- {line}" for line in skipped)]), *hidden, *skips)
            return
        if not upload_lock.acquire(blocking=False):
            yield ("Er wordt al een upload verwerkt; klik zo nog eens op ‘Bevestigen en toevoegen’.",
                   *(gr.skip(),) * 4, *skips)
            return
        try:
            progress(0.2, desc="Inlezen en indexeren (apart proces)")
            outcome = ingest_uploads(paths, data, limits, fixes.to_env())
            progress(0.9, desc="Nieuwe index in gebruik nemen")
            if outcome.indexed:
                answerer.use_searcher(Searcher.open(data))
        finally:
            upload_lock.release()
        if not outcome.indexed:  # refused or failed: the stored copies do not stay behind
            forget_uploads(reviews, data)
        # ✓ per file only when the index took it in; after a refusal the same files with ✗, never both
        log_lines = [*upload_result_lines(outcome), *(f"- {escape_markdown(line)}" for line in skipped)]
        log_lines = [page_hint(line) for line in log_lines]
        if outcome.indexed:
            codes = join_dutch(list(outcome.respondents)) or "geen respondentcodes"
            head = (
                f"**Klaar:** de zoekindex is bijgewerkt ({codes}; {outcome.embedded} fragmenten nieuw "
                f"ingebed, {outcome.reused} hergebruikt); de nieuwe respondenten staan in de filters."
            )
        elif outcome.lines and not outcome.problems:
            head = "**Niets nieuws:** deze bestanden stonden al zo in de index."
        else:
            head = "**Niet ingelezen.**"
        yield ("\n\n".join([head, "\n".join(log_lines)]), *hidden, *refresh_choices())

    def cancel_upload(state: dict[str, Any] | None) -> tuple[Any, ...]:
        forget_uploads([review_from_dict(r) for r in (state or {}).get("reviews", ())], data)
        return ("Geannuleerd; er is niets toegevoegd.", gr.Dataframe(visible=False),
                gr.CheckboxGroup(visible=False), gr.Row(visible=False), {})

    # -------------------------------------------------------------- layout

    # delete_cache: Gradio's temporary files (uploads, rendered values) older than an hour, hourly
    with gr.Blocks(
        title="Citaat – vraag het de interviews", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as demo:
        header = gr.HTML(header_html(answerer, llm_label))
        gr.HTML(MOBILE_PANEL_HTML, padding=False, elem_id="cz-mobile-panel")  # a phone's way to the filters
        with gr.Row(equal_height=False, elem_id="cz-main"):
            with gr.Column(scale=1, min_width=250, elem_id="cz-filters"):
                with gr.Group():
                    gr.HTML('<div class="cz-filter-title">Filters</div>', padding=True)
                    f_resp = gr.Dropdown(
                        respondent_choices(),
                        value=[],
                        multiselect=True,
                        label="Respondent(en)",
                        elem_id="filter-respondent",
                        info="Bv. R13 of een kenmerk zoals rol: bestuurder; leeg = iedereen",
                    )
                    f_section = gr.Dropdown(
                        [("Alle hoofdstukken", ""), *answerer.section_choices()],
                        value="",
                        label="Hoofdstuk of sectie",
                        elem_id="filter-section",
                    )
                    f_kind = gr.Dropdown(kind_choices(), value="", label="Soort", elem_id="filter-kind")
                clear_btn = gr.Button("Filters wissen", size="sm", elem_id="clear-filters")
                with gr.Accordion("Eerdere gesprekken", open=False, elem_id="cz-history"):
                    conv_pick = gr.Dropdown([], value=None, label="Gesprek", elem_id="conv-pick")
                    with gr.Row():
                        conv_open = gr.Button("Openen", size="sm", elem_id="conv-open")
                        conv_delete = gr.Button("Verwijderen", size="sm", variant="stop", elem_id="conv-delete")
                    conv_md = gr.DownloadButton(
                        "Exporteer gesprek (Markdown)", interactive=False, size="sm", elem_id="conv-md"
                    )
            with gr.Column(scale=5, elem_id="cz-content"):
                with gr.Tabs(elem_id="cz-tabs", overflow_behavior="wrap"):
                    with gr.Tab("Vraag & antwoord", id="chat"):
                        with gr.Row(equal_height=False, elem_id="cz-chat-row"):
                            with gr.Column(scale=7, min_width=320):
                                chatbot = gr.Chatbot(
                                    label="Gesprek",
                                    show_label=False,
                                    height=600,
                                    elem_id="chat",
                                    buttons=["copy"],
                                    placeholder="**Stel een vraag over de interviews.**<br>Het antwoord bestaat uit "
                                    "letterlijke citaten met respondent, sectie en pagina.",
                                    feedback_options=None,
                                    group_consecutive_messages=False,
                                    # the page script shows a new answer from its first line
                                    # (app/webpage.py), not from its end
                                    autoscroll=False,
                                )
                                with gr.Row():
                                    question = gr.Textbox(
                                        placeholder="Stel een vraag …",
                                        show_label=False,
                                        scale=6,
                                        label="Vraag",
                                        elem_id="question",
                                        lines=1,
                                        max_lines=4,
                                        container=False,
                                    )
                                    ask_btn = gr.Button(
                                        "Vraag", variant="primary", scale=0, elem_id="ask", min_width=90, size="md"
                                    )
                                    reset_btn = gr.Button(
                                        "Nieuw gesprek", scale=0, elem_id="reset", min_width=140, size="md"
                                    )
                                gr.Examples(EXAMPLES, inputs=question, label="Voorbeeldvragen")
                            with gr.Column(scale=5, min_width=320):
                                sources_for = gr.Dropdown(
                                    [], value=None, label="Bronnen bij vraag", elem_id="sources-for", interactive=False
                                )
                                sources_panel = gr.HTML(cards([]), elem_id="sources", padding=False)
                                chat_csv, chat_xlsx, chat_md, chat_qdpx = export_buttons("chat")
                                with gr.Column(visible=False, elem_id="pageview") as page_box:
                                    page_caption = gr.HTML("", padding=False, elem_id="pageview-info")
                                    page_img = gr.Image(
                                        None,
                                        show_label=False,
                                        interactive=False,
                                        elem_id="pageview-img",
                                        buttons=["download", "fullscreen"],
                                        format="png",
                                        height=720,
                                    )
                                    page_close = gr.Button("Sluit paginaweergave", size="sm", elem_id="pageview-close")
                    with gr.Tab("Zoek citaten", id="search"):
                        with gr.Row():
                            query = gr.Textbox(placeholder="Zoekwoorden, een vraag, of een bewering uit je eigen "
                                               "analyse; leeg = alles binnen de filters", show_label=False, scale=6,
                                               elem_id="search-query", container=False, max_lines=8,
                                               label="Zoekopdracht")
                            search_btn = gr.Button("Zoek", variant="primary", scale=0, elem_id="search-btn",
                                                   min_width=110, size="md")
                        with gr.Row():
                            claim_mode = gr.Checkbox(False, label="Bewering zoeken: steunende citaten, zin voor zin "
                                                     "(vanzelf bij meer dan één zin)", elem_id="search-claim")
                            claim_report = gr.Checkbox(False, label="ook rapporttekst (niet alleen citaten en "
                                                       "interviewbeurten)", elem_id="search-claim-report")
                        search_status = gr.Markdown("", elem_id="search-status")
                        claim_panel = gr.Markdown("", elem_id="search-claim-panel")
                        results = gr.Dataframe(
                            headers=TABLE_HEADERS,
                            datatype=["number", "str", "str", "str", "str", "str"],
                            interactive=False,
                            wrap=True,
                            elem_id="search-results",
                            max_height=520,
                            column_widths=["5%", "48%", "10%", "19%", "6%", "12%"],
                        )
                        more_btn = gr.Button("Meer resultaten", visible=False, size="sm", elem_id="search-more")
                        search_csv, search_xlsx, search_md, search_qdpx = export_buttons("search")
                        with gr.Accordion("Context van de resultaten", open=False):
                            search_context = gr.HTML("", padding=False)
                    with gr.Tab("Per respondent", id="respondent"):
                        with gr.Row():
                            who = gr.Dropdown(
                                answerer.respondents(),
                                value=None,
                                label="Respondent",
                                scale=1,
                                elem_id="respondent-pick",
                            )
                            who_status = gr.Markdown("Kies een respondent.", elem_id="respondent-status")
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=7, min_width=320):
                                who_table = gr.Dataframe(
                                    headers=list(RESPONDENT_HEADERS),
                                    datatype=["number", "str", "str", "str"],
                                    interactive=False,
                                    wrap=True,
                                    elem_id="respondent-quotes",
                                    max_height=560,
                                    column_widths=["8%", "55%", "25%", "12%"],
                                )
                                who_csv, who_xlsx, who_md, who_qdpx = export_buttons("respondent")
                            with gr.Column(scale=5, min_width=320):
                                who_context = gr.HTML(cards([], title="Citaten"), padding=False)
                    with gr.Tab("Coderen", id="coding"):
                        from .ui_coding import coding_tab  # the coding assistant's tab (issue 25)

                        coding_tab(lambda: answerer.searcher, data, exports)
                    with gr.Tab("Interviews toevoegen", id="upload", visible=can_upload):
                        gr.Markdown(
                            "Sleep transcripten of een rapport hierheen (" + ", ".join(limits.suffixes) + "; "
                            f"hoogstens {limits.max_files} bestanden van elk {limits.max_file_mb:.0f} MB). "
                            "Ze worden ingelezen zoals `citaat ingest` dat doet en aan de zoekindex toegevoegd; "
                            "vragen stellen kan intussen gewoon doorgaan."
                        )
                        files = gr.File(
                            file_count="multiple",
                            file_types=list(limits.suffixes),
                            type="filepath",
                            label="Bestanden",
                            elem_id="upload-files",
                        )
                        upload_btn = gr.Button("Inlezen en controleren", variant="primary", elem_id="upload-btn")
                        upload_log = gr.Markdown("", elem_id="upload-status", elem_classes=["cz-upload-log"])
                        upload_review = gr.Dataframe(
                            headers=REVIEW_HEADERS, datatype=["str", "str", "str", "number", "str"],
                            interactive=True, visible=False, wrap=True, elem_id="upload-review",
                            label="Wie is wie (pas de kolom ‘Rol of code’ aan: " + ROLE_HELP + ")",
                            static_columns=[0, 1, 3, 4], column_widths=["22%", "16%", "16%", "10%", "36%"],
                        )
                        upload_replace = gr.CheckboxGroup(
                            [], visible=False, elem_id="upload-replace",
                            label="Staat al in de index: aangevinkt = vervang de bestaande versie, "
                                  "niet aangevinkt = overslaan",
                        )
                        with gr.Row(visible=False) as upload_confirm_row:
                            upload_confirm = gr.Button("Bevestigen en toevoegen", variant="primary",
                                                       elem_id="upload-confirm")
                            upload_cancel = gr.Button("Annuleren", elem_id="upload-cancel")
                        upload_state = gr.State({})

        messages = gr.State([])
        asked = gr.State([])
        turns = gr.State([])
        # which conversation this browser is in: kept in local storage (BrowserState) so a reload finds
        # it, and mirrored in a server-side State that the handlers use (the `/vraag` API then needs
        # no browser value; a State is per session)
        browser = gr.BrowserState({"owner": "", "conv": ""}, storage_key="citaat-gesprek")
        session = gr.State({"owner": "", "conv": ""})
        pick_value = gr.Textbox(visible="hidden", elem_id="cz-pick")
        pick_btn = gr.Button("kies", visible="hidden", elem_id="cz-pick-btn")

        # -------------------------------------------------------------- events
        chat_exports = [chat_csv, chat_xlsx, chat_md, chat_qdpx]
        chat_inputs = [question, messages, asked, turns, session, f_resp, f_section, f_kind]
        chat_outputs = [
            chatbot,
            messages,
            asked,
            turns,
            session,
            sources_panel,
            question,
            *chat_exports,
            conv_pick,
            sources_for,
            conv_md,
        ]

        def remember(state: dict[str, str]) -> dict[str, str]:
            return state

        def keep(event: Any) -> None:
            event.then(remember, session, browser, api_visibility="private")

        keep(question.submit(respond, chat_inputs, chat_outputs, api_name="vraag", trigger_mode="once"))
        keep(ask_btn.click(respond, chat_inputs, chat_outputs, api_visibility="private", trigger_mode="once"))
        conv_outputs = [
            chatbot,
            messages,
            asked,
            turns,
            session,
            sources_panel,
            *chat_exports,
            conv_pick,
            sources_for,
            conv_md,
            page_box,
        ]
        keep(reset_btn.click(new_conversation, session, conv_outputs, api_visibility="private"))
        keep(conv_open.click(open_conversation, [conv_pick, session], conv_outputs, api_visibility="private"))
        keep(conv_delete.click(delete_conversation, [conv_pick, session], conv_outputs, api_visibility="private"))
        keep(demo.load(load_conversation, browser, conv_outputs, api_visibility="private"))
        demo.load(refresh_choices, None, [f_resp, who, f_section, f_kind, header], api_visibility="private")
        sources_for.input(show_sources, [sources_for, turns], sources_panel, api_visibility="private")
        pick_btn.click(None, None, pick_value, js="() => window.czPick || ''").then(
            pick,
            [pick_value, turns],
            [sources_panel, sources_for, page_box, page_img, page_caption],
            api_visibility="private",
        ).then(None, None, None, js="() => window.czShow && window.czShow()")
        page_close.click(lambda: gr.Column(visible=False), None, page_box, api_visibility="private")
        search_state = gr.State({})
        search_outputs = [results, search_status, search_context, search_csv, search_xlsx, search_md, search_qdpx,
                          search_state, more_btn,
                          claim_panel, claim_mode]
        search_inputs = [query, f_resp, f_section, f_kind, claim_mode, claim_report]
        search_btn.click(run_search, search_inputs, search_outputs, api_name="zoek")
        query.submit(run_search, search_inputs, search_outputs, api_visibility="private")
        more_btn.click(more_results, search_state, search_outputs, api_visibility="private")
        who_outputs = [who_table, who_status, who_context, who_csv, who_xlsx, who_md, who_qdpx]
        who.change(show_respondent, who, who_outputs, api_name="respondent")
        clear_btn.click(clear_filters, None, [f_resp, f_section, f_kind], api_visibility="private")
        upload_outputs = [upload_log, upload_review, upload_replace, upload_confirm_row, upload_state,
                          f_resp, who, f_section, f_kind, header]
        upload_btn.click(upload, files, upload_outputs, api_visibility="private",
                         concurrency_limit=1, concurrency_id="upload")
        # once confirmed or cancelled, the chosen files leave the upload box (the next upload starts empty)
        upload_confirm.click(confirm_upload, [upload_state, upload_review, upload_replace], upload_outputs,
                             api_visibility="private", concurrency_limit=1, concurrency_id="upload").then(
            lambda: None, None, files, api_visibility="private")
        upload_cancel.click(cancel_upload, upload_state, upload_outputs[:5], api_visibility="private").then(
            lambda: None, None, files, api_visibility="private")

    # Queue limits, from measurement (docs/benchmarks.md, "Serveren"): searches run in parallel (no
    # lock), but on 2 cores the work is CPU-bound, so 20 sessions × 5 questions gave the same p95
    # with 2, 4 or 8 parallel workers (6.3 / 6.1 / 7.1 s at load 15), and again after the profiling
    # work with 1, 2 or 4 (p95 0.91-0.97 / 0.85 / 0.83-0.89 s, "Latentie na profilering"); 4 lets
    # Gradio's own work for one session overlap another's answer. max_size bounds the waiting line: under
    # overload a user gets Gradio's "queue is full" at once instead of a minute-long wait.
    # An upload parses and embeds in child processes and holds one slot of its own ("upload").
    demo.queue(default_concurrency_limit=4, max_size=64)
    demo.citaat_max_upload_mb = limits.max_total_mb
    demo.citaat_exports = pending  # launch() puts WriteOnDownload in front of the app
    return demo


def theme() -> Any:
    """A calm, system-font theme (no web fonts: the app runs offline)."""
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def freeze_heap() -> None:
    """Move everything loaded so far (index, model, page) out of the garbage collector's sight.
    A full collection over those objects stalled every request for ~140 ms once per few seconds
    under load (docs/benchmarks.md, "Serveren"); they live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def launch(
    demo: Any, serve: ServeConfig, block: bool = True, quiet: bool = False, answerer: Answerer | None = None
) -> Any:
    """Serve the page; refuses (ConfigError) a configuration that `ServeConfig.check` rejects.
    With `answerer`, the JSON API (app/api.py) is served beside it: /api, /health, /docs, same login.
    Gradio's own upload limit is a backstop above the upload tab's checks (which say more)."""
    problem = serve.check()
    if problem:
        raise ConfigError(problem)
    app_kwargs: dict[str, Any] = {}
    if answerer is not None:
        from .api import api_routes, create_api, gradio_session_user

        api = create_api(answerer, auth=serve.auth(), session_user=gradio_session_user(demo))
        app_kwargs["routes"] = api_routes(api)  # before Gradio's own routes, so they take precedence
    app_kwargs["middleware"] = guard_middleware(demo, serve)
    pending = getattr(demo, "citaat_exports", None)
    if pending is not None:
        from starlette.middleware import Middleware

        from .downloads import WriteOnDownload

        app_kwargs["middleware"].append(Middleware(WriteOnDownload, pending=pending))
    freeze_heap()
    return demo.launch(
        app_kwargs=app_kwargs,
        server_name=serve.host,
        server_port=serve.port,
        share=serve.share,
        auth=serve.auth(),
        auth_message="Log in om de Citaat-chat te gebruiken." if serve.auth() else None,
        prevent_thread_lock=not block,
        inbrowser=False,
        quiet=quiet,
        show_error=False,  # an unexpected exception's text is not for users (Gradio shows 'Error')
        ssr_mode=False,
        footer_links=[],
        theme=theme(),
        css=CSS,
        head=HEAD,
        max_file_size=f"{int(getattr(demo, 'citaat_max_upload_mb', 60) * 2)}mb",
        ssl_certfile=serve.ssl_certfile,
        ssl_keyfile=serve.ssl_keyfile,
        ssl_verify=serve.ssl_certfile is None,
    )


def guard_middleware(demo: Any, serve: ServeConfig) -> list[Any]:
    """The guard in front of everything served (app/guard.py): login before any content, session
    expiry and login throttling, Origin/Host checks, body limits, the Content-Security-Policy."""
    from starlette.middleware import Middleware

    from .api import MAX_BODY_BYTES
    from .config import is_loopback
    from .guard import Guard, GuardPolicy

    policy = GuardPolicy(
        auth=serve.auth(),
        # the Host check guards the open loopback mode against DNS rebinding; with a login a rebound
        # page has no session, and a reverse proxy in front keeps the public host name
        loopback=is_loopback(serve.host) and not serve.share and serve.auth() is None,
        max_body_bytes=MAX_BODY_BYTES,
        session_hours=serve.session_hours,
    )
    return [Middleware(Guard, policy=policy, demo=demo)]
