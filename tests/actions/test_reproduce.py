"""The augmentation search: the transform whose copies have the mode's look, by measurement."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageFilter

import weakspot
from weakspot.actions._reproduce import find_reproduction, load_pixels, matched, mode_look
from weakspot.actions.augment import apply_spec, downscale, frame, gamma, invert
from weakspot.features.images import extract_image_features


def _garments(n: int, rng: np.random.Generator) -> np.ndarray:
    """Bright blobs of random size and place on black, 28 x 28: Fashion-MNIST-like shapes."""
    yy, xx = np.mgrid[:28, :28]
    out = np.zeros((n, 28, 28), dtype=np.uint8)
    for i in range(n):
        cy, cx = rng.uniform(9, 19, 2)
        ry, rx = rng.uniform(5, 10, 2)
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        texture = rng.uniform(120, 255) + rng.normal(0, 25, (28, 28))
        out[i][inside] = np.clip(texture[inside], 0, 255)
    return out


def _blurred(image: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(2.5)))


def _framed(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    out[:3], out[-3:], out[:, :3], out[:, -3:] = 255, 255, 255, 255
    return out


PLANTS = {"blur": _blurred, "invert": invert, "frame": _framed}


def _planted(kind: str, seed: int = 0, n: int = 500):
    rng = np.random.default_rng(seed)
    images = _garments(n, rng)
    labels = rng.integers(0, 3, n).astype(str)
    mask = rng.random(n) < 0.2
    for i in np.flatnonzero(mask):
        images[i] = PLANTS[kind](images[i])
    found = extract_image_features(images, embed=None, cache=False)
    kinds = dict.fromkeys(found.properties.columns, "photographic")
    return images, found.properties, kinds, labels, mask


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("blur", "GaussianBlur"), ("invert", "InvertImg"), ("frame", "Frame")],
)
def test_the_planted_look_is_reproduced_by_its_own_transform(kind, expected):
    images, features, kinds, labels, mask = _planted(kind)
    found = find_reproduction(mode_look(images, features, kinds, labels, mask))
    assert found is not None
    assert found.transforms[0].name == expected
    assert found.reproduction >= 0.5
    assert found.shares["copies"] > found.shares["originals"] + 0.3
    if kind == "blur":
        assert 1.0 <= found.transforms[0].value <= 3.0  # planted: sigma 2.5
    if kind == "frame":
        assert found.transforms[0].value[1] == 255  # a white frame
    first = found.transforms[0].serialise(found.pixel_scale)
    spec = {"transform": {"p": 1.0, "transforms": [{**t, "p": 1.0} for t in first]}}
    original = images[~mask][0]
    copy = apply_spec(spec, original, np.random.default_rng(0))
    assert copy.shape == (28, 28) and not np.array_equal(copy, original)
    assert np.array_equal(copy, found.transforms[0].apply(original, np.random.default_rng(0))) or (
        kind == "blur"  # the spec draws its sigma from a band around the chosen one
    )


def test_a_mode_without_a_look_of_its_own_gets_no_augmentation():
    images, features, kinds, labels, _ = _planted("blur")
    random_rows = np.random.default_rng(5).random(len(labels)) < 0.2
    assert mode_look(images, features, kinds, labels, random_rows) is None
    assert find_reproduction(None) is None


def test_no_images_or_no_properties_means_no_search():
    images, features, kinds, labels, mask = _planted("invert")
    assert mode_look(None, features, kinds, labels, mask) is None
    metadata = dict.fromkeys(kinds, "metadata")  # a user's columns named like properties
    assert mode_look(images, features, metadata, labels, mask) is None


def test_unread_rows_are_never_opened(tmp_path):
    paths = []
    for i, image in enumerate(_garments(3, np.random.default_rng(0))):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert load_pixels([*paths, str(tmp_path / "bad.png")], 3) is None
    pixels, scale = load_pixels(paths, 0)
    assert pixels.shape == (28, 28) and scale == 1.0
    big = tmp_path / "big.png"
    Image.fromarray(np.zeros((600, 1024, 3), dtype=np.uint8)).save(big)
    pixels, scale = load_pixels([str(big)], 0)
    assert max(pixels.shape) == 256 and scale == pytest.approx(4.0)


def test_reference_transforms_gamma_invert_frame_downscale():
    ramp = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (16, 1))
    assert gamma(ramp, 2.0)[0, 8] == round(255 * (128 / 255) ** 2)
    assert np.array_equal(invert(ramp), 255 - ramp)
    framed = frame(np.full((20, 20), 100, dtype=np.uint8), 0.1, 255)
    assert framed.shape == (20, 20) and framed[0, 0] == framed[1, 19] == 255
    assert (framed[2:18, 2:18] == 100).all()
    low = downscale(ramp, 0.25)
    assert low.shape == ramp.shape and len(np.unique(low)) < len(np.unique(ramp))


def planted_analysis(plant, seed: int = 1, n: int = 600):
    """An analysis of `n` garments with `plant` applied to 20% of them, which fail 60% of the
    time (8% elsewhere), beside a training set of 400 garments without it."""
    rng = np.random.default_rng(seed)
    images, train_images = _garments(n, rng), _garments(400, rng)
    labels, train_labels = rng.integers(0, 3, n), rng.integers(0, 3, 400)
    planted = rng.random(n) < 0.2
    for i in np.flatnonzero(planted):
        images[i] = plant(images[i])
    predictions = labels.copy()
    wrong = rng.random(n) < np.where(planted, 0.6, 0.08)
    predictions[wrong] = (labels[wrong] + 1) % 3
    return weakspot.analyze(
        pd.DataFrame({"label": labels, "prediction": predictions}),
        images=images,
        train=pd.DataFrame({"label": train_labels}),
        train_images=train_images,
        embed=None,
        random_state=0,
    )


def test_analyze_writes_a_spec_that_reproduces_the_failing_look(tmp_path):
    analysis = planted_analysis(_blurred)
    augment = [a for a in analysis.actions if a.kind == "augment"]
    assert augment, [(a.kind, a.cause) for a in analysis.actions]
    spec = json.loads(next(iter(augment[0].files.values())))
    assert spec["transform"]["transforms"][0]["__class_fullname__"] == "GaussianBlur"
    assert "reproduction" in augment[0].expected_gain["how"]
    weakspot.write_results(analysis, tmp_path)
    assert (tmp_path / augment[0].artifact).is_file()


def test_the_look_alikes_of_a_rule_are_credited_by_how_much_they_look_like_the_mode():
    images, features, kinds, labels, mask = _planted("blur")
    look = mode_look(images, features, kinds, labels, mask)
    blurred_elsewhere = extract_image_features(
        np.stack([_blurred(im) for im in images[~mask][:40]]), embed=None, cache=False
    ).properties
    sharp_elsewhere = features[~mask].iloc[40:80]
    assert look.reproduction(look.share_of(blurred_elsewhere)) > 0.5
    assert look.reproduction(look.share_of(sharp_elsewhere)) < 0.1
    assert look.share_of(features[["brightness"]]) is None  # lacks the look's properties


def test_matched_candidates_read_their_strength_off_the_mode():
    rng = np.random.default_rng(0)
    images = _garments(300, rng)
    mask = rng.random(300) < 0.25
    images[mask] = (images[mask] * 0.35 + 10).astype(np.uint8)  # the demo's camera C
    features = extract_image_features(images, embed=None, cache=False).properties
    columns = list(features.columns)
    found = {c.name: c.value for c in matched(features.to_numpy(float), mask, columns)}
    b, c = found["RandomBrightnessContrast"]
    assert c == pytest.approx(-0.65, abs=0.05) and b == pytest.approx(10 / 255, abs=0.03)


@pytest.mark.parametrize(("outside", "has_look"), [(25, False), (45, True)])
def test_a_mode_holding_most_of_its_class_keeps_images_to_compare_with(outside, has_look):
    """The images to transform leave `MIN_REFERENCE` outside images of the mode's classes in
    the space (with none left, every property's AUC was 0/0 and the search raised)."""
    images, features, kinds, labels, mask = _planted("blur")
    labels = np.where(mask, "0", "1")
    labels[np.flatnonzero(~mask)[:outside]] = "0"  # the mode's class: its members and these
    look = mode_look(images, features, kinds, labels, mask)
    assert (look is not None) == has_look
    if look is not None:
        assert (~look.space.members).sum() >= 20
        assert find_reproduction(look) is not None
