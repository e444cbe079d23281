"""The page's layout: the header, the filter column, the tabs, and the wiring between them.

Each tab is a class in its own module (chat.py, search.py, respondent.py, upload.py; the
conversations panel in conversations.py; coding.py builds and wires its tab in one function) with
`layout()` (its widgets, as a NamedTuple) and `wire(...)` (its events, whose outputs are named
bundles: app/ui/page.py). A new tab is one `with gr.Tab(...)` block in `build_app` and one `wire`
call below it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from citaat.index.search import Filters

from ..service import Answerer
from ..upload import UploadLimits
from .chat import ChatTab
from .coding import coding_tab
from .conversations import Conversations, conversations_panel
from .page import ChoiceOutputs, FilterWidgets, Page, session_states
from .respondent import RespondentTab
from .search import SearchTab
from .upload import UploadTab
from .views import MOBILE_PANEL_HTML, header_html


def build_app(
    answerer: Answerer,
    llm_label: str = "uit (extractief)",
    export_dir: Path | None = None,
    data_dir: Path | None = None,
    allow_upload: bool = False,
    upload_limits: UploadLimits | None = None,
    filters: Filters | None = None,
) -> Any:
    """Build the Blocks for one answerer. Event handlers only call the services and the view helpers.

    data_dir: the index directory; conversations are kept there (else in a temporary directory),
    uploads go to DIR/uploads. allow_upload: show the upload tab (the caller decides: loopback or
    behind the login, `ServeConfig.allows_upload`; it needs data_dir). filters: what the filter
    column starts with (`citaat chat --respondent R13 --kind quote`; "Filters wissen" clears them)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    page = Page(answerer, llm_label, export_dir, data_dir, allow_upload, upload_limits, filters)
    chat, search, respondent, upload = ChatTab(page), SearchTab(page), RespondentTab(page), UploadTab(page)
    conversations = Conversations(page)
    # delete_cache: Gradio's temporary files (uploads, rendered values) older than an hour, hourly
    with gr.Blocks(
        title="Citaat – vraag het de interviews", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as demo:
        header = gr.HTML(header_html(answerer, llm_label))
        gr.HTML(MOBILE_PANEL_HTML, padding=False, elem_id="cz-mobile-panel")  # a phone's way to the filters
        with gr.Row(equal_height=False, elem_id="cz-main"):
            with gr.Column(scale=1, min_width=250, elem_id="cz-filters"):
                filter_w, clear_btn = filter_column(page)
                conv = conversations_panel()
            with gr.Column(scale=5, elem_id="cz-content"):
                with gr.Tabs(elem_id="cz-tabs", overflow_behavior="wrap"):
                    with gr.Tab("Vraag & antwoord", id="chat"):
                        chat_w = chat.layout()
                    with gr.Tab("Zoek citaten", id="search"):
                        search_w = search.layout()
                    with gr.Tab("Per respondent", id="respondent"):
                        respondent_w = respondent.layout()
                    with gr.Tab("Coderen", id="coding"):  # the coding assistant (app/ui/coding.py)
                        coding_tab(lambda: answerer.index, page.data, page.exports)
                    with gr.Tab("Interviews toevoegen", id="upload", visible=page.can_upload):
                        upload_w = upload.layout()
        states = session_states()

        # -------------------------------------------------------------- events
        choices = ChoiceOutputs(filter_w.resp, respondent_w.who, filter_w.section, filter_w.kind, header)
        chat.wire(chat_w, states, filter_w, conv)
        conversations.wire(demo, conv, chat_w, states)
        demo.load(page.refresh_choices, None, list(choices), api_visibility="private")
        search.wire(search_w, filter_w)
        respondent.wire(respondent_w)
        clear_btn.click(lambda: ([], "", ""), None, list(filter_w), api_visibility="private")
        upload.wire(upload_w, choices)

    # Queue limits, from measurement (docs/lab/2026-11-30-serveren-wachtrij-embedden-bm25-1m.md):
    # searches run in parallel (no lock), but on 2 cores the work is CPU-bound, so 20 sessions × 5
    # questions gave the same p95
    # with 2, 4 or 8 parallel workers (6.3 / 6.1 / 7.1 s at load 15), and again after the profiling
    # work with 1, 2 or 4 (p95 0.91-0.97 / 0.85 / 0.83-0.89 s, "Latentie na profilering"); 4 lets
    # Gradio's own work for one session overlap another's answer. max_size bounds the waiting line: under
    # overload a user gets Gradio's "queue is full" at once instead of a minute-long wait.
    # An upload parses and embeds in child processes and holds one slot of its own ("upload").
    demo.queue(default_concurrency_limit=4, max_size=64)
    demo.citaat_max_upload_mb = page.limits.max_total_mb
    demo.citaat_exports = page.pending  # launch() puts WriteOnDownload in front of the app
    return demo


def filter_column(page: Page) -> tuple[FilterWidgets, Any]:
    """The filters (respondent or attribute, chapter or section, kind) and the "Filters wissen" button."""
    import gradio as gr

    resp_value, section_value, kind_value = page.preset_values()
    with gr.Group():
        gr.HTML('<div class="cz-filter-title">Filters</div>', padding=True)
        resp = gr.Dropdown(
            page.respondent_choices(),
            value=resp_value,
            multiselect=True,
            label="Respondent(en)",
            elem_id="filter-respondent",
            info="Bv. R13 of een kenmerk zoals rol: bestuurder; leeg = iedereen",
        )
        section = gr.Dropdown(page.section_choices(), value=section_value, label="Hoofdstuk of sectie",
                              elem_id="filter-section")
        kind = gr.Dropdown(page.kind_choices(), value=kind_value, label="Soort", elem_id="filter-kind")
    clear_btn = gr.Button("Filters wissen", size="sm", elem_id="clear-filters")
    return FilterWidgets(resp, section, kind), clear_btn


__all__ = ["build_app", "filter_column"]
