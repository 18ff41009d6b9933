"""Slices of boxes: a planted group of missed objects is found and named, scenes without one
report nothing, pixels add the crops' properties, and bad options are refused by name."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from weakspot import InputError, find_box_slices
from weakspot.tasks.detection import FALSE_POSITIVE_VIEW, MISSED_VIEW

from .scenes import make_scene


def _upper_area(rule: str) -> float | None:
    """The upper bound a rule puts on the area (``area < 1200``), if any."""
    found = re.search(r"area (?:< |in \[[\d.e+]+, )([\d.e+]+)", rule)
    return float(found.group(1)) if found else None


def test_planted_small_cats_are_found_and_named():
    scene = make_scene(1, planted_miss_rate=0.9)
    result = find_box_slices(scene.ground_truth, scene.detections, scene.metadata)
    misses = [s for s in result.slices if s.view == MISSED_VIEW]
    assert misses, result.to_frame()
    top = misses[0]
    rule = top.rule
    assert "category == cat" in rule
    bound = _upper_area(rule)
    assert "size == small" in rule or (bound is not None and bound <= 1.5 * 32**2), rule
    n_gt = len(scene.ground_truth)
    members = top.slice.members[top.slice.members < n_gt]
    planted = np.flatnonzero(scene.planted)
    jaccard = len(np.intersect1d(members, planted)) / len(np.union1d(members, planted))
    assert jaccard >= 0.7
    assert top.metric == "recall" and top.inside < 0.3 and top.outside > 0.7
    low, high = top.clustered_metric_ci
    assert low <= top.inside <= high
    assert top.clustered.p_value < 1e-6 and top.cluster_q_value < 1e-6
    assert top.ap50_gain > 0.02
    assert set(top.error_types) == {"missed"}
    assert "recall" in top.describe() and "AP50" in top.describe()
    # the false positives are drawn alike everywhere: none of their slices is reported
    assert not [s for s in result.slices if s.view == FALSE_POSITIVE_VIEW]
    frame = result.to_frame()
    assert frame.loc[0, "view"] == MISSED_VIEW and frame.loc[0, "rule"] == rule
    assert set(result.error_type_costs) >= {"missed", "background"}


def _reported(seed: int) -> list[str]:
    scene = make_scene(seed)
    result = find_box_slices(scene.ground_truth, scene.detections, scene.metadata)
    return [f"{s.view}: {s.rule}" for s in result.slices]


@pytest.mark.parametrize("seed", [101, 102])
def test_no_planted_failure_reports_nothing(seed):
    assert _reported(seed) == []


@pytest.mark.slow
def test_no_planted_failure_reports_nothing_over_seeds():
    """The null over 20 seeds: both views' hypotheses form one family held at a false
    discovery rate of 0.05, so at most one scene in 20 may report a chance slice."""
    reported = {seed: _reported(seed) for seed in range(200, 220)}
    assert sum(bool(r) for r in reported.values()) <= 1, reported


def test_pixels_name_the_dark_objects(tmp_path):
    scene = make_scene(3, n_images=40, dark_share=0.3, planted_miss_rate=0.8, folder=tmp_path)
    result = find_box_slices(scene.ground_truth, scene.detections, scene.metadata, images=tmp_path)
    frame = result.table.frame
    assert {"crop_brightness", "crop_contrast", "image_brightness"} <= set(frame.columns)
    n_gt = len(scene.ground_truth)
    brightness = frame["crop_brightness"].to_numpy()[:n_gt]
    # objects overlap, so a few crops of dark objects hold a bright one painted over them
    assert np.median(brightness[scene.planted]) < 0.25 < 0.6 < np.median(brightness[~scene.planted])
    assert not any("No pixels" in note for note in result.notes)
    top = next(s for s in result.slices if s.view == MISSED_VIEW)
    assert top.rule.startswith("crop_brightness <"), top.rule


def test_without_pixels_a_note_says_so():
    scene = make_scene(5, n_images=20)
    result = find_box_slices(scene.ground_truth, scene.detections)
    assert any("No pixels given (images=)" in note for note in result.notes)
    assert not [c for c in result.table.frame.columns if c.startswith("crop_")]


def test_an_unreadable_image_is_named(tmp_path):
    scene = make_scene(5, n_images=20, folder=tmp_path)
    (tmp_path / "img004.png").write_bytes(b"not an image")
    result = find_box_slices(scene.ground_truth, scene.detections, images=tmp_path)
    assert any("1 images could not be read" in n and "img004.png" in n for n in result.notes)
    frame = result.table.frame
    assert frame.loc[frame["image_id"] == "img004", "crop_brightness"].isna().all()
    assert frame.loc[frame["image_id"] == "img005", "crop_brightness"].notna().all()


def test_results_repeat_for_the_same_inputs():
    scene = make_scene(1, n_images=50, planted_miss_rate=0.9)
    first = find_box_slices(scene.ground_truth, scene.detections, scene.metadata).to_frame()
    second = find_box_slices(scene.ground_truth, scene.detections, scene.metadata).to_frame()
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": "/no/such/folder"}, "is not a folder"),
        ({"exclude": ["brightness"]}, r"exclude= names \['brightness'\]"),
    ],
)
def test_bad_options_are_refused(kwargs, message):
    scene = make_scene(5, n_images=10)
    with pytest.raises(InputError, match=message):
        find_box_slices(scene.ground_truth, scene.detections, **kwargs)
