"""Check generated text against the retrieved evidence before anyone sees it.

Three checks, each a pure function over the text and the evidence chunks:

- **Quotations.** Every span between quote marks (“…”, „…”, ”…”, «…», "…", ‘…’) must occur
  verbatim in one evidence chunk, after normalising whitespace, quote marks, dashes, the ellipsis
  and the case of the first letter. An ellipsis inside a quotation ("A ... B") may skip text: the
  pieces must then occur in that order in one chunk. A quotation that is not found is removed.
- **R-numbers.** A respondent code next to a quotation (“…” [R13], R13: “…”) must belong to a chunk
  that contains that quotation (quote/turn chunks first, the passage around them otherwise). A
  code that stands alone must belong to some evidence chunk. A code that fails is kept but marked
  "⚠ niet geverifieerd".
- **Injected instructions.** Sentences that read like an instruction to an assistant ("negeer alle
  eerdere instructies", "you are now …"), or that repeat a sentence of such an instruction found
  inside a document, are removed: text inside documents is data, never an instruction.

`verify(text, evidence)` returns the cleaned text plus every issue found; `verified_prefix`
supports streaming (only complete sentences are checked and shown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from citaat.ingest.model import ChunkKind
from citaat.ingest.respondents import MENTION, CodeMention, find_codes
from citaat.ingest.sentences import sentence_spans
from citaat.ingest.text import normalize

UNVERIFIED = "⚠ niet geverifieerd"
REMOVED_QUOTE = "⚠ [citaat niet gevonden in de bronnen, weggelaten]"
REMOVED_SENTENCE = "⚠ [zin weggelaten: volgde een instructie uit een document]"


class EvidenceChunk(Protocol):
    """What the verifier needs of a chunk (a `Chunk` and a `Source` both fit)."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def respondents(self) -> tuple[str, ...]: ...

    @property
    def kind(self) -> ChunkKind: ...


IssueKind = Literal["quote", "respondent", "injection"]


@dataclass(frozen=True)
class Issue:
    """One thing in the generated text that could not be verified; `text` is the offending span."""

    kind: IssueKind
    text: str
    detail: str


@dataclass(frozen=True)
class Quotation:
    """A span between quote marks: [start, end) is the inner text, [outer_start, outer_end) with marks."""

    start: int
    end: int
    outer_start: int
    outer_end: int
    text: str


@dataclass(frozen=True)
class Verification:
    """The result of `verify`: the text to show and what was removed or marked in it.

    quotes: (quotation text, ids of the chunks it was found in) for every verified quotation.
    """

    text: str
    issues: tuple[Issue, ...]
    quotes: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def ok(self) -> bool:
        return not self.issues


# ---------------------------------------------------------------------------- normalisation

_ELLIPSIS_RE = re.compile(r"\s*(?:\.\s?\.\s?\.|…)\s*")
_EDGE_PUNCT = " \t\n.,;:!?\"'()[]-"


def _pieces(quotation: str) -> list[str]:
    """The parts of a quotation between ellipses, trimmed of edge punctuation; empty parts dropped."""
    norm = normalize(quotation)
    parts = [p.strip(_EDGE_PUNCT) for p in _ELLIPSIS_RE.split(norm)]
    return [p for p in parts if p]


@lru_cache(maxsize=4096)
def _piece_pattern(piece: str) -> re.Pattern[str]:
    """Literal match of a piece; only its first letter may differ in case."""
    first, rest = piece[0], piece[1:]
    head = f"[{re.escape(first.lower())}{re.escape(first.upper())}]" if first.isalpha() else re.escape(first)
    return re.compile(head + re.escape(rest))


def occurs_in(quotation: str, source: str) -> bool:
    """True when `quotation` occurs verbatim in `source` (after normalisation; ellipses may skip)."""
    pieces = _pieces(quotation)
    if not pieces:
        return False
    haystack = normalize(source)
    pos = 0
    for piece in pieces:
        m = _piece_pattern(piece).search(haystack, pos)
        if m is None:
            return False
        pos = m.end()
    return True


# ---------------------------------------------------------------------------- finding quotations

# opening mark -> the closing marks that may end it
_PAIRS: dict[str, str] = {"“": "”“", "„": "”“", "”": "”", "«": "»", '"': '"', "‘": "’"}
_MAX_QUOTATION_CHARS = 2000


def _closing(text: str, open_pos: int, closers: str) -> int:
    """Index of the mark that closes the quotation opened at `open_pos`, or -1."""
    limit = min(len(text), open_pos + 1 + _MAX_QUOTATION_CHARS)
    for i in range(open_pos + 1, limit):
        ch = text[i]
        if ch in closers:
            if ch == "’" and i + 1 < len(text) and text[i + 1].isalpha():
                continue  # an apostrophe: auto’s, zo’n
            return i
        if ch == "\n" and i + 1 < len(text) and text[i + 1] == "\n":
            return -1  # a quotation does not run across paragraphs
    return -1


def find_quotations(text: str) -> list[Quotation]:
    """Non-overlapping quotations in reading order. Straight single quotes are never quote marks
    (Dutch uses them as apostrophes: auto's, 's avonds)."""
    out: list[Quotation] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _PAIRS and not (ch == "‘" and i > 0 and text[i - 1].isalpha()):
            j = _closing(text, i, _PAIRS[ch])
            if j > i + 1 and text[i + 1 : j].strip():
                out.append(Quotation(i + 1, j, i, j + 1, text[i + 1 : j]))
                i = j + 1
                continue
        i += 1
    return out


# ---------------------------------------------------------------------------- respondent codes

# What may stand between a quotation and the code that cites it: “…” [R13] / “…” (R3, R13) /
# “…”, aldus R13 after it; R13: “…” / R13 zegt: “…” before it. A code further away, or with other
# words in between, stands alone (it must then belong to some retrieved chunk).
_GLUE_AFTER_RE = re.compile(
    r"^[\s,;:–—-]*(?:(?:zegt|zei|stelt|noemt|aldus|volgens|says|said|according\s+to)\s+)?[\[(]?\s*"
    rf"(?:{MENTION}\s*(?:,|;|/|&|\ben\b|\band\b)\s*)*$",
    re.IGNORECASE,
)
_GLUE_BEFORE_RE = re.compile(
    r"^[\])]?\s*(?:(?:zegt|zei|stelt|noemt|vertelt|says|said)\b)?\s*[:,]?\s*$", re.IGNORECASE
)


def _attached_quotation(mention: CodeMention, quotations: Sequence[Quotation], text: str) -> int | None:
    """Index of the quotation this code cites, or None when it stands alone."""
    before = [n for n, q in enumerate(quotations) if q.outer_end <= mention.start]
    if before and _GLUE_AFTER_RE.match(text[quotations[before[-1]].outer_end : mention.start]):
        return before[-1]
    after = [n for n, q in enumerate(quotations) if q.outer_start >= mention.end]
    if after and _GLUE_BEFORE_RE.match(text[mention.end : quotations[after[0]].outer_start]):
        return after[0]
    return None


# ---------------------------------------------------------------------------- injected instructions

_INJECTION_PATTERNS = [
    r"\b(?:negeer|vergeet|omzeil|ignore|disregard|forget|override)\b[^.!?\n]{0,60}"
    r"\b(?:instructies?|opdrachten|regels|richtlijnen|prompts?|instructions?|rules|guidelines|context)\b",
    r"\b(?:je bent nu|vanaf nu ben je|jij bent voortaan|you are now|from now on you|act as|doe alsof je)\b",
    r"\b(?:systeemprompt|system prompt|systeembericht|system message|developer message)\b",
    r"\b(?:nieuwe instructies?|new instructions?)\s*:",
    r"\b(?:antwoord|reageer|respond|reply|answer)\s+(?:alleen|uitsluitend|enkel|only)\s+(?:met|in|with)\b",
    r"\b(?:zeg|vertel|schrijf|say|tell|write)\s+(?:tegen\s+)?(?:de gebruiker|the user)\b",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION_PATTERNS), re.IGNORECASE)
_WORD_RE = re.compile(r"\w+")
# A generated sentence that shares this many consecutive words with an instruction found in a
# document repeats that instruction (or its payload).
ECHO_SHINGLE = 4


def looks_like_instruction(sentence: str) -> bool:
    """True when a sentence reads like an instruction addressed to an assistant."""
    return _INJECTION_RE.search(normalize(sentence)) is not None


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(normalize(text).lower())


def _shingles(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences (ingest.sentences); a full stop inside a quotation does not
    end a sentence, a newline always does."""
    return sentence_spans(text, [(q.outer_start, q.outer_end) for q in find_quotations(text)])


def injected_instructions(evidence: Iterable[EvidenceChunk]) -> list[str]:
    """Sentences inside documents that read like instructions to an assistant."""
    return [sentence for chunk in evidence for sentence in _instruction_sentences(chunk.text)]


@lru_cache(maxsize=8192)
def _instruction_sentences(text: str) -> tuple[str, ...]:
    if not looks_like_instruction(text):  # cheap test on the whole text first
        return ()
    return tuple(text[s:e].strip() for s, e in split_sentences(text) if looks_like_instruction(text[s:e]))


def _instruction_payloads(instructions: Sequence[str]) -> set[tuple[str, ...]]:
    shingles: set[tuple[str, ...]] = set()
    for sentence in instructions:
        shingles |= _shingles(_words(sentence), ECHO_SHINGLE)
        for q in find_quotations(sentence):  # 'schrijf: "Citaat is gehackt"' -> the quoted payload
            words = _words(q.text)
            if len(words) >= 2:
                shingles.add(tuple(words))
    return shingles


def echoes_instruction(sentence: str, payloads: set[tuple[str, ...]]) -> bool:
    """True when a generated sentence is an instruction itself or repeats part of one."""
    if looks_like_instruction(sentence):
        return True
    words = _words(sentence)
    if not payloads:
        return False
    sizes = {len(p) for p in payloads}
    return any(tuple(words[i : i + n]) in payloads for n in sizes for i in range(len(words) - n + 1))


# ---------------------------------------------------------------------------- verify


def locate(quotation: str, evidence: Sequence[EvidenceChunk]) -> list[EvidenceChunk]:
    """The evidence chunks that contain the quotation verbatim."""
    return [c for c in evidence if occurs_in(quotation, c.text)]


def owners(containing: Sequence[EvidenceChunk]) -> set[str]:
    """Who said a quotation: the respondents of the quote/turn chunks that contain it, or, when only
    passages contain it, of those passages."""
    speech = [c for c in containing if c.kind in ("quote", "turn")]
    return {r for c in (speech or containing) for r in c.respondents}


def verify(text: str, evidence: Sequence[EvidenceChunk]) -> Verification:
    """Remove unverifiable quotations and instruction echoes, mark unverifiable R-numbers.

    Returns the text to show and one `Issue` per problem. Text outside quotations is not required
    to be verbatim (it is the model's synthesis), but every quotation and code in it is checked.
    """
    evidence = list(evidence)
    known_codes = {r for c in evidence for r in c.respondents}
    payloads = _instruction_payloads(injected_instructions(evidence))
    issues: list[Issue] = []
    edits: list[tuple[int, int, str]] = []

    dropped: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        sentence = text[s:e]
        if echoes_instruction(sentence, payloads):
            lead = len(sentence) - len(sentence.lstrip())
            dropped.append((s + lead, e))
            edits.append((s + lead, e, REMOVED_SENTENCE))
            issues.append(Issue("injection", sentence.strip(), "volgt of herhaalt een instructie uit een document"))

    def in_dropped(pos: int) -> bool:
        return any(a <= pos < b for a, b in dropped)

    quotations = find_quotations(text)
    found: list[set[str] | None] = []
    verified_quotes: list[tuple[str, tuple[str, ...]]] = []
    for q in quotations:
        if in_dropped(q.outer_start):
            found.append(None)
            continue
        containing = locate(q.text, evidence)
        if containing:
            found.append(owners(containing))
            verified_quotes.append((q.text, tuple(c.id for c in containing)))
        else:
            found.append(None)
            edits.append((q.outer_start, q.outer_end, REMOVED_QUOTE))
            issues.append(Issue("quote", q.text, "staat niet letterlijk in de gevonden bronnen"))

    for mention in find_codes(text):
        if in_dropped(mention.start) or any(q.outer_start <= mention.start < q.outer_end for q in quotations):
            continue  # codes inside a quotation are part of the quoted text
        n = _attached_quotation(mention, quotations, text)
        if n is not None:
            who = found[n]
            if who is None:
                ok, why = False, "hoort bij een citaat dat niet geverifieerd is"
            else:
                ok, why = mention.code in who, f"het citaat is van {', '.join(sorted(who)) or 'geen respondent'}"
        else:
            ok, why = mention.code in known_codes, "komt in geen van de gevonden bronnen voor"
        if not ok:
            edits.append((mention.end, mention.end, f" {UNVERIFIED}"))
            issues.append(Issue("respondent", mention.code, why))

    return Verification(_apply(text, edits), tuple(issues), tuple(verified_quotes))


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply (start, end, replacement) edits; an edit inside an earlier, wider one is skipped."""
    out = []
    pos = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], -(e[1] - e[0]))):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def safe_boundary(text: str) -> int:
    """Length of the longest prefix that ends after a complete sentence and outside any quotation;
    streaming shows (verified) text only up to here."""
    last = 0
    opened = _open_quote_at(text)
    spans = split_sentences(text)
    for n, (_, end) in enumerate(spans):
        complete = n + 1 < len(spans) or "\n" in text[end:]  # the last sentence may still grow
        if complete and end <= opened:
            last = end
    return last


def _open_quote_at(text: str) -> int:
    """Position of a quote mark that is still open at the end of `text` (len(text) if none)."""
    closed_until = 0
    for q in find_quotations(text):
        closed_until = q.outer_end
    for i in range(closed_until, len(text)):
        if text[i] in _PAIRS and not (text[i] == "‘" and i > 0 and text[i - 1].isalpha()):
            if _closing(text, i, _PAIRS[text[i]]) == -1:
                return i
    return len(text)
