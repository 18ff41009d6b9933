"""On real Fashion-MNIST images, planted darkening, blurring and tinting are found."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter
from sklearn.metrics import roc_auc_score

from weakspot.features.images import extract_image_features


def _darken(img: np.ndarray) -> np.ndarray:
    return (img * 0.5).astype(np.uint8)


def _blur(img: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(1)))


def _planted(fashion, seed: int, change):
    images, labels = fashion
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(images), 1500, replace=False)
    picked = images[rows].copy()
    changed = rng.random(len(rows)) < 0.1
    picked[changed] = np.stack([change(img) for img in picked[changed]])
    return picked, labels[rows], changed


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("change", "column", "sign", "flag"),
    [(_darken, "highlights", -1, "is_dark"), (_blur, "blur", 1, "is_blurry")],
)
def test_planted_change_separates_on_its_property(fashion, seed, change, column, sign, flag):
    images, labels, changed = _planted(fashion, seed, change)
    result = extract_image_features(images, embed=None, labels=labels)
    assert roc_auc_score(changed, sign * result.properties[column]) >= 0.95
    caught = result.flags.loc[changed, flag].mean()
    false_alarms = result.flags.loc[~changed, flag].mean()
    assert caught >= 0.8
    assert false_alarms <= 0.03


@pytest.mark.parametrize("seed", [0, 1])
def test_tint_separates_on_colour(fashion, seed):
    images, labels, changed = _planted(fashion, seed, lambda img: img)
    rgb = np.repeat(images[..., None], 3, axis=3)
    rgb[changed] = (rgb[changed] * np.array([1.0, 0.8, 0.55])).astype(np.uint8)
    result = extract_image_features(rgb, embed=None, labels=labels)
    for column in ("saturation", "colourfulness"):
        assert roc_auc_score(changed, result.properties[column]) >= 0.95
    assert result.properties.loc[changed, "dominant_hue"].median() == pytest.approx(45.0)
    # A set that is 90% grey is not a colour set: no image is flagged as oddly grey.
    assert not result.flags["is_grayscale"].any()


def test_grey_images_in_a_colour_set_are_flagged(fashion):
    images, _, changed = _planted(fashion, 3, lambda img: img)
    rgb = (np.repeat(images[..., None], 3, axis=3) * np.array([1.0, 0.7, 0.4])).astype(np.uint8)
    rgb[changed] = np.repeat(images[changed][..., None], 3, axis=3)
    flags = extract_image_features(rgb, embed=None).flags
    assert flags["is_grayscale"].to_numpy().tolist() == changed.tolist()


def test_clean_sample_raises_few_flags(fashion):
    images, labels = fashion
    result = extract_image_features(images[:2000], embed=None, labels=labels[:2000])
    rates = result.flags.mean()
    assert rates.drop(["is_near_duplicate", "is_exact_duplicate"]).max() <= 0.03
    assert rates["is_odd_size"] == 0 and rates["is_odd_aspect_ratio"] == 0
