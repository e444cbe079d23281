"""The page's tab "Coderen": a codebook in, per code the suggested quotes to accept or reject, the
respondent × code matrix whose cells open their quotes, and the exports (QDPX, XLSX, Markdown).

`coding_tab(get_index, data_dir, exports)` builds the tab's components inside the caller's
`gr.Tab` (get_index: the index in use, `Answerer.index`, which an upload swaps); the handlers call
app/coding.py only. Decisions persist in DIR/coding.sqlite3 (a temporary
directory without a data directory). Keyboard: the suggestions are a radio group (arrow keys), the
buttons follow it in tab order, and after a decision the next undecided suggestion is selected, so
accepting a list is Tab, Enter, Enter, …. Text from documents is escaped wherever it is shown.
"""

from __future__ import annotations

import html
import logging
import secrets
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from citaat.index.coding import CodebookError, parse_codebook
from citaat.ingest.errors import CitaatError

from ..coding import CodeResult, CodingRun, CodingService, Decision, RankedUnit, read_codebook, write_coding_export

log = logging.getLogger(__name__)

EXAMPLE_CODEBOOK = (
    "code;beschrijving;voorbeelden\n"
    "vertrouwen;Vertrouwen tussen gemeenten en bestuurders: op elkaar kunnen rekenen, afspraken nakomen.;\n"
    "ict;ICT en de kwaliteit van de dienstverlening: storingen, digitale processen.;\n"
)
KINDS = [("Citaten en beurten", ""), ("Alleen citaten", "quote"), ("Alleen interviewbeurten", "turn")]
MAX_SHOWN = 40
NO_GROUP = "(geen)"


class _Services:
    """One CodingService per opened searcher (the page swaps the searcher after an upload), so the
    code vectors and matched sentences stay cached between clicks."""

    def __init__(self, get_searcher: Callable[[], Any], data_dir: Path | None) -> None:
        self.get_searcher = get_searcher
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="citaat-coding-"))
        self._service: tuple[int, CodingService] | None = None

    def get(self) -> CodingService:
        searcher = self.get_searcher()
        if self._service is None or self._service[0] != id(searcher):
            self._service = (id(searcher), CodingService(searcher, self.data_dir))
        return self._service[1]


def _where(u: RankedUnit) -> str:
    c = u.chunk
    parts = [", ".join(c.respondents) or "?", " > ".join(c.section[-1:]) if c.section else c.doc]
    if c.page is not None:
        parts.append(f"p. {c.page}")
    return " · ".join(parts)


def _marked(u: RankedUnit) -> str:
    """The unit's text, escaped, with the matched sentence marked."""
    text = " ".join(u.chunk.text.split())
    if u.sentence and u.sentence in text:
        a = text.index(u.sentence)
        b = a + len(u.sentence)
        return f"{html.escape(text[:a])}<mark>{html.escape(text[a:b])}</mark>{html.escape(text[b:])}"
    return html.escape(text)


def shown_units(result: CodeResult) -> list[RankedUnit]:
    """What a code's list shows: its suggestions and accepted units (best first), then nothing else."""
    return [u for u in result.units if u.suggested or u.decision == "accept"][:MAX_SHOWN]


def suggestions_html(result: CodeResult | None) -> str:
    if result is None:
        return '<div class="cz-coding-empty">Nog geen codeboek gecodeerd.</div>'
    units = shown_units(result)
    head = (
        f'<div class="cz-sources-head">{html.escape(result.code.code)}: {len(units)} voorstel(len), '
        f"{len(result.coded)} gecodeerd</div><p><em>{html.escape(result.code.description)}</em></p>"
    )
    if not units:
        return head + '<div class="cz-coding-empty">Geen voorstellen boven de drempel.</div>'
    items = []
    for n, u in enumerate(units, 1):
        status = {"accept": "geaccepteerd", "reject": "afgewezen"}.get(u.decision or "", "voorgesteld")
        items.append(
            f'<div class="cz-source cz-coding-{status}" data-chunk="{html.escape(u.chunk.id)}">'
            f'<div><b>{n}.</b> <span class="cz-who">{html.escape(_where(u))}</span> · {status} · '
            f"score {u.score:.2f} · gevonden via {html.escape(u.why)}</div>"
            f'<div class="cz-quote">{_marked(u)}</div></div>'
        )
    return head + '<div class="cz-sources" id="coding-list">' + "".join(items) + "</div>"


def unit_choices(result: CodeResult | None) -> list[tuple[str, str]]:
    if result is None:
        return []
    mark = {"accept": "✓ ", "reject": "✗ "}
    out = []
    for n, u in enumerate(shown_units(result), 1):
        text = " ".join(u.chunk.text.split())
        out.append(
            (
                f"{n}. {mark.get(u.decision or '', '')}{_where(u)}: {text[:70]}{'…' if len(text) > 70 else ''}",
                u.chunk.id,
            )
        )
    return out


def next_undecided(result: CodeResult | None, after: str | None = None) -> str | None:
    """The first suggestion without a decision after `after` (else from the top)."""
    if result is None:
        return None
    units = shown_units(result)
    ids = [u.chunk.id for u in units]
    start = ids.index(after) + 1 if after in ids else 0
    for u in units[start:] + units[:start]:
        if u.decision is None:
            return u.chunk.id
    return None


def matrix_table(run: CodingRun | None, group_by: str | None) -> tuple[list[str], list[list[Any]]]:
    if run is None:
        return ["respondent"], []
    names = [r.code.code for r in run.results]
    if group_by:
        return [group_by, "respondent", *names], [[g or "—", resp, *counts] for g, resp, counts in run.matrix(group_by)]
    return ["respondent", *names], [[resp, *counts] for _, resp, counts in run.matrix()]


def cell_html(run: CodingRun | None, respondent: str, code: str) -> str:
    if run is None:
        return ""
    units = run.cell(respondent, code)
    head = f'<div class="cz-sources-head">{html.escape(respondent)} × {html.escape(code)} ({len(units)})</div>'
    items = [
        f'<div class="cz-source"><div class="cz-who">{html.escape(_where(u))} · {html.escape(u.status)}</div>'
        f'<div class="cz-quote">{_marked(u)}</div></div>'
        for u in units
    ]
    return (
        head
        + '<div class="cz-sources" id="coding-cell-quotes">'
        + ("".join(items) or "<p>Geen citaten.</p>")
        + "</div>"
    )


class _Handlers:
    """The tab's event handlers, over one `_Services` (the coding service of the index in use)."""

    def __init__(self, get_searcher: Callable[[], Any], data_dir: Path | None, exports: Path) -> None:
        self.get_searcher = get_searcher
        self.services = _Services(get_searcher, data_dir)
        self.exports = exports

    def codes_of(self, text: str) -> list:
        return parse_codebook(text, "codeboek")

    def run_of(self, text: str, kind: str, name: str = "") -> CodingRun | None:
        if not text.strip():
            return None
        return self.services.get().run(self.codes_of(text), kind or None, codebook_name=name or "codeboek (getypt)")

    def result_of(self, run: CodingRun | None, code: str | None) -> CodeResult | None:
        if run is None or not run.results:
            return None
        return next((r for r in run.results if r.code.code == code), run.results[0])

    def group_choices(self) -> list[str]:
        return [NO_GROUP, *self.get_searcher().attributes.columns]

    def refresh(self, text: str, kind: str, code: str | None, group: str | None, selected: str | None = None) -> tuple:
        import gradio as gr

        run = self.run_of(text, kind)
        result = self.result_of(run, code)
        names = [r.code.code for r in run.results] if run else []
        current = result.code.code if result else None
        headers, rows = matrix_table(run, None if group in (None, "", NO_GROUP) else group)
        choice = selected if selected else next_undecided(result)
        return (
            gr.Dropdown(choices=names, value=current),
            suggestions_html(result),
            gr.Radio(choices=unit_choices(result), value=choice),
            gr.Dataframe(value=rows, headers=headers),
        )

    def on_run(self, file: str | None, text: str, kind: str, group: str | None) -> tuple:
        import gradio as gr

        name = Path(file).name if file else ""
        try:
            if file:
                codes = read_codebook(file)
                text = "code;beschrijving;voorbeelden\n" + "".join(
                    f"{_csv(c.code)};{_csv(c.description)};{_csv(' | '.join(c.examples))}\n" for c in codes
                )
            self.codes_of(text)
            out = self.refresh(text, kind, None, group)
        except CodebookError as exc:
            return (text, name, f"**Codeboek niet gelezen:** {html.escape(str(exc))}", *(gr.update(),) * 4)
        except CitaatError as exc:
            return (text, name, f"**Coderen lukte niet:** {html.escape(str(exc))}", *(gr.update(),) * 4)
        run_note = "Gecodeerd. Kies een voorstel en accepteer of wijs af; de matrix telt de gecodeerde citaten."
        return (text, name, run_note, *out)

    def on_code(self, text: str, kind: str, code: str | None, group: str | None) -> tuple:
        import gradio as gr

        try:
            return self.refresh(text, kind, code, group)
        except CitaatError as exc:
            gr.Warning(str(exc))
            return (gr.update(),) * 4

    def on_decide(self, decision: Decision) -> Callable[..., tuple]:
        import gradio as gr

        def handler(text: str, kind: str, code: str | None, group: str | None, unit: str | None) -> tuple:
            if not text.strip() or not code or not unit:
                gr.Warning("Kies eerst een voorstel.")
                return (gr.update(),) * 4
            service = self.services.get()
            current = service.decisions().get(code, {}).get(unit)
            try:
                service.decide(code, unit, None if current == decision else decision)  # a second click undoes
            except (OSError, sqlite3.Error) as exc:
                gr.Warning(f"Beslissing niet opgeslagen in {service.store.path if service.store else '?'}: {exc}")
                return (gr.update(),) * 4
            run = self.run_of(text, kind)
            after = next_undecided(self.result_of(run, code), unit)
            return self.refresh(text, kind, code, group, selected=after or unit)

        return handler

    def on_cell(self, text: str, kind: str, group: str | None, evt: Any) -> str:
        """A matrix cell clicked (evt: gr.SelectData, set on the annotation when the tab is built)."""
        run = self.run_of(text, kind)
        headers, rows = matrix_table(run, None if group in (None, "", NO_GROUP) else group)
        row, col = (evt.index if isinstance(evt.index, list | tuple) else (evt.index, 0))[:2]
        grouped = headers[0] != "respondent"
        first_code = 2 if grouped else 1
        if not rows or row >= len(rows) or col < first_code:
            return (
                cell_html(run, str(rows[row][first_code - 1]), headers[first_code]) if rows and row < len(rows) else ""
            )
        return cell_html(run, str(rows[row][first_code - 1]), headers[col])

    def on_export(self, fmt: str) -> Callable[..., Any]:
        import gradio as gr

        def handler(text: str, kind: str, group: str | None, name: str) -> Any:
            run = self.run_of(text, kind, name)
            if run is None:
                gr.Warning("Codeer eerst een codeboek.")
                return None
            folder = self.exports / secrets.token_hex(8)
            folder.mkdir(parents=True, exist_ok=True)
            path = write_coding_export(
                run,
                folder / f"codering.{fmt}",
                directory=getattr(self.get_searcher(), "directory", None),
                group_by=None if group in (None, "", NO_GROUP) else group,
            )
            return str(path)

        return handler


def coding_tab(get_searcher: Callable[[], Any], data_dir: Path | None, exports: Path) -> None:
    """The components and handlers of the tab "Coderen" (call inside `with gr.Tab(...)`)."""
    import gradio as gr

    h = _Handlers(get_searcher, data_dir, exports)
    on_run, on_code, on_decide, on_cell, on_export = h.on_run, h.on_code, h.on_decide, h.on_cell, h.on_export
    group_choices = h.group_choices
    # the page's module postpones annotations: Gradio needs the class itself to pass the event
    _Handlers.on_cell.__annotations__["evt"] = gr.SelectData

    gr.Markdown(
        "Een codeboek is een CSV-bestand met de kolommen `code;beschrijving;voorbeelden` (`;` of `,`; "
        "voorbeelden gescheiden door `|`: een citaat-id of een stukje tekst). Citaat rangschikt per code "
        "alle citaten en interviewbeurten en stelt de beste voor."
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=320):
            book_file = gr.File(
                label="Codeboek (CSV)", file_types=[".csv", ".txt"], type="filepath", elem_id="coding-file-in"
            )
            book_text = gr.Textbox(
                EXAMPLE_CODEBOOK, lines=6, max_lines=20, label="of typ het codeboek", elem_id="coding-book"
            )
            with gr.Row():
                kind = gr.Dropdown(KINDS, value="", label="Wat coderen", elem_id="coding-kind", scale=2)
                run_btn = gr.Button("Coderen", variant="primary", elem_id="coding-run", scale=1)
            status = gr.Markdown("", elem_id="coding-status")
        with gr.Column(scale=7, min_width=320):
            code = gr.Dropdown([], value=None, label="Code", elem_id="coding-code")
            pick = gr.Radio([], value=None, label="Voorstellen (pijltjestoetsen kiezen)", elem_id="coding-pick")
            with gr.Row():
                accept = gr.Button("Accepteren ✓", variant="primary", size="sm", elem_id="coding-accept")
                reject = gr.Button("Afwijzen ✗", variant="stop", size="sm", elem_id="coding-reject")
            suggestions = gr.HTML(suggestions_html(None), elem_id="coding-suggestions", padding=False)
    gr.Markdown("### Respondent × code")
    with gr.Row():
        group = gr.Dropdown(group_choices(), value=NO_GROUP, label="Groeperen op kenmerk", elem_id="coding-group")
    matrix = gr.Dataframe(headers=["respondent"], value=[], interactive=False, elem_id="coding-matrix", max_height=520)
    cell = gr.HTML("", elem_id="coding-cell", padding=False)
    with gr.Row():
        exp_qdpx = gr.Button("Exporteer QDPX", size="sm", elem_id="coding-qdpx")
        exp_xlsx = gr.Button("Exporteer XLSX", size="sm", elem_id="coding-xlsx")
        exp_md = gr.Button("Exporteer Markdown", size="sm", elem_id="coding-md")
    out_file = gr.File(label="Export", interactive=False, elem_id="coding-export")

    view = [code, suggestions, pick, matrix]
    book_name = gr.State("")
    run_btn.click(
        on_run, [book_file, book_text, kind, group], [book_text, book_name, status, *view], api_visibility="private"
    )
    book_text.input(lambda: "", None, book_name, api_visibility="private")  # typed: no longer the file
    code.input(on_code, [book_text, kind, code, group], view, api_visibility="private")
    group.input(on_code, [book_text, kind, code, group], view, api_visibility="private")
    accept.click(on_decide("accept"), [book_text, kind, code, group, pick], view, api_visibility="private")
    reject.click(on_decide("reject"), [book_text, kind, code, group, pick], view, api_visibility="private")
    matrix.select(on_cell, [book_text, kind, group], cell, api_visibility="private")
    for btn, fmt in ((exp_qdpx, "qdpx"), (exp_xlsx, "xlsx"), (exp_md, "md")):
        btn.click(on_export(fmt), [book_text, kind, group, book_name], out_file, api_visibility="private")


def _csv(value: str) -> str:
    """A CSV cell for the ';' codebook (quoted when it holds a separator, quote or newline)."""
    if any(ch in value for ch in ';"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


__all__ = ["coding_tab", "matrix_table", "next_undecided", "suggestions_html", "unit_choices"]
