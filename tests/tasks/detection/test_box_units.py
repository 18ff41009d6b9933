"""The box as the unit: the two views, the AP50 a fix gains (TIDE's fixes, by hand and on the
COCO fixture), and rates with images as clusters (by hand and by simulation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weakspot import InputError
from weakspot.stats import excess_error_p_value
from weakspot.tasks.detection import (
    FALSE_POSITIVE_VIEW,
    MISSED_VIEW,
    DetectionOutcomes,
    ap50_after_fixing,
    box_table,
    clustered_rates,
    detections_from_predictions,
    error_type_costs,
    ground_truth_from_targets,
    match_detections,
    read_coco_detections,
    read_coco_ground_truth,
)

CAT, DOG = 1, 2
R = 101  # COCO's recall thresholds


@pytest.fixture
def coco_match(coco_fixture):
    gt = read_coco_ground_truth(coco_fixture / "instances_val2014_100.json")
    dt = read_coco_detections(coco_fixture / "instances_val2014_fakebbox100_results.json", gt)
    return gt, dt, match_detections(gt, dt)


def test_views_cover_the_boxes_and_the_detections(coco_match):
    gt, dt, match = coco_match
    outcomes = DetectionOutcomes.from_frame(box_table(gt, dt, match.boxes).frame)
    assert outcomes.unit == "box" and outcomes.task == "detection" and outcomes.binary
    missed, false_positive = outcomes.views()
    assert (missed.name, false_positive.name) == (MISSED_VIEW, FALSE_POSITIVE_VIEW)
    # 649 found + 181 missed (9 crowd boxes are covered by no view); 649 TP + 85 FP
    assert missed.covers.sum() == 830 and outcomes.loss[missed.covers].sum() == 181
    assert false_positive.covers.sum() == 734 and outcomes.loss[false_positive.covers].sum() == 85
    assert not (missed.covers & false_positive.covers).any()
    rows = np.flatnonzero(missed.covers)[:10]
    taken = outcomes.take(rows)
    assert [v.name for v in taken.views()] == [MISSED_VIEW]
    np.testing.assert_array_equal(taken.image, outcomes.image[rows])


def test_a_table_without_outcome_columns_is_refused():
    with pytest.raises(InputError, match=r"\['outcome', 'error_type'\] are missing"):
        DetectionOutcomes.from_frame(pd.DataFrame({"unit": ["detection"], "image_id": [1]}))


def _scene(boxes, labels, detections):
    gt = ground_truth_from_targets(
        [{"boxes": boxes, "labels": labels}], ["img"], {CAT: "cat", DOG: "dog"}, sizes=[(500, 500)]
    )
    dt = detections_from_predictions([detections], gt, image_ids=["img"], min_score=0)
    return match_detections(gt, dt)


def test_fixing_a_plain_miss_takes_it_out_of_the_ground_truth():
    # two cats, one found at 0.9, one missed: precision 1 up to recall 0.5
    match = _scene(
        [[0, 0, 100, 100], [200, 200, 300, 300]],
        [CAT, CAT],
        {"boxes": [[0, 0, 100, 100]], "scores": [0.9], "labels": [CAT]},
    )
    assert match.summary.ap50 == pytest.approx(51 / R)
    assert ap50_after_fixing(match) == match.summary.ap50
    assert ap50_after_fixing(match, boxes=np.array([False, True])) == pytest.approx(1.0)
    # fixing the found box changes nothing
    assert ap50_after_fixing(match, boxes=np.array([True, False])) == match.summary.ap50


def test_fixing_a_background_error_removes_it():
    match = _scene(
        [[0, 0, 100, 100]],
        [CAT],
        {
            "boxes": [[0, 0, 100, 100], [300, 300, 350, 350]],
            "scores": [0.5, 0.9],
            "labels": [CAT, CAT],
        },
    )
    # the false positive ranks first: precision 1/2 at recall 1
    assert match.summary.ap50 == pytest.approx(0.5)
    assert match.boxes.det_error.tolist() == ["", "background"]
    assert ap50_after_fixing(match, detections=np.array([False, True])) == pytest.approx(1.0)
    assert error_type_costs(match)["background"] == pytest.approx(0.5)


def test_fixing_a_classification_error_finds_its_box():
    # a dog seen as a cat: the cat detection is a false positive, the dog is missed
    match = _scene(
        [[0, 0, 100, 100], [200, 200, 300, 300]],
        [CAT, DOG],
        {
            "boxes": [[0, 0, 100, 100], [200, 200, 300, 300]],
            "scores": [0.9, 0.8],
            "labels": [CAT, CAT],
        },
    )
    assert match.boxes.gt_error.tolist() == ["", "classification"]
    # cat: precision 1 then 1/2 at recall 1 -> 1.0 (interpolated); dog: no detection -> 0
    assert match.summary.ap50 == pytest.approx(0.5)
    fixed_by_box = ap50_after_fixing(match, boxes=np.array([False, True]))
    fixed_by_detection = ap50_after_fixing(match, detections=np.array([False, True]))
    assert fixed_by_box == fixed_by_detection == pytest.approx(1.0)


def test_fixing_a_localisation_error_of_a_found_box_removes_it():
    # the box is found at 0.9; a poorly placed second cat at 0.95 is a localisation error
    # of a box already found, so its fix removes it
    match = _scene(
        [[0, 0, 100, 100]],
        [CAT],
        {"boxes": [[0, 0, 100, 100], [0, 0, 50, 60]], "scores": [0.9, 0.95], "labels": [CAT, CAT]},
    )
    assert match.boxes.det_error.tolist() == ["", "localisation"]
    assert ap50_after_fixing(match, detections=np.array([False, True])) == pytest.approx(1.0)


def test_coco_fixture_fixes(coco_match):
    gt, dt, match = coco_match
    assert ap50_after_fixing(match) == match.summary.ap50  # to the bit: the same sums
    everything = ap50_after_fixing(
        match, boxes=np.ones(len(gt), bool), detections=np.ones(len(dt), bool)
    )
    assert everything == pytest.approx(1.0)
    costs = error_type_costs(match)
    assert set(costs) == {
        "missed",
        "localisation",
        "classification",
        "duplicate",
        "background",
        "both",
    }
    # this fixture's false positives are class swaps (83 of 85); its misses the rest
    assert costs["classification"] == pytest.approx(0.1676, abs=1e-4)
    assert costs["missed"] == pytest.approx(0.1052, abs=1e-4)
    assert costs["background"] == costs["both"] == 0.0


def test_clustered_rates_by_hand():
    # image 1: the slice's two boxes, both missed; image 2: one slice box found and the rest
    errors = np.array([1, 1, 0, 0, 0, 1, 0])
    inside = np.array([True, True, True, False, False, False, False])
    images = np.array([1, 1, 2, 2, 3, 3, 4])
    rates = clustered_rates(errors, inside, images)
    assert rates.rate == pytest.approx(2 / 3) and rates.rest_rate == pytest.approx(1 / 4)
    assert rates.n_images == 4
    # linearised contributions inside: ((2 - 2/3 * 2) / 3, (0 - 2/3) / 3, 0, 0)
    inside_terms = np.array([2 / 9, -2 / 9, 0, 0])
    outside_terms = np.array([0, -1 / 16, (1 - 1 / 2) / 4, -1 / 16])
    spread = np.sqrt(4 / 3 * np.sum((inside_terms - outside_terms) ** 2))
    from scipy.stats import t

    assert rates.p_value == pytest.approx(t.sf((2 / 3 - 1 / 4) / spread, 3))
    assert rates.design_effect == pytest.approx(
        max(4 / 3 * np.sum(inside_terms**2) / ((2 / 3) * (1 / 3) / 3), 1.0)
    )
    low, high = rates.ci
    assert low < rates.rate < high


def test_one_box_per_image_is_nearly_independent():
    rng = np.random.default_rng(0)
    errors = (rng.random(400) < 0.3).astype(float)
    inside = rng.random(400) < 0.5
    rates = clustered_rates(errors, inside, np.arange(400))
    assert rates.design_effect == pytest.approx(400 / 399, rel=0.05)


def test_images_as_clusters_hold_the_level_where_boxes_do_not():
    """Each image has its own miss rate (some images are hard) and a camera drawn at random:
    no camera misses more. Counting boxes as independent finds the camera significant three
    times as often as its 5% level; the image-cluster test holds it."""
    rng = np.random.default_rng(7)
    box_rejects = cluster_rejects = 0
    runs = 300
    for _ in range(runs):
        n_images = 60
        per_image = rng.integers(2, 15, size=n_images)
        difficulty = rng.beta(0.5, 1.5, size=n_images)
        camera = rng.random(n_images) < 0.5
        images = np.repeat(np.arange(n_images), per_image)
        errors = (rng.random(len(images)) < difficulty[images]).astype(np.int8)
        inside = camera[images]
        box_p = excess_error_p_value(
            np.array([errors[inside].sum()]),
            np.array([inside.sum()]),
            int(errors.sum()),
            len(errors),
        )[0]
        box_rejects += box_p < 0.05
        cluster_rejects += clustered_rates(errors, inside, images).p_value < 0.05
    # seed 7: 49 of 300 (16%) with boxes as units, 15 of 300 (5%) with images as clusters
    assert box_rejects / runs > 0.1
    assert cluster_rejects / runs < 0.08


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1))
def test_fixing_nothing_is_coco_s_ap50_and_fixing_everything_is_one(seed):
    """On random scenes: the AP50 recomputed from the matches is COCO's to the bit, fixing
    every error gives 1 (or leaves no positive), and fixing one error type never lowers AP50."""
    rng = np.random.default_rng(seed)
    targets, predictions = [], []
    for _ in range(int(rng.integers(1, 5))):
        n = int(rng.integers(1, 6))
        corner = rng.integers(0, 150, size=(n, 2))
        side = rng.integers(5, 100, size=(n, 2))
        boxes = np.c_[corner, corner + side]
        labels = rng.integers(1, 3, size=n)
        keep = rng.random(n) < 0.7
        jitter = rng.integers(-8, 9, size=(int(keep.sum()), 4))
        extra = int(rng.integers(0, 3))
        fp_corner = rng.integers(0, 150, size=(extra, 2))
        fp = np.c_[fp_corner, fp_corner + rng.integers(5, 100, size=(extra, 2))]
        det = np.r_[np.clip(boxes[keep] + jitter, 0, 250), fp].reshape(-1, 4)
        det[:, 2:] = np.maximum(det[:, 2:], det[:, :2] + 1)
        targets.append({"boxes": boxes, "labels": labels})
        predictions.append(
            {
                "boxes": det,
                "scores": rng.random(len(det)).round(2),
                "labels": np.r_[
                    np.where(rng.random(int(keep.sum())) < 0.85, labels[keep], 3 - labels[keep]),
                    rng.integers(1, 3, size=extra),
                ],
            }
        )
    ids = [f"i{k}" for k in range(len(targets))]
    gt = ground_truth_from_targets(
        targets, ids, {CAT: "cat", DOG: "dog"}, sizes=[(260, 260)] * len(ids)
    )
    dt = detections_from_predictions(predictions, gt, image_ids=ids, min_score=0)
    match = match_detections(gt, dt)
    assert ap50_after_fixing(match) == match.summary.ap50
    everything = ap50_after_fixing(
        match, boxes=np.ones(len(gt), bool), detections=np.ones(len(dt), bool)
    )
    assert everything == pytest.approx(1.0) or everything == -1.0
    for gain in error_type_costs(match).values():
        # NaN where fixing the plain misses leaves no class with a positive (AP undefined)
        assert np.isnan(gain) or gain >= -1e-12
