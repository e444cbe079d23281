"""What every benchmark loads the same way: the repository paths, the shared report and its index."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CITAAT_SHARED", REPO.parent / "shared"))
REPORT = SHARED / "corpus" / "succesvol-samenwerken-bedrijfsvoering.pdf"
QUESTIONS = REPO / "eval" / "data" / "questions.jsonl"
DOCS = REPO / "docs" / "benchmarks.md"


def ensure_report_index(work: Path, *extra: Path) -> Path:
    """Ingest the report PDF (and `extra` files or folders) into `work` and index it. Both steps are
    incremental, so a second call on the same folder costs next to nothing."""
    from citaat.index.build import build_index
    from citaat.ingest.pipeline import IngestConfig, ingest_paths

    result = ingest_paths([REPORT, *extra], work, IngestConfig(progress=False))
    if result.failed:
        raise RuntimeError(f"ingest failed: {result.failed}")
    build_index(work, progress=False)
    return work

LAB = REPO / "docs" / "lab"


def record(figures: dict[str, float], lab_slug: str, report: str) -> list[Path]:
    """Put a benchmark run where the figures live (`--docs`): its values into eval/figures/speed.json
    (by key, dated today), its whole Markdown report as a dated record in docs/lab/, and
    docs/benchmarks.md generated again from the figures (citaat.eval.figures)."""
    import json
    import time

    from citaat.eval.figures import DOC, FIGURES_DIR, Figures, render
    from citaat.ingest.fsio import atomic_write_text

    today = time.strftime("%Y-%m-%d")
    speed_file = FIGURES_DIR / "speed.json"
    speed = json.loads(speed_file.read_text(encoding="utf-8"))
    known = {f["key"]: f for f in speed["figures"]}
    missing = sorted(set(figures) - set(known))
    if missing:
        raise KeyError(f"no such figures in {speed_file}: {missing}")
    for key, value in figures.items():
        known[key].update(value=value, measured=today)
    atomic_write_text(speed_file, json.dumps(speed, ensure_ascii=False, indent=1) + "\n")
    lab = LAB / f"{today}-{lab_slug}.md"
    atomic_write_text(lab, report.rstrip("\n") + "\n")
    atomic_write_text(DOC, render(Figures.load(FIGURES_DIR)))
    return [speed_file, lab, DOC]
