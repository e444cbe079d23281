"""What every tab of the page shares: the answerer and its stores (`Page`), the filter column's
widgets (`FilterWidgets`), the rows of export buttons (`ExportButtons`), and `outputs`, the one
way a handler's named values become the positional list Gradio wants.

An output bundle is a NamedTuple whose fields name the widgets an event updates. The layout fills
one with the components (`list(bundle)` is the event's `outputs`), a handler returns the same
NamedTuple filled with new values (`updates(Bundle, name=value, …)`: every field not named keeps
its value, `gr.skip()`), so the two can never disagree about the order.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from citaat.index.search import Filters
from citaat.ingest.fsio import atomic_write_text

from ..conversations import CONVERSATIONS_FILE, ConversationStore, Turn
from ..downloads import PendingExports
from ..export import FORMATS as EXPORT_FORMATS
from ..export import ExportMeta
from ..finder import QuoteFinder
from ..records import KIND_LABELS, Source
from ..service import Answerer
from ..upload import UploadLimits
from .views import ATTRIBUTE_SEP, Turns, attribute_choices, header_html, sources_html

log = logging.getLogger("citaat.app.ui")

B = TypeVar("B", bound=tuple[Any, ...])


def updates(bundle: type[B], **values: Any) -> B:
    """An output bundle of new values: the named fields get `values`, every other field `gr.skip()`."""
    import gradio as gr

    return bundle(**{name: values[name] if name in values else gr.skip() for name in bundle._fields})  # type: ignore[attr-defined]


class ExportButtons(NamedTuple):
    """One row of download buttons, in EXPORT_FORMATS order (CSV, XLSX, Markdown, QDPX)."""

    csv: Any
    xlsx: Any
    md: Any
    qdpx: Any


class FilterWidgets(NamedTuple):
    """The filter column: respondent(s) and attributes, chapter or section, kind."""

    resp: Any
    section: Any
    kind: Any


class ConversationWidgets(NamedTuple):
    """The "Eerdere gesprekken" panel in the filter column (app/ui/conversations.py)."""

    pick: Any
    open: Any
    delete: Any
    md: Any


class SessionStates(NamedTuple):
    """Per browser session: the chat's messages, the questions asked (str or Answer), the turns with
    their sources (`Turns`), the conversation (`browser`: kept in the browser's local storage so a
    reload finds it; `session`: its server-side mirror the handlers use), and the hidden pick box
    and button through which the page script sends a click on `[n]` (`ref:K:N`, `page:K:N`)."""

    messages: Any
    asked: Any
    turns: Any
    browser: Any
    session: Any
    pick_value: Any
    pick_btn: Any


def session_states() -> SessionStates:
    import gradio as gr

    return SessionStates(
        messages=gr.State([]),
        asked=gr.State([]),
        turns=gr.State([]),
        # which conversation this browser is in: kept in local storage (BrowserState) so a reload finds
        # it, and mirrored in a server-side State that the handlers use (the `/vraag` API then needs
        # no browser value; a State is per session)
        browser=gr.BrowserState({"owner": "", "conv": ""}, storage_key="citaat-gesprek"),
        session=gr.State({"owner": "", "conv": ""}),
        pick_value=gr.Textbox(visible="hidden", elem_id="cz-pick"),
        pick_btn=gr.Button("kies", visible="hidden", elem_id="cz-pick-btn"),
    )


class ChoiceOutputs(NamedTuple):
    """What shows the index in use: the filter menus, the respondent tab's menu and the header."""

    resp: Any
    who: Any
    section: Any
    kind: Any
    header: Any


def export_buttons(elem: str) -> ExportButtons:
    """One row of download buttons, disabled until there is something to export; elem ids
    `<elem>-csv`, `<elem>-xlsx`, …"""
    import gradio as gr

    labels = {"csv": "Exporteer CSV", "xlsx": "Exporteer XLSX", "md": "Exporteer Markdown", "qdpx": "Exporteer QDPX"}
    with gr.Row():
        return ExportButtons(
            *(
                gr.DownloadButton(labels[fmt], interactive=False, size="sm", elem_id=f"{elem}-{fmt}")
                for fmt in EXPORT_FORMATS
            )
        )


class Page:
    """The answerer, the conversation store, the pending exports and the upload settings of one
    page, and the view pieces several tabs use (source cards, export buttons, filter choices)."""

    def __init__(
        self,
        answerer: Answerer,
        llm_label: str,
        export_dir: Path | None,
        data_dir: Path | None,
        allow_upload: bool,
        upload_limits: UploadLimits | None,
        filters: Filters | None = None,
    ) -> None:
        """`filters`: what the filter column starts with (`citaat chat --respondent …`)."""
        import gradio as gr

        self.answerer = answerer
        self.preset = filters or Filters()
        self.llm_label = llm_label
        self.exports = Path(export_dir or tempfile.mkdtemp(prefix="citaat-export-")).resolve()
        self.pending = PendingExports(self.exports)
        # Gradio serves the export directory in place (no hash and copy into its cache per file); the
        # file names sit in random subdirectories (PendingExports), the conversation's under its random id
        gr.set_static_paths([self.exports])
        self.data = Path(data_dir) if data_dir is not None else None
        try:
            self.store = ConversationStore(
                (self.data or Path(tempfile.mkdtemp(prefix="citaat-conv-"))) / CONVERSATIONS_FILE
            )
        except (OSError, sqlite3.Error) as exc:  # a read-only data directory: the chat still works
            log.warning("gesprekken worden niet in %s bewaard (%s); alleen tot de chat stopt", self.data, exc)
            self.store = ConversationStore(Path(tempfile.mkdtemp(prefix="citaat-conv-")) / CONVERSATIONS_FILE)
        self.limits = upload_limits or UploadLimits()
        self.upload_lock = threading.Lock()
        self.can_upload = allow_upload and self.data is not None
        self.finder = QuoteFinder(answerer)

    # ------------------------------------------------------------------ choices

    def respondent_choices(self) -> list[str]:
        """Codes, then the attribute values of the classification sheet (filterable the same way),
        then the preset ones the sheet does not list."""
        choices = [*self.answerer.respondents(), *attribute_choices(self.answerer.attributes)]
        return choices + [v for v in self.preset_values()[0] if v not in choices]

    def section_choices(self) -> list[tuple[str, str]]:
        """Every chapter and section; a preset section that is none of them (the start of a name, as
        `citaat search --section` takes it) is offered too."""
        choices = [("Alle hoofdstukken", ""), *self.answerer.section_choices()]
        preset = self.preset_values()[1]
        return choices + ([(preset, preset)] if preset and preset not in {v for _, v in choices} else [])

    def preset_values(self) -> tuple[list[str], str, str]:
        """The filter column's starting values (respondent menu, section, kind) from `preset`: the
        inverse of `make_filters`."""
        f = self.preset
        resp = [*f.respondents, *(f"{name}{ATTRIBUTE_SEP}{value}" for name, value in f.attributes)]
        by_value = {v.casefold(): v for _, v in self.answerer.section_choices()}
        section = by_value.get((f.section or "").casefold(), f.section or "")
        return resp, section, f.kind or ""

    def kind_choices(self) -> list[tuple[str, str]]:
        return [("Alle soorten", "")] + [(KIND_LABELS[k], k) for k in self.answerer.kinds()]

    def refresh_choices(self) -> ChoiceOutputs:
        """Filter choices and header from the index in use (a page loaded after an upload shows its
        respondents; the Blocks config holds the choices of the index at start)."""
        import gradio as gr

        return ChoiceOutputs(
            resp=gr.Dropdown(choices=self.respondent_choices()),
            who=gr.Dropdown(choices=self.answerer.respondents()),
            section=gr.Dropdown(choices=self.section_choices()),
            kind=gr.Dropdown(choices=self.kind_choices()),
            header=header_html(self.answerer, self.llm_label),
        )

    # ------------------------------------------------------------------ views

    def cards(
        self,
        sources: Sequence[Source],
        notice: str | None = None,
        title: str = "Bronnen",
        turn: int | None = None,
        selected: int | None = None,
    ) -> str:
        """The source cards, with each respondent's attributes when the index has a sheet."""
        return sources_html(sources, notice, title, turn, selected, self.answerer.attributes)

    def sources_for_choices(self, turns: Turns) -> Any:
        import gradio as gr

        choices = [(f"{k + 1}. {t['q'][:70]}", k) for k, t in enumerate(turns)]
        return gr.Dropdown(choices=choices, value=len(turns) - 1 if turns else None, interactive=bool(turns))

    def rebuild(self, turn: Turn) -> list[Source]:
        """The sources of a stored turn, rebuilt from the index (a chunk that is gone is skipped)."""
        out: list[Source] = []
        for rec in turn.sources:
            try:
                resp = None if rec.get("respondents") is None else tuple(rec["respondents"])
                out.append(
                    self.answerer.source_of(rec["n"], rec["id"], rec["start"], rec["end"], rec.get("score"), resp)
                )
            except (KeyError, ValueError):
                continue
        return out

    # ------------------------------------------------------------------ downloads

    def downloads(
        self,
        sources: Sequence[Source],
        name: str,
        title: str,
        question: str | None = None,
        answer: str | None = None,
        filters: Filters | None = None,
        enabled: bool = False,
    ) -> ExportButtons:
        """The four export buttons (CSV with ';' for Dutch Excel, XLSX, Markdown, REFI-QDA .qdpx) for
        these sources; each file records the date, the question or query, the filters and the index.
        `enabled`: the buttons are interactive already, so only their files are sent (see `file`)."""
        import gradio as gr

        if not sources:
            return ExportButtons(*(gr.DownloadButton(value=None, interactive=False),) * len(EXPORT_FORMATS))
        meta = ExportMeta(
            query=question or ("" if name in ("zoekresultaten",) else name),
            filters=filters or Filters(),
            index_version=self.answerer.index_version,
            kind="vraag" if answer else "zoekopdracht",
        )
        # the files are written when first downloaded (app/downloads.py); their content is fixed now
        paths = self.pending.add(
            sources,
            name,
            EXPORT_FORMATS,
            meta=meta,
            title=title,
            question=question,
            answer=answer,
            sep=";",
            sheet=self.answerer.attributes,
            directory=self.data,
        )
        return ExportButtons(*(self.file(path, enabled) for path in paths))

    def file(self, path: Path, enabled: bool) -> Any:
        """A download button's new file. A component returned from a handler is a property update:
        Gradio builds a new component and its config for the session, with the JSON schema of its
        file model (pydantic, built again for every new instance): about 10 ms of CPU per button. A
        button that is interactive already needs only its value, a plain path; the page is the same.
        (A subclass with the schema built once would save the rest, but Gradio writes a .pyi stub
        next to the module of every component class it sees defined.)"""
        import gradio as gr

        return str(path) if enabled else gr.DownloadButton(value=str(path), interactive=True)

    def conversation_download(self, conv: str | None, owner: str, enabled: bool = False) -> Any:
        import gradio as gr

        text = self.store.export_markdown(conv, owner) if conv else None
        if text is None:
            return gr.DownloadButton(value=None, interactive=False)
        path = self.exports / f"citaat-gesprek-{conv}.md"
        atomic_write_text(path, text, durable=False)  # served in place (a static path): never half written
        return self.file(path, enabled)


__all__ = [
    "ChoiceOutputs",
    "ConversationWidgets",
    "ExportButtons",
    "FilterWidgets",
    "Page",
    "SessionStates",
    "export_buttons",
    "session_states",
    "updates",
]
