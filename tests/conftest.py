"""Shared fixtures: the report lives in ../shared/corpus beside the repository (never copied in)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CITAAT_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
REPORT_PDF = CORPUS / "succesvol-samenwerken-bedrijfsvoering.pdf"
REPORT_TXT = CORPUS / "succesvol-samenwerken-bedrijfsvoering.txt"
EXAMPLES = REPO / "examples"


def _require(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path} is missing: the shared corpus must sit beside the repository (../shared/corpus)")
    return path


@pytest.fixture(scope="session")
def report_pdf() -> Path:
    return _require(REPORT_PDF)


@pytest.fixture(scope="session")
def report_txt() -> Path:
    return _require(REPORT_TXT)


@pytest.fixture(scope="session")
def pdf_doc(report_pdf):
    from ingest.loaders import load

    return load(report_pdf)


@pytest.fixture(scope="session")
def txt_doc(report_txt):
    from ingest.loaders import load

    return load(report_txt)


@pytest.fixture(scope="session")
def pdf_chunks(pdf_doc):
    from ingest.chunker import chunk_report

    return chunk_report(pdf_doc)


@pytest.fixture(scope="session")
def txt_chunks(txt_doc):
    from ingest.chunker import chunk_report

    return chunk_report(txt_doc)
