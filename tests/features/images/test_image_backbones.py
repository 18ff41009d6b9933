"""Learned representations: EfficientNet-Lite0, ONNX and torch models, text-aligned pairs."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import tiny_onnx
from weakspot._errors import InputError, MissingDependency
from weakspot.features.images import (
    TextAlignedBackbone,
    extract_image_features,
    imagenet_class_names,
)

torch = pytest.importorskip("torch")


def test_imagenet_names_ship_with_the_package():
    names = imagenet_class_names()
    assert len(names) == 1000
    assert names[0] == "tench" and names[770] == "sneaker" and names[774] == "sandal"


@pytest.fixture(scope="module")
def fashion_embedded(fashion):
    images, labels = fashion
    rows = np.concatenate([np.flatnonzero(labels == c)[:8] for c in range(10)])
    result = extract_image_features(images[rows], batch_size=40)
    return result, labels[rows], images[rows]


def test_efficientnet_gives_1280_d_embeddings_and_imagenet_concepts(fashion_embedded):
    result, labels, _ = fashion_embedded
    assert result.embeddings is not None
    assert result.embeddings.shape == (80, 1280) and result.embeddings.dtype == np.float32
    assert np.isfinite(result.embeddings).all()
    assert result.concepts is not None
    assert set(result.concepts["concept"]) <= set(imagenet_class_names())
    assert result.concepts["concept_score"].between(0, 1).all()
    assert result.columns["concept"] == ("Concept", "top-1 backbone class or phrase")


def test_efficientnet_embeddings_group_fashion_classes(fashion_embedded):
    """1-nearest-neighbour class agreement far above chance (0.1) means the features see shape."""
    result, labels, _ = fashion_embedded
    unit = result.embeddings / np.linalg.norm(result.embeddings, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    assert (labels[sim.argmax(axis=1)] == labels).mean() >= 0.6


def test_efficientnet_is_deterministic_and_cached(fashion_embedded, tmp_path):
    result, _, images = fashion_embedded
    first = extract_image_features(images[:6], cache_dir=tmp_path, batch_size=4)
    np.testing.assert_allclose(first.embeddings, result.embeddings[:6], rtol=1e-4, atol=1e-5)
    again = extract_image_features(images[:6], cache_dir=tmp_path, batch_size=4)
    assert again.n_cached == 6
    np.testing.assert_array_equal(again.embeddings, first.embeddings)
    assert again.concepts is not None and first.concepts is not None
    assert again.concepts["concept"].tolist() == first.concepts["concept"].tolist()


def test_auto_threads_give_the_results_of_one_thread(fashion, monkeypatch):
    """n_jobs=None on 4 cores (1 decode worker, 3 onnxruntime threads) equals n_jobs=1."""
    from weakspot.features.images import _extract

    images = fashion[0][:48]
    one = extract_image_features(images, n_jobs=1, batch_size=16, cache=False)
    monkeypatch.setattr(_extract, "cpu_count", lambda: 4)
    made = []
    real = _extract.resolve_backbone
    monkeypatch.setattr(
        _extract, "resolve_backbone", lambda *a, **kw: made.append(kw) or real(*a, **kw)
    )
    auto = extract_image_features(images, batch_size=16, cache=False)
    assert made[0]["threads"] == 3
    pd.testing.assert_frame_equal(auto.properties, one.properties)
    pd.testing.assert_frame_equal(auto.flags, one.flags)
    pd.testing.assert_frame_equal(auto.concepts, one.concepts)
    np.testing.assert_allclose(auto.embeddings, one.embeddings, rtol=0, atol=1e-6)


def test_skipped_images_have_nan_embeddings(tmp_path, fashion):
    from PIL import Image

    paths = []
    for i in range(5):
        Image.fromarray(fashion[0][i]).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    paths.insert(2, str(tmp_path / "missing.png"))
    with pytest.warns(UserWarning, match="1 of 6 images were skipped"):
        result = extract_image_features(paths, concepts=False)
    assert result.concepts is None
    assert np.isnan(result.embeddings[2]).all()
    assert np.isfinite(np.delete(result.embeddings, 2, axis=0)).all()


@pytest.mark.parametrize("layer", [None, "pooled", "logits"])
def test_onnx_model_embeds_at_named_or_default_layer(tmp_path, layer):
    pytest.importorskip("onnxruntime")
    path = tmp_path / "tiny.onnx"
    tiny_onnx(path)
    images = np.zeros((3, 16, 16, 3), dtype=np.uint8)
    images[:, :, :, 0] = [[[0]], [[51]], [[255]]]
    result = extract_image_features(images, embed=str(path), layer=layer)
    means = np.stack([images[:, 0, 0, 0] / 255, np.zeros(3), np.zeros(3)], axis=1)
    expected = means @ np.arange(6).reshape(3, 2) if layer == "logits" else means
    np.testing.assert_allclose(result.embeddings, expected, atol=1e-6)
    assert result.concepts is None


def test_torch_module_embeds_at_named_or_default_layer():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )
    images = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    from weakspot.features.images import TorchBackbone

    default = extract_image_features(images, embed=TorchBackbone(model, input_size=32))
    conv = extract_image_features(images, embed=TorchBackbone(model, layer="1", input_size=32))
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        pooled = model[:4](x).numpy()
    np.testing.assert_allclose(default.embeddings, pooled, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(conv.embeddings, pooled, rtol=1e-5, atol=1e-6)
    with pytest.raises(InputError, match="Layer 'head' is not a module of the torch model"):
        extract_image_features(images, embed=TorchBackbone(model, layer="head", input_size=32))


def test_text_aligned_backbone_scores_phrases():
    torch.manual_seed(0)
    image_encoder = torch.nn.Sequential(
        torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten(), torch.nn.Linear(48, 8)
    )
    phrases = ["a dark photo", "a bright photo", "a red object"]
    table = torch.nn.Embedding(len(phrases), 8)

    def text_encoder(texts):
        return table(torch.tensor([phrases.index(t) for t in texts]))

    backbone = TextAlignedBackbone(image_encoder, text_encoder, phrases, input_size=32)
    images = np.random.default_rng(1).integers(0, 256, (6, 40, 40, 3), dtype=np.uint8)
    result = extract_image_features(images, embed=backbone)
    concepts = result.concepts
    assert concepts is not None
    score_columns = ["phrase_a_dark_photo", "phrase_a_bright_photo", "phrase_a_red_object"]
    assert list(concepts.columns) == ["concept", "concept_score", *score_columns]
    emb = result.embeddings / np.linalg.norm(result.embeddings, axis=1, keepdims=True)
    text = text_encoder(phrases).detach().numpy()
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    np.testing.assert_allclose(concepts[score_columns].to_numpy(), emb @ text.T, atol=1e-5)
    best = np.array(phrases)[(emb @ text.T).argmax(axis=1)]
    assert concepts["concept"].tolist() == best.tolist()
    with pytest.raises(InputError, match="needs at least one phrase"):
        TextAlignedBackbone(image_encoder, text_encoder, [])


def test_unknown_embed_option_and_missing_torch(monkeypatch, tmp_path):
    images = np.zeros((2, 8, 8), dtype=np.uint8)
    with pytest.raises(InputError, match="embed=42 is not understood"):
        extract_image_features(images, embed=42)
    with pytest.raises(InputError, match="does not exist"):
        extract_image_features(images, embed="absent.onnx")
    # no exported graph in this cache, so the default backbone needs torch to make one
    monkeypatch.setenv("WEAKSPOT_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependency, match=r"pip install 'weakspot\[torch\]'"):
        extract_image_features(images, embed="efficientnet")


def test_backbones_for_workers_pickle_as_file_paths_and_embed_alike(tmp_path, fashion):
    pytest.importorskip("onnxruntime")
    import pickle

    from weakspot.features.images import EfficientNetLite0, OnnxBackbone
    from weakspot.features.images._backbones import for_workers

    path = tmp_path / "tiny.onnx"
    tiny_onnx(path)
    rgb = np.repeat(fashion[0][:6, :, :, None], 3, axis=3)
    for backbone, images in (
        (EfficientNetLite0(input_size=64), np.pad(rgb, ((0, 0), (18, 18), (18, 18), (0, 0)))),
        (OnnxBackbone(path), rgb[:, :16, :16]),
    ):
        message = pickle.dumps(for_workers(backbone))
        assert len(message) < 100_000  # a path and settings: no session, no weights
        worker, again = pickle.loads(message), pickle.loads(message)
        assert worker.threads == 1 and worker.name == backbone.name
        assert worker.session_ is again.session_  # one session per process, reused
        np.testing.assert_allclose(
            worker.run(images).embeddings, backbone.run(images).embeddings, rtol=0, atol=1e-5
        )


def test_a_worker_refuses_an_onnx_file_changed_under_it(tmp_path):
    pytest.importorskip("onnxruntime")
    import pickle

    from weakspot.features.images import OnnxBackbone
    from weakspot.features.images._backbones import for_workers

    path = tmp_path / "tiny.onnx"
    tiny_onnx(path)
    message = pickle.dumps(for_workers(OnnxBackbone(path)))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(InputError, match=r"tiny.onnx' changed while it was in use"):
        pickle.loads(message).run(np.zeros((1, 16, 16, 3), dtype=np.uint8))


def test_a_torch_backbone_is_sent_to_workers_as_it_is():
    import pickle

    from weakspot.features.images import TorchBackbone
    from weakspot.features.images._backbones import for_workers

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 2))
    backbone = TorchBackbone(model, input_size=2)
    assert for_workers(backbone) is backbone
    images = np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3)
    shipped = pickle.loads(pickle.dumps(backbone))
    np.testing.assert_array_equal(shipped.run(images).embeddings, backbone.run(images).embeddings)
