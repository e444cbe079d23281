"""Small text normalisations: the loaders' (so PDF and TXT of one report give the same text) and
the forms texts are compared in (`squash_spaces`, `normalize`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from .respondents import REPORT_CODE, ZERO_WIDTH_RE

_MULTISPACE_RE = re.compile(r"[ \u00a0\u2007\u202f]{2,}")
_SOFT_HYPHEN = "\u00ad"
TERMINAL = ".!?:;…"
CLOSERS = "”’\"')]*»"
# Words that follow an elliptical compound hyphen: "voor- en nadelen", "succes- of faalfactoren".
_ELLIPSIS_FOLLOWERS = {"en", "of", "tot", "noch", "als", "t/m"}
_EMPHASIS_RE = re.compile(r"(?m)^\*\s+|\*+")
_WS_RE = re.compile(r"\s+")
_QUOTE_CHARS = "\"“”„‟«»〝〞＂"
_SINGLE_QUOTE_CHARS = "'‘’‚‛`´"
_DASHES = "‐‑‒–—―−"
_NORM_TABLE = str.maketrans(
    {**dict.fromkeys(_QUOTE_CHARS, '"'), **dict.fromkeys(_SINGLE_QUOTE_CHARS, "'"), **dict.fromkeys(_DASHES, "-")}
)
_ENDS_WITH_CODE_RE = re.compile(rf"{REPORT_CODE}$")


def squash_spaces(text: str) -> str:
    """Every run of whitespace (line breaks too) becomes one space; no space at either end."""
    return _WS_RE.sub(" ", text).strip()


def squash_spaces_with_map(text: str, drop: str = "") -> tuple[str, list[int]]:
    """`squash_spaces` of `text` without the characters in `drop`, plus for every output character
    its offset in `text` (a squashed space maps to the character just before the next kept one)."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch in drop:
            continue
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            where.append(i - 1)
            pending_space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """The form a quotation is compared with its source in: NFKC (… becomes ...), one kind of double
    and single quote mark, '-' for every dash, single spaces. Lengths change: no offsets map back."""
    return squash_spaces(unicodedata.normalize("NFKC", text).translate(_NORM_TABLE))


def clean_inline(text: str) -> str:
    """Collapse runs of spaces (justified PDF text), drop soft hyphens and zero-width characters."""
    text = text.replace(_SOFT_HYPHEN, "")
    text = ZERO_WIDTH_RE.sub("", text)
    return _MULTISPACE_RE.sub(" ", text).strip()


def strip_emphasis(text: str) -> str:
    """Remove Markdown emphasis markers (`*x*`, `**x**`) and footnote asterisks.

    The PDF rendering of a report has none of these, so removing every `*` (and the space after a
    line-initial `* `) makes TXT and PDF text identical; quotes stay verbatim.
    """
    return _EMPHASIS_RE.sub("", text)


def ends_sentence(text: str) -> bool:
    """True when `text` ends like a finished sentence (closing quotes/brackets ignored)."""
    t = text.rstrip().rstrip(CLOSERS + " ")
    if not t:
        return False
    if t[-1] in TERMINAL:
        return True
    # A respondent code closes a sentence too: ... bedrijfsvoering" (R24)
    return _ENDS_WITH_CODE_RE.search(text.rstrip().rstrip(".*")) is not None


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) narrowed so that text[start:end] neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def starts_lower(text: str) -> bool:
    t = text.lstrip(" “‘\"'(*")
    return bool(t) and t[0].islower()


def join_wrapped(left: str, right: str, vocabulary: set[str] | None = None) -> str:
    """Join two wrapped lines of one paragraph, repairing a word hyphenated across the break.

    "voor-" + "en nadelen" keeps the hyphen and the space (an elliptical compound). Otherwise a
    trailing hyphen after a lowercase letter is a line-break hyphen and is removed, unless the
    document itself spells the hyphenated form elsewhere ("klant-leverancier") or the part before
    it ends in a capital or digit ("ICT-"), where the hyphen is part of the word.
    """
    left = left.rstrip()
    right = right.lstrip()
    if not left:
        return right
    if not right:
        return left
    if left.endswith("-") and len(left) >= 2 and left[-2].isalpha():
        first = right.split(" ", 1)[0]
        stem = re.findall(r"[\w’']+-$", left)
        head = stem[0][:-1] if stem else ""
        if first.lower().strip(",.;:") in _ELLIPSIS_FOLLOWERS or not first[:1].isalpha():
            return f"{left} {right}"
        if head[-1:].isupper() or head[-1:].isdigit() or first[:1].isupper():
            return left + right
        if vocabulary is not None:
            word_tail = re.match(r"[\w’']+", right)
            tail = word_tail.group(0) if word_tail else ""
            if f"{head}-{tail}".lower() in vocabulary:
                return left + right
            if f"{head}{tail}".lower() in vocabulary:
                return left[:-1] + right
        return left[:-1] + right
    return f"{left} {right}"


def join_dutch(items: Sequence[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


# Text from a document (or typed by a user) shown inside Markdown is data: it may not format, link
# or embed anything. Markdown's inline syntax and HTML's `<` and `>` are backslash-escaped
# (CommonMark: any ASCII punctuation may be, and an escaped `<` never opens a tag; a `|` stays, as a
# one-line text cannot open a table), an `&` only
# where it would start an entity (`&lt;`), and a bare address ("http://", "www.", "a@b.nl") is
# broken up so GFM's autolinker leaves it alone. The text is one line (a quotation is shown
# inline), so only its very start can open a block (heading, list, quote).
_MD_INLINE_RE = re.compile(
    r"[\\`*_\[\]~<>]|&(?=#?\w+;)|(?<=\w):(?=//)|(?<=\bwww)\.|(?<=\w)@(?=\w)", re.IGNORECASE
)
_MD_BLOCK_START_RE = re.compile(r"^(?:[#+=-]|\d+[.)])")
_MD_UNESCAPE_RE = re.compile(r"\\([\\`*_\[\]~<>&:.@#+=)-])")


def escape_markdown(text: str) -> str:
    """`text` as plain text inside Markdown (and the HTML it becomes): whitespace runs as one
    space, Markdown syntax and `<`, `>` escaped, bare addresses not linkable; everything else,
    `&` before a space included, reads as it is. The inverse is `unescape_markdown`."""
    text = _MD_INLINE_RE.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))
    start = _MD_BLOCK_START_RE.match(text)
    if start:
        end = start.end()
        text = text[: end - 1] + "\\" + text[end - 1 :]
    return text


def unescape_markdown(text: str) -> str:
    """The text `escape_markdown` was given (whitespace runs aside): its backslash escapes undone.
    The verifier compares quotations in this form with their sources."""
    return _MD_UNESCAPE_RE.sub(r"\1", text)


@lru_cache(maxsize=16384)  # the answer keys the same sentences on every question
def same_text_key(text: str) -> str:
    """A text's letters and digits only, lowercased: the same quote printed twice ("z’n" / "z'n",
    with or without a final full stop) has one key. The answer shows such a text once
    (app/extractive.py) and the harness counts an answer showing it twice (eval/answers.py)."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())
