"""Shared fixtures: small prediction tables with a known answer; a private feature cache.

weakspot caches image features (and the exported ONNX backbone) in the user's cache folder by
default. Tests never touch it: `WEAKSPOT_CACHE_DIR` points every test at a fresh folder of its
own under pytest's tmp_path, whose ``models/`` links to one folder shared by the session, so
that the backbone is exported once per test session rather than once per test.

Property-based tests (hypothesis) run derandomized: the same examples on every run, so that a
clean clone's CI cannot turn red on an example no earlier run drew. To explore new examples,
run ``HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest ...``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

settings.register_profile("weakspot", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "weakspot"))


def planted_table(
    seed: int, n: int = 4000, base: float = 0.08, inside: float = 0.4, null: bool = False
) -> pd.DataFrame:
    """A binary-task predictions table whose errors rise inside ``site == B and age >= 60``.

    With ``null=True`` the errors are independent of every column.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": [f"ex{i}" for i in range(n)],
            "site": rng.choice(list("ABCD"), n),
            "age": rng.integers(18, 90, n),
            "device": rng.choice(["phone", "scanner", "tablet"], n),
            "label": rng.choice(["cat", "dog"], n),
        }
    )
    wrong = rng.random(n) < base
    if not null:
        planted = ((frame.site == "B") & (frame.age >= 60)).to_numpy()
        wrong[planted] = rng.random(planted.sum()) < inside
    frame["prediction"] = np.where(wrong, np.where(frame.label == "cat", "dog", "cat"), frame.label)
    return frame


def tiny_onnx(path: Path) -> Path:
    """Write a three-node ONNX backbone (average pool, flatten, a 3 x 2 linear layer) to
    `path`: inputs (n, 3, 16, 16), embeddings of 3 (``pooled``) or 2 (``logits``) values."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), "W")
    nodes = [
        helper.make_node("GlobalAveragePool", ["pixels"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["features"]),
        helper.make_node("Gemm", ["features", "W"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", 3, 16, 16])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 2])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.fixture
def planted() -> pd.DataFrame:
    return planted_table(0)


@pytest.fixture(scope="session")
def _session_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("weakspot-models")


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, _session_models: Path
) -> Iterator[Path]:
    """Point weakspot's default cache at a folder of this test's own (WEAKSPOT_CACHE_DIR)."""
    root = tmp_path_factory.mktemp("weakspot-cache")
    (root / "models").symlink_to(_session_models, target_is_directory=True)
    before = os.environ.get("WEAKSPOT_CACHE_DIR")
    os.environ["WEAKSPOT_CACHE_DIR"] = str(root)
    yield root
    if before is None:
        os.environ.pop("WEAKSPOT_CACHE_DIR", None)
    else:
        os.environ["WEAKSPOT_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def demo_table(tmp_path_factory: pytest.TempPathFactory):
    """The demo's predictions table and PNG files for 400 images (about 20 s, once)."""
    from tests.engine.golden_cases import demo_inputs

    return demo_inputs(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A real cluster: a scheduler and two one-thread workers, as separate processes that are
    stopped at the end of the session whatever happened."""
    pytest.importorskip("distributed")
    from tests.scale.cluster import LocalDaskCluster

    cluster = LocalDaskCluster(tmp_path_factory.mktemp("dask"), n_workers=2)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def dask_client(dask_cluster):
    """A client of `dask_cluster`, with both workers connected."""
    from distributed import Client

    with Client(dask_cluster.address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
        yield client
