"""The question-file format, its validation, and chunking-independent judging.

A question file is a query file (index/queries.py: JSON Lines, blank lines and lines starting
with `#` skipped, `q` required, ids unique) whose records carry more fields::

    {"id": "q037", "q": "Wat zegt R16 over transparantie?", "category": "who", "split": "dev",
     "respondents": ["R16"],
     "snippets": ["Je moet open, eerlijk en transparant communiceren"],
     "context_snippets": [], "note": "§2.6."}

Fields (only `id` and `q` are always required):

- `id`: unique, non-empty string.
- `q`: the question as a user would type it.
- `category`: free text, default "broad". Three values have a meaning: `who` (counted in
  respondent accuracy@5), `noanswer` (the corpus holds no answer: no snippets or labels allowed,
  judged only on no-answer behaviour); broad|table|paraphrase|detail are reported per category.
- `split`: "dev" or "test" (default "test"). Tune on dev only.
- `respondents`: expected respondent codes ("R13"; "r 13" and "13" are normalised).
- `snippets`: answer text, each an exact substring of the source text (whitespace and `*` may
  differ). A retrieved chunk whose text contains one is relevant with grade 2 — if the item gives
  respondents, only when the chunk also carries one of them.
- `context_snippets`: text that is useful context; a chunk containing one has grade 1.
- `labels`: `{chunk_id: grade}` with grades 0, 1, 2. When present they are used instead of the
  snippets (chunk ids are stable across re-ingests of the same source, but change with another
  chunker: then the snippets are the fallback, see `judge_items`).
- `note`: free text for the human labeller.

Every answerable item needs at least one snippet or a label of grade 2. Unknown fields are kept
out of the `Item` and reported as warnings, so an external set with extra metadata still loads.

Judging (`judge_items`) grades every chunk of the index for every item once, then groups the
relevant chunks into *evidence units*: chunks of the same grade that duplicate each other (a quote
and the passage that contains it, or the same text repeated: `index.fusion.is_duplicate`, the
rule the searcher collapses hits by) form one unit. Metrics are computed over units, so a quote and its
passage count once — a searcher that collapses duplicates is not punished, and one that returns
both gets no double credit.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from citaat.index.fusion import Span, is_duplicate
from citaat.index.queries import QueryFileError, QueryRecord, parse_query_lines, read_query_file
from citaat.ingest.respondents import normalize_code
from citaat.ingest.text import squash_spaces, squash_spaces_with_map

CATEGORIES: tuple[str, ...] = ("broad", "who", "table", "paraphrase", "detail", "claim", "noanswer", "nofigure")
SPLITS: tuple[str, ...] = ("dev", "test")
NOANSWER = "noanswer"
# A question for a number the sources do not give: the answer must say so ("De bronnen geven hier
# geen percentage voor") and may show the nearest figures; it has no snippets, like `noanswer`.
NOFIGURE = "nofigure"
WHO = "who"
PARAPHRASE = "paraphrase"
GRADE_ANSWER = 2
GRADE_CONTEXT = 1
GRADES: tuple[int, ...] = (0, 1, 2)
DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.jsonl"
DEFAULT_LABELS = Path(__file__).resolve().parent / "data" / "labels.jsonl"

_KNOWN_FIELDS = ("id", "q", "category", "split", "respondents", "snippets", "context_snippets", "labels", "note")


class DatasetError(QueryFileError):
    """A question file that cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Item:
    """One question with what counts as its answer. Validated where it is made."""

    id: str
    q: str
    category: str = "broad"
    split: str = "test"
    respondents: tuple[str, ...] = ()
    snippets: tuple[str, ...] = ()
    context_snippets: tuple[str, ...] = ()
    labels: Mapping[str, int] | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError("`id` moet een niet-lege tekst zijn")
        if not isinstance(self.q, str) or not self.q.strip():
            raise ValueError("`q` moet een niet-lege tekst zijn")
        if not isinstance(self.category, str) or not self.category.strip():
            raise ValueError("`category` moet een niet-lege tekst zijn")
        if self.split not in SPLITS:
            raise ValueError(f"`split` moet {' of '.join(SPLITS)} zijn, niet {self.split!r}")
        for name in ("respondents", "snippets", "context_snippets"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValueError(f"`{name}` moet een lijst van niet-lege teksten zijn")
            object.__setattr__(self, name, tuple(value))
        codes: list[str] = []
        for value in self.respondents:
            code = normalize_code(value)
            if code is None:
                raise ValueError(f"`respondents`: {value!r} is geen respondentcode (verwacht bv. R13)")
            if code not in codes:
                codes.append(code)
        object.__setattr__(self, "respondents", tuple(codes))
        if self.labels is not None:
            if not isinstance(self.labels, Mapping):
                raise ValueError("`labels` moet een object {chunk_id: cijfer} zijn")
            for cid, grade in self.labels.items():
                if not isinstance(cid, str) or not cid or isinstance(grade, bool) or grade not in GRADES:
                    raise ValueError(f"`labels`: {cid!r}: {grade!r} is geen cijfer 0, 1 of 2")
            object.__setattr__(self, "labels", dict(self.labels))
        if self.category in (NOANSWER, NOFIGURE):
            if self.snippets or self.context_snippets or self.respondents or any((self.labels or {}).values()):
                raise ValueError(f"een `{self.category}`-vraag heeft geen snippets, respondenten of positieve labels")
        elif not self.snippets and not any(g == GRADE_ANSWER for g in (self.labels or {}).values()):
            raise ValueError(
                "een beantwoordbare vraag heeft `snippets` of een label met cijfer 2 nodig (of categorie `noanswer`)"
            )

    @property
    def answerable(self) -> bool:
        return self.category not in (NOANSWER, NOFIGURE)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "q": self.q,
            "category": self.category,
            "split": self.split,
            "respondents": list(self.respondents),
            "snippets": list(self.snippets),
        }
        if self.context_snippets:
            d["context_snippets"] = list(self.context_snippets)
        if self.labels is not None:
            d["labels"] = dict(self.labels)
        if self.note:
            d["note"] = self.note
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Item:
        if not isinstance(d, Mapping):
            raise ValueError("geen JSON-object")
        for name in ("id", "q"):
            if name not in d:
                raise ValueError(f"veld `{name}` ontbreekt")
        note = d.get("note") or ""
        if not isinstance(note, str):
            raise ValueError("`note` moet een tekst zijn")
        return cls(
            id=d["id"],
            q=d["q"],
            category=d.get("category") or "broad",
            split=d.get("split") or "test",
            respondents=_as_list(d, "respondents"),
            snippets=_as_list(d, "snippets"),
            context_snippets=_as_list(d, "context_snippets"),
            labels=d.get("labels"),
            note=note,
        )


def _as_list(d: Mapping[str, Any], name: str) -> tuple[Any, ...]:
    value = d.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"`{name}` moet een lijst zijn")
    return tuple(value)


@dataclass(frozen=True)
class QuestionSet:
    """The items of one question file, in file order, with the warnings loading produced."""

    items: tuple[Item, ...]
    source: str = "<memory>"
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise DatasetError(f"{self.source}: id {item.id!r} komt twee keer voor")
            seen.add(item.id)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def select(self, split: str = "all") -> QuestionSet:
        """Only the dev or test items ("all" keeps everything)."""
        if split == "all":
            return self
        if split not in SPLITS:
            raise ValueError(f"split moet dev, test of all zijn, niet {split!r}")
        return QuestionSet(tuple(i for i in self.items if i.split == split), self.source, self.warnings)

    def get(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def parse_questions(lines: Iterable[str], source: str = "<memory>") -> QuestionSet:
    """Parse JSON-Lines question records (index/queries.py plus the fields above); any bad line
    raises DatasetError naming `source:line`."""
    try:
        records = parse_query_lines(lines, source)
    except QueryFileError as exc:
        raise DatasetError(str(exc)) from None
    return _question_set(records, source)


def _question_set(records: Iterable[QueryRecord], source: str) -> QuestionSet:
    items: list[Item] = []
    warnings: list[str] = []
    for record in records:
        where = f"{source}:{record.line}"
        try:
            item = Item.from_dict(record.data)
        except (ValueError, TypeError) as exc:
            raise DatasetError(f"{where}: {exc}") from None
        unknown = sorted(set(record.data) - set(_KNOWN_FIELDS))
        if unknown:
            warnings.append(f"{where}: onbekende velden genegeerd: {', '.join(unknown)}")
        if item.category not in CATEGORIES:
            warnings.append(f"{where}: categorie {item.category!r} is niet een van {', '.join(CATEGORIES)}")
        items.append(item)
    return QuestionSet(tuple(items), source, tuple(warnings))


def load_questions(path: Path | str | None = None) -> QuestionSet:
    """Load and validate a question file (default: eval/data/questions.jsonl)."""
    path = Path(path) if path is not None else DEFAULT_QUESTIONS
    if not path.is_file():
        raise DatasetError(f"{path}: vragenbestand niet gevonden", "geef het pad met --set")
    try:
        records = read_query_file(path)
    except QueryFileError as exc:
        raise DatasetError(str(exc)) from None
    return _question_set(records, str(path))


def dump_questions(items: Iterable[Item]) -> str:
    """The JSON-Lines text of `items` (round-trips through `parse_questions`)."""
    return "".join(json.dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in items)


# ---------------------------------------------------------------------------------------- judging

_DROP = "*\u00ad"  # footnote asterisks (removed from the snippets) and soft hyphens


@functools.lru_cache(maxsize=16384)
def normalize_text(text: str) -> str:
    """The form texts are compared in: NFC, `*` and soft hyphens removed, whitespace runs -> one space.

    Cached: judging compares every item with every chunk, so each chunk text is normalised once.
    """
    return squash_spaces("".join(ch for ch in unicodedata.normalize("NFC", text) if ch not in _DROP))


def find_snippet(text: str, snippet: str) -> tuple[int, int] | None:
    """The [start, end) span of `snippet` in `text` after normalisation, as offsets into the NFC
    form of `text` (the same as `text` for the usual NFC input); None if it does not occur."""
    norm, where = squash_spaces_with_map(unicodedata.normalize("NFC", text), _DROP)
    needle = normalize_text(snippet)
    if not needle:
        return None
    pos = norm.find(needle)
    if pos < 0:
        return None
    return where[pos], where[pos + len(needle) - 1] + 1


class ChunkLike(Span, Protocol):
    """What judging needs from a chunk (ingest.model.Chunk and index.records.Hit both fit): what the
    duplicate rule reads, plus the respondents."""

    @property
    def respondents(self) -> tuple[str, ...]: ...


def snippet_grade(item: Item, text: str, respondents: Sequence[str]) -> int:
    """Grade of a chunk text by the item's snippets: 2 answer, 1 context, 0 neither.

    An answer snippet counts only if the item names no respondents or the chunk carries one of them.
    """
    norm = normalize_text(text)
    if (not item.respondents or set(item.respondents) & set(respondents)) and any(
        normalize_text(s) in norm for s in item.snippets
    ):
        return GRADE_ANSWER
    if any(normalize_text(s) in norm for s in item.context_snippets):
        return GRADE_CONTEXT
    return 0


def derive_labels(item: Item, chunks: Sequence[ChunkLike]) -> dict[str, int]:
    """{chunk_id: grade} for every chunk the item's snippets make relevant (grade > 0), chunk order."""
    labels: dict[str, int] = {}
    for c in chunks:
        grade = snippet_grade(item, c.text, c.respondents)
        if grade:
            labels[c.id] = grade
    return labels


def evidence_units(grades: Mapping[str, int], chunks_by_id: Mapping[str, ChunkLike]) -> dict[str, str]:
    """chunk id -> unit id: relevant chunks of equal grade that duplicate each other share a unit.

    The unit id is "u:" + the first member's id (in `grades` order), so it never equals a chunk id.
    """
    ids = [cid for cid in grades if cid in chunks_by_id]
    parent = {cid: cid for cid in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if grades[a] == grades[b] and find(a) != find(b) and is_duplicate(chunks_by_id[a], chunks_by_id[b]):
                ra, rb = find(a), find(b)
                first, second = (ra, rb) if ids.index(ra) < ids.index(rb) else (rb, ra)
                parent[second] = first
    units = {cid: f"u:{find(cid)}" for cid in ids}
    # Labelled ids that are not in the index still form (unreachable) units of their own.
    units.update({cid: f"u:{cid}" for cid in grades if cid not in chunks_by_id})
    return units


@dataclass(frozen=True)
class Judgement:
    """How one item is judged against one index.

    grades: chunk id -> grade (> 0) for every relevant chunk of the index; units: chunk id -> unit
    id; qrels: unit id -> grade (what the metrics see). source: "labels", "snippets" or "none".
    unmatched: snippets that occur in no chunk text (ignoring respondents); wrong_respondent:
    snippets that occur, but never in a chunk carrying an expected respondent.
    """

    item: Item
    grades: Mapping[str, int]
    units: Mapping[str, str]
    qrels: Mapping[str, int]
    source: str
    unmatched: tuple[str, ...] = ()
    wrong_respondent: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def judgeable(self) -> bool:
        """True when the item can score on the answer metrics (some grade-2 unit exists)."""
        return self.item.answerable and any(g == GRADE_ANSWER for g in self.qrels.values())

    def grade(self, chunk_id: str) -> int:
        return int(self.grades.get(chunk_id, 0))

    def ranked_units(self, hit_ids: Sequence[str]) -> list[str]:
        """The run as the metrics see it: position r holds the unit of hit r, or "c:<id>" when hit r
        is not relevant or its unit was already credited at an earlier position."""
        seen: set[str] = set()
        out: list[str] = []
        for cid in hit_ids:
            unit = self.units.get(cid)
            if unit is not None and self.grades.get(cid, 0) > 0 and unit not in seen:
                seen.add(unit)
                out.append(unit)
            else:
                out.append(f"c:{cid}")
        return out


def snippet_report(item: Item, chunks: Sequence[ChunkLike]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(snippets found in no chunk, answer snippets found only in chunks without an expected respondent)."""
    unmatched: list[str] = []
    wrong: list[str] = []
    texts = [(normalize_text(c.text), c.respondents) for c in chunks]
    for s in (*item.snippets, *item.context_snippets):
        needle = normalize_text(s)
        where = [resp for text, resp in texts if needle in text]
        if not where:
            unmatched.append(s)
        elif s in item.snippets and item.respondents and not any(set(item.respondents) & set(r) for r in where):
            wrong.append(s)
    return tuple(unmatched), tuple(wrong)


def judge_items(items: Iterable[Item], chunks: Sequence[ChunkLike]) -> dict[str, Judgement]:
    """Judge every item against the chunks of one index (see the module docstring).

    Explicit labels win; when none of an item's labelled chunk ids is in the index (another
    chunker, stale labels) its snippets are used instead, with a note.
    """
    by_id = {c.id: c for c in chunks}
    out: dict[str, Judgement] = {}
    for item in items:
        notes: list[str] = []
        unmatched: tuple[str, ...] = ()
        wrong: tuple[str, ...] = ()
        grades: dict[str, int] = {}
        source = "none"
        if not item.answerable:
            source = "none"
        elif item.labels is not None and any(cid in by_id for cid, g in item.labels.items() if g > 0):
            source = "labels"
            grades = {cid: g for cid, g in item.labels.items() if g > 0}
            missing = [cid for cid in grades if cid not in by_id]
            if missing:
                notes.append(f"{len(missing)} gelabelde chunk-id(s) niet in de index")
        elif item.snippets or item.context_snippets:
            if item.labels is not None:
                notes.append("geen gelabelde chunk-id in de index; beoordeeld op snippets")
            source = "snippets"
            grades = derive_labels(item, chunks)
            unmatched, wrong = snippet_report(item, chunks)
        else:
            notes.append("geen gelabelde chunk-id in de index en geen snippets om op terug te vallen")
        units = evidence_units(grades, by_id)
        qrels: dict[str, int] = {}
        for cid, unit in units.items():
            qrels[unit] = max(qrels.get(unit, 0), grades[cid])
        out[item.id] = Judgement(item, grades, units, qrels, source, unmatched, wrong, tuple(notes))
    return out
