"""Old export files are pruned so a long-running chat does not fill the disk."""

from __future__ import annotations

import os
import time

from citaat.app.export import prune_exports


def test_prune_removes_only_old_own_exports(tmp_path):
    old_csv, old_md, fresh, other = (tmp_path / n for n in ("citaat-a-1.csv", "citaat-a-1.md", "citaat-b-2.csv", "notes.csv"))
    for p in (old_csv, old_md, fresh, other):
        p.write_text("x", encoding="utf-8")
    past = time.time() - 7200
    for p in (old_csv, old_md, other):
        os.utime(p, (past, past))
    assert prune_exports(tmp_path, max_age_s=3600) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citaat-b-2.csv", "notes.csv"]
