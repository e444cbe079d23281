"""The "Vraag & antwoord" tab: the chat, the sources panel beside it and the cited page view.

A click on `[n]` in any answer, or on "Bekijk op de pagina" in a source card, is caught by the page
script (app/webpage.py HEAD) and sent as `ref:K:N` / `page:K:N` (answer K, source N) through the
hidden pick button (`SessionStates.pick_btn`) to `ChatTab.pick`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from citaat.ingest.errors import CitaatError
from citaat.ingest.store import read_sources

from ..conversations import new_owner
from ..records import Answer, Source
from .page import ConversationWidgets, ExportButtons, FilterWidgets, Page, SessionStates, export_buttons, updates
from .views import (
    EMPTY_QUESTION_HINT,
    EXAMPLES,
    Turns,
    answer_markdown,
    conversation_choices,
    filter_note,
    make_filters,
    mark_height,
    page_caption_html,
    question_refusal,
    transcript_html,
    user_markdown,
)

log = logging.getLogger("citaat.app.ui")


class ChatWidgets(NamedTuple):
    chatbot: Any
    question: Any
    ask_btn: Any
    reset_btn: Any
    sources_for: Any
    sources_panel: Any
    exports: ExportButtons
    page_box: Any
    page_caption: Any
    page_img: Any
    page_close: Any


class ChatOutputs(NamedTuple):
    """What a question updates (`ChatTab.respond`)."""

    chatbot: Any
    messages: Any
    asked: Any
    turns: Any
    session: Any
    sources_panel: Any
    question: Any
    csv: Any
    xlsx: Any
    md: Any
    qdpx: Any
    conv_pick: Any
    sources_for: Any
    conv_md: Any


class PickOutputs(NamedTuple):
    """What a click on `[n]` or "Bekijk op de pagina" updates (`ChatTab.pick`)."""

    sources_panel: Any
    sources_for: Any
    page_box: Any
    page_img: Any
    page_caption: Any


class ChatTab:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.answerer = page.answerer

    def layout(self) -> ChatWidgets:
        """The tab's widgets (call inside `gr.Tab`)."""
        import gradio as gr

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
                    # the page script shows a new answer from its first line (app/webpage.py), not from its end
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
                    ask_btn = gr.Button("Vraag", variant="primary", scale=0, elem_id="ask", min_width=90, size="md")
                    reset_btn = gr.Button("Nieuw gesprek", scale=0, elem_id="reset", min_width=140, size="md")
                gr.Examples(EXAMPLES, inputs=question, label="Voorbeeldvragen")
            with gr.Column(scale=5, min_width=320):
                sources_for = gr.Dropdown(
                    [], value=None, label="Bronnen bij vraag", elem_id="sources-for", interactive=False
                )
                sources_panel = gr.HTML(self.page.cards([]), elem_id="sources", padding=False)
                exports = export_buttons("chat")
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
        return ChatWidgets(chatbot, question, ask_btn, reset_btn, sources_for, sources_panel, exports, page_box,
                           page_caption, page_img, page_close)

    def wire(self, w: ChatWidgets, states: SessionStates, filters: FilterWidgets, conv: ConversationWidgets) -> None:
        """The tab's events: a question (Enter: the `/vraag` API; the button), a pick, the page view."""
        import gradio as gr

        s = states
        inputs = [w.question, s.messages, s.asked, s.turns, s.session, *filters]
        outputs = ChatOutputs(w.chatbot, s.messages, s.asked, s.turns, s.session, w.sources_panel, w.question,
                              *w.exports, conv.pick, w.sources_for, conv.md)

        def remember(state: dict[str, str]) -> dict[str, str]:
            return state

        w.question.submit(self.respond, inputs, list(outputs), api_name="vraag", trigger_mode="once").then(
            remember, s.session, s.browser, api_visibility="private")
        w.ask_btn.click(self.respond, inputs, list(outputs), api_visibility="private", trigger_mode="once").then(
            remember, s.session, s.browser, api_visibility="private")
        w.sources_for.input(self.show_sources, [w.sources_for, s.turns], w.sources_panel, api_visibility="private")
        picked = PickOutputs(w.sources_panel, w.sources_for, w.page_box, w.page_img, w.page_caption)
        s.pick_btn.click(None, None, s.pick_value, js="() => window.czPick || ''").then(
            self.pick, [s.pick_value, s.turns], list(picked), api_visibility="private",
        ).then(None, None, None, js="() => window.czShow && window.czShow()")
        w.page_close.click(lambda: gr.Column(visible=False), None, w.page_box, api_visibility="private")

    # -------------------------------------------------------------- handlers

    def respond(
        self,
        question: str,
        messages: list[dict[str, Any]],
        asked: list[Any],
        turns: Turns,
        browser: dict[str, str],
        resp: list[str],
        section: str,
        kind: str,
    ) -> Iterator[ChatOutputs]:
        import gradio as gr

        answerer = self.answerer
        if not (question or "").strip():
            # an empty send leaves the previous answer alone and says what to do
            gr.Info(EMPTY_QUESTION_HINT, title="Geen vraag")
            yield updates(ChatOutputs)
            return
        refusal = question_refusal(question, answerer.config.max_question_chars)
        if refusal:  # the page's own route has the API's limits: nothing stored, nothing searched
            gr.Warning(refusal)
            yield updates(ChatOutputs)
            return
        try:
            filters = make_filters(resp, section, kind)
        except CitaatError as exc:  # a bad filter: the CLI's and the API's Dutch message (app/requests.py)
            gr.Warning(str(exc))
            yield updates(ChatOutputs)
            return
        messages = list(messages or [])
        messages.append({"role": "user", "content": user_markdown(question.strip())})
        messages.append({"role": "assistant", "content": "Zoeken in de interviews…"})
        # the export buttons and what follows them keep their values
        yield updates(ChatOutputs, chatbot=messages, messages=messages, asked=asked, turns=turns, session=browser,
                      question="")
        final: Answer | None = None
        for part in answerer.stream(question, asked or [], filters):
            if isinstance(part, Answer):
                final = part
            elif answerer.llm is not None:  # a model's answer grows; the extractive one is sent whole
                messages[-1] = {"role": "assistant", "content": part}
                yield updates(ChatOutputs, chatbot=messages, messages=messages, asked=asked, turns=turns,
                              session=browser)
        assert final is not None
        yield self._answered(question, final, filters, messages, asked, turns, browser)

    def _answered(
        self,
        question: str,
        final: Answer,
        filters: Any,
        messages: list[dict[str, Any]],
        asked: list[Any],
        turns: Turns,
        browser: dict[str, str],
    ) -> ChatOutputs:
        """The page after an answer: the message, the stored turn, its sources and export buttons."""
        import gradio as gr

        page, store = self.page, self.page.store
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
        buttons = page.downloads(
            final.sources,
            final.question or "antwoord",
            "Citaat: antwoord met bronnen",
            final.question,
            final.text,
            filters,
            enabled=exports_on,
        )
        return updates(
            ChatOutputs,
            chatbot=messages,
            messages=messages,
            asked=new_asked,
            turns=new_turns,
            session=browser,
            sources_panel=page.cards(final.sources, notice, title=f"Bronnen bij vraag {k + 1}", turn=k),
            **buttons._asdict(),
            conv_pick=gr.Dropdown(choices=conversation_choices(store, owner), value=conv),
            sources_for=page.sources_for_choices(new_turns),
            conv_md=page.conversation_download(conv, owner, enabled=conversation_on),
        )

    def show_sources(self, k: int | None, turns: Turns) -> Any:
        import gradio as gr

        if k is None or not turns or not 0 <= int(k) < len(turns):
            return gr.skip()
        k = int(k)
        return self.page.cards(turns[k]["sources"], title=f"Bronnen bij vraag {k + 1}", turn=k)

    def page_cache_dir(self) -> Path | None:
        directory = self.page.data or self.answerer.directory
        return Path(directory) / "cache" / "pages" if directory else None

    def page_view(self, source: Source) -> tuple[Any, str]:
        """(image or None, caption HTML) for a source's page or transcript turn."""
        if source.kind == "turn" or source.chunk.meta.get("time"):
            return None, transcript_html(source, self.answerer.chunks)
        directory = self.page.data or self.answerer.directory
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
        from ..pageview import PageViewError, page_image

        try:
            image, found = page_image(path, source.page, source.text, self.page_cache_dir())
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

    def pick(self, value: str, turns: Turns) -> PickOutputs:
        """`ref:K:N` selects source N of answer K; `page:K:N` also opens its page view; `turn:K:0`
        shows the sources of answer K (the page script asks for it when the reader scrolls to it)."""
        import gradio as gr

        m = re.fullmatch(r"(ref|page|turn):(\d+):(\d+)", value or "")
        if not m or not turns or int(m.group(2)) >= len(turns):
            return updates(PickOutputs)
        what, k, n = m.group(1), int(m.group(2)), int(m.group(3))
        sources = turns[k]["sources"]
        panel = self.page.cards(sources, title=f"Bronnen bij vraag {k + 1}", turn=k, selected=n)
        chosen = next((s for s in sources if s.n == n), None)
        if what != "page" or chosen is None:
            return updates(PickOutputs, sources_panel=panel, sources_for=gr.Dropdown(value=k))
        image, caption = self.page_view(chosen)
        return PickOutputs(
            sources_panel=panel,
            sources_for=gr.Dropdown(value=k),
            page_box=gr.Column(visible=True),
            page_img=gr.Image(value=image, visible=image is not None),
            page_caption=caption,
        )


__all__ = ["ChatOutputs", "ChatTab", "ChatWidgets", "PickOutputs"]
