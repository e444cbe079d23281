"""The "Eerdere gesprekken" panel: open, start, delete and export the conversations of this
browser (kept by app/conversations.py), and the page after a reload."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..conversations import new_owner
from .chat import ChatWidgets
from .page import ConversationWidgets, Page, SessionStates, updates
from .views import Turns, conversation_choices, user_markdown


class ConversationOutputs(NamedTuple):
    """What opening a conversation (or a reload) updates."""

    chatbot: Any
    messages: Any
    asked: Any
    turns: Any
    session: Any
    sources_panel: Any
    csv: Any
    xlsx: Any
    md: Any
    qdpx: Any
    conv_pick: Any
    sources_for: Any
    conv_md: Any
    page_box: Any


def conversations_panel() -> ConversationWidgets:
    """The panel's widgets (call inside the filter column)."""
    import gradio as gr

    with gr.Accordion("Eerdere gesprekken", open=False, elem_id="cz-history"):
        pick = gr.Dropdown([], value=None, label="Gesprek", elem_id="conv-pick")
        with gr.Row():
            opener = gr.Button("Openen", size="sm", elem_id="conv-open")
            delete = gr.Button("Verwijderen", size="sm", variant="stop", elem_id="conv-delete")
        md = gr.DownloadButton("Exporteer gesprek (Markdown)", interactive=False, size="sm", elem_id="conv-md")
    return ConversationWidgets(pick, opener, delete, md)


class Conversations:
    def __init__(self, page: Page) -> None:
        self.page = page

    def wire(self, demo: Any, w: ConversationWidgets, chat: ChatWidgets, states: SessionStates) -> None:
        """New conversation, open, delete, and the page load; each remembers the conversation in the browser."""
        s = states
        outputs = list(ConversationOutputs(chat.chatbot, s.messages, s.asked, s.turns, s.session, chat.sources_panel,
                                           *chat.exports, w.pick, chat.sources_for, w.md, chat.page_box))

        def remember(state: dict[str, str]) -> dict[str, str]:
            return state

        def keep(event: Any) -> None:
            event.then(remember, s.session, s.browser, api_visibility="private")

        keep(chat.reset_btn.click(self.new, s.session, outputs, api_visibility="private"))
        keep(w.open.click(self.open, [w.pick, s.session], outputs, api_visibility="private"))
        keep(w.delete.click(self.delete, [w.pick, s.session], outputs, api_visibility="private"))
        keep(demo.load(self.load, s.browser, outputs, api_visibility="private"))

    def load(self, browser: dict[str, str] | None, conv: str | None = None) -> ConversationOutputs:
        """The page after a reload (conv None: the browser's current one) or after opening one."""
        import gradio as gr

        page, store = self.page, self.page.store
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
            turns.append({"q": " ".join(t.question.split()), "sources": page.rebuild(t)})
        asked = [t.question for t in stored]
        last = turns[-1]["sources"] if turns else []
        k = len(turns) - 1
        buttons = (
            page.downloads(
                last,
                stored[-1].question if stored else "antwoord",
                "Citaat: antwoord met bronnen",
                stored[-1].question if stored else None,
            )
            if last
            else page.downloads([], "", "")
        )
        panel = page.cards(last, title=f"Bronnen bij vraag {k + 1}", turn=k) if turns else page.cards([])
        return updates(
            ConversationOutputs,
            chatbot=messages,
            messages=messages,
            asked=asked,
            turns=turns,
            session={"owner": owner, "conv": conv or ""},
            sources_panel=panel,
            **buttons._asdict(),
            conv_pick=gr.Dropdown(choices=conversation_choices(store, owner), value=conv),
            sources_for=page.sources_for_choices(turns),
            conv_md=page.conversation_download(conv, owner),
            page_box=gr.Column(visible=False),
        )

    def open(self, conv: str | None, browser: dict[str, str]) -> ConversationOutputs:
        return self.load(browser, conv or "")

    def new(self, browser: dict[str, str]) -> ConversationOutputs:
        return self.load(browser, "")

    def delete(self, conv: str | None, browser: dict[str, str]) -> ConversationOutputs:
        owner = (browser or {}).get("owner") or ""
        if conv:
            self.page.store.delete(conv, owner)
        current = (browser or {}).get("conv")
        return self.load(browser, None if current and current != conv else "")


__all__ = ["ConversationOutputs", "Conversations", "conversations_panel"]
