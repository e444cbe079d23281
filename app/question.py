"""What was asked: the question cleaned up, its topic words, whether it leans on the previous
question ('en wat zeggen de bestuurders daarover?'), and the conversation replayed into the
previous question and the current topic. Pure functions, so a conversation replays the same way
from plain questions as from earlier answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from citaat.index.bm25 import STOPWORDS
from citaat.index.language import words
from citaat.index.query import PEOPLE_RE

from .records import Answer

CONNECTIVES = frozenset("en maar ook dus of and but also so".split())
ANAPHORA = frozenset(
    """daarover hierover erover waarover daarvan hiervan ervan daarbij hierbij erbij daarin hierin erin
    daarmee hiermee ermee daaraan hieraan eraan daardoor hierdoor erdoor daarop hierop erop daaruit
    hieruit eruit daar hier it""".split()
)  # "daar"/"hier" also in their split form: "Kun je daar een voorbeeld van geven?"
_EN_ANAPHORA_RE = re.compile(r"\babout (?:it|that|this|them)\b", re.IGNORECASE)
# English question words are not in the Dutch stopword list; they say nothing about the topic.
_EXTRA_STOP = frozenset(
    """wat wie hoe welke welk waarom waar wanneer vinden vindt vind denken denkt gaat gaan zeggen zegt
    noemen noemt vertellen vertelt ervaren kijken mening ze zij hun hen men
    what who how which why where when does do did is are the of about say says said think they them""".split()
)
def content_words(text: str) -> list[str]:
    """Words of a question in order, once each: stopwords, question words and anaphora removed."""
    seen: dict[str, None] = {}
    for word in words(text):
        low = word.lower()
        if low in STOPWORDS or low in _EXTRA_STOP or low in ANAPHORA or low in CONNECTIVES:
            continue
        seen.setdefault(word, None)
    return list(seen)


def topic_words(text: str) -> list[str]:
    """What a question is about: its content words without the people it asks about (respondent
    codes, "de bestuurders", "the directors")."""
    return [w for w in content_words(text) if not PEOPLE_RE.match(w)]


def is_followup(question: str, max_content_words: int = 0) -> bool:
    """A question that leans on the previous one: it opens with a connective ('en wat zeggen …',
    'and what …'), refers back to it ('daarover', 'about it'), or names no topic of its own (at most
    `max_content_words` topic words: 'Wat zegt R13?', 'En de gemeentesecretarissen?'). A pronoun for
    people ('ze', 'hun') is no such sign: 'Wat vinden ze van herindelingen?' asks something new."""
    low = [w.lower() for w in words(question)]
    if not low:
        return False
    if low[0] in CONNECTIVES or any(w in ANAPHORA for w in low) or _EN_ANAPHORA_RE.search(question):
        return True
    return len(topic_words(question)) <= max_content_words


def followup_topic(question: str, topic: str) -> str:
    """The topic after a follow-up: the previous topic plus the follow-up's own topic words."""
    have = {w.lower() for w in topic.split()}
    return " ".join([*topic.split(), *(w for w in topic_words(question) if w.lower() not in have)])


def rewrite_query(question: str, topic: str) -> str:
    """The retrieval query of a follow-up: the question plus the topic words it does not repeat."""
    have = {w.lower() for w in words(question)}
    extra = [w for w in topic.split() if w.lower() not in have]
    return f"{question} ({' '.join(extra)})" if extra else question


def clean_question(question: str | None, max_chars: int) -> tuple[str, str | None]:
    """(question with whitespace collapsed and cut at a word boundary, note for the user or None)."""
    text = re.sub(r"\s+", " ", question or "").strip()
    if len(text) <= max_chars:
        return text, None
    cut = text[:max_chars]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    note = f"Je vraag was {len(text):,} tekens lang; ik heb alleen de eerste {len(cut):,} tekens gebruikt.".replace(
        ",", "."
    )
    return cut.rstrip(), note


def replay(history: Sequence[str | Answer], max_chars: int, followup_max_content_words: int) -> tuple[str | None, str]:
    """(previous question, current topic) after replaying the history deterministically: a new
    standalone question sets the topic to its content words; a follow-up keeps the topic. An
    `Answer` in the history brings its own question and topic."""
    previous: str | None = None
    topic = ""
    for item in history:
        if isinstance(item, Answer):
            previous, topic = item.question, item.topic
            continue
        q, _ = clean_question(str(item), max_chars)
        if not q:
            continue
        if previous is None or not topic or not is_followup(q, followup_max_content_words):
            topic = " ".join(content_words(q))
        else:
            topic = followup_topic(q, topic)
        previous = q
    return previous, topic


__all__ = ["clean_question", "content_words", "followup_topic", "is_followup", "replay", "rewrite_query", "topic_words"]
