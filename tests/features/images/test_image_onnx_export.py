"""The default backbone through onnxruntime: equal to torch, exported once, with fallbacks."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from weakspot._errors import InputError, MissingDependency
from weakspot.features.images import EfficientNetLite0, _backbones, extract_image_features
from weakspot.features.images._onnx_export import EXPORT_VERSION, export_path, weights_file

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def sample(fashion):
    images, labels = fashion
    rows = np.concatenate([np.flatnonzero(labels == c)[:4] for c in range(10)])
    return images[rows]


@pytest.mark.parametrize("size", [224, 128])
def test_onnxruntime_equals_torch(sample, size):
    fast = extract_image_features(sample, embed_size=size, cache=False)
    slow = extract_image_features(
        sample, embed=EfficientNetLite0(input_size=size, runtime="torch"), cache=False
    )
    assert fast.embeddings is not None and slow.embeddings is not None
    assert fast.embeddings.shape == (40, 1280)
    np.testing.assert_allclose(fast.embeddings, slow.embeddings, rtol=1e-4, atol=1e-4)
    assert fast.concepts is not None and slow.concepts is not None
    assert fast.concepts["concept"].tolist() == slow.concepts["concept"].tolist()
    np.testing.assert_allclose(
        fast.concepts["concept_score"], slow.concepts["concept_score"], atol=1e-4
    )


def test_export_is_made_once_and_named_by_weights_and_version(_private_cache):
    first = EfficientNetLite0()
    assert first.runtime == "onnxruntime" and first.name == "efficientnet-lite0:onnxruntime:224"
    path = export_path(_private_cache, weights_file())
    assert path.is_file() and f"export{EXPORT_VERSION}" in path.name
    stamp = path.stat().st_mtime_ns
    EfficientNetLite0(input_size=160)
    assert path.stat().st_mtime_ns == stamp  # reused, not exported again
    assert list(path.parent.glob("*.onnx")) == [path]


def test_without_onnxruntime_torch_runs_with_one_warning(monkeypatch, sample):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setattr(_backbones, "_WARNED", set())
    with pytest.warns(UserWarning, match=r"onnxruntime is not installed.*weakspot\[onnx\]"):
        backbone = EfficientNetLite0()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EfficientNetLite0()  # the second one is quiet
    assert backbone.runtime == "torch" and backbone.name == "efficientnet-lite0:torch:224"
    with pytest.raises(MissingDependency, match=r"pip install 'weakspot\[onnx\]'"):
        EfficientNetLite0(runtime="onnxruntime")


def test_without_torch_a_cached_export_still_runs(monkeypatch, sample):
    with_torch = extract_image_features(sample[:8], embed_size=128, cache=False)
    monkeypatch.setitem(sys.modules, "torch", None)
    without = extract_image_features(sample[:8], embed_size=128, cache=False)
    np.testing.assert_array_equal(without.embeddings, with_torch.embeddings)


def test_without_torch_and_no_export_the_analysis_keeps_the_properties(
    monkeypatch, tmp_path, fashion
):
    import pandas as pd

    import weakspot

    monkeypatch.setenv("WEAKSPOT_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependency, match=r"pip install 'weakspot\[torch\]'"):
        EfficientNetLite0()
    images, labels = fashion[0][:200], fashion[1][:200]
    wrong = np.random.default_rng(0).random(200) < 0.2
    frame = pd.DataFrame(
        {"label": labels, "prediction": np.where(wrong, (labels + 1) % 10, labels)}
    )
    analysis = weakspot.analyze(frame, images=images, methods=["lattice"])
    assert "brightness" in analysis.features.columns.columns
    assert "concept" not in analysis.features.columns.columns
    assert analysis.features.embeddings is None
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").glob("*.onnx"))


def test_unknown_runtime_is_refused():
    with pytest.raises(InputError, match="runtime='tensorrt' is not known"):
        EfficientNetLite0(runtime="tensorrt")
