"""Export files written on first download (app/downloads.py): same content as writing them at once."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from citaat.app.config import AnswerConfig
from citaat.app.downloads import PendingExports, WriteOnDownload
from citaat.app.export import FORMATS, ExportMeta, write_exports
from citaat.app.service import Answerer
from citaat.index.search import Filters, Searcher

QUESTION = "Wat zegt R13 over de blauwe aanpak?"


@pytest.fixture(scope="module")
def answer(report_index):
    return Answerer(Searcher.open(report_index), AnswerConfig()).answer(QUESTION)


def _kwargs(answer, index_dir):
    meta = ExportMeta(query=QUESTION, filters=Filters(), index_version="v1", kind="vraag")
    return {"meta": meta, "title": "Citaat: antwoord", "question": QUESTION, "answer": answer.text, "sep": ";",
            "directory": index_dir}


def test_names_now_content_on_download_equal_to_writing_at_once(answer, report_index, tmp_path):
    pending = PendingExports(tmp_path / "lazy")
    kwargs = _kwargs(answer, report_index)
    paths = pending.add(answer.sources, QUESTION, FORMATS, **kwargs)
    assert [p.suffix for p in paths] == [f".{f}" for f in FORMATS]
    assert all(p.exists() and p.stat().st_size == 0 for p in paths)  # reserved, not written
    assert len({p.parent for p in paths}) == 1 and len(paths[0].parent.name) == 16  # a random folder
    assert all(pending.materialize(str(p)) for p in paths)
    assert not pending.materialize(str(paths[0]))  # written once
    eager = write_exports(answer.sources, tmp_path / "eager", QUESTION, kwargs["title"], QUESTION, answer.text,
                          kwargs["meta"], FORMATS, sep=";", index_dir=report_index)
    for lazy, now in zip(paths, eager, strict=True):
        if lazy.suffix in (".csv", ".md"):
            assert lazy.read_bytes() == now.read_bytes()
        elif lazy.suffix == ".qdpx":
            with zipfile.ZipFile(lazy) as a, zipfile.ZipFile(now) as b:
                assert sorted(a.namelist()) == sorted(b.namelist())
                assert all(a.read(n) == b.read(n) for n in a.namelist())
        else:
            from openpyxl import load_workbook

            rows = [[[c.value for c in r] for r in load_workbook(p)["Citaten"].iter_rows()] for p in (lazy, now)]
            assert rows[0] == rows[1] and len(rows[0]) == len(answer.sources) + 1


def test_the_middleware_writes_a_pending_file_before_the_app_serves_it(answer, report_index, tmp_path):
    pending = PendingExports(tmp_path)
    paths = pending.add(answer.sources, QUESTION, ("csv", "md"), **_kwargs(answer, report_index))

    async def serve(request: Request) -> PlainTextResponse:  # stands in for Gradio's file route
        return PlainTextResponse(str(Path(request.path_params["path"]).stat().st_size))

    app = Starlette(routes=[Route("/gradio_api/file={path:path}", serve)],
                    middleware=[Middleware(WriteOnDownload, pending=pending)])
    client = TestClient(app)
    sizes = [int(client.get(f"/gradio_api/file={p}").text) for p in paths]
    assert all(size > 0 for size in sizes)
    assert not pending.pending(str(paths[0]))
    other = tmp_path / "ander.csv"
    other.write_text("")
    assert client.get(f"/gradio_api/file={other}").text == "0"  # not ours: untouched


def test_old_export_folders_are_pruned_with_what_is_pending(answer, tmp_path):
    pending = PendingExports(tmp_path, max_age_s=3600)
    old = pending.add(answer.sources, "oud", ("csv",), meta=ExportMeta())[0]
    fresh = pending.add(answer.sources, "nieuw", ("csv",), meta=ExportMeta())[0]
    past = time.time() - 7200
    os.utime(old.parent, (past, past))
    assert pending.prune() == 1
    assert not old.parent.exists() and fresh.exists()
    assert not pending.pending(str(old)) and pending.pending(str(fresh))


def test_beyond_max_pending_the_oldest_reserved_files_are_removed(answer, tmp_path):
    pending = PendingExports(tmp_path, max_pending=2)
    first = pending.add(answer.sources, "een", ("csv",), meta=ExportMeta())[0]
    later = [pending.add(answer.sources, n, ("csv",), meta=ExportMeta())[0] for n in ("twee", "drie")]
    assert not first.exists() and not pending.pending(str(first))
    assert all(p.exists() and pending.pending(str(p)) for p in later)
