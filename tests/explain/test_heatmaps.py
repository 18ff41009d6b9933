"""Feature maps, heat maps and Barlow pictures: shapes, peaks on a planted patch."""

from __future__ import annotations

import numpy as np
import pytest

from weakspot import InputError, Slice
from weakspot.explain import (
    activation_heatmaps,
    barlow_pictures,
    feature_maps,
    overlay_heatmap,
    top_activating,
)

torch = pytest.importorskip("torch")


def _patch_detector():
    """Conv net whose channel 1 is the local brightness and channel 0 its negative."""
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 2, 3, padding=1, bias=False),
        torch.nn.ReLU(),
        torch.nn.AvgPool2d(4),
        torch.nn.Conv2d(2, 2, 1, bias=False),
    )
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].weight[1] = 1.0 / 27
        model[0].weight[0] = -1.0 / 27
        model[3].weight.copy_(torch.eye(2)[:, :, None, None])
    return model


def _image(top: int, left: int, side: int = 48, patch: int = 8) -> np.ndarray:
    image = np.full((side, side, 3), 20, dtype=np.uint8)
    image[top : top + patch, left : left + patch] = 250
    return image


@pytest.mark.parametrize(("top", "left"), [(4, 4), (30, 10), (16, 36)])
def test_heat_map_has_the_image_shape_and_peaks_on_the_patch(top, left):
    images = _image(top, left)[None]
    maps = feature_maps(_patch_detector(), images)
    assert maps.shape == (1, 2, 12, 12)
    heat = activation_heatmaps(maps, 1, images.shape[1:3])
    assert heat.shape == (1, 48, 48)
    assert heat.max() == pytest.approx(1.0)
    assert heat.min() >= 0.0
    row, col = np.unravel_index(np.argmax(heat[0]), heat[0].shape)
    assert top - 2 <= row <= top + 9
    assert left - 2 <= col <= left + 9
    # the patch is hotter than the far corner
    far = heat[0, (top + 24) % 48, (left + 24) % 48]
    assert heat[0, top + 4, left + 4] > far + 0.5


def test_overlay_keeps_the_image_shape_and_colours_hot_pixels():
    image = _image(4, 4)
    heat = np.zeros((48, 48), dtype=np.float32)
    heat[40:, 40:] = 1.0
    out = overlay_heatmap(image, heat, alpha=0.5)
    assert out.shape == (48, 48, 3) and out.dtype == np.uint8
    assert tuple(out[0, 0]) == (20, 20, 20)
    assert tuple(out[45, 45]) == (138, 138, 10)
    with pytest.raises(InputError, match=r"heat map's shape \(48, 47\)"):
        overlay_heatmap(image, heat[:, :47])


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="images must be uint8 RGB"):
        feature_maps(_patch_detector(), np.zeros((2, 8, 8), dtype=np.uint8))
    with pytest.raises(InputError, match="channel 5"):
        activation_heatmaps(np.zeros((1, 2, 4, 4)), 5, (8, 8))
    with pytest.raises(InputError, match="Layer 'nope' is not a module"):
        feature_maps(_patch_detector(), _image(4, 4)[None], layer="nope")


def test_barlow_pictures_show_the_images_that_activate_the_feature_most():
    images = np.stack([_image(t, t) for t in (4, 12, 20, 28, 36)] + [_image(0, 0, patch=0)])
    model = _patch_detector()
    embeddings = feature_maps(model, images).mean(axis=(2, 3))
    embeddings[[0, 3], 1] += 5.0  # rows 0 and 3 activate feature 1 most
    item = Slice(
        np.arange(6),
        "barlow",
        details={"rule": [{"feature": 1, "op": ">", "threshold": 0.1}]},
    )
    pictures = barlow_pictures(
        item, embeddings, lambda rows: images[rows], lambda x: feature_maps(model, x), k=3
    )
    assert len(pictures) == 1
    (first,) = pictures
    assert first.feature == 1 and first.op == ">"
    assert first.rows[:2].tolist() == [0, 3]
    assert first.heatmaps.shape == (3, 48, 48)
    np.testing.assert_allclose(first.activations, embeddings[first.rows, 1])
    assert top_activating(embeddings, 1, k=2).tolist() == [0, 3]
    with pytest.raises(InputError, match="has no tree path"):
        barlow_pictures(Slice(np.arange(2), "domino"), embeddings, lambda r: images[r], len)


@pytest.mark.slow
def test_efficientnet_maps_average_to_its_embedding():
    pytest.importorskip("efficientnet_lite_pytorch")
    from weakspot.features.images._backbones import EfficientNetLite0

    backbone = EfficientNetLite0()
    images = np.stack([_image(60, 100, side=224, patch=60), _image(10, 10, side=224, patch=40)])
    maps = feature_maps(backbone, images)
    assert maps.shape == (2, 1280, 7, 7)
    np.testing.assert_allclose(
        maps.mean(axis=(2, 3)), backbone.run(images).embeddings, rtol=1e-4, atol=1e-5
    )
    heat = activation_heatmaps(maps, int(np.argmax(maps[0].mean(axis=(1, 2)))), (224, 224))
    assert heat.shape == (2, 224, 224)
