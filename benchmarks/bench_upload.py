"""Upload in the chat page (app/upload.py): how long adding a transcript takes, and what it costs the
questions other users ask meanwhile.

Usage (from the repository root, venv active):

    python -m citaat.benchmarks.bench_upload [--work DIR] [--rounds 3]

Per round: a fresh copy of the report index; questions are answered one after another in this
process (as the chat's worker threads do) with no upload running (baseline), then again while
examples/transcripts/interview-R31.txt is uploaded (checks, parsing and the index update in child
processes; then the searcher swap). Printed: the upload's wall time, the chunks embedded and
reused, and the question latency medians (baseline vs during the upload) with their ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from citaat.benchmarks.common import ensure_report_index

REPO = Path(__file__).resolve().parents[1]
TRANSCRIPT = REPO / "examples" / "transcripts" / "interview-R31.txt"
QUESTIONS = [
    "Hoe belangrijk is vertrouwen tussen gemeenten?",
    "Welke risico's noemen de geïnterviewden bij ICT?",
    "Wat maakt samenwerking in de bedrijfsvoering succesvol?",
    "Wat zegt R13 over de blauwe aanpak?",
]


def one_round(base: Path, work: Path) -> dict[str, float]:
    from citaat.app.service import Answerer
    from citaat.app.upload import UPLOAD_DIR, accept_files, ingest_uploads
    from citaat.index.search import Searcher

    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(base, data)
    answerer = Answerer(Searcher.open(data))

    def ask(n: int) -> list[float]:
        out = []
        for i in range(n):
            t = time.perf_counter()
            answerer.answer(QUESTIONS[i % len(QUESTIONS)])
            out.append((time.perf_counter() - t) * 1000)
        return out

    ask(4)  # warm up
    baseline = ask(20)
    done = threading.Event()
    during: list[float] = []
    result: dict[str, float] = {}

    def upload() -> None:
        t = time.perf_counter()
        stored, problems = accept_files([(TRANSCRIPT.name, TRANSCRIPT)], data / UPLOAD_DIR)
        assert not problems, problems
        outcome = ingest_uploads(stored, data)
        assert outcome.indexed and not outcome.problems, outcome
        answerer.use_searcher(Searcher.open(data))
        result.update(upload_s=time.perf_counter() - t, embedded=outcome.embedded, reused=outcome.reused)
        done.set()

    thread = threading.Thread(target=upload)
    thread.start()
    while not done.is_set():
        during += ask(1)
    thread.join()
    assert "R31" in answerer.respondents()
    result.update(
        baseline_p50_ms=statistics.median(baseline), during_p50_ms=statistics.median(during), during_n=len(during)
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="citaat-bench-upload-"))
    base = ensure_report_index(work / "base")
    rounds = [one_round(base, work) for _ in range(args.rounds)]
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(
        f"upload of {TRANSCRIPT.name}: median {med['upload_s']:.1f} s over {args.rounds} rounds "
        f"({med['embedded']:.0f} chunks embedded, {med['reused']:.0f} reused); questions meanwhile: "
        f"p50 {med['during_p50_ms']:.0f} ms (n={med['during_n']:.0f}) vs {med['baseline_p50_ms']:.0f} ms without "
        f"an upload (ratio {med['during_p50_ms'] / med['baseline_p50_ms']:.2f})"
    )


if __name__ == "__main__":
    main()
