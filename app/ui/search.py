"""The "Zoek citaten" tab: a search or a claim, one page of results at a time (app/finder.py), as
a table, the context of each result, the claim panel and the export buttons."""

from __future__ import annotations

from typing import Any, NamedTuple

from citaat.index.claims import claim_sentences
from citaat.ingest.errors import CitaatError

from ..finder import claim_markdown
from ..records import Source
from .page import ExportButtons, FilterWidgets, Page, export_buttons, updates
from .views import TABLE_HEADERS, claim_status, make_filters, table_rows


class SearchWidgets(NamedTuple):
    query: Any
    search_btn: Any
    claim_mode: Any
    claim_report: Any
    status: Any
    claim_panel: Any
    results: Any
    more_btn: Any
    exports: ExportButtons
    context: Any
    state: Any


class SearchOutputs(NamedTuple):
    """What a search (or "Meer resultaten") updates."""

    results: Any
    status: Any
    context: Any
    csv: Any
    xlsx: Any
    md: Any
    qdpx: Any
    state: Any
    more_btn: Any
    claim_panel: Any
    claim_mode: Any


class SearchTab:
    def __init__(self, page: Page) -> None:
        self.page = page

    def layout(self) -> SearchWidgets:
        """The tab's widgets (call inside `gr.Tab`)."""
        import gradio as gr

        with gr.Row():
            query = gr.Textbox(placeholder="Zoekwoorden, een vraag, of een bewering uit je eigen "
                               "analyse; leeg = alles binnen de filters", show_label=False, scale=6,
                               elem_id="search-query", container=False, max_lines=8, label="Zoekopdracht")
            search_btn = gr.Button("Zoek", variant="primary", scale=0, elem_id="search-btn", min_width=110, size="md")
        with gr.Row():
            claim_mode = gr.Checkbox(False, label="Bewering zoeken: steunende citaten, zin voor zin "
                                     "(vanzelf bij meer dan één zin)", elem_id="search-claim")
            claim_report = gr.Checkbox(False, label="ook rapporttekst (niet alleen citaten en "
                                       "interviewbeurten)", elem_id="search-claim-report")
        status = gr.Markdown("", elem_id="search-status")
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
        exports = export_buttons("search")
        with gr.Accordion("Context van de resultaten", open=False):
            context = gr.HTML("", padding=False)
        state = gr.State({})
        return SearchWidgets(query, search_btn, claim_mode, claim_report, status, claim_panel, results, more_btn,
                             exports, context, state)

    def wire(self, w: SearchWidgets, filters: FilterWidgets) -> None:
        """The button (the `/zoek` API), Enter in the box, and "Meer resultaten"."""
        outputs = list(SearchOutputs(w.results, w.status, w.context, *w.exports, w.state, w.more_btn,
                                     w.claim_panel, w.claim_mode))
        inputs = [w.query, *filters, w.claim_mode, w.claim_report]
        w.search_btn.click(self.run, inputs, outputs, api_name="zoek")
        w.query.submit(self.run, inputs, outputs, api_visibility="private")
        w.more_btn.click(self.more, w.state, outputs, api_visibility="private")

    def show_found(self, state: dict[str, Any]) -> SearchOutputs:
        """The tab's widgets for everything found so far (`state` of run/more)."""
        import gradio as gr

        found: list[Source] = state["sources"]
        filters = make_filters(state["resp"], state["section"], state["kind"])
        query = state["text"]
        if not query.strip() and filters.is_empty():
            status = "Typ een zoekopdracht of kies een filter."
        else:
            status = f"{len(found)} resultaten" + (" (filters actief)" if not filters.is_empty() else "")
            status += claim_status(state["claim"], state.get("report", False))
        title = "Citaat: citaten bij een bewering" if state["claim"] else f"Citaat: zoekresultaten voor {query or '…'}"
        buttons = self.page.downloads(found, query or "zoekresultaten", title, query or None, None, filters)
        panel = claim_markdown(state["sentences"], found, state["supports"], state["notice"])
        return SearchOutputs(
            results=table_rows(found),
            status=status,
            context=self.page.cards(found, title="Context van de resultaten"),
            **buttons._asdict(),
            state=state,
            more_btn=gr.Button(visible=state["has_more"]),
            claim_panel=panel,
            claim_mode=gr.Checkbox(value=state["claim"]),
        )

    def run(self, query: str, resp: list[str], section: str, kind: str, claim: bool,
            report: bool = False) -> SearchOutputs:
        import gradio as gr

        query = query or ""
        claim = bool(claim) or len(claim_sentences(query)) > 1  # several sentences: a claim, not a question
        try:
            filters = make_filters(resp, section, kind)
            result = self.page.finder.page(query, filters, claim=claim, report_text=bool(report))
        except CitaatError as exc:  # a claim of too many sentences, a bad filter: said where the count would be
            return updates(SearchOutputs, status=f"⚠ {exc}", state={}, more_btn=gr.Button(visible=False),
                           claim_panel="")
        return self.show_found({
            "text": query, "claim": claim, "report": bool(report), "resp": resp, "section": section, "kind": kind,
            "sources": list(result.sources), "supports": list(result.supports), "sentences": result.sentences,
            "notice": result.notice, "next_offset": result.next_offset, "has_more": result.has_more,
        })

    def more(self, state: dict[str, Any] | None) -> SearchOutputs:
        """"Meer resultaten": the next page of the same search (same text and filters), appended."""
        import gradio as gr

        if not state or not state.get("has_more"):
            return updates(SearchOutputs, state=state, more_btn=gr.Button(visible=False))
        filters = make_filters(state["resp"], state["section"], state["kind"])
        result = self.page.finder.page(state["text"], filters, state["next_offset"], state["claim"],
                                       first_n=len(state["sources"]) + 1, report_text=state.get("report", False))
        return self.show_found({
            **state, "sources": [*state["sources"], *result.sources],
            "supports": [*state["supports"], *result.supports],
            "next_offset": result.next_offset, "has_more": result.has_more,
        })


__all__ = ["SearchOutputs", "SearchTab", "SearchWidgets"]
