"""The "Per respondent" tab: every quote of one respondent in document order, with its context and
the export buttons."""

from __future__ import annotations

from typing import Any, NamedTuple

from citaat.index.search import Filters

from ..export import FORMATS as EXPORT_FORMATS
from ..webpage import RESPONDENT_HEADERS
from .page import ExportButtons, Page, export_buttons
from .views import respondent_status


class RespondentWidgets(NamedTuple):
    who: Any
    status: Any
    table: Any
    exports: ExportButtons
    context: Any


class RespondentOutputs(NamedTuple):
    """What choosing a respondent updates."""

    table: Any
    status: Any
    context: Any
    csv: Any
    xlsx: Any
    md: Any
    qdpx: Any


class RespondentTab:
    def __init__(self, page: Page) -> None:
        self.page = page

    def layout(self) -> RespondentWidgets:
        """The tab's widgets (call inside `gr.Tab`)."""
        import gradio as gr

        with gr.Row():
            who = gr.Dropdown(
                self.page.answerer.respondents(), value=None, label="Respondent", scale=1, elem_id="respondent-pick"
            )
            status = gr.Markdown("Kies een respondent.", elem_id="respondent-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=7, min_width=320):
                table = gr.Dataframe(
                    headers=list(RESPONDENT_HEADERS),
                    datatype=["number", "str", "str", "str"],
                    interactive=False,
                    wrap=True,
                    elem_id="respondent-quotes",
                    max_height=560,
                    column_widths=["8%", "55%", "25%", "12%"],
                )
                exports = export_buttons("respondent")
            with gr.Column(scale=5, min_width=320):
                context = gr.HTML(self.page.cards([], title="Citaten"), padding=False)
        return RespondentWidgets(who, status, table, exports, context)

    def wire(self, w: RespondentWidgets) -> None:
        """Choosing a respondent (also the `/respondent` API)."""
        outputs = RespondentOutputs(w.table, w.status, w.context, *w.exports)
        w.who.change(self.show, w.who, list(outputs), api_name="respondent")

    def show(self, code: str | None) -> RespondentOutputs:
        import gradio as gr

        page = self.page
        if not code:
            off = gr.DownloadButton(value=None, interactive=False)
            return RespondentOutputs([], "Kies een respondent.", page.cards([], title="Citaten"),
                                     *(off,) * len(EXPORT_FORMATS))
        quotes = page.answerer.respondent_quotes(code)
        status = respondent_status(code, quotes)
        buttons = page.downloads(quotes, code, f"Citaat: alle citaten van {code}", None, None,
                                 Filters(respondents=(code,)))
        # in document order, so grouped by document; the document named when the code has several
        rows = [
            [q.n, " ".join(q.text.split()), (f"{q.doc} › " if q.show_doc else "") + q.theme, q.page or ""]
            for q in quotes
        ]
        return RespondentOutputs(rows, status, page.cards(quotes, title=f"Citaten van {code}"), *buttons)


__all__ = ["RespondentOutputs", "RespondentTab", "RespondentWidgets"]
