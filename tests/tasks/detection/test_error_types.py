"""TIDE's error types on a scene built so that each detection is one type, and the missed
boxes a fix would find take that fix's type."""

from __future__ import annotations

import numpy as np

from weakspot.tasks.detection import (
    ERROR_TYPES,
    detections_from_predictions,
    ground_truth_from_targets,
    match_detections,
)

CAT, DOG = 1, 2


def test_each_error_type():
    gt = ground_truth_from_targets(
        [
            {
                "boxes": [
                    [0, 0, 100, 100],  # 0 cat, found
                    [300, 300, 400, 400],  # 1 dog, missed; a cat detection sits on it
                    [600, 600, 700, 700],  # 2 cat, missed, nothing near
                    [800, 0, 900, 100],  # 3 cat, missed; a poorly placed cat detection
                    [200, 700, 500, 990],  # 4 crowd of cats
                ],
                "labels": [CAT, DOG, CAT, CAT, CAT],
                "iscrowd": [0, 0, 0, 0, 1],
            }
        ],
        ["img"],
        {CAT: "cat", DOG: "dog"},
        sizes=[(1000, 1000)],
    )
    predictions = {
        "boxes": [
            [0, 0, 100, 100],  # 0 true positive of box 0
            [2, 2, 100, 100],  # 1 duplicate of box 0
            [300, 300, 400, 400],  # 2 classification: a cat on the dog
            [800, 0, 850, 60],  # 3 localisation of box 3 (IoU 0.3)
            [520, 900, 560, 940],  # 4 background
            [0, 40, 100, 140],  # 5 a dog on the cat at IoU 0.43: both
            [820, 0, 860, 60],  # 6 localisation of box 3 too, lower score
            [250, 750, 300, 800],  # 7 inside the crowd: ignored
        ],
        "scores": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],
        "labels": [CAT, CAT, CAT, CAT, CAT, DOG, CAT, CAT],
    }
    dt = detections_from_predictions([predictions], gt, image_ids=["img"])
    rows = match_detections(gt, dt).boxes
    assert rows.det_outcome.tolist() == ["true_positive"] + ["false_positive"] * 6 + ["ignored"]
    assert rows.det_error.tolist() == [
        "",
        "duplicate",
        "classification",
        "localisation",
        "background",
        "both",
        "localisation",
        "",
    ]
    np.testing.assert_array_equal(rows.det_gt, [0, 0, 1, 3, -1, -1, 3, 4])
    np.testing.assert_allclose(rows.det_iou[[0, 2, 3]], [1.0, 1.0, 0.3])
    np.testing.assert_allclose(rows.det_iou[5], 6000 / 14000)  # its best overlap, any category
    assert rows.gt_outcome.tolist() == ["found", "missed", "missed", "missed", "ignored"]
    assert rows.gt_error.tolist() == ["", "classification", "missed", "localisation", ""]
    # the highest-scoring fix claims the box (TIDE's BestGTMatch)
    np.testing.assert_array_equal(rows.gt_error_detection, [-1, 2, -1, 3, -1])
    np.testing.assert_allclose(rows.gt_score[0], 0.9)
    frame = rows.detection_frame(gt, dt)
    assert set(frame.error_type) - {""} <= set(ERROR_TYPES)
    assert frame.loc[frame.outcome == "true_positive", "box"].tolist() == [0]


def test_an_image_without_ground_truth_gives_background_errors():
    gt = ground_truth_from_targets(
        [{"boxes": [[0, 0, 10, 10]], "labels": [CAT]}, {"boxes": np.zeros((0, 4)), "labels": []}],
        ["a", "b"],
        {CAT: "cat"},
        sizes=[(50, 50), (50, 50)],
    )
    dt = detections_from_predictions(
        [
            {"boxes": [[0, 0, 10, 10]], "scores": [0.9], "labels": [CAT]},
            {"boxes": [[0, 0, 10, 10]], "scores": [0.8], "labels": [CAT]},
        ],
        gt,
        image_ids=["a", "b"],
    )
    rows = match_detections(gt, dt).boxes
    assert rows.det_error.tolist() == ["", "background"]
    assert rows.det_iou[1] == 0.0
