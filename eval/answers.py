"""Answer metrics: score the answers `citaat ask --queries FILE --json` wrote against the question set.

    citaat ask --queries eval/data/questions.jsonl --index DIR --json > answers.jsonl
    citaat eval answers answers.jsonl --split dev

The harness reads answers as JSON (the `Answer.to_dict` contract), so it never imports the app.

- contains: the share of answerable questions whose `answer` text contains one of the item's
  gold snippets, both normalised the same way (`dataset.normalize_text`: whitespace runs, `*` and
  soft hyphens). A refusal contains no snippet.
- accepted: the share of answerable questions that were answered (not `no_evidence`).
- refused: per kind of `noanswer` question (the note starts with "offtopic:" or "neardomain:";
  other noanswer items count as "overig"), the share answered with `no_evidence`.
- verified: the share of answered questions whose answer is marked `verified`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from citaat.ingest.errors import CitaatError

from .dataset import NOANSWER, Item, QuestionSet, normalize_text

NOANSWER_KINDS: tuple[str, ...] = ("offtopic", "neardomain", "overig")


class AnswersFileError(CitaatError):
    """An answers file that cannot be scored; the message names the file and the line."""


def noanswer_kind(item: Item) -> str:
    """"offtopic", "neardomain" or "overig" for a noanswer item (from the start of its note)."""
    head = item.note.split(":", 1)[0].strip().lower()
    return head if head in NOANSWER_KINDS[:2] else "overig"


def read_answers(path: Path | str) -> dict[str, dict[str, Any]]:
    """id -> answer object of a `citaat ask --json` output file."""
    path = Path(path)
    if not path.is_file():
        raise AnswersFileError(f"{path}: antwoordbestand niet gevonden")
    return parse_answers(path.read_text(encoding="utf-8").splitlines(), str(path))


def parse_answers(lines: Iterable[str], source: str = "<geheugen>") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AnswersFileError(f"{source}:{n}: geen geldige JSON ({exc.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("answer"), str) or "id" not in data:
            raise AnswersFileError(f'{source}:{n}: geen antwoordobject ("id" en "answer" nodig)')
        out[str(data["id"])] = data
    return out


def contains_snippet(item: Item, answer_text: str) -> bool:
    """True when the answer text holds one of the item's gold snippets (normalised)."""
    text = normalize_text(answer_text)
    return any(normalize_text(s) in text for s in item.snippets)


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def score_answers(qset: QuestionSet, answers: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The answer metrics of the items of `qset` that have an answer in `answers` (see the module
    docstring); `missing` lists items without one, `failed` the answerable items whose answer
    holds no snippet."""
    contains: list[bool] = []
    accepted: list[bool] = []
    verified: list[bool] = []
    refused: dict[str, list[bool]] = {k: [] for k in NOANSWER_KINDS}
    per_category: dict[str, list[bool]] = {}
    missing: list[str] = []
    failed: list[str] = []
    for item in qset:
        answer = answers.get(item.id)
        if answer is None:
            missing.append(item.id)
            continue
        no_evidence = bool(answer.get("no_evidence"))
        if item.category == NOANSWER:
            refused[noanswer_kind(item)].append(no_evidence)
            continue
        accepted.append(not no_evidence)
        hit = not no_evidence and contains_snippet(item, str(answer["answer"]))
        contains.append(hit)
        per_category.setdefault(item.category, []).append(hit)
        if not hit:
            failed.append(item.id)
        if not no_evidence:
            verified.append(bool(answer.get("verified")))
    return {
        "answerable": len(contains),
        "contains": _share(contains),
        "contains_by_category": {c: _share(v) for c, v in per_category.items()},
        "accepted": _share(accepted),
        "refused": {k: _share(v) for k, v in refused.items()},
        "refused_n": {k: len(v) for k, v in refused.items()},
        "verified": _share(verified),
        "missing": missing,
        "failed": failed,
    }


def format_answer_report(result: Mapping[str, Any], title: str = "Antwoorden") -> str:
    """The metrics as a short Markdown table (Dutch labels)."""

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    lines = [f"### {title}", "", "| maat | waarde | n |", "|---|---|---|"]
    lines.append(f"| antwoord bevat het antwoord (snippet) | {pct(result['contains'])} | {result['answerable']} |")
    for cat, v in result["contains_by_category"].items():
        lines.append(f"| — {cat} | {pct(v)} | |")
    lines.append(f"| beantwoordbaar en beantwoord | {pct(result['accepted'])} | {result['answerable']} |")
    for kind in NOANSWER_KINDS:
        n = result["refused_n"][kind]
        if n:
            lines.append(f"| geweigerd: {kind} | {pct(result['refused'][kind])} | {n} |")
    lines.append(f"| antwoord geverifieerd (✓) | {pct(result['verified'])} | |")
    if result["missing"]:
        lines.append(f"\n{len(result['missing'])} vragen zonder antwoord in het bestand.")
    if result["failed"]:
        lines.append(f"\nZonder snippet: {', '.join(result['failed'])}")
    return "\n".join(lines)


__all__ = [
    "AnswersFileError",
    "contains_snippet",
    "format_answer_report",
    "noanswer_kind",
    "parse_answers",
    "read_answers",
    "score_answers",
]
