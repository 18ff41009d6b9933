"""Each property on synthetic images with a known answer."""

from __future__ import annotations

import _reference_properties as reference
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image, ImageFilter

from weakspot.features.images import PROPERTY_COLUMNS, _properties, extract_image_features
from weakspot.features.images._properties import stack_properties


def props(images: np.ndarray):
    return extract_image_features(images, embed=None).properties


def test_at_least_twenty_snake_case_columns_with_units():
    assert len(PROPERTY_COLUMNS) >= 20
    for name, (human, unit) in PROPERTY_COLUMNS.items():
        assert name == name.lower() and " " not in name
        assert human and unit


@pytest.mark.parametrize("value", [0, 128, 255])
def test_constant_image_has_no_contrast_texture_or_information(value):
    p = props(np.full((2, 40, 50), value, dtype=np.uint8)).iloc[0]
    assert p["brightness"] == pytest.approx(value / 255, abs=1e-6)
    for name in ("contrast", "dynamic_range", "sharpness", "noise", "edge_density", "entropy"):
        assert p[name] == pytest.approx(0.0, abs=1e-6), name
    assert p["blur"] == 1.0
    assert p["border_uniformity"] == pytest.approx(1.0)
    assert p["clipping"] == (1.0 if value in (0, 255) else 0.0)


def test_half_black_half_white():
    img = np.zeros((1, 40, 40), dtype=np.uint8)
    img[:, :, 20:] = 255
    p = props(img).iloc[0]
    assert p["brightness"] == pytest.approx(0.5)
    assert p["contrast"] == pytest.approx(0.5, abs=1e-6)
    assert p["dark_share"] == pytest.approx(0.5)
    assert p["light_share"] == pytest.approx(0.5)
    assert p["entropy"] == pytest.approx(1.0)
    assert p["dynamic_range"] == pytest.approx(1.0)
    assert p["clipping"] == pytest.approx(1.0)


def test_darkened_copy_is_darker(photo):
    p = props(np.stack([photo, (photo * 0.4).astype(np.uint8)]))
    assert p.loc[1, "brightness"] == pytest.approx(0.4 * p.loc[0, "brightness"], rel=0.02)
    assert p.loc[1, "highlights"] < p.loc[0, "highlights"]


def test_blurred_copy_is_less_sharp(photo):
    blurred = np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(2)))
    p = props(np.stack([photo, blurred]))
    assert p.loc[1, "sharpness"] < 0.5 * p.loc[0, "sharpness"]
    assert p.loc[1, "blur"] > p.loc[0, "blur"]
    assert p.loc[1, "noise"] < p.loc[0, "noise"]


def test_noise_estimate_matches_added_gaussian_noise():
    rng = np.random.default_rng(1)
    flat = np.full((1, 64, 64), 128.0) + rng.normal(0, 12.75, (1, 64, 64))
    p = props(np.clip(flat, 0, 255).astype(np.uint8)).iloc[0]
    assert p["noise"] == pytest.approx(12.75 / 255, rel=0.1)


def test_pure_colours():
    red = np.zeros((1, 30, 30, 3), dtype=np.uint8)
    red[..., 0] = 255
    p = props(red).iloc[0]
    assert p["saturation"] == pytest.approx(1.0)
    assert p["dominant_hue"] == pytest.approx(15.0)  # centre of the 0-30 degree bin
    assert p["grayscale"] == 0.0
    assert (p["mean_red"], p["mean_green"], p["mean_blue"]) == pytest.approx((1, 0, 0))
    # Hasler-Suesstrunk on 0-1 channels: rg = 1, yb = 0.5, no spread.
    assert p["colourfulness"] == pytest.approx(0.3 * np.hypot(1.0, 0.5))


def test_grey_image_in_rgb_is_grayscale():
    grey = np.repeat(np.linspace(0, 255, 900).reshape(1, 30, 30, 1), 3, axis=3).astype(np.uint8)
    p = props(grey).iloc[0]
    assert p["grayscale"] == 1.0
    assert p["saturation"] == 0.0
    assert np.isnan(p["dominant_hue"])


def test_centre_border_contrast_and_geometry():
    img = np.zeros((1, 40, 60), dtype=np.uint8)
    img[:, 10:30, 15:45] = 255
    p = props(img).iloc[0]
    assert p["centre_border_contrast"] == pytest.approx(1.0)
    assert (p["width"], p["height"]) == (60, 40)
    assert p["aspect_ratio"] == pytest.approx(1.5)
    assert p["megapixels"] == pytest.approx(60 * 40 / 1e6)
    assert np.isnan(p["file_size"]) and np.isnan(p["jpeg_quality"])


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.uint8, st.tuples(st.integers(1, 3), st.integers(3, 20), st.integers(3, 20), st.just(3))
    )
)
def test_shares_and_bounded_properties_stay_in_range(stack):
    values = stack_properties(stack)
    for name in (
        "dark_share",
        "light_share",
        "clipping",
        "saturation",
        "grayscale",
        "blur",
        "edge_density",
        "border_uniformity",
        "brightness",
        "dynamic_range",
    ):
        assert np.all((values[name] >= -1e-6) & (values[name] <= 1 + 1e-6)), name
    assert np.all((values["entropy"] >= -1e-9) & (values["entropy"] <= 8 + 1e-9))
    assert np.all(values["contrast"] <= 0.5 + 1e-6)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from([None, 3]),
    st.sampled_from(["uniform", "few", "smooth"]),
    st.integers(0, 2**16),
)
def test_fast_properties_equal_the_plain_float32_formulas(n, h, w, channels, kind, seed):
    rng = np.random.default_rng(seed)
    shape = (n, h, w) if channels is None else (n, h, w, channels)
    if kind == "uniform":
        stack = rng.integers(0, 256, shape, dtype=np.uint8)
    elif kind == "few":  # many ties at the edge threshold (level differences of 51)
        stack = rng.choice(np.array([0, 51, 102, 204, 255], dtype=np.uint8), shape)
    else:
        stack = np.clip(np.cumsum(rng.integers(-3, 4, shape), axis=1) + 128, 0, 255)
        stack = stack.astype(np.uint8)
    fast, plain = stack_properties(stack), reference.stack_properties(stack)
    for name, expected in plain.items():
        if name in _COUNTED:  # histogram, lookup and count properties: identical
            np.testing.assert_array_equal(fast[name], expected, err_msg=name)
        else:  # sums: the old float32 reductions carry ~1e-7 relative error
            np.testing.assert_allclose(fast[name], expected, rtol=1e-5, atol=5e-6, err_msg=name)


_COUNTED = [
    "dark_share",
    "light_share",
    "shadows",
    "highlights",
    "dynamic_range",
    "clipping",
    "entropy",
    "saturation",
    "dominant_hue",
    "grayscale",
    "edge_density",
]


@pytest.mark.parametrize("channels", [0, 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_stack_measured_in_pieces_equals_one_pass(channels, seed):
    # 70 colour 64 x 48 thumbnails are measured in pieces of 28 (PIECE_VALUES), grey ones in
    # one piece; every value must be the one a single pass over the stack gives, bit for bit.
    rng = np.random.default_rng(seed)
    shape = (70, 48, 64, channels) if channels else (70, 48, 64)
    stack = rng.integers(0, 256, shape, dtype=np.uint8)
    stack[5] = 0  # a flat image: NaN hue, zero spread
    stack[40] = stack[40] // 64 * 64  # few levels: ties in the percentiles and edges
    one_pass = _properties._colour_stack(stack) if channels else _properties._grey_stack(stack)
    pieces = stack_properties(stack)
    assert set(pieces) == set(one_pass)
    for name, column in one_pass.items():
        np.testing.assert_array_equal(pieces[name], np.asarray(column, np.float64), err_msg=name)


def _float_hue_bins(planes: tuple[np.ndarray, ...]) -> np.ndarray:
    """The hue bin of each pixel by the float32 formula of docs/images.md (the reference's)."""
    r, g, b = (_properties._LEVEL[p] for p in planes)
    top = np.maximum(np.maximum(r, g), b)
    chroma = top - np.minimum(np.minimum(r, g), b)
    with np.errstate(divide="ignore", invalid="ignore"):
        hue = np.where(
            top == r,
            ((g - b) / chroma) % 6,
            np.where(top == g, (b - r) / chroma + 2, (r - g) / chroma + 4),
        )
    return np.clip((np.nan_to_num(hue) * 2).astype(np.int64), 0, 11)


def test_hue_bins_of_every_colour_are_the_float_formulas():
    # All 2^24 colours, 16 red levels at a time; only chroma > 0 matters (coloured pixels).
    levels = np.arange(256, dtype=np.uint8)
    for first in range(0, 256, 16):
        r, g, b = (
            a.ravel()
            for a in np.meshgrid(levels[first : first + 16], levels, levels, indexing="ij")
        )
        top = np.maximum(np.maximum(r, g), b)
        low = np.minimum(np.minimum(r, g), b)
        keep = top > low
        planes = tuple(a[keep] for a in (r, g, b))
        fast = _properties._hue_bins(*planes, top[keep], low[keep])
        np.testing.assert_array_equal(fast, _float_hue_bins(planes), err_msg=f"red {first}+")
