"""Issue 21, attack 7: no lock on the data directory, and a `kill -9` of the server left the
indexing child running as an orphan that later published an older version over a newer one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from citaat.app.upload import _run_child
from citaat.ingest.fsio import WRITER_LOCK, WriterBusy, writer_lock


def test_one_writer_per_data_directory(tmp_path):
    with writer_lock(tmp_path):
        with writer_lock(tmp_path):  # re-entrant in one process (ingest_and_index -> update_index)
            pass
        # another process (the upload's index child) is refused with a Dutch line naming the holder
        result = _run_child(["index", str(tmp_path)], 60)
        assert "wordt al bijgewerkt door proces" in result["error"] and str(os.getpid()) in result["error"]
    # released: a new writer may take it, though the lock file stays behind (flock: never stale)
    assert (tmp_path / WRITER_LOCK).exists()
    with writer_lock(tmp_path):
        pass


def test_a_lock_left_by_a_killed_process_is_not_stale(tmp_path):
    code = (
        "import sys, time\n"
        "from citaat.ingest.fsio import writer_lock\n"
        f"with writer_lock({str(tmp_path)!r}):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(600)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WriterBusy) as err:
            with writer_lock(tmp_path):
                pass
        assert str(holder.pid) in err.value.message
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(tmp_path):  # the kernel dropped the dead holder's lock
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_the_worker_child_dies_with_the_server(tmp_path):
    """A stand-in server spawns a worker the way the upload does (the worker calls die_with_parent
    first, as the upload child does) and is killed with SIGKILL: the worker must not live on."""
    server = (
        "import sys, time\n"
        "from citaat.app.upload import spawn_child\n"
        "worker = 'from citaat.app.upload import die_with_parent; import time; die_with_parent(); time.sleep(600)'\n"
        "child = spawn_child([sys.executable, '-c', worker])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", server], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    assert os.getpgid(child) == child  # its own process group
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(300):  # wait (up to ~30 s): the worker may still be starting, then it stops itself
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as fh:
            if fh.read().split(")")[-1].split()[0] == "Z":
                break  # a zombie: dead, waiting for init to reap it
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker outlived the server")
