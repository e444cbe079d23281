"""Behaviour-neutral check: dump every dev answer and every dev search ranking, or compare with a dump.

    .venv/bin/python scripts/same_answers.py dump  before.jsonl [--split dev] [--index DIR]
    .venv/bin/python scripts/same_answers.py check before.jsonl [--split dev] [--index DIR]

A refactoring step of issue 23 must leave the product's behaviour byte-identical: the same
`citaat ask --json` answer (timings aside) for every question of the split, the same follow-up turns
of its dialogues, and the same top-10 search ranking with the same scores. `dump` writes them at the
old commit, `check` recomputes them at the new one and prints the first differences (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VOLATILE = ("ms", "elapsed_ms", "timings", "time")


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 6)
    return obj


def compute(split: str, index: Path | None) -> list[str]:
    from citaat.app.config import AnswerConfig
    from citaat.app.service import Answerer
    from citaat.benchmarks.common import ensure_report_index
    from citaat.eval.answers import load_dialogues
    from citaat.eval.dataset import load_questions
    from citaat.index.search import Searcher

    directory = index or ensure_report_index(REPO / "bench-work" / "report")
    searcher = Searcher.open(directory)
    answerer = Answerer(searcher, AnswerConfig())
    answerer.warm()
    lines: list[str] = []
    for item in load_questions().select(split):
        hits = searcher.search(item.q, k=10)
        ranking = [[h.chunk.id, round(h.score, 6)] for h in hits]
        lines.append(json.dumps({"id": item.id, "search": ranking}, ensure_ascii=False, sort_keys=True))
        answer = _clean(answerer.answer(item.q).to_dict(item.id))
        lines.append(json.dumps({"id": item.id, "answer": answer}, ensure_ascii=False, sort_keys=True))
    for d in load_dialogues():
        if split != "all" and d["split"] != split:
            continue
        turn = _clean(answerer.answer(d["q"], history=d["history"]).to_dict(d["id"]))
        lines.append(json.dumps({"id": d["id"], "followup": turn}, ensure_ascii=False, sort_keys=True))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("dump", "check"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    lines = compute(args.split, args.index)
    if args.mode == "dump":
        args.file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines)} lines written to {args.file}")
        return 0
    before = args.file.read_text(encoding="utf-8").splitlines()
    diffs = [(i, a, b) for i, (a, b) in enumerate(zip(before, lines, strict=False)) if a != b]
    if len(before) != len(lines):
        print(f"DIFFERENT: {len(before)} lines before, {len(lines)} now")
    for i, a, b in diffs[:5]:
        print(f"line {i + 1} differs:\n  before {a[:400]}\n  now    {b[:400]}")
    if diffs or len(before) != len(lines):
        print(f"DIFFERENT: {len(diffs)} of {len(lines)} lines differ")
        return 1
    print(f"SAME: all {len(lines)} lines identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
