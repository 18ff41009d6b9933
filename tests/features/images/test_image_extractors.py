"""A property extractor a user registers: its column is measured, cached and sliced on."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import weakspot
from weakspot.features.images import (
    PROPERTY_EXTRACTORS,
    ImageBatch,
    extract_image_features,
    register_property_extractor,
)


class CornerMark:
    """1 where the top-left pixel is even: an invisible watermark no built-in property sees."""

    name: ClassVar[str] = "corner_mark"
    version: ClassVar[str] = "1"
    columns: ClassVar[dict[str, tuple[str, str]]] = {"corner_mark": ("Watermarked corner", "0/1")}

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        marks = [float(int(np.asarray(d.thumb)[0, 0]) % 2 == 0) for d in batch.decoded]
        return {"corner_mark": np.array(marks)}


@pytest.fixture
def corner_mark():
    register_property_extractor(CornerMark)
    yield CornerMark
    PROPERTY_EXTRACTORS.pop(CornerMark.name)


def _task(n: int = 400, seed: int = 0):
    """Grey noise images; a quarter carry the watermark and fail 60% of the time."""
    rng = np.random.default_rng(seed)
    images = rng.integers(60, 140, size=(n, 32, 32), dtype=np.uint8)
    marked = rng.random(n) < 0.25
    images[:, 0, 0] = np.where(marked, 100, 101)
    labels = rng.choice(["a", "b"], n)
    wrong = rng.random(n) < np.where(marked, 0.6, 0.05)
    predictions = np.where(wrong, np.where(labels == "a", "b", "a"), labels)
    return images, pd.DataFrame({"label": labels, "prediction": predictions}), marked


def test_a_registered_extractor_fills_its_column(corner_mark):
    images, _, marked = _task(60)
    features = extract_image_features(images, embed=None)
    assert features.properties["corner_mark"].to_numpy().tolist() == marked.astype(float).tolist()
    assert features.columns["corner_mark"] == ("Watermarked corner", "0/1")
    assert "brightness" in features.properties.columns  # the built-in properties stay


def test_its_column_appears_in_the_slices(corner_mark):
    images, frame, marked = _task()
    analysis = weakspot.analyze(frame, images=images, embed=None)
    assert "corner_mark" in analysis.binned.names
    top = analysis.slices[0]
    assert "corner_mark" in top.rule()
    assert set(top.members.tolist()) == set(np.flatnonzero(marked).tolist())


def test_the_cache_key_changes_with_the_extractors(tmp_path, corner_mark):
    images, _, _ = _task(40)
    extract_image_features(images, embed=None, cache_dir=tmp_path)
    PROPERTY_EXTRACTORS.pop(CornerMark.name)
    try:
        plain = extract_image_features(images, embed=None, cache_dir=tmp_path)
        assert plain.n_cached == 0 and "corner_mark" not in plain.properties.columns
    finally:
        register_property_extractor(CornerMark)
    again = extract_image_features(images, embed=None, cache_dir=tmp_path)
    assert again.n_cached == 40 and "corner_mark" in again.properties.columns


def test_an_extractor_may_not_take_another_ones_column():
    class Brightness2(CornerMark):
        name: ClassVar[str] = "brightness_again"
        columns: ClassVar[dict[str, tuple[str, str]]] = {"brightness": ("Brightness", "0-1")}

    with pytest.raises(weakspot.InputError, match="already fills"):
        register_property_extractor(Brightness2)
    assert "brightness_again" not in PROPERTY_EXTRACTORS


def test_an_extractor_returning_the_wrong_shape_is_named():
    class Short(CornerMark):
        name: ClassVar[str] = "short"
        columns: ClassVar[dict[str, tuple[str, str]]] = {"short_value": ("Short", "")}

        def measure(self, batch):
            return {"short_value": np.zeros(len(batch) - 1)}

    register_property_extractor(Short)
    try:
        with pytest.raises(weakspot.InputError, match=r"'short' returned shape \(9,\)"):
            extract_image_features(_task(10)[0], embed=None)
    finally:
        PROPERTY_EXTRACTORS.pop("short")
