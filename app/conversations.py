"""Conversations that survive a reload: one SQLite file in the data directory (DIR/conversations.sqlite3).

    store = ConversationStore(DIR / CONVERSATIONS_FILE)
    conv = store.add_turn(None, owner, question, answer_markdown, sources)   # creates the conversation
    store.turns(conv, owner); store.list(owner); store.delete(conv, owner); store.export_markdown(conv, owner)

`owner` is a random id the browser keeps (Gradio BrowserState, local storage): a browser sees and
deletes only its own conversations. Each turn stores the question as typed, the answer as shown,
and its sources as data: the chunk id and excerpt (so the page can rebuild the `Source` from the
index) plus the text and citation (so an export still works after the index changed).
Every call opens its own connection (threads of the web server never share one); WAL mode lets
readers go on while one writes.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import Source, quoted

CONVERSATIONS_FILE = "conversations.sqlite3"
TITLE_CHARS = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations(owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, sources TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (conversation, seq)
);
"""


@dataclass(frozen=True)
class Turn:
    """One question and its answer; `sources` as stored (see `source_record`)."""

    question: str
    answer: str
    sources: tuple[dict[str, Any], ...]
    created: float


@dataclass(frozen=True)
class ConversationInfo:
    id: str
    title: str
    updated: float
    turns: int


def source_record(source: Source) -> dict[str, Any]:
    """What a turn keeps of a source: enough to rebuild it from the index, and to export it without."""
    return {
        "n": source.n,
        "id": source.chunk.id,
        "start": source.start,
        "end": source.end,
        "score": source.score,
        "respondents": None if source.excerpt_respondents is None else list(source.excerpt_respondents),
        "text": source.text,
        "citation": source.citation,
        "label": source.label,
        "doc": source.doc,
    }


def new_owner() -> str:
    return uuid.uuid4().hex


class ConversationStore:
    """The conversations of all browsers in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            with db:  # one transaction: committed on success, rolled back on an error
                yield db
        finally:
            db.close()

    def add_turn(
        self, conversation: str | None, owner: str, question: str, answer: str, sources: Sequence[Source]
    ) -> str:
        """Append a turn; `conversation` None (or not this owner's) starts a new one. Returns its id."""
        now = time.time()
        record = json.dumps([source_record(s) for s in sources], ensure_ascii=False)
        with self._db() as db:
            row = None
            if conversation:
                row = db.execute(
                    "SELECT id FROM conversations WHERE id = ? AND owner = ?", (conversation, owner)
                ).fetchone()
            if row is None:
                conversation = uuid.uuid4().hex
                title = " ".join(question.split())[:TITLE_CHARS] or "Gesprek"
                db.execute(
                    "INSERT INTO conversations (id, owner, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                    (conversation, owner, title, now, now),
                )
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation = ?", (conversation,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO turns (conversation, seq, question, answer, sources, created) VALUES (?, ?, ?, ?, ?, ?)",
                (conversation, seq, question, answer, record, now),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation))
        assert conversation is not None
        return conversation

    def turns(self, conversation: str | None, owner: str) -> list[Turn]:
        if not conversation:
            return []
        with self._db() as db:
            rows = db.execute(
                "SELECT t.question, t.answer, t.sources, t.created FROM turns t JOIN conversations c "
                "ON c.id = t.conversation WHERE c.id = ? AND c.owner = ? ORDER BY t.seq",
                (conversation, owner),
            ).fetchall()
        return [Turn(q, a, tuple(json.loads(s)), created) for q, a, s, created in rows]

    def list(self, owner: str, limit: int = 50) -> list[ConversationInfo]:
        """This owner's conversations, the most recent first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.seq) FROM conversations c LEFT JOIN turns t "
                "ON t.conversation = c.id WHERE c.owner = ? GROUP BY c.id ORDER BY c.updated DESC LIMIT ?",
                (owner, limit),
            ).fetchall()
        return [ConversationInfo(*row) for row in rows]

    def title(self, conversation: str, owner: str) -> str | None:
        with self._db() as db:
            row = db.execute(
                "SELECT title FROM conversations WHERE id = ? AND owner = ?", (conversation, owner)
            ).fetchone()
        return None if row is None else str(row[0])

    def delete(self, conversation: str, owner: str) -> bool:
        with self._db() as db:
            cur = db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation, owner))
        return cur.rowcount > 0

    def export_markdown(self, conversation: str, owner: str) -> str | None:
        """The whole conversation as Markdown: every question (as typed, in a code span so nothing in
        it is rendered), the answer as shown, and that answer's sources with citation and chunk id."""
        title = self.title(conversation, owner)
        if title is None:
            return None
        turns = self.turns(conversation, owner)
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(turns[-1].created if turns else time.time()))
        lines = [
            f"# Citaat: gesprek — {title}",
            "",
            f"_Geëxporteerd op {time.strftime('%Y-%m-%d %H:%M')}; "
            f"laatste vraag {stamp}; {len(turns)} {'vraag' if len(turns) == 1 else 'vragen'}._",
            "",
        ]
        for i, turn in enumerate(turns, 1):
            lines += [
                f"## Vraag {i}",
                "",
                "```text",
                turn.question.replace("```", "ʼʼʼ"),
                "```",
                "",
                "### Antwoord",
                "",
                turn.answer.strip(),
                "",
            ]
            if turn.sources:
                lines += ["### Bronnen", ""]
            for s in turn.sources:
                lines += [
                    f"{s['n']}. {quoted(s['text'])}",
                    "",
                    f"   — {s['citation']} ({s['label']})  ",
                    f"   `{s['doc']}` · `{s['id']}`",
                    "",
                ]
        return "\n".join(lines)


__all__ = ["CONVERSATIONS_FILE", "ConversationInfo", "ConversationStore", "Turn", "new_owner", "source_record"]
