"""The labelling helper behind `citaat eval label`.

- Derive: every item's snippets are matched against the chunks of an index (see
  `eval.dataset.snippet_grade`) and the resulting `{chunk_id: grade}` labels are written, with the
  item's other fields, to a labelled question file (default eval/data/labels.jsonl). That file is
  itself a valid question set: `citaat eval --set eval/data/labels.jsonl` judges by chunk id and
  gives the same figures as the snippets (a test checks this).
- Check: items whose snippets match no chunk, or match only chunks without an expected
  respondent, are reported so a human can fix the snippet (or the chunker).
- Show: for one question, the labelled chunks and the BM25 and hybrid top 10 with the grade of
  each hit and the snippet highlighted, so a human can confirm the labels and spot answers that
  the snippets miss.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .dataset import (
    DEFAULT_LABELS,
    ChunkLike,
    Item,
    Judgement,
    QuestionSet,
    dump_questions,
    find_snippet,
    judge_items,
)

log = logging.getLogger(__name__)

MARKS = {2: "★★", 1: "★ ", 0: "· "}
SHOW_MODES = ("bm25", "hybrid")


@dataclass(frozen=True)
class LabelReport:
    """What deriving labels found: the labelled items and the items a human should look at."""

    items: tuple[Item, ...]
    labelled_chunks: int
    unmatched: dict[str, tuple[str, ...]]  # item id -> snippets found in no chunk
    wrong_respondent: dict[str, tuple[str, ...]]  # item id -> snippets only in other respondents' chunks
    unjudgeable: tuple[str, ...]  # answerable items without any grade-2 chunk

    def summary(self) -> str:
        answerable = [i for i in self.items if i.answerable]
        lines = [
            f"{len(self.items)} vragen, {len(answerable)} met antwoord, {self.labelled_chunks} gelabelde chunks "
            f"(gemiddeld {self.labelled_chunks / max(1, len(answerable)):.1f} per vraag)"
        ]
        for qid, snippets in self.unmatched.items():
            for s in snippets:
                lines.append(f"  {qid}: snippet in geen enkele chunk: «{s}»")
        for qid, snippets in self.wrong_respondent.items():
            for s in snippets:
                lines.append(f"  {qid}: snippet alleen in chunks zonder verwachte respondent: «{s}»")
        if self.unjudgeable:
            lines.append(f"  zonder antwoord-chunk (telt niet mee): {', '.join(self.unjudgeable)}")
        if not (self.unmatched or self.wrong_respondent or self.unjudgeable):
            lines.append("  alle snippets gevonden")
        return "\n".join(lines)


def derive(qset: QuestionSet, chunks: Sequence[ChunkLike]) -> LabelReport:
    """Label every item from its snippets against `chunks` (existing labels are replaced)."""
    plain = [replace(i, labels=None) for i in qset.items]
    judged = judge_items(plain, chunks)
    items = []
    for item in plain:
        j = judged[item.id]
        items.append(replace(item, labels=dict(j.grades)) if item.answerable else item)
    return LabelReport(
        items=tuple(items),
        labelled_chunks=sum(len(judged[i.id].grades) for i in plain),
        unmatched={i.id: judged[i.id].unmatched for i in plain if judged[i.id].unmatched},
        wrong_respondent={i.id: judged[i.id].wrong_respondent for i in plain if judged[i.id].wrong_respondent},
        unjudgeable=tuple(i.id for i in plain if i.answerable and not judged[i.id].judgeable),
    )


def write_labels(report: LabelReport, path: Path | str = DEFAULT_LABELS) -> Path:
    """Write the labelled items atomically as JSON Lines."""
    from citaat.ingest.fsio import atomic_write_text

    path = Path(path)
    atomic_write_text(path, dump_questions(report.items))
    return path


# ------------------------------------------------------------------------------------ showing


def highlight(text: str, item: Item, width: int = 420) -> str:
    """`text` with the item's snippets as »…« (answer) and ›…‹ (context), cut around the first match."""
    spans: list[tuple[int, int, str, str]] = []
    for snippets, (left, right) in ((item.snippets, ("»", "«")), (item.context_snippets, ("›", "‹"))):
        for s in snippets:
            span = find_snippet(text, s)
            if span and not any(a < span[1] and span[0] < b for a, b, _, _ in spans):
                spans.append((span[0], span[1], left, right))
    out = text
    for start, end, left, right in sorted(spans, reverse=True):
        out = out[:start] + left + out[start:end] + right + out[end:]
    flat = " ".join(out.split())
    if len(flat) <= width:
        return flat
    first = min((flat.find(m) for m in "»›" if m in flat), default=0)
    lo = max(0, first - width // 4)
    cut = flat[lo : lo + width]
    return ("…" if lo else "") + cut + ("…" if lo + width < len(flat) else "")


def _describe(hit: Any) -> str:
    who = ",".join(getattr(hit, "respondents", ()) or ()) or "-"
    section = " > ".join(getattr(hit, "section", ()) or ()) or "-"
    page = getattr(hit, "page", None)
    return f"[{getattr(hit, 'kind', '?')} {who}] {section} · p. {page if page is not None else '-'}"


def show(searcher: Any, item: Item, judgement: Judgement, k: int = 10) -> str:
    """The candidates for one question as text: labelled chunks, then BM25 and hybrid top k."""
    lines = [
        f"{item.id} ({item.category}, {item.split}): {item.q}",
        f"  verwachte respondenten: {', '.join(item.respondents) or '-'}",
        *(f"  snippet: «{s}»" for s in item.snippets),
        *(f"  context: «{s}»" for s in item.context_snippets),
    ]
    if item.note:
        lines.append(f"  noot: {item.note}")
    lines.append(f"  beoordeeld op: {judgement.source}")
    for s in judgement.unmatched:
        lines.append(f"  LET OP: snippet in geen enkele chunk: «{s}»")
    for s in judgement.wrong_respondent:
        lines.append(f"  LET OP: snippet alleen bij een andere respondent: «{s}»")
    by_id = {c.id: c for c in searcher.chunks}
    lines += ["", f"Gelabelde chunks ({len(judgement.grades)}; ★★ = antwoord, ★ = context):"]
    for cid, grade in judgement.grades.items():
        chunk = by_id.get(cid)
        if chunk is None:
            lines.append(f"  {MARKS.get(grade, '? ')} {cid} (niet in deze index)")
            continue
        lines.append(f"  {MARKS[grade]} {cid} {_describe(chunk)}")
        lines.append(f"      {highlight(chunk.text, item)}")
    for mode in SHOW_MODES:
        hits = searcher.search(item.q, k=k, mode=mode)
        lines += ["", f"{mode} top {k}:"]
        if not hits:
            lines.append("  (niets gevonden)")
        for n, hit in enumerate(hits, 1):
            grade = judgement.grade(hit.id)
            lines.append(f"  {n:>2}. {MARKS[grade]} {hit.id} {_describe(hit)} score {hit.score:.4g}")
            lines.append(f"      {highlight(hit.text, item)}")
    return "\n".join(lines)


def run_label(
    set_path: Path | str | None = None,
    index_dir: Path | str | None = None,
    show_id: str | None = None,
    out: Path | str | None = DEFAULT_LABELS,
) -> str:
    """`citaat eval label`: derive and write labels (and report problems), or show one question."""
    from citaat.ingest.store import read_chunks

    from .dataset import DatasetError, load_questions
    from .run import _open_or_build, ensure_default_index

    qset = load_questions(set_path)
    directory = Path(index_dir) if index_dir else ensure_default_index()
    if show_id is not None:
        try:
            item = qset.get(show_id)
        except KeyError:
            raise DatasetError(f"{qset.source}: geen vraag met id {show_id!r}") from None
        if index_dir:
            from citaat.index.search import Searcher

            searcher = Searcher.open(directory)
        else:
            searcher = _open_or_build(directory)
        judgement = judge_items([item], searcher.chunks)[item.id]
        return show(searcher, item, judgement)
    report = derive(qset, read_chunks(directory))
    text = report.summary()
    if out is not None:
        path = write_labels(report, out)
        text += f"\nGeschreven: {path}"
    return text
