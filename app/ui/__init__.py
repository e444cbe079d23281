"""The Gradio page: builds widgets and wires events to the services, nothing else.

`build_app(answerer, ...)` returns the Blocks; `launch(demo, serve)` serves it. One module per part
of the page:

    layout.py         build_app: the header, the filter column, the tabs and the wiring between them
    page.py           what the tabs share (Page: answerer, stores, cards, export buttons) and the
                      named output bundles (a NamedTuple per event's outputs; `updates`)
    chat.py           "Vraag & antwoord": the chat, the sources panel, the cited page view
    conversations.py  "Eerdere gesprekken": open, start, delete, export; the page after a reload
    search.py         "Zoek citaten": search or claim, page by page
    respondent.py     "Per respondent": every quote of one respondent
    upload.py         "Interviews toevoegen": check, review who is who, confirm
    views.py          the pure view helpers (`sources_html`, `answer_markdown`, `user_markdown`,
                      `table_rows`, `make_filters`, `header_html`, `filter_note`, `transcript_html`),
                      importable without Gradio
    serve.py          launch, the theme and the guard in front of everything served

Conversations are kept by app/conversations.py, uploads checked and parsed by app/upload.py,
cited PDF pages drawn by app/pageview.py. Gradio itself is imported only when the page is built.
"""

from __future__ import annotations

from .layout import build_app
from .serve import freeze_heap, guard_middleware, launch, theme
from .views import (
    ATTRIBUTE_SEP,
    CONTEXT_CHARS,
    EMPTY_QUESTION_HINT,
    EXAMPLES,
    LONG_QUESTION_CHARS,
    LONG_QUESTION_LINES,
    MOBILE_PANEL_HTML,
    TABLE_HEADERS,
    TITLE,
    Turns,
    answer_markdown,
    attribute_choices,
    claim_status,
    collapsed_question,
    conversation_choices,
    filter_note,
    header_html,
    link_citations,
    make_filters,
    mark_height,
    page_caption_html,
    question_refusal,
    quote_counts,
    respondent_status,
    sources_html,
    table_rows,
    transcript_html,
    upload_result_lines,
    user_markdown,
)

__all__ = [
    "ATTRIBUTE_SEP",
    "CONTEXT_CHARS",
    "EMPTY_QUESTION_HINT",
    "EXAMPLES",
    "LONG_QUESTION_CHARS",
    "LONG_QUESTION_LINES",
    "MOBILE_PANEL_HTML",
    "TABLE_HEADERS",
    "TITLE",
    "Turns",
    "answer_markdown",
    "attribute_choices",
    "build_app",
    "claim_status",
    "collapsed_question",
    "conversation_choices",
    "filter_note",
    "freeze_heap",
    "guard_middleware",
    "header_html",
    "launch",
    "link_citations",
    "make_filters",
    "mark_height",
    "page_caption_html",
    "question_refusal",
    "quote_counts",
    "respondent_status",
    "sources_html",
    "table_rows",
    "theme",
    "transcript_html",
    "upload_result_lines",
    "user_markdown",
]
