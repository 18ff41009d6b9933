"""Property descriptors: what each image column means, declared by its extractor.

The built-in properties carry the meanings the later stages used to keep in tables of their
own; a user's extractor that declares a descriptor gains all of it: the documented `Redness`
extractor's column is named as a look in a failure mode's mechanism, counted by the
``image_quality`` diagnosis and set by ``perturb``.
"""

from __future__ import annotations

import re
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import weakspot
from weakspot.features.images import (
    FLAG_COLUMNS,
    PROPERTY_COLUMNS,
    PROPERTY_EXTRACTORS,
    ImageBatch,
    PropertyDescriptor,
    PropertySetter,
    measure_images,
    property_descriptors,
    register_property_extractor,
)
from weakspot.features.images._properties import stack_properties
from weakspot.modes import feature_kinds


def test_the_built_in_properties_carry_their_meanings():
    described = property_descriptors()
    # the pixels extractor's columns, then the framing extractor's, then the flags
    assert list(described) == [*PROPERTY_COLUMNS, "object_fill", *FLAG_COLUMNS]
    assert {c for c, d in described.items() if d.kind == "content"} == {"object_fill"}
    for column, descriptor in described.items():
        if column in PROPERTY_COLUMNS:
            assert (descriptor.name, descriptor.unit) == PROPERTY_COLUMNS[column]
    photographic = {c for c, d in described.items() if d.kind == "photographic"}
    assert photographic == {
        "brightness", "contrast", "sharpness", "blur", "noise", "centre_border_contrast",
        "border_uniformity", "aspect_ratio", "width", "height",
    }  # fmt: skip
    assert {c for c, d in described.items() if d.kind == "quality"} == set(FLAG_COLUMNS)
    degraded = {c: d.degraded for c, d in described.items() if d.degraded is not None}
    assert degraded == {
        "brightness": "either", "contrast": "low", "sharpness": "low", "blur": "high",
        "noise": "high", "aspect_ratio": "either", "width": "low", "height": "low",
        "centre_border_contrast": "either", "border_uniformity": "either", "object_fill": "low",
    }  # fmt: skip
    assert (described["brightness"].word(False), described["brightness"].word(True)) == (
        "dark",
        "bright",
    )
    assert described["clipping"].word(True) == "high in clipping"  # no words of its own
    assert described["is_dark"].high == "dark" and described["is_odd_size"].high == "odd-sized"
    thresholds = {f: c for c, d in described.items() for f in d.flags}
    assert thresholds == {
        "is_dark": "brightness",
        "is_light": "brightness",
        "is_blurry": "sharpness",
    }
    settable = {c for c, d in described.items() if d.setter is not None}
    assert settable == {
        "brightness", "dark_share", "light_share", "shadows", "highlights", "contrast",
        "dynamic_range", "sharpness", "blur", "noise", "edge_density",
        "centre_border_contrast", "border_uniformity", "object_fill",
    }  # fmt: skip
    fixed = {c for c, d in described.items() if not d.transformable and d.kind != "quality"}
    assert fixed == {"width", "height", "megapixels", "aspect_ratio", "file_size", "jpeg_quality"}


def test_measure_images_measures_as_the_stage_and_at_full_size(photo):
    full = measure_images([photo], ["brightness", "sharpness", "width"], full_size=True)
    assert full[0, :2].tolist() == [
        stack_properties(photo[None])["brightness"][0],
        stack_properties(photo[None])["sharpness"][0],
    ]
    assert full[0, 2] == photo.shape[1]
    thumb = measure_images([photo], ["sharpness"])  # on the 64 px thumbnail, as analyze does
    assert thumb[0, 0] != full[0, 1]
    with pytest.raises(
        weakspot.InputError, match=r"No registered property extractor fills .*'redness_typo'"
    ):
        measure_images([photo], ["redness_typo"])


class _Base:
    name = "described"
    version = "1"

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        return {c: np.zeros(len(batch)) for c in self.columns}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"v": "Value"}, r"describes column 'v' by 'Value'; give a .*PropertyDescriptor"),
        ({"v": PropertyDescriptor("V", "", kind="visual")}, r"kind 'visual' is not one of"),  # type: ignore[arg-type]
        ({"v": PropertyDescriptor("V", "", degraded="down")}, r"degraded 'down' is not one of"),  # type: ignore[arg-type]
        (
            {
                "v": PropertyDescriptor(
                    "V", "", setter=PropertySetter(lambda im, s, r: im, (1.0, 0.0))
                )
            },
            r"the setter's strengths \(1.0, 0.0\) are not \(low, high\) numbers",
        ),
        (
            {"is_dark": ("Dark", "0/1")},
            r"fills column\(s\) \['is_dark'\] that the image stage's quality flags already fill",
        ),
    ],
)
def test_a_bad_descriptor_is_named_at_registration(columns, message):
    bad = type("Bad", (_Base,), {"columns": columns})
    with pytest.raises(weakspot.InputError, match=message):
        register_property_extractor(bad)
    assert "described" not in PROPERTY_EXTRACTORS


def test_a_renamed_property_keeps_its_descriptor():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(60, 16, 16), dtype=np.uint8)
    frame = pd.DataFrame(
        {
            "label": rng.choice(["a", "b"], 60),
            "prediction": rng.choice(["a", "b"], 60),
            "brightness": rng.random(60),  # the user's own column takes the name
        }
    )
    analysis = weakspot.analyze(frame, images=images, embed=None)
    assert analysis.features.descriptors["image_brightness"].word(False) == "dark"
    assert "brightness" not in analysis.features.descriptors


# -- the documented Redness extractor ---------------------------------------------------------


def _documented_redness() -> type:
    """The example of `weakspot.features.images._extractors`' docstring, run as written: it
    defines `tint_red` and registers `Redness`."""
    doc = sys.modules[register_property_extractor.__module__].__doc__ or ""
    code = textwrap.dedent(doc.split("::\n", 1)[1].split("\nA bare", 1)[0])
    namespace = {
        "np": np,
        "ImageBatch": ImageBatch,
        "PropertyDescriptor": PropertyDescriptor,
        "PropertySetter": PropertySetter,
        "register_property_extractor": register_property_extractor,
    }
    exec(code, namespace)  # the documented example, so that the docs cannot drift from it
    return namespace["Redness"]


@pytest.fixture
def redness():
    cls = _documented_redness()
    yield cls
    PROPERTY_EXTRACTORS.pop(cls.name)


def _red_task(n: int = 600, seed: int = 0):
    """RGB images, label 1 with a bright left half and label 0 with a bright right half; the
    images from camera C (about 12%) are given a red cast that keeps their luminance, and
    `red_blind` fails on them. Every image has a small red
    patch of its own, so that redness varies outside the camera too."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.5).astype(int)
    camera = rng.choice(["A", "B", "C"], n, p=[0.44, 0.44, 0.12])
    images = np.empty((n, 24, 24, 3), np.uint8)
    for i in range(n):
        grey = np.empty((24, 24), np.float32)
        hi, lo = rng.uniform(120, 160), rng.uniform(50, 80)
        grey[:, :12], grey[:, 12:] = (hi, lo) if labels[i] else (lo, hi)
        rgb = np.stack([grey] * 3, axis=-1) + rng.normal(0, 6, (24, 24, 3))
        red = np.zeros((24, 24), dtype=bool)
        side = rng.integers(0, 10)
        red[:side, :side] = True
        if camera[i] == "C":
            red[:] = True
        # a red cast at equal luminance: R up by 80, G and B down by 80 * 0.299 / 0.701
        rgb[red] += np.array([80.0, -80 * 0.299 / 0.701, -80 * 0.299 / 0.701])
        images[i] = np.clip(rgb, 0, 255).astype(np.uint8)
    return images, labels.astype(str), camera


def red_blind(images: np.ndarray) -> np.ndarray:
    """Reads the halves' luminance, but the other way round on a red image."""
    x = images.astype(np.float32)
    excess = (x[..., 0] - x[..., 1:].max(axis=-1)).mean(axis=(1, 2))
    luma = x @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    left = luma[:, :, : luma.shape[2] // 2].mean(axis=(1, 2))
    right = luma[:, :, luma.shape[2] // 2 :].mean(axis=(1, 2))
    return np.where((left > right) != (excess > 30), "1", "0")


@pytest.mark.slow  # an analysis with its augmentation search, then perturb: about 20 s
def test_the_documented_redness_is_a_look_a_quality_cause_and_settable(tmp_path, redness):
    images, labels, camera = _red_task()
    predictions = red_blind(images)
    wrong = predictions != labels
    assert wrong[camera == "C"].mean() > 0.35 and wrong[camera != "C"].mean() < 0.02
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    analysis = weakspot.analyze(frame, images=images, embed=None)
    assert analysis.features.kinds["red_share"] == "property"
    assert feature_kinds(["red_share"], image_columns=["red_share"]) == {
        "red_share": "photographic"
    }

    mode = analysis.failure_modes[0]
    members = np.zeros(len(labels), dtype=bool)
    members[mode.members] = True
    assert (members == (camera == "C")).mean() > 0.95
    # (a) named as a look, in the descriptor's words
    assert mode.rule is not None and "red_share" in [c.feature for c in mode.rule]
    head = mode.mechanism.split(":")[0]
    assert re.search(r" are (\w[\w ]* and )?red\b", head), mode.mechanism
    assert "share of red pixels" in mode.mechanism
    # (b) counted by the image-quality diagnosis, in its degraded direction (higher)
    quality = next(d for d in mode.diagnoses if d.cause == "image_quality")
    assert quality.evidence["property"]["feature"] == "red_share"
    assert quality.evidence["property"]["share"] > 0.9 and quality.confidence > 0.5

    # (c) set by perturb: outside images pushed to the mode's redness fail as the mode does
    paths = []
    for i, pixels in enumerate(images):
        Image.fromarray(pixels).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    data = frame.assign(id=[f"e{i}" for i in range(len(frame))], image=paths)
    records = weakspot.perturb(
        analysis, red_blind, data=data, out=tmp_path / "results", modes=[mode.id], max_images=120
    )
    (record,) = records
    assert record["property"] == "red_share"
    assert record["verdict"] == "sensitive to red_share"
    assert record["error_rate_after"] > record["error_rate_before"] + 0.3


def test_without_its_extractor_the_column_is_no_settable_property(tmp_path):
    from weakspot.verify._perturb import settable_condition

    assert settable_condition([{"feature": "red_share", "op": ">", "value": 0.5}]) is None
    cls = _documented_redness()
    try:
        condition = {"feature": "red_share", "op": ">", "value": 0.5}
        assert settable_condition([condition]) is condition
    finally:
        PROPERTY_EXTRACTORS.pop(cls.name)
