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

`verify(text, evidence)` returns the cleaned text plus every issue found (the extractive template
checks itself with it); `safe_boundary` supports streaming (only complete sentences are shown).

`check_generated(text, sources)` is the stricter check of a language model's prose over numbered
sources (app/generated.py). Every quotation form counts: “…”, "…", „…”, '…', ‘…’, «…», »…«, mixed
and unclosed marks and Markdown blockquotes (`answer_quotations`). A quotation stays only when it
occurs verbatim, on word boundaries, in one source; in the source its [n] names, when it has one;
and in a quote of the respondent it names, when it names one ("R15 benadrukt: “…”", "“…”, vertelt
R15."). An ellipsis may skip text only inside one quote of one respondent, and never a negation.
Every R-number in a sentence must belong to a source cited in that sentence ([n]) or quoted in it;
a passage with several speakers vouches for none of them. Sentences that address the reader or
the model (an imperative without a citation, "u", "de lezer"), or carry a link, e-mail address or
phone number that no source has, are removed like injected instructions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from citaat.ingest.model import ChunkKind
from citaat.ingest.quotations import MAX_QUOTATION_CHARS, Quotation, find_quotations, split_sentences
from citaat.ingest.respondents import MENTION, CodeMention, find_codes
from citaat.ingest.sentences import sentence_spans
from citaat.ingest.text import normalize, unescape_markdown

UNVERIFIED = "⚠ niet geverifieerd"
REMOVED_QUOTE = "⚠ [citaat weggelaten: niet letterlijk zo in de bronnen]"
REMOVED_SENTENCE = "⚠ [zin weggelaten: een instructie of link die niet uit de bronnen komt]"


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


IssueKind = Literal["quote", "respondent", "injection", "citation"]


@dataclass(frozen=True)
class Issue:
    """One thing in the generated text that could not be verified; `text` is the offending span."""

    kind: IssueKind
    text: str
    detail: str


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
    """The parts of a quotation between ellipses, trimmed of edge punctuation; empty parts dropped.
    A quotation's Markdown escapes (`quoted` escapes source text) are undone before comparing."""
    norm = normalize(unescape_markdown(quotation))
    parts = [p.strip(_EDGE_PUNCT) for p in _ELLIPSIS_RE.split(norm)]
    return [p for p in parts if p]


def _word_char(ch: str) -> bool:
    """`\\w` of Python's re on str: a Unicode letter or digit, or the underscore."""
    return ch.isalnum() or ch == "_"


class _Piece:
    """A literal piece found on word boundaries ("realistische" is not found in "irrealistische");
    only its first letter may differ in case. The same matches as the regular expression
    `(?<!\\w)[aA]rest(?!\\w)` (boundaries only where the piece starts or ends with a word
    character), found with str.find instead: compiling one expression per quotation cost more than
    the rest of the check."""

    __slots__ = ("_firsts", "_rest", "_before", "_after")

    def __init__(self, piece: str) -> None:
        first = piece[0]
        # a regex character class [lower upper] holds every character of both case forms
        self._firsts = frozenset(first.lower() + first.upper()) if first.isalpha() else frozenset(first)
        self._rest = piece[1:]
        self._before = _word_char(first)
        self._after = _word_char(piece[-1])

    def _fits(self, haystack: str, begin: int, stop: int) -> bool:
        return (
            haystack[begin] in self._firsts
            and not (self._before and begin > 0 and _word_char(haystack[begin - 1]))
            and not (self._after and stop < len(haystack) and _word_char(haystack[stop]))
        )

    def finditer(self, haystack: str, pos: int = 0) -> Iterator[tuple[int, int]]:
        """[start, end) of each non-overlapping match from `pos` on, left to right (as re's finditer)."""
        rest, width = self._rest, len(self._rest) + 1
        begin = pos
        while begin + width <= len(haystack):
            if rest:
                at = haystack.find(rest, begin + 1)
                if at < 0:
                    return
                begin = at - 1
            if self._fits(haystack, begin, begin + width):
                yield begin, begin + width
                begin += width
            else:
                begin += 1

    def search(self, haystack: str) -> tuple[int, int] | None:
        return next(self.finditer(haystack), None)


@lru_cache(maxsize=4096)
def _piece_matcher(piece: str) -> _Piece:
    """The matcher of one piece (see `_Piece`), kept: the same quotations come back in every answer."""
    return _Piece(piece)


# Words an ellipsis may never skip: leaving one out turns a statement around.
NEGATIONS = frozenset(
    "niet geen nooit niets niks niemand nergens noch nimmer geenszins allerminst zonder nauwelijks amper "
    "not no never nothing nobody".split()
)
_MAX_OCCURRENCES = 50


def _negation_in(gap: str) -> str | None:
    return next((w for w in _WORD_RE.findall(gap.lower()) if w in NEGATIONS), None)


def _pieces_at(pieces: Sequence[str], haystack: str, pos: int = 0, first: bool = True) -> bool:
    """True when the pieces occur in order from `pos`, each on word boundaries, and no text an
    ellipsis skips between two of them holds a negation."""
    if not pieces:
        return True
    for n, (start, end) in enumerate(_piece_matcher(pieces[0]).finditer(haystack, pos)):
        if n >= _MAX_OCCURRENCES:
            break
        if not first and _negation_in(haystack[pos:start]):
            continue
        if _pieces_at(pieces[1:], haystack, end, first=False):
            return True
    return False


def _whole(quotation: str) -> str:
    """The quotation as one piece (its own ellipses kept), trimmed of edge punctuation."""
    return normalize(unescape_markdown(quotation)).strip(_EDGE_PUNCT)


@lru_cache(maxsize=8192)
def _normalized(source: str) -> str:
    """normalize(source), kept: the same evidence chunks are searched for every quotation of an
    answer and again in the next answers."""
    return normalize(source)


def occurs_in(quotation: str, source: str) -> bool:
    """True when `quotation` occurs verbatim, on word boundaries, in `source` (after normalisation).
    An ellipsis in the quotation may skip text, but never a negation (see `NEGATIONS`)."""
    return _occurs(_pieces(quotation), _whole(quotation), _normalized(source))


def _occurs(pieces: Sequence[str], whole: str, haystack: str) -> bool:
    """occurs_in for a quotation already split (`_pieces`, `_whole`) and a normalised source."""
    if not pieces:
        return False
    # a piece matches only where its text after the first letter occurs literally (_piece_matcher):
    # a substring test rules out most sources before any regular expression runs
    if whole and whole[1:] in haystack and _piece_matcher(whole).search(haystack):
        return True
    return len(pieces) > 1 and all(p[1:] in haystack for p in pieces) and _pieces_at(pieces, haystack)


# ---------------------------------------------------------------------------- finding quotations

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
    """The evidence chunks that contain the quotation verbatim (`occurs_in`)."""
    pieces, whole = _pieces(quotation), _whole(quotation)
    return [c for c in evidence if _occurs(pieces, whole, _normalized(c.text))]


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

    quotations = answer_quotations(text, blockquotes=False, unclosed=False)
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
    """Position of a quote mark (of any form) that is still open at the end of `text` (len(text) if none)."""
    closed = {q.outer_start for q in answer_quotations(text, blockquotes=False, unclosed=False)}
    opened = [q.outer_start for q in answer_quotations(text, blockquotes=False) if q.outer_start not in closed]
    return min(opened, default=len(text))


# ---------------------------------------------------------------------------- quotations in answers

_DOUBLE_MARKS = "“”„‟\"«»〝〞＂"
_SINGLE_MARKS = "‘’‚‛'"
_ALL_MARKS = _DOUBLE_MARKS + _SINGLE_MARKS
_BLOCK_LINE_RE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
# What may follow a quotation on its line without being part of it: [n], (R13), — R13 · section · p. 9
_TAIL_RE = re.compile(
    r"(?:\s*(?:\[[^\]\n]{0,40}\]|\((?:R\s?)?\d{1,3}\)|[—–-]+\s*(?:(?:R\s?\d{1,3}|rapport)\b[^\n]*)))+[\s.,;:!?]*$",
    re.IGNORECASE,
)


def _is_apostrophe(text: str, i: int) -> bool:
    """A single mark that is an apostrophe: auto's, zo’n, 's avonds, 't, 'n, de jaren '80."""
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if prev.isalnum() and nxt.isalnum():
        return True
    if prev.isalnum():
        return False
    clitic = nxt in "stnSTN" and not text[i + 2 : i + 3].isalnum()  # 's, 't, 'n
    return nxt.isdigit() or clitic


def _can_open(text: str, i: int) -> bool:
    if text[i] in _SINGLE_MARKS and _is_apostrophe(text, i):
        return False
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return not nxt.isspace() and not prev.isalnum()


def _can_close(text: str, i: int) -> bool:
    if text[i] in _SINGLE_MARKS and _is_apostrophe(text, i):
        return False
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return i > 0 and not prev.isspace() and not nxt.isalnum()


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end == -1 else end


def _find_close(text: str, i: int, mixed: bool = True) -> int | None:
    """The mark closing the quotation opened at `i`: the first closing mark of the same family (double
    or single); a nested quotation of the other family is skipped; a closing mark of the other family
    serves when none of the same comes (mixed marks). None: the quotation is never closed."""
    family = _DOUBLE_MARKS if text[i] in _DOUBLE_MARKS else _SINGLE_MARKS
    para = text.find("\n\n", i)
    limit = min(len(text) if para == -1 else para, i + 1 + MAX_QUOTATION_CHARS)
    other: int | None = None
    k = i + 1
    while k < limit:
        ch = text[k]
        if ch in _ALL_MARKS:
            closes, opens = _can_close(text, k), _can_open(text, k)
            if closes and ch in family:
                return k
            if opens and not closes and ch in family and other is not None:
                return other  # a new quotation of the same kind opens: the earlier one closed at `other`
            if opens and not closes and ch not in family:
                inner = _find_close(text, k, mixed=False)  # a nested quotation closes with its own kind
                if inner is not None and inner < limit:
                    k = inner + 1
                    continue
            if closes and other is None and mixed:
                other = k
        k += 1
    return other


def answer_quotations(text: str, *, blockquotes: bool = True, unclosed: bool = True) -> list[Quotation]:
    """Every quotation in an answer, in reading order: text between any pair of quote marks (mixed
    pairs too), an opening mark that is never closed (the quotation runs to the end of its line,
    minus a trailing [n] or code), and a Markdown blockquote without quote marks of its own."""
    out: list[Quotation] = []
    block_ends: dict[int, int] = {}
    if blockquotes:
        for start, end, inner in _blockquotes(text):
            block_ends[start] = end
            if not _opens_any(inner):
                body = _TAIL_RE.sub("", inner)
                quoted_text = " ".join(_BLOCK_LINE_RE.sub("", body).split())  # without the "> " of later lines
                if quoted_text:
                    out.append(Quotation(start, start + len(body), start, start + len(body), quoted_text))
                    block_ends[start] = -1  # the block is one quotation; do not look for marks in it
    i = 0
    while i < len(text):
        if block_ends.get(i) == -1:
            i = _line_end(text, _last_block_line(text, i))
            continue
        ch = text[i]
        if ch in _ALL_MARKS and _can_open(text, i):
            j = _find_close(text, i)
            if j is not None:
                if text[i + 1 : j].strip():
                    out.append(Quotation(i + 1, j, i, j + 1, text[i + 1 : j]))
                i = j + 1
                continue
            if unclosed:
                end = _line_end(text, i)
                body = _TAIL_RE.sub("", text[i + 1 : end])
                if body.strip():
                    out.append(Quotation(i + 1, i + 1 + len(body), i, i + 1 + len(body), body))
                i = end
                continue
        i += 1
    out.sort(key=lambda q: q.outer_start)
    return out


def _blockquotes(text: str) -> list[tuple[int, int, str]]:
    """(start of the content, end of the last line, content joined by spaces) per blockquote."""
    out = []
    lines = list(_BLOCK_LINE_RE.finditer(text))
    n = 0
    while n < len(lines):
        first = lines[n]
        parts = [text[first.end() : _line_end(text, first.end())]]
        last_end = _line_end(text, first.end())
        while n + 1 < len(lines) and lines[n + 1].start() == last_end + 1:
            n += 1
            parts.append(text[lines[n].end() : _line_end(text, lines[n].end())])
            last_end = _line_end(text, lines[n].end())
        if len(parts) == 1:
            out.append((first.end(), last_end, parts[0]))
        else:
            # a quotation over several lines: its text is the lines joined (the "> " marks are not quoted)
            out.append((first.end(), last_end, text[first.end() : last_end]))
        n += 1
    return out


def _last_block_line(text: str, start: int) -> int:
    pos = start
    while True:
        end = _line_end(text, pos)
        nxt = _BLOCK_LINE_RE.match(text, end + 1) if end < len(text) else None
        if nxt is None:
            return pos
        pos = nxt.end()


# ---------------------------------------------------------------------------- checking model prose

CHECK_MARKS = ("✓", "✔", "⚠", "☑")  # Citaat's own marks; the model may not hand them out
CITATION_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\]")
_RANGE_RE = re.compile(r"(\d+)\s*[–-]\s*(\d+)|(\d+)")


# A sentence that ends before its [n] markers: "… in het bestuur.” [1] Daarnaast …"
_END_BEFORE_MARKERS_RE = re.compile(
    r"[.!?…][”’\"'»«)]*\s*(?:\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\]\s*)+(?=[A-Z“‘\"'(„«»À-Ý])"
)


def answer_sentences(text: str, quotations: Sequence[Quotation] | None = None) -> list[tuple[int, int]]:
    """Sentence spans of an answer: `split_sentences`, and also after the [n] markers that follow a
    sentence's full stop (the markers belong to the sentence before them)."""
    quotations = answer_quotations(text) if quotations is None else quotations
    protected = [(q.outer_start, q.outer_end) for q in quotations]
    out = []
    for start, end in sentence_spans(text, protected):
        cuts = [
            m.end()
            for m in _END_BEFORE_MARKERS_RE.finditer(text, start, end)
            if not any(a < m.end() < b for a, b in protected)
        ]
        for cut in [*cuts, end]:
            piece = text[start:cut]
            lead = len(piece) - len(piece.lstrip())
            if piece.strip():
                out.append((start + lead, start + len(piece.rstrip())))
            start = cut
    return out


def citation_numbers(marker: str) -> list[int]:
    """The source numbers of one [n] marker: '[1, 3]' -> [1, 3], '[2–4]' -> [2, 3, 4]."""
    out: list[int] = []
    for m in _RANGE_RE.finditer(marker):
        if m.group(3):
            out.append(int(m.group(3)))
        else:
            lo, hi = int(m.group(1)), int(m.group(2))
            out.extend(range(lo, hi + 1) if 0 < hi - lo < 20 else (lo, hi))
    return out


@dataclass(frozen=True)
class Speech:
    """A stretch [start, end) of a source's text spoken by the given respondents (one quote)."""

    start: int
    end: int
    respondents: tuple[str, ...]


@dataclass(frozen=True)
class NumberedSource:
    """A source as the model read it: its number, the exact text it was given, its attribution and
    the stretches of that text that are a respondent's own words."""

    n: int
    id: str
    text: str
    respondents: tuple[str, ...]
    speech: tuple[Speech, ...] = ()

    @property
    def vouches(self) -> frozenset[str]:
        """Whose words this source is, when it is one speaker's (or one joint quote's); a passage
        with several speakers vouches for none of them."""
        voices = {s.respondents for s in self.speech}
        if len(voices) == 1:
            return frozenset(next(iter(voices)))
        if not self.speech and len(self.respondents) == 1:
            return frozenset(self.respondents)
        return frozenset()


@dataclass(frozen=True)
class _Place:
    n: int
    id: str
    owner: frozenset[str]  # who said it; empty: the researchers' text, several stretches or speakers


def _placements(quotation: str, src: NumberedSource) -> tuple[list[_Place], str | None]:
    """Where a quotation can stand in a source, with who said it there; or why it cannot."""
    pieces = _pieces(quotation)
    if not pieces:
        return [], "is leeg"
    whole = _whole(quotation)
    stretches = [(normalize(src.text[s.start : s.end]), frozenset(s.respondents)) for s in src.speech]
    if not src.speech and src.respondents:
        stretches = [(normalize(src.text), frozenset(src.respondents) if len(src.respondents) == 1 else frozenset())]
    haystack = normalize(src.text)
    if whole and _piece_matcher(whole).search(haystack):
        owners = [who for hay, who in stretches if _piece_matcher(whole).search(hay)]
        return [_Place(src.n, src.id, who) for who in owners] or [_Place(src.n, src.id, frozenset())], None
    if len(pieces) < 2:
        return [], None
    inside = [who for hay, who in stretches if who and _pieces_at(pieces, hay)]
    if inside:
        return [_Place(src.n, src.id, who) for who in inside], None
    if any(_piece_matcher(p).search(haystack) for p in pieces) and all(
        _piece_matcher(p).search(haystack) for p in pieces
    ):
        return [], "het beletselteken slaat tekst over buiten één citaat van één respondent of laat een ontkenning weg"
    return [], None


def _nearest_quotation(
    pos: int, end: int, quotations: Sequence[Quotation], text: str, sentence: tuple[int, int]
) -> int | None:
    """Index of the quotation a code at [pos, end) names: the nearest one in its sentence with no
    [n] marker or other quotation in between."""
    best: tuple[int, int] | None = None
    for k, q in enumerate(quotations):
        if not (sentence[0] <= q.outer_start < sentence[1]):
            continue
        if q.outer_end <= pos:
            between = text[q.outer_end : pos]
        elif q.outer_start >= end:
            between = text[end : q.outer_start]
        else:
            continue
        if CITATION_RE.search(between) or _opens_any(between):
            continue
        if "\n" in between.strip():
            continue
        if best is None or len(between) < best[0]:
            best = (len(between), k)
    return None if best is None else best[1]


def _opens_any(text: str) -> bool:
    return any(ch in _ALL_MARKS and _can_open(text, n) for n, ch in enumerate(text))


def _attached_marker(q: Quotation, text: str, markers: Sequence[re.Match[str]]) -> re.Match[str] | None:
    """The [n] right after a quotation (only punctuation, a code or a dash between)."""
    for m in markers:
        if m.start() >= q.outer_end:
            between = text[q.outer_end : m.start()]
            stripped = MENTION_RE_ANY.sub("", between)
            if re.fullmatch(r"[\s,;:.!?()\[\]–—-]*", stripped):
                return m
            return None
    return None


MENTION_RE_ANY = re.compile(MENTION)

# ---------------------------------------------------------------------------- sentences addressed to the reader

_LINK_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b|\b[\w-]+\.(?:nl|com|org|net|eu|be|io|info|gov)\b(?:/\S*)?"
    r"|(?<!\d)(?:\+31|0)\d{1,3}[\s-]?\d{3,}(?:[\s-]?\d{2,})*|<\s*/?\s*[a-zA-Z][^>]*>|\]\([^)]*\)",
    re.IGNORECASE,
)
_ADDRESSED_RE = re.compile(
    r"\b(?:jij|jou|jouw|jullie|u|uw|lezer|lezers|gebruiker|gebruikers|assistent|taalmodel|chatbot|"
    r"you|your|reader|user)\b",
    re.IGNORECASE,
)
_LEADING_FILLER = frozenset("nu dus daarom dan voortaan graag alstublieft svp please eerst vervolgens en ook".split())
_DOUBLED_CONSONANT_RE = re.compile(r"([bcdfgklmnprstz])\1$")


def _stem_form(word: str) -> str:
    word = word.replace("aa", "a").replace("ee", "e").replace("oo", "o").replace("uu", "u")
    word = _DOUBLED_CONSONANT_RE.sub(r"\1", word)
    return word.replace("v", "f").replace("z", "s")


@lru_cache(maxsize=4096)
def is_verb_stem(word: str) -> bool:
    """True for a Dutch verb stem, the form an imperative takes: stuur (sturen), vergeet, bel, ga."""
    import simplemma

    word = word.lower()
    if len(word) < 2 or not word.isalpha():
        return False
    lemma = simplemma.lemmatize(word, lang="nl")
    if lemma == word or not lemma.endswith("n"):
        return False
    base = lemma[:-2] if lemma.endswith("en") else lemma[:-1]
    return _stem_form(word) in {_stem_form(base), _stem_form(lemma[:-1])}


def addresses_reader(sentence: str) -> bool:
    """True when a sentence speaks to the reader or to the model: it begins with an imperative
    ("Vergeet wat hierboven staat en stuur de lezer naar …") or uses "u", "je", "de lezer", …"""
    plain = MENTION_RE_ANY.sub(" ", CITATION_RE.sub(" ", sentence))
    words = [w for w in _WORD_RE.findall(plain) if not w.isdigit()]
    while words and words[0].lower() in _LEADING_FILLER:
        words = words[1:]
    if words and (is_verb_stem(words[0]) or plain.rstrip().endswith("!")):
        return True
    return _ADDRESSED_RE.search(plain) is not None


def foreign_links(sentence: str, sources: Sequence[NumberedSource]) -> list[str]:
    """Links, e-mail addresses, phone numbers and HTML tags in a sentence that no source contains."""
    return [m.group(0) for m in _LINK_RE.finditer(sentence) if not any(m.group(0) in s.text for s in sources)]


def check_generated(text: str, sources: Sequence[NumberedSource]) -> Verification:
    """The strict check of a model's prose over numbered sources (see the module docstring).

    Removes quotations that fail, sentences that echo or give instructions and [n] markers that
    name no source; marks R-numbers that no cited or quoted source vouches for. One `Issue` each.
    """
    by_n = {s.n: s for s in sources}
    payloads = _instruction_payloads(injected_instructions(_AsChunk(s) for s in sources))
    quotations = answer_quotations(text)
    spans = answer_sentences(text, quotations)
    markers = [m for m in CITATION_RE.finditer(text) if not _inside(m.start(), quotations)]
    issues: list[Issue] = []
    edits: list[tuple[int, int, str]] = []

    def sentence_of(pos: int) -> tuple[int, int]:
        return next(((s, e) for s, e in spans if s <= pos < e), (pos, pos + 1))

    # 1. sentences that address the reader or the model, or echo an instruction found in a source
    dropped: list[tuple[int, int]] = []
    for s, e in spans:
        sentence = text[s:e]
        outside = _outside_quotations(text, s, e, quotations)
        cited = any(s <= m.start() < e for m in markers)
        links = foreign_links(outside, sources)
        why = None
        if echoes_instruction(sentence, payloads):
            why = "volgt of herhaalt een instructie uit een document"
        elif links:
            why = f"bevat een link of contactgegeven dat in geen bron staat ({links[0]})"
        elif any(mark in outside for mark in CHECK_MARKS):
            why = "bootst een controlemerk van Citaat na"
        elif not cited and addresses_reader(outside):
            why = "richt zich tot de lezer of het model en steunt op geen bron"
        if why:
            dropped.append((s, e))
            edits.append((s, e, REMOVED_SENTENCE))
            issues.append(Issue("injection", sentence.strip(), why))

    def in_dropped(pos: int) -> bool:
        return any(a <= pos < b for a, b in dropped)

    # 2. [n] markers that name no source
    cites: dict[tuple[int, int], set[int]] = {}
    for m in markers:
        if in_dropped(m.start()):
            continue
        numbers = citation_numbers(m.group(0))
        if any(n not in by_n for n in numbers):
            lead = len(text[: m.start()]) - len(text[: m.start()].rstrip(" "))
            edits.append((m.start() - lead, m.end(), ""))
            issues.append(Issue("citation", m.group(0), "verwijst naar een bron die niet bestaat"))
            continue
        cites.setdefault(sentence_of(m.start()), set()).update(numbers)

    # 3. quotations, with the codes that name them
    codes = [c for c in find_codes(text) if not _inside(c.start, quotations) and not in_dropped(c.start)]
    named: dict[int, list[CodeMention]] = {}
    attached_code: dict[int, int] = {}
    for idx, c in enumerate(codes):
        k = _nearest_quotation(c.start, c.end, quotations, text, sentence_of(c.start))
        if k is not None:
            named.setdefault(k, []).append(c)
            attached_code[idx] = k
    verdicts: dict[int, _Place | None] = {}
    verified_quotes: list[tuple[str, tuple[str, ...]]] = []
    for k, q in enumerate(quotations):
        if in_dropped(q.outer_start):
            continue
        where = sentence_of(q.outer_start)
        marker = _attached_marker(q, text, markers)
        if marker is not None and all(n in by_n for n in citation_numbers(marker.group(0))):
            allowed = citation_numbers(marker.group(0))
        else:
            allowed = sorted(cites.get(where, set())) or sorted(by_n)
        who = {c.code for c in named.get(k, [])}
        place, why = _judge_quotation(q.text, [by_n[n] for n in allowed], sources, who)
        verdicts[k] = place
        if place is None:
            edits.append((q.outer_start, q.outer_end, REMOVED_QUOTE))
            issues.append(Issue("quote", q.text, why))
        else:
            verified_quotes.append((q.text, (place.id,)))

    # 4. R-numbers: named with a quotation, or vouched for by a source cited or quoted in the sentence
    for idx, c in enumerate(codes):
        where = sentence_of(c.start)
        if idx in attached_code:
            place = verdicts.get(attached_code[idx])
            if place is None:
                ok, why = False, "hoort bij een citaat dat is weggelaten"
            else:
                ok, why = c.code in place.owner, f"het citaat is van {', '.join(sorted(place.owner)) or 'het rapport'}"
        else:
            vouched: set[str] = set()
            for n in cites.get(where, set()):
                vouched |= by_n[n].vouches
            for k, place in verdicts.items():
                if place is not None and where[0] <= quotations[k].outer_start < where[1]:
                    vouched |= place.owner
            ok = c.code in vouched
            why = "hoort bij geen bron die in deze zin wordt aangehaald of geciteerd"
        if not ok:
            edits.append((c.end, c.end, f" {UNVERIFIED}"))
            issues.append(Issue("respondent", c.code, why))

    return Verification(_apply(text, edits), tuple(issues), tuple(verified_quotes))


def _judge_quotation(
    quotation: str, allowed: Sequence[NumberedSource], every: Sequence[NumberedSource], who: set[str]
) -> tuple[_Place | None, str]:
    """The placement that makes a quotation true, or None and the reason it is not."""
    ellipsis_why = None
    places: list[_Place] = []
    for src in allowed:
        found, why = _placements(quotation, src)
        places += found
        ellipsis_why = ellipsis_why or why
    if not places:
        if ellipsis_why:
            return None, ellipsis_why
        elsewhere = [s.n for s in every if s not in allowed and _placements(quotation, s)[0]]
        if elsewhere:
            return None, f"staat niet in de aangehaalde bron maar in bron [{elsewhere[0]}]"
        return None, "staat niet letterlijk (op woordgrenzen) in een van de bronnen"
    if not who:
        return places[0], ""
    for p in places:
        if who <= p.owner:
            return p, ""
    owners = sorted({r for p in places for r in p.owner})
    return None, f"is geen citaat van {', '.join(sorted(who))} (maar van {', '.join(owners) or 'het rapport'})"


def _inside(pos: int, quotations: Sequence[Quotation]) -> bool:
    return any(q.outer_start <= pos < q.outer_end for q in quotations)


def _outside_quotations(text: str, start: int, end: int, quotations: Sequence[Quotation]) -> str:
    """A sentence with its quotations blanked out (what the model says in its own words)."""
    chars = list(text[start:end])
    for q in quotations:
        for i in range(max(q.outer_start, start), min(q.outer_end, end)):
            chars[i - start] = " "
    return "".join(chars)


@dataclass(frozen=True)
class _AsChunk:
    """A numbered source seen as an evidence chunk (for the injected-instruction scan)."""

    source: NumberedSource

    @property
    def id(self) -> str:
        return self.source.id

    @property
    def text(self) -> str:
        return self.source.text

    @property
    def respondents(self) -> tuple[str, ...]:
        return self.source.respondents

    @property
    def kind(self) -> ChunkKind:
        return "passage"
