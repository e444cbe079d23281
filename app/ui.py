"""The Gradio page: builds widgets and wires events to the answer service, nothing else.

`build_app(answerer)` returns the Blocks; `launch(demo, serve)` serves it. The pure view helpers
(`sources_html`, `answer_markdown`, `table_rows`, `make_filters`) turn service results into what
the widgets show and are importable without Gradio.
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from citaat.index.search import Filters
from citaat.ingest.errors import ConfigError

from .config import ServeConfig
from .export import write_exports
from .records import KIND_LABELS, Answer, Source
from .service import Answerer

log = logging.getLogger(__name__)

TITLE = "Citaat"
EXAMPLES = [
    "Wat maakt samenwerking in de bedrijfsvoering succesvol?",
    "Welke risico's noemen de geïnterviewden bij ICT?",
    "Wat zegt R13 over de blauwe aanpak?",
    "Hoe belangrijk is vertrouwen tussen gemeenten?",
]
TABLE_HEADERS = ["Nr", "Citaat of passage", "Respondent", "Sectie", "Pagina", "Soort"]
CONTEXT_CHARS = 700  # passage shown around a quote in the sources panel, each side at most

CSS = """
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; }
#cz-header { padding: 6px 4px 2px 4px; }
#cz-header h1 { font-size: 1.65rem; margin: 0; letter-spacing: -0.01em; }
#cz-header h1 .cz-dot { color: var(--color-accent); }
#cz-header p { margin: 4px 0 0 0; color: var(--body-text-color-subdued); font-size: 0.95rem; }
.cz-stats { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.cz-pill { font-size: 0.78rem; padding: 2px 9px; border-radius: 999px; border: 1px solid var(--border-color-primary);
  color: var(--body-text-color-subdued); background: var(--background-fill-secondary); }
#cz-filters { position: sticky; top: 8px; }
#cz-filters .cz-filter-title { font-weight: 600; font-size: 0.95rem; margin: 2px 0 6px 2px; }
.cz-sources { display: flex; flex-direction: column; gap: 10px; max-height: 600px; overflow-y: auto;
  padding-right: 4px; }
.cz-sources-head { font-weight: 600; font-size: 0.95rem; margin: 0 0 2px 2px; }
.cz-notice { font-size: 0.85rem; padding: 8px 10px; border-radius: 8px; background: var(--background-fill-secondary);
  border: 1px dashed var(--border-color-primary); color: var(--body-text-color-subdued); }
.cz-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  background: var(--block-background-fill); }
.cz-card-head { display: flex; align-items: center; gap: 8px; font-size: 0.82rem; margin-bottom: 4px; }
.cz-n { display: inline-flex; align-items: center; justify-content: center; min-width: 22px; height: 22px;
  border-radius: 6px; background: var(--color-accent); color: white; font-weight: 700; font-size: 0.78rem; }
.cz-who { font-weight: 700; }
.cz-kind { margin-left: auto; font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--body-text-color-subdued); }
.cz-where { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.cz-ctx { font-size: 0.88rem; line-height: 1.5; white-space: pre-line; }
.cz-ctx mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.cz-interviewer { font-size: 0.8rem; font-style: italic; color: var(--body-text-color-subdued); margin-bottom: 4px; }
.cz-empty { color: var(--body-text-color-subdued); font-size: 0.9rem; padding: 18px 6px; }
.cz-badge { font-size: 0.8rem; color: var(--body-text-color-subdued); }
#chat .message-content .prose, #chat .message-content .prose * { font-size: 14.5px; line-height: 1.55; }
#chat .message-content .prose ul { padding-left: 1.1rem; margin: 0.3rem 0 0.6rem 0; }
#chat .message-content .prose li { margin: 0.3rem 0; }
#chat .message-content .prose p { margin: 0.4rem 0; }
#chat .message-content .prose strong { color: var(--color-accent); font-weight: 650; }
#chat .message-content .prose .cz-badge { font-size: 12.5px; }
#question textarea { font-size: 0.95rem; }
#chat button[aria-label="Clear"] { display: none !important; }
#ask, #reset, #search-btn { white-space: nowrap; }
#search-results *, #respondent-quotes * { font-family: var(--font) !important; font-size: 13.5px; }
#search-results th *, #respondent-quotes th * { word-break: normal !important; overflow-wrap: normal !important;
  font-weight: 600; }
footer { display: none !important; }
"""


# ---------------------------------------------------------------------------- pure view helpers


def make_filters(respondents: Sequence[str] | str | None, section: str | None, kind: str | None) -> Filters:
    """Filters from the widget values (empty values do not filter)."""
    if isinstance(respondents, str):
        respondents = [respondents] if respondents else []
    return Filters(respondents=tuple(respondents or ()), section=section or None, kind=kind or None)


def _context_html(source: Source) -> str:
    """The passage around a source, escaped, with the quoted text in <mark>; long passages are cut
    to CONTEXT_CHARS on each side of the mark."""
    ctx, a, b = source.context, source.mark_start, source.mark_end
    lo, hi = max(0, a - CONTEXT_CHARS), min(len(ctx), b + CONTEXT_CHARS)
    before = ("…" if lo > 0 else "") + ctx[lo:a]
    after = ctx[b:hi] + ("…" if hi < len(ctx) else "")
    return f"{html.escape(before)}<mark>{html.escape(ctx[a:b])}</mark>{html.escape(after)}"


def sources_html(sources: Sequence[Source], notice: str | None = None, title: str = "Bronnen") -> str:
    """The sources panel: one card per source with number, respondent, section, page and the
    passage around the quote with the quote highlighted."""
    parts = [f'<div class="cz-sources-head">{html.escape(title)} ({len(sources)})</div>', '<div class="cz-sources">']
    if notice:
        parts.append(f'<div class="cz-notice">{html.escape(notice)}</div>')
    if not sources:
        parts.append('<div class="cz-empty">Stel een vraag; de citaten en passages waarop het antwoord steunt '
                     "verschijnen hier, met hun context.</div>")
    for s in sources:
        where = s.theme + (f" · p. {s.page}" if s.page is not None else "")
        section_path = " > ".join(s.section) or s.doc
        parts.append(
            f'<div class="cz-card" id="bron-{s.n}" data-chunk="{html.escape(s.chunk.id)}">'
            f'<div class="cz-card-head"><span class="cz-n">{s.n}</span>'
            f'<span class="cz-who">{html.escape(s.who)}</span>'
            f'<span class="cz-kind">{html.escape(s.kind_label)}</span></div>'
            f'<div class="cz-where" title="{html.escape(section_path)}">{html.escape(where)}</div>'
        )
        if s.interviewer:
            parts.append(f'<div class="cz-interviewer">Interviewer: {html.escape(s.interviewer)}</div>')
        parts.append(f'<div class="cz-ctx">{_context_html(s)}</div></div>')
    parts.append("</div>")
    return "".join(parts)


def answer_markdown(answer: Answer) -> str:
    """The chat message for a final answer: the answer text plus a one-line verification badge."""
    if answer.mode == "message":
        return answer.text
    if answer.no_evidence:
        badge = "Geen duidelijk relevante passages gevonden; getoond zijn de dichtstbijzijnde."
    elif answer.verified:
        badge = (
            "✓ Elk citaat staat letterlijk in de bron; respondent, sectie en pagina zijn gecontroleerd."
            if answer.mode == "extractive"
            else "✓ Alle citaten en R-nummers in dit antwoord zijn gecontroleerd tegen de bronnen."
        )
    else:
        n = len(answer.issues)
        badge = f"⚠ {n} {'onderdeel' if n == 1 else 'onderdelen'} niet geverifieerd en weggelaten of gemarkeerd."
    return f"{answer.text}\n\n<span class='cz-badge'>{badge}</span>"


def _page(source: Source) -> Any:
    return "" if source.page is None else source.page


def table_rows(sources: Sequence[Source]) -> list[list[Any]]:
    return [
        [s.n, " ".join(s.text.split()), s.who, s.theme, _page(s), s.kind_label]
        for s in sources
    ]


def header_html(answerer: Answerer, llm_label: str) -> str:
    chunks = answerer.searcher.chunks
    docs = {c.doc for c in chunks}
    quotes = sum(1 for c in chunks if c.kind in ("quote", "turn"))
    pills = [
        f"{len(docs)} document{'en' if len(docs) != 1 else ''}",
        f"{quotes} citaten",
        f"{len(answerer.respondents())} respondenten",
        f"{len(chunks)} fragmenten",
        f"taalmodel: {llm_label}",
    ]
    pill_html = "".join(f'<span class="cz-pill">{html.escape(p)}</span>' for p in pills)
    return (
        f'<div id="cz-header"><h1>Citaat<span class="cz-dot">.</span></h1>'
        "<p>Vraag het de interviews. Elk citaat is letterlijk overgenomen, met respondent, sectie en pagina.</p>"
        f'<div class="cz-stats">{pill_html}</div></div>'
    )


# ---------------------------------------------------------------------------- the page


def build_app(answerer: Answerer, llm_label: str = "uit (extractief)", export_dir: Path | None = None) -> Any:
    """Build the Blocks for one answerer. Event handlers only call the service and the view helpers."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    exports = Path(export_dir or tempfile.mkdtemp(prefix="citaat-export-"))
    respondent_choices = answerer.respondents()
    section_choices = [("Alle hoofdstukken", "")] + answerer.section_choices()
    kind_choices = [("Alle soorten", "")] + [(KIND_LABELS[k], k) for k in answerer.kinds()]

    def downloads(sources: Sequence[Source], name: str, title: str, question: str | None = None,
                  answer: str | None = None) -> tuple[Any, Any]:
        if not sources:
            return gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False)
        csv_path, md_path = write_exports(sources, exports, name, title, question, answer)
        return (
            gr.DownloadButton(value=str(csv_path), interactive=True),
            gr.DownloadButton(value=str(md_path), interactive=True),
        )

    # -------------------------------------------------------------- handlers

    def respond(
        question: str, messages: list[dict[str, Any]], asked: list[Answer], resp: list[str], section: str, kind: str
    ) -> Iterator[tuple[Any, ...]]:
        filters = make_filters(resp, section, kind)
        shown_q = " ".join((question or "").split())
        messages = list(messages or [])
        if shown_q:
            messages.append({"role": "user", "content": shown_q if len(shown_q) <= 400 else shown_q[:400] + " …"})
        messages.append({"role": "assistant", "content": "Zoeken in de interviews…"})
        yield messages, messages, asked, gr.skip(), "", gr.skip(), gr.skip()
        final: Answer | None = None
        for part in answerer.stream(question or "", asked or [], filters):
            if isinstance(part, Answer):
                final = part
            elif answerer.llm is not None:  # a model's answer grows; the extractive one is sent whole
                messages[-1] = {"role": "assistant", "content": part}
                yield messages, messages, asked, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        assert final is not None
        messages[-1] = {"role": "assistant", "content": answer_markdown(final)}
        new_asked = [*(asked or []), final] if final.question else list(asked or [])
        notice = (
            "Geen passages die duidelijk over de vraag gaan; dit zijn de dichtstbijzijnde."
            if final.no_evidence and final.sources
            else None
        )
        csv_btn, md_btn = downloads(final.sources, final.question or "antwoord", "Citaat: antwoord met bronnen",
                                    final.question, final.text)
        yield messages, messages, new_asked, sources_html(final.sources, notice), gr.skip(), csv_btn, md_btn

    def new_conversation() -> tuple[Any, ...]:
        off = gr.DownloadButton(value=None, interactive=False)
        return [], [], [], sources_html([]), "", off, off

    def run_search(query: str, resp: list[str], section: str, kind: str) -> tuple[Any, ...]:
        filters = make_filters(resp, section, kind)
        results = answerer.search(query or "", filters)
        if not (query or "").strip() and filters.is_empty():
            status = "Typ een zoekopdracht of kies een filter."
        else:
            status = f"{len(results)} resultaten" + (" (filters actief)" if not filters.is_empty() else "")
        csv_btn, md_btn = downloads(results, query or "zoekresultaten", f"Citaat: zoekresultaten voor {query or '…'}")
        return table_rows(results), status, sources_html(results[:12], title="Context van de eerste resultaten"), \
            csv_btn, md_btn

    def show_respondent(code: str | None) -> tuple[Any, ...]:
        if not code:
            off = gr.DownloadButton(value=None, interactive=False)
            return [], "Kies een respondent.", sources_html([], title="Citaten"), off, off
        quotes = answerer.respondent_quotes(code)
        sections = len({q.section for q in quotes})
        status = f"{code}: {len(quotes)} citaten in {sections} secties"
        csv_btn, md_btn = downloads(quotes, code, f"Citaat: alle citaten van {code}")
        rows = [[q.n, " ".join(q.text.split()), q.theme, "" if q.page is None else q.page] for q in quotes]
        return rows, status, sources_html(quotes, title=f"Citaten van {code}"), csv_btn, md_btn

    def clear_filters() -> tuple[Any, ...]:
        return [], "", ""

    # -------------------------------------------------------------- layout

    with gr.Blocks(title="Citaat – vraag het de interviews", analytics_enabled=False) as demo:
        gr.HTML(header_html(answerer, llm_label))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=250, elem_id="cz-filters"):
                with gr.Group():
                    gr.HTML('<div class="cz-filter-title">Filters</div>', padding=True)
                    f_resp = gr.Dropdown(
                        respondent_choices, value=[], multiselect=True, label="Respondent(en)",
                        elem_id="filter-respondent", info="Bv. R13; leeg = iedereen",
                    )
                    f_section = gr.Dropdown(section_choices, value="", label="Hoofdstuk of sectie",
                                            elem_id="filter-section")
                    f_kind = gr.Dropdown(kind_choices, value="", label="Soort", elem_id="filter-kind")
                clear_btn = gr.Button("Filters wissen", size="sm", elem_id="clear-filters")
            with gr.Column(scale=5):
                with gr.Tabs():
                    with gr.Tab("Vraag & antwoord", id="chat"):
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=7):
                                chatbot = gr.Chatbot(
                                    label="Gesprek", show_label=False, height=600, elem_id="chat", buttons=["copy"],
                                    placeholder="**Stel een vraag over de interviews.**<br>Het antwoord bestaat uit "
                                    "letterlijke citaten met respondent, sectie en pagina.",
                                    feedback_options=None, group_consecutive_messages=False,
                                )
                                with gr.Row():
                                    question = gr.Textbox(
                                        placeholder="Stel een vraag …", show_label=False, scale=6,
                                        elem_id="question", lines=1, max_lines=4, autofocus=True, container=False,
                                    )
                                    ask_btn = gr.Button("Vraag", variant="primary", scale=0, elem_id="ask",
                                                        min_width=90, size="md")
                                    reset_btn = gr.Button("Nieuw gesprek", scale=0, elem_id="reset", min_width=140,
                                                          size="md")
                                gr.Examples(EXAMPLES, inputs=question, label="Voorbeeldvragen")
                            with gr.Column(scale=5):
                                sources_panel = gr.HTML(sources_html([]), elem_id="sources", padding=False)
                                with gr.Row():
                                    chat_csv = gr.DownloadButton("Exporteer CSV", interactive=False, size="sm",
                                                                 elem_id="chat-csv")
                                    chat_md = gr.DownloadButton("Exporteer Markdown", interactive=False, size="sm",
                                                                elem_id="chat-md")
                    with gr.Tab("Zoek citaten", id="search"):
                        with gr.Row():
                            query = gr.Textbox(placeholder="Zoekwoorden of een vraag; leeg = alles binnen de filters",
                                               show_label=False, scale=6, elem_id="search-query", container=False)
                            search_btn = gr.Button("Zoek", variant="primary", scale=0, elem_id="search-btn",
                                                   min_width=110, size="md")
                        search_status = gr.Markdown("", elem_id="search-status")
                        results = gr.Dataframe(
                            headers=TABLE_HEADERS, datatype=["number", "str", "str", "str", "str", "str"],
                            interactive=False, wrap=True, elem_id="search-results", max_height=520,
                            column_widths=["5%", "50%", "12%", "19%", "7%", "7%"],
                        )
                        with gr.Row():
                            search_csv = gr.DownloadButton("Exporteer CSV", interactive=False, size="sm",
                                                           elem_id="search-csv")
                            search_md = gr.DownloadButton("Exporteer Markdown", interactive=False, size="sm",
                                                          elem_id="search-md")
                        with gr.Accordion("Context van de resultaten", open=False):
                            search_context = gr.HTML("", padding=False)
                    with gr.Tab("Per respondent", id="respondent"):
                        with gr.Row():
                            who = gr.Dropdown(respondent_choices, value=None, label="Respondent", scale=1,
                                              elem_id="respondent-pick")
                            who_status = gr.Markdown("Kies een respondent.", elem_id="respondent-status")
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=7):
                                who_table = gr.Dataframe(
                                    headers=["Nr", "Citaat", "Sectie", "Pagina"],
                                    datatype=["number", "str", "str", "str"], interactive=False, wrap=True,
                                    elem_id="respondent-quotes", max_height=560,
                                    column_widths=["8%", "55%", "25%", "12%"],
                                )
                                with gr.Row():
                                    who_csv = gr.DownloadButton("Exporteer CSV", interactive=False, size="sm",
                                                                elem_id="respondent-csv")
                                    who_md = gr.DownloadButton("Exporteer Markdown", interactive=False, size="sm",
                                                               elem_id="respondent-md")
                            with gr.Column(scale=5):
                                who_context = gr.HTML(sources_html([], title="Citaten"), padding=False)

        messages = gr.State([])
        asked = gr.State([])

        # -------------------------------------------------------------- events
        chat_inputs = [question, messages, asked, f_resp, f_section, f_kind]
        chat_outputs = [chatbot, messages, asked, sources_panel, question, chat_csv, chat_md]
        question.submit(respond, chat_inputs, chat_outputs, api_name="vraag")
        ask_btn.click(respond, chat_inputs, chat_outputs, api_visibility="private")
        reset_btn.click(new_conversation, None, chat_outputs, api_visibility="private")
        search_outputs = [results, search_status, search_context, search_csv, search_md]
        search_btn.click(run_search, [query, f_resp, f_section, f_kind], search_outputs, api_name="zoek")
        query.submit(run_search, [query, f_resp, f_section, f_kind], search_outputs, api_visibility="private")
        who.change(show_respondent, who, [who_table, who_status, who_context, who_csv, who_md], api_name="respondent")
        clear_btn.click(clear_filters, None, [f_resp, f_section, f_kind], api_visibility="private")

    # Queue limits, from measurement (docs/benchmarks.md, "Serveren"): searches run in parallel (no
    # lock), but on 2 cores the work is CPU-bound, so 20 sessions × 5 questions gave the same p95
    # with 2, 4 or 8 parallel workers (6.3 / 6.1 / 7.1 s at load 15); 4 lets rendering and export
    # writes of one session overlap another's search. max_size bounds the waiting line: under
    # overload a user gets Gradio's "queue is full" at once instead of a minute-long wait.
    demo.queue(default_concurrency_limit=4, max_size=64)
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


def launch(
    demo: Any, serve: ServeConfig, block: bool = True, quiet: bool = False, answerer: Answerer | None = None
) -> Any:
    """Serve the page; refuses (ConfigError) a configuration that `ServeConfig.check` rejects.
    With `answerer`, the JSON API (app/api.py) is served beside it: /api, /health, /docs, same login."""
    problem = serve.check()
    if problem:
        raise ConfigError(problem)
    app_kwargs: dict[str, Any] = {}
    if answerer is not None:
        from .api import api_routes, create_api, gradio_session_user

        api = create_api(answerer, auth=serve.auth(), session_user=gradio_session_user(demo))
        app_kwargs["routes"] = api_routes(api)  # before Gradio's own routes, so they take precedence
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
        show_error=True,
        ssr_mode=False,
        footer_links=[],
        theme=theme(),
        css=CSS,
    )
