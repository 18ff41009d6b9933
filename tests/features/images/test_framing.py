"""object_fill: how much of the frame the object fills, with known answers, its setter, and a
planted task whose small objects fail, titled "images small in the frame"."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import weakspot
from weakspot.features.images import property_descriptors
from weakspot.features.images._framing import object_fill, shrink


def _square(side: int, canvas: int = 64, value: int = 200, background: int = 0) -> np.ndarray:
    image = np.full((canvas, canvas), background, np.uint8)
    top = (canvas - side) // 2
    image[top : top + side, top : top + side] = value
    return image


@pytest.mark.parametrize(("side", "background"), [(8, 0), (16, 0), (32, 255), (52, 0)])
def test_a_square_on_a_plain_canvas_fills_its_area(side, background):
    value = 60 if background else 200
    fill = object_fill(_square(side, value=value, background=background)[None])[0]
    # the 3x3 smoothing that removes noise may widen the box by a pixel on each side
    assert (side / 64) ** 2 <= fill <= ((side + 2) / 64) ** 2


def test_a_blank_or_noisy_image_has_no_object():
    rng = np.random.default_rng(0)
    noise = np.clip(rng.normal(128, 10, (3, 64, 64)), 0, 255).astype(np.uint8)
    assert object_fill(np.zeros((2, 64, 64), np.uint8)).tolist() == [0.0, 0.0]
    assert object_fill(noise).tolist() == [0.0, 0.0, 0.0]


def test_colour_thumbnails_are_measured_on_their_luminance():
    grey = _square(16)
    rgb = np.stack([grey] * 3, axis=-1)[None]
    assert object_fill(rgb)[0] == pytest.approx(object_fill(grey[None])[0])


def test_shrinking_lowers_the_fill_monotonically_onto_the_background():
    rng = np.random.default_rng(0)
    image = _square(48, background=30)
    fills = [object_fill(shrink(image, s, rng)[None])[0] for s in (1.0, 0.8, 0.5, 0.25)]
    assert fills == sorted(fills, reverse=True) and fills[-1] < 0.05
    assert shrink(image, 0.5, rng)[0, 0] == 30  # the canvas keeps its background colour
    assert shrink(image, 1.0, rng) is image


def test_the_descriptor_reads_as_content_in_words_and_can_be_set():
    descriptor = property_descriptors()["object_fill"]
    assert descriptor.kind == "content" and descriptor.degraded == "low"
    assert descriptor.word(False) == "small in the frame"
    assert descriptor.setter is not None and descriptor.setter.strengths == (0.1, 1.0)


def _small_objects_task(n: int = 500, seed: int = 0):
    """Fashion-MNIST-like blobs on 48-pixel canvases; a fifth of them drawn small (from one
    unnamed source), and the model fails 45% of the small ones against 8% of the rest."""
    rng = np.random.default_rng(seed)
    small = rng.random(n) < 0.2
    images = np.zeros((n, 48, 48), np.uint8)
    for i in range(n):
        side = int(rng.integers(8, 12)) if small[i] else int(rng.integers(30, 44))
        blob = rng.integers(120, 255, (side, side)).astype(np.uint8)
        top, left = rng.integers(0, 48 - side + 1, 2)
        images[i, top : top + side, left : left + side] = blob
    labels = rng.choice(["bag", "coat"], n)
    wrong = rng.random(n) < np.where(small, 0.45, 0.08)
    predictions = np.where(wrong, np.where(labels == "bag", "coat", "bag"), labels)
    return images, labels, predictions, small


def test_small_objects_that_fail_are_titled_by_their_size_in_the_frame():
    images, labels, predictions, small = _small_objects_task()
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    analysis = weakspot.analyze(frame, images=images, embed=None, methods=["lattice"])
    mode = analysis.failure_modes[0]
    members = np.zeros(len(labels), dtype=bool)
    members[mode.members] = True
    assert (members == small).mean() > 0.95
    assert mode.title.startswith("images small in the frame (object_fill < "), mode.title
    assert [c.feature for c in mode.rule] == ["object_fill"]


def test_a_scene_whose_content_reaches_its_edges_fills_its_frame(tmp_path):
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)  # large blobs of colour everywhere
    scene = Image.fromarray(coarse).resize((96, 96), Image.Resampling.BICUBIC)
    scene.save(tmp_path / "a.png")
    frame = pd.DataFrame({"label": ["x"], "prediction": ["x"]})
    features = weakspot.features.images.extract_image_features(
        [str(tmp_path / "a.png")], labels=frame["label"], embed=None
    )
    assert features.properties["object_fill"].iloc[0] > 0.9
