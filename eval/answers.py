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
- no figure said: for a question asking a number the sources do not give (`nofigure`), the share
  of answers that say so up front ("De bronnen geven hier geen …") or refuse.
- lead@1 / lead@3: the share of answerable questions whose first (first three) excerpt(s) shown
  up front (`in_answer`) hold a gold snippet: does the answer open with the answer.
- answer characters (median, p90): the length of the answer itself, the Markdown before the
  collapsed rest (`<details>`: "Meer uit de interviews").
- duplicates: answers showing one text (normalised) as two excerpts.
- apparatus: answers showing the publication's apparatus up front (title page, footnote, …)
  other than as the gold answer itself (a question about the publication).
Each is also given per answer shape (`shape`: who, person, views, fact, figure, overview).
`score_dialogues` scores the follow-up decision on two-turn dialogues (eval/data/dialogues.jsonl).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from citaat.ingest.errors import CitaatError
from citaat.ingest.text import same_text_key

from .dataset import NOANSWER, NOFIGURE, Item, QuestionSet, normalize_text

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


NO_FIGURE_NOTICE = "De bronnen geven hier geen"  # the notice of app/extractive.py `Excerpter._figures`
MORE_MARK = "<details>"  # where the collapsed rest of an answer begins (app/extractive.py `more_block`)


def main_text(answer: Mapping[str, Any]) -> str:
    """The answer itself: its Markdown before the collapsed rest."""
    return str(answer.get("answer") or "").split(MORE_MARK, 1)[0].rstrip()


def lead_sources(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The excerpts shown up front, in order (all sources when the answer does not say)."""
    sources = [s for s in answer.get("sources") or [] if isinstance(s, Mapping)]
    return [s for s in sources if s.get("in_answer", True)]


def leads_with(item: Item, answer: Mapping[str, Any], k: int) -> bool:
    """True when one of the first `k` excerpts shown up front holds a gold snippet."""
    return any(contains_snippet(item, str(s.get("text") or "")) for s in lead_sources(answer)[:k])


def has_duplicate(answer: Mapping[str, Any]) -> bool:
    """Two excerpts with one text: the same letters and digits ("z’n" and "z'n", with or without a
    final full stop, are one quote printed twice)."""
    texts = [same_text_key(str(s.get("text") or "")) for s in answer.get("sources") or []]
    return len(texts) != len(set(texts))


def shows_apparatus(item: Item, answer: Mapping[str, Any]) -> bool:
    """Apparatus up front that is not itself the gold answer (a question about the publication)."""
    return any(
        s.get("apparatus") and not contains_snippet(item, str(s.get("text") or "")) for s in lead_sources(answer)
    )


def _quantile(values: Sequence[int], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def _shape_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    chars = [r["chars"] for r in rows]
    return {
        "n": len(rows),
        "lead@1": _share([r["lead1"] for r in rows]),
        "lead@3": _share([r["lead3"] for r in rows]),
        "contains": _share([r["contains"] for r in rows]),
        "chars_median": float(statistics.median(chars)) if chars else None,
        "chars_p90": _quantile(chars, 0.9),
        "duplicates": sum(r["duplicate"] for r in rows),
        "apparatus": sum(r["apparatus"] for r in rows),
    }


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
    rows: list[dict[str, Any]] = []
    no_figure: list[bool] = []
    for item in qset:
        answer = answers.get(item.id)
        if answer is None:
            missing.append(item.id)
            continue
        no_evidence = bool(answer.get("no_evidence"))
        if item.category == NOANSWER:
            refused[noanswer_kind(item)].append(no_evidence)
            continue
        if item.category == NOFIGURE:
            no_figure.append(no_evidence or main_text(answer).lstrip("_").startswith(NO_FIGURE_NOTICE))
            continue
        accepted.append(not no_evidence)
        hit = not no_evidence and contains_snippet(item, str(answer["answer"]))
        contains.append(hit)
        per_category.setdefault(item.category, []).append(hit)
        if not hit:
            failed.append(item.id)
        if not no_evidence:
            verified.append(bool(answer.get("verified")))
            rows.append(
                {
                    "shape": str(answer.get("shape") or "–"),
                    "lead1": leads_with(item, answer, 1),
                    "lead3": leads_with(item, answer, 3),
                    "contains": hit,
                    "chars": len(main_text(answer)),
                    "duplicate": has_duplicate(answer),
                    "apparatus": shows_apparatus(item, answer),
                }
            )
    lead = _shape_metrics(rows)
    return {
        "answerable": len(contains),
        "contains": _share(contains),
        "contains_by_category": {c: _share(v) for c, v in per_category.items()},
        "accepted": _share(accepted),
        "refused": {k: _share(v) for k, v in refused.items()},
        "refused_n": {k: len(v) for k, v in refused.items()},
        "verified": _share(verified),
        "no_figure_said": _share(no_figure),
        "no_figure_n": len(no_figure),
        "lead@1": _share([r["lead1"] for r in rows] + [False] * (len(contains) - len(rows))),
        "lead@3": _share([r["lead3"] for r in rows] + [False] * (len(contains) - len(rows))),
        "chars_median": lead["chars_median"],
        "chars_p90": lead["chars_p90"],
        "duplicates": lead["duplicates"],
        "apparatus": lead["apparatus"],
        "by_shape": {
            shape: _shape_metrics([r for r in rows if r["shape"] == shape])
            for shape in sorted({r["shape"] for r in rows})
        },
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
    if result["no_figure_n"]:
        said, n = pct(result["no_figure_said"]), result["no_figure_n"]
        lines.append(f"| cijfervraag zonder cijfer: zegt het | {said} | {n} |")
    lines.append(f"| opent met het antwoord (lead@1) | {pct(result['lead@1'])} | {result['answerable']} |")
    lines.append(f"| antwoord in de eerste drie (lead@3) | {pct(result['lead@3'])} | {result['answerable']} |")
    lines.append(f"| tekens van het antwoord, mediaan / p90 | {result['chars_median']} / {result['chars_p90']} | |")
    lines.append(f"| antwoorden met een dubbel fragment | {result['duplicates']} | |")
    lines.append(f"| antwoorden met colofon, voetnoot e.d. vooraan | {result['apparatus']} | |")
    if result["by_shape"]:
        lines += [
            "",
            "| vorm | n | lead@1 | lead@3 | bevat | tekens mediaan / p90 | dubbel | colofon e.d. |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for shape, m in result["by_shape"].items():
            lines.append(
                f"| {shape} | {m['n']} | {pct(m['lead@1'])} | {pct(m['lead@3'])} | {pct(m['contains'])} | "
                f"{m['chars_median']} / {m['chars_p90']} | {m['duplicates']} | {m['apparatus']} |"
            )
    if result["missing"]:
        lines.append(f"\n{len(result['missing'])} vragen zonder antwoord in het bestand.")
    if result["failed"]:
        lines.append(f"\nZonder snippet: {', '.join(result['failed'])}")
    return "\n".join(lines)


def load_dialogues(path: Path | str | None = None) -> list[dict[str, Any]]:
    """The two-turn dialogues (eval/data/dialogues.jsonl): {"id", "split", "history", "q", "followup"}."""
    path = Path(path) if path is not None else Path(__file__).parent / "data" / "dialogues.jsonl"
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data = json.loads(line)
        if not isinstance(data.get("followup"), bool) or not isinstance(data.get("history"), list):
            raise AnswersFileError(f'{path}:{n}: een dialoog heeft "history" (lijst) en "followup" (true/false)')
        out.append(data)
    return out


def score_dialogues(
    dialogues: Sequence[Mapping[str, Any]], answers: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Follow-up accuracy: the share of dialogues whose second question was read as a follow-up
    (`followup` in the answer) exactly when the dialogue says it is one."""
    asked = [d for d in dialogues if d["id"] in answers]
    right = [bool(answers[d["id"]].get("followup")) == d["followup"] for d in asked]
    wrong = [d["id"] for d, ok in zip(asked, right, strict=True) if not ok]
    return {"n": len(right), "followup_accuracy": _share(right), "wrong": wrong}


__all__ = [
    "AnswersFileError",
    "load_dialogues",
    "score_dialogues",
    "contains_snippet",
    "format_answer_report",
    "noanswer_kind",
    "parse_answers",
    "read_answers",
    "score_answers",
]
