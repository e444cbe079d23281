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
