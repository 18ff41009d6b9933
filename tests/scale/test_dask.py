"""The Dask engine on a real cluster (separate scheduler and worker processes): the same
``analysis.json`` as the local engine, and a worker lost during image extraction loses nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.engine.golden_cases import GOLDEN, demo_analysis, document, tabular_analysis
from weakspot.engine import DaskEngine
from weakspot.features.images import extract_image_features


def test_tabular_analysis_json_on_the_cluster_equals_the_local_one(dask_client) -> None:
    text = document(tabular_analysis(engine="dask", client=dask_client))
    assert text == (GOLDEN / "tabular.json").read_text(encoding="utf-8")


@pytest.mark.slow
def test_image_analysis_json_on_the_cluster_equals_the_local_one(dask_client, demo_table) -> None:
    engine = DaskEngine(dask_client, rows_per_partition=150)  # three partitions of the 400 rows
    text = document(demo_analysis(demo_table, engine=engine))
    assert text == (GOLDEN / "demo.json").read_text(encoding="utf-8")


def _images(folder: Path, n: int) -> list[str]:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        pixels = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8) // (1 + i % 4)
        path = folder / f"img{i:03d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(str(path))
    return paths


def test_a_worker_killed_during_extraction_loses_nothing(dask_cluster, dask_client, tmp_path):
    paths = _images(tmp_path, 160)
    local = extract_image_features(paths, embed=None, batch_size=8)
    killed: list[int] = []

    def kill_after_three_chunks(done: int, total: int) -> None:
        if done >= 24 and not killed:
            killed.append(done)
            dask_cluster.kill_worker(0)

    cache = tmp_path / "cache"
    try:
        engine = DaskEngine(dask_client)
        remote = extract_image_features(
            paths,
            embed=None,
            batch_size=8,
            cache_dir=cache,
            engine=engine,
            progress=kill_after_three_chunks,
        )
        assert killed and len(dask_client.nthreads()) == 1
        np.testing.assert_array_equal(remote.properties.to_numpy(), local.properties.to_numpy())
        assert remote.flags.equals(local.flags)
        assert remote.skipped == [] and remote.n_cached == 0
        # every image went to the shared cache once: a rerun computes none of them again
        again = extract_image_features(
            paths, embed=None, batch_size=8, cache_dir=cache, engine=engine
        )
        assert again.n_cached == len(paths)
        assert again.properties.equals(remote.properties)
    finally:
        dask_cluster.add_worker()
        dask_client.wait_for_workers(2, timeout=60)
