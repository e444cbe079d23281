"""One import namespace: only `citaat` is installed, and `import citaat` gives the version and the API."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

GENERIC = ("app", "eval", "index", "ingest")


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated mode, so neither the repository (cwd) nor PYTHONPATH can make a name importable.
    return subprocess.run([sys.executable, "-I", "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_import_citaat_gives_version_and_public_api(tmp_path: Path) -> None:
    proc = _run(
        "import citaat, sys; print(citaat.__version__); "
        "print('citaat.index.search' in sys.modules); "
        "from citaat import Searcher, Filters, Answerer, ingest_paths; print(Searcher.__module__)",
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    version, eager, module = proc.stdout.split()
    assert version == distribution("citaat").version
    assert eager == "False"  # the API is imported on first use: `import citaat` stays instant
    assert module == "citaat.index.search"


def test_no_generic_top_level_package_is_installed(tmp_path: Path) -> None:
    for name in GENERIC:
        proc = _run(f"import {name}", tmp_path)
        assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, name
    top_level = (distribution("citaat").read_text("top_level.txt") or "citaat").split()
    assert top_level == ["citaat"]
