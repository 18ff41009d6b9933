"""The Dask engine on a real cluster (separate scheduler and worker processes): the same
``analysis.json`` as the local engine, with and without embeddings (the backbone runs on the
workers), the quality flags' neighbour search on the workers with the local distances, and a
worker lost during image extraction loses nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import weakspot
from tests.engine.golden_cases import assert_same, demo_analysis, document, tabular_analysis
from weakspot.engine import DaskEngine
from weakspot.features.images import _backbones, extract_image_features

EMBED_SIZE = 64  # a small input for the default backbone: keeps the tests fast


def test_tabular_analysis_json_on_the_cluster_equals_the_local_one(dask_client) -> None:
    assert_same(document(tabular_analysis(engine="dask", client=dask_client)), "tabular.json")


@pytest.mark.slow
def test_image_analysis_json_on_the_cluster_equals_the_local_one(dask_client, demo_table) -> None:
    engine = DaskEngine(dask_client, rows_per_partition=150)  # three partitions of the 400 rows
    assert_same(document(demo_analysis(demo_table, engine=engine)), "demo.json")


def _images(folder: Path, n: int) -> list[str]:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        pixels = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8) // (1 + i % 4)
        path = folder / f"img{i:03d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's predictions table and PNG files for 96 images (a smaller model)."""
    from weakspot.datasets._demo import make_demo_predictions, write_demo_images

    folder = tmp_path_factory.mktemp("small-demo")
    frame, pixels = make_demo_predictions(n_train=2000, n_eval=96, random_state=0)
    frame = write_demo_images(frame, pixels, folder)
    table = folder / "predictions.csv"
    frame.to_csv(table, index=False)
    return table


def _sessions_on_workers(client) -> list[int]:
    return sorted(client.run(lambda: _backbones._session.cache_info().currsize).values())


def test_embeddings_on_the_cluster_equal_the_local_ones(dask_client, small_demo, tmp_path):
    pytest.importorskip("onnxruntime")
    options = {"sensitive": ["camera"], "embed_size": EMBED_SIZE, "random_state": 0}
    local = weakspot.analyze(small_demo, cache_dir=tmp_path / "local", **options)
    engine = DaskEngine(dask_client, rows_per_partition=40)
    calls = _backbones._session.cache_info()
    remote = weakspot.analyze(small_demo, cache_dir=tmp_path / "remote", engine=engine, **options)
    # the client opened no session and ran none: the backbone ran on the workers, each
    # worker that got a chunk holding one session of the export
    assert _backbones._session.cache_info() == calls
    assert max(_sessions_on_workers(dask_client)) == 1
    assert local.features.embeddings is not None and remote.features.embeddings is not None
    assert remote.features.embeddings.shape == (96, 1280)
    np.testing.assert_allclose(
        remote.features.embeddings, local.features.embeddings, rtol=0, atol=1e-5
    )
    assert document(remote) == document(local)
    # and they wrote every chunk to the shared cache
    again = extract_image_features(
        _demo_paths(small_demo), embed_size=EMBED_SIZE, cache_dir=tmp_path / "remote"
    )
    assert again.n_cached == 96
    np.testing.assert_array_equal(again.embeddings, remote.features.embeddings)


def _demo_paths(table: Path) -> list[str]:
    import pandas as pd

    return [str(table.parent / p) for p in pd.read_csv(table)["image"]]


def test_a_worker_killed_during_extraction_loses_nothing(dask_cluster, dask_client, tmp_path):
    pytest.importorskip("onnxruntime")
    paths = _images(tmp_path, 160)
    local = extract_image_features(paths, embed_size=EMBED_SIZE, batch_size=8, cache=False)
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
            embed_size=EMBED_SIZE,
            batch_size=8,
            cache_dir=cache,
            engine=engine,
            progress=kill_after_three_chunks,
        )
        assert killed and len(dask_client.nthreads()) == 1
        np.testing.assert_array_equal(remote.properties.to_numpy(), local.properties.to_numpy())
        np.testing.assert_allclose(remote.embeddings, local.embeddings, rtol=0, atol=1e-5)
        assert remote.flags.equals(local.flags)
        assert remote.concepts is not None and remote.concepts.equals(local.concepts)
        # a chunk the lost worker had cached but not delivered is read back, not redone
        assert remote.skipped == [] and remote.n_cached % 8 == 0 and remote.n_cached < 80
        # every image went to the shared cache once: a rerun computes none of them again
        again = extract_image_features(
            paths, embed_size=EMBED_SIZE, batch_size=8, cache_dir=cache, engine=engine
        )
        assert again.n_cached == len(paths)
        assert again.properties.equals(remote.properties)
        np.testing.assert_array_equal(again.embeddings, remote.embeddings)
    finally:
        dask_cluster.add_worker()
        dask_client.wait_for_workers(2, timeout=60)


class _LockedBackbone:
    """A user's backbone object that holds a lock, so cannot be sent to a worker."""

    name, input_size, concept_names = "locked", 32, None

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()

    def run(self, images: np.ndarray):
        raise AssertionError("never runs")


def test_a_backbone_that_does_not_pickle_is_refused_with_its_reason(dask_client) -> None:
    from weakspot._errors import InputError

    images = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    with pytest.raises(InputError, match=r"cannot pickle '_thread.lock' object.*embed="):
        extract_image_features(
            images, embed=_LockedBackbone(), cache=False, engine=DaskEngine(dask_client)
        )


@pytest.mark.parametrize("dim", [29, 1280])
def test_the_outliers_neighbour_search_on_the_cluster_gives_the_local_distances(
    dask_client, dim
) -> None:
    from weakspot.features.images._flags import knn_distances

    points = np.random.default_rng(dim).normal(size=(12_000, dim))
    local = knn_distances(points, 10)
    remote = knn_distances(points, 10, engine=DaskEngine(dask_client))
    assert remote.shape == (12_000, 10)
    np.testing.assert_array_equal(remote, local)


def test_a_parquet_folder_is_read_by_the_client_and_a_dask_dataframe_on_the_cluster(
    dask_client, tmp_path
) -> None:
    import dask.dataframe as dd
    import pandas as pd
    from distributed import get_task_stream

    from weakspot.inputs._partitioned import read_partitioned

    frame = pd.DataFrame(
        {"id": [f"r{i}" for i in range(60)], "label": ["a", "b"] * 30, "prediction": ["a"] * 60}
    )
    for part in range(3):
        frame.iloc[20 * part : 20 * (part + 1)].to_parquet(tmp_path / f"part-{part}.parquet")
    with get_task_stream(dask_client) as folder_tasks:
        read = read_partitioned(tmp_path)
    assert read["id"].tolist() == frame["id"].tolist()
    assert folder_tasks.data == []  # no partition crossed the network to get here
    with get_task_stream(dask_client) as frame_tasks:
        lazy = read_partitioned(dd.from_pandas(frame, npartitions=3))
    assert lazy["id"].tolist() == frame["id"].tolist()
    assert len(frame_tasks.data) >= 3


def test_a_samples_findings_are_counted_on_the_workers_as_locally(dask_client) -> None:
    import dask.dataframe as dd
    from distributed import get_task_stream

    from tests.conftest import planted_table

    frame = planted_table(6, n=8000)
    local = weakspot.analyze(frame, sample=3000)
    lazy = dd.from_pandas(frame, npartitions=4)
    with get_task_stream(dask_client) as tasks:
        remote = weakspot.analyze(lazy, sample=3000, engine="dask", client=dask_client)
    assert document(remote) == document(local)
    assert remote.to_dict()["failure_modes"][0]["whole"]["counted"]
    # the sample was drawn, and the counting pass ran, where the partitions are: on the
    # workers (each partition validated and hashed there, then only the drawn rows sent back)
    keys = [task["key"] for task in tasks.data]
    assert sum("_draft" in key for key in keys) == 4
    assert sum("_rows" in key for key in keys) >= 1
    assert sum("_examples_of" in key for key in keys) == 4
