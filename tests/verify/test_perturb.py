"""The perturbation test separates a property that causes errors from one that only marks them.

Images are 16x16 grey with a bright left half (label 1) or a bright right half (label 0).
The failure mode is the dark images. A model that reads absolute brightness (left half above
120) fails on dark images *because* they are dark; a model that compares the halves is
indifferent to brightness, and its dark images fail because they carry no pattern at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from weakspot.verify._perturb import measure, perturbation_test, set_property

DARK = {"feature": "brightness", "op": "in", "value": [float("-inf"), 0.25]}


def _images(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.5).astype(int)
    dark = rng.random(n) < 0.3
    images = []
    for label, is_dark in zip(labels, dark, strict=True):
        im = np.empty((16, 16), np.float32)
        hi, lo = (50, 50) if is_dark else (160, 100)
        im[:, :8], im[:, 8:] = (hi, lo) if label else (lo, hi)
        images.append(np.clip(im + rng.normal(0, 8, im.shape), 0, 255).astype(np.uint8))
    return images, labels.astype(str).astype(object), dark


def absolute(images: np.ndarray) -> np.ndarray:
    return (images[:, :, :8].mean(axis=(1, 2)) > 120).astype(int)


def relative(images: np.ndarray) -> np.ndarray:
    return (images[:, :, :8].mean(axis=(1, 2)) > images[:, :, 8:].mean(axis=(1, 2))).astype(int)


def _wrong(predict, images, labels):
    return predict(np.stack(images)).astype(str) != labels


def test_set_property_reaches_the_target_level():
    images, _, _ = _images(5)
    pushed = set_property(images[0], "brightness", 0.2)
    assert measure(pushed, "brightness") == pytest.approx(0.2, abs=0.002)
    blurred = set_property(images[0], "sharpness", measure(images[0], "sharpness") / 4)
    assert measure(blurred, "sharpness") == pytest.approx(
        measure(images[0], "sharpness") / 4, rel=0.05
    )
    noisy = set_property(images[0], "noise", measure(images[0], "noise") * 2)
    assert measure(noisy, "noise") == pytest.approx(measure(images[0], "noise") * 2, rel=0.05)
    # lower noise is reached by blurring, not by adding noise
    quiet = set_property(images[0], "noise", measure(images[0], "noise") / 3)
    assert measure(quiet, "noise") == pytest.approx(measure(images[0], "noise") / 3, rel=0.05)


@pytest.mark.parametrize(
    ("predict", "verdict"),
    [
        (absolute, "sensitive to brightness"),
        (relative, "brightness only marks examples that are hard for another reason"),
    ],
)
def test_the_verdict_follows_the_cause(predict, verdict):
    images, labels, dark = _images()
    wrong = _wrong(predict, images, labels)
    assert wrong[dark].mean() > wrong[~dark].mean() + 0.3  # both models fail on the dark mode
    found = perturbation_test(images, labels, dark, wrong, DARK, predict, ["0", "1"])
    assert found["verdict"] == verdict
    assert found["n_images"] == int((~dark).sum()) and found["mode_level"] == pytest.approx(
        0.196, abs=0.01
    )
    if predict is absolute:
        assert found["change"] > 0.4 and found["ci"][0] > 0.3
    else:
        assert found["change"] == 0.0 and found["mcnemar"]["became_wrong"] == 0


def _evaluation_folder(tmp_path, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """`n` test images as PNG files in `tmp_path` and their table ``eval.csv`` (id, image,
    label); returns the table and the dark rows."""
    images, labels, dark = _images(n)
    paths = []
    for i, im in enumerate(images):
        Image.fromarray(im).save(tmp_path / f"{i}.png")
        paths.append(f"{i}.png")
    data = pd.DataFrame({"id": [f"e{i}" for i in range(n)], "image": paths, "label": labels})
    data.to_csv(tmp_path / "eval.csv", index=False)
    return data, dark


def test_perturb_from_a_results_folder(tmp_path):
    from weakspot import perturb

    data, dark = _evaluation_folder(tmp_path, 80)
    members = data.loc[dark, "id"].tolist()
    doc = {
        "dataset": {"n_examples": 80, "classes": ["0", "1"]},
        "slices": [{"id": "S1", "members": members}, {"id": "S2", "members": members}],
        "failure_modes": [
            {"id": "F1", "title": "brightness < 0.25", "slices": ["S1"], "rule": [DARK]},
            {
                "id": "F2",
                "title": "site == B",
                "slices": ["S2"],
                "rule": [{"feature": "site", "op": "==", "value": "B"}],
            },
        ],
        "actions": [],
    }
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    records = perturb(tmp_path, absolute, data=tmp_path / "eval.csv")
    assert records[0]["verdict"] == "sensitive to brightness"
    # every outside image was pushed: none is left to place the copies among
    assert records[0]["reproduction"] is None
    assert records[0]["conclusion"] == {
        "verdict": "sensitive to brightness",
        "test": "property",
        "reproduction": None,
    }
    assert (
        records[1]["verdict"] is None
        and "names no property weakspot can set" in records[1]["reason"]
    )
    written = json.loads((tmp_path / "verify" / "perturbation.json").read_text())
    assert written["modes"][0]["verdict"] == records[0]["verdict"]
    assert written["modes"][0]["condition"]["value"] == [None, 0.25]


def test_a_quality_flag_is_tested_through_the_property_it_thresholds():
    from weakspot.verify._perturb import settable_condition

    flag = settable_condition([{"feature": "is_dark", "op": "==", "value": True}])
    assert flag == {"feature": "brightness", "op": "median", "via": "is_dark"}
    blurry = settable_condition([{"feature": "is_blurry", "op": "==", "value": "True"}])
    assert blurry is not None and blurry["feature"] == "sharpness"
    # a flag that is False, or a flag nothing can set, names no settable property
    assert settable_condition([{"feature": "is_dark", "op": "==", "value": False}]) is None
    assert settable_condition([{"feature": "is_near_duplicate", "op": "==", "value": True}]) is None
    plain = {"feature": "contrast", "op": "in", "value": [0.0, 0.1]}
    assert settable_condition([plain]) is plain


def test_border_properties_are_set_by_painting_the_ring_they_measure():
    images, _, _ = _images(5)
    image = images[0]
    framed = set_property(image, "centre_border_contrast", -0.3)
    assert measure(framed, "centre_border_contrast") == pytest.approx(-0.3, abs=0.01)
    uniform = measure(image, "border_uniformity")
    evened = set_property(image, "border_uniformity", (uniform + 1) / 2)
    assert measure(evened, "border_uniformity") == pytest.approx((uniform + 1) / 2, abs=0.01)


@pytest.mark.parametrize(
    ("predict", "verdict"),
    [
        (absolute, "sensitive to its look (RandomBrightnessContrast)"),
        (relative, "its look (RandomBrightnessContrast) only marks examples"),
    ],
)
def test_the_look_test_applies_the_modes_augmentation_spec(tmp_path, predict, verdict):
    from weakspot import perturb

    data, dark = _evaluation_folder(tmp_path, 120)
    darken = {
        "__class_fullname__": "RandomBrightnessContrast",
        "brightness_limit": [-0.25, -0.25],  # darker, the halves' difference kept
        "contrast_limit": [0.0, 0.0],
        "p": 0.5,
    }
    spec = {"__version__": "2.0.8", "transform": {"p": 1.0, "transforms": [darken]}}
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "F1-augment.json").write_text(json.dumps(spec))
    doc = {
        "dataset": {"n_examples": 120, "classes": ["0", "1"]},
        "slices": [{"id": "S1", "members": data.loc[dark, "id"].tolist()}],
        "failure_modes": [
            {
                "id": "F1",
                "title": "site == B",
                "slices": ["S1"],
                "rule": [{"feature": "site", "op": "==", "value": "B"}],
            }
        ],
        "actions": [
            {
                "id": "A1",
                "kind": "augment",
                "failure_mode": "F1",
                "cause": "image_quality",
                "artifact": "actions/F1-augment.json",
            }
        ],
    }
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    (record,) = perturb(tmp_path, predict, data=tmp_path / "eval.csv")
    assert record["verdict"] is None  # a site is no property weakspot can set
    look = record["look"]
    assert look["verdict"].startswith(verdict)
    assert look["transforms"] == ["RandomBrightnessContrast"]
    assert look["n_images"] == int((~dark).sum())
    if predict is absolute:
        assert look["change"] > 0.3 and look["mcnemar"]["became_wrong"] > 20


def _garment_mode(n: int = 400, seed: int = 0):
    """28 x 28 bright blobs on black, three classes; a fifth of them blurred (the mode)."""
    from PIL import ImageFilter

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:28, :28]
    images = []
    for _ in range(n):
        cy, cx, ry, rx = *rng.uniform(9, 19, 2), *rng.uniform(5, 10, 2)
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        texture = rng.uniform(120, 255) + rng.normal(0, 25, (28, 28))
        images.append(np.where(inside, np.clip(texture, 0, 255), 0).astype(np.uint8))
    labels = rng.integers(0, 3, n).astype(str)
    members = rng.random(n) < 0.2

    def blur(im):
        return np.asarray(Image.fromarray(im).filter(ImageFilter.GaussianBlur(2.5)))

    return [blur(im) if m else im for im, m in zip(images, members, strict=True)], labels, members


def test_copies_reproduction_tells_the_modes_look_from_another_change():
    from PIL import ImageFilter

    from weakspot.actions._reproduce import copies_reproduction, measure_pixels

    images, labels, members = _garment_mode()
    values, _ = measure_pixels(images)
    sample = np.flatnonzero(~members)[:100]

    def reproduction(change):
        copies, _ = measure_pixels([change(images[i]) for i in sample])
        return copies_reproduction(values, labels, members, sample, copies)

    def blurred(im):
        return np.asarray(Image.fromarray(im).filter(ImageFilter.GaussianBlur(2.5)))

    def brighter(im):
        return np.clip(im.astype(int) + 60, 0, 255).astype(np.uint8)

    assert reproduction(lambda im: im) == pytest.approx(0.0, abs=1e-9)
    assert reproduction(blurred) > 0.7
    assert reproduction(brighter) < 0.2
    # a mode no property sets apart has no look to compare with
    random = np.random.default_rng(1).random(len(images)) < 0.2
    copies, _ = measure_pixels([images[i] for i in sample])
    assert copies_reproduction(values, labels, random & ~np.isin(np.arange(400), sample),
                               sample, copies) is None  # fmt: skip


def test_the_conclusion_is_the_test_whose_images_look_like_the_mode():
    from weakspot.verify._perturb import conclusion

    prop = {"verdict": "sensitive to light_share", "reproduction": 0.2}
    look = {"verdict": "its look (GaussianBlur) only marks examples ...", "reproduction": 0.9}
    assert conclusion({**prop, "look": look}) == {
        "verdict": look["verdict"],
        "test": "look",
        "reproduction": 0.9,
    }
    # the look test does not land: the property test speaks when its push does
    landed = {**prop, "reproduction": 0.8}
    assert conclusion({**landed, "look": {**look, "reproduction": 0.3}})["test"] == "property"
    # neither lands: the nearer one, with the caveat
    near = conclusion({**prop, "look": {**look, "reproduction": 0.4}})
    assert near["test"] == "look" and "reproduction 0.40" in near["verdict"]
    alone = conclusion({**prop, "look": None})
    assert alone["test"] == "property" and alone["verdict"].startswith(prop["verdict"])
    assert "look only partly like the mode's: reproduction 0.20" in alone["verdict"]
    # nothing ran
    assert conclusion({"verdict": None, "reason": "no property", "look": None}) is None


def _dark_mode_folder(tmp_path, n: int = 80):
    """A results folder whose one mode is the dark images (`_evaluation_folder`)."""
    data, dark = _evaluation_folder(tmp_path, n)
    doc = {
        "dataset": {"n_examples": n, "classes": ["0", "1"]},
        "slices": [{"id": "S1", "members": data.loc[dark, "id"].tolist()}],
        "failure_modes": [
            {"id": "F1", "title": "brightness < 0.25", "slices": ["S1"], "rule": [DARK]}
        ],
        "actions": [],
    }
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    return data, dark


def _raises(images):
    raise RuntimeError("out of memory")


def _two_arguments(images, threshold):
    return absolute(images)


def _nan_probabilities(images):
    return np.full((len(images), 2), np.nan)


@pytest.mark.parametrize(
    ("predict", "message"),
    [
        (
            _raises,
            r"predict \(_raises\) raised RuntimeError on a batch of \d+ images .*out of memory",
        ),
        (_two_arguments, r"must take one argument, predict\(images\)"),
        (_nan_probabilities, r"missing or infinite values in \d+ of \d+ rows"),
        (lambda images: np.zeros(3), r"expected one label per example, shape \(\d+,\), or class"),
    ],
)
def test_a_broken_predict_is_named_and_nothing_is_written(tmp_path, predict, message):
    from weakspot import perturb
    from weakspot.verify._trainer import TrainerError

    _dark_mode_folder(tmp_path)
    with pytest.raises(TrainerError, match=message):
        perturb(tmp_path, predict, data=tmp_path / "eval.csv")
    assert not (tmp_path / "verify" / "perturbation.json").exists()


def test_unreadable_images_are_skipped_with_a_warning_and_listed(tmp_path, caplog):
    from weakspot import perturb

    data, dark = _dark_mode_folder(tmp_path)
    (tmp_path / "3.png").write_bytes(b"not a png")
    (tmp_path / "5.png").unlink()
    with caplog.at_level("WARNING", logger="weakspot.verify"):
        (record,) = perturb(tmp_path, absolute, data=tmp_path / "eval.csv")
    assert "perturb skipped 2 of 80 evaluation images it could not read" in caplog.text
    assert record["verdict"] == "sensitive to brightness"
    assert record["n_images"] == int((~dark).sum()) - int((~dark[[3, 5]]).sum())
    written = json.loads((tmp_path / "verify" / "perturbation.json").read_text())
    assert [Path(p).name for p in written["skipped"]] == ["3.png", "5.png"]


def test_a_palette_image_reaches_predict_as_its_colours(tmp_path):
    from weakspot.verify._inputs import read_images

    grey = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (16, 1))
    Image.fromarray(grey).convert("P").save(tmp_path / "p.png")
    (image,), unread = read_images([str(tmp_path / "p.png")])
    assert unread == [] and image.dtype == np.uint8
    assert image.shape in ((16, 16), (16, 16, 3))
    assert np.abs(image.reshape(16, 16, -1)[..., 0].astype(int) - grey).max() <= 8


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"modes": ["F9"]},
            r"failure mode\(s\) \['F9'\] are not in the analysis; its modes are \['F1'\]",
        ),
        ({"max_images": 0}, "max_images must be a whole number of at least 10"),
        ({"max_images": -5}, "max_images must be a whole number of at least 10"),
    ],
)
def test_bad_perturb_options_are_named_before_any_work(tmp_path, options, message):
    from weakspot import perturb
    from weakspot._errors import InputError

    _dark_mode_folder(tmp_path)
    with pytest.raises(InputError, match=message):
        perturb(tmp_path, absolute, data=tmp_path / "eval.csv", **options)
    assert not (tmp_path / "verify").exists()


def test_a_model_path_that_is_no_onnx_file_is_named(tmp_path):
    from weakspot import perturb
    from weakspot.verify._trainer import TrainerError

    _dark_mode_folder(tmp_path)
    with pytest.raises(TrainerError, match="'eval.csv' is neither an .onnx classifier nor a"):
        perturb(tmp_path, "eval.csv", data=tmp_path / "eval.csv")
