"""The per-box table: each attribute on boxes whose values are known by hand, and on the COCO
fixture (row counts, COCO's size bins, the metadata join)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weakspot import InputError
from weakspot.tasks.detection import (
    OUTCOME_COLUMNS,
    box_table,
    detections_from_predictions,
    ground_truth_from_targets,
    match_detections,
    read_coco_detections,
    read_coco_ground_truth,
    size_bins,
)

CAT, DOG = 1, 2


@pytest.fixture
def small_scene():
    """Image "a" (200 x 100): a cat at the left edge, two dogs overlapping at IoU 9/11, and
    a crowd region; image "b" (100 x 100): one cat. Detections: the cat of "a" and a
    background box on "b"."""
    gt = ground_truth_from_targets(
        [
            {
                "boxes": [[0, 10, 20, 30], [50, 20, 150, 80], [60, 20, 160, 80], [50, 20, 160, 80]],
                "labels": [CAT, DOG, DOG, DOG],
                "iscrowd": [0, 0, 0, 1],
            },
            {"boxes": [[10, 10, 90, 90]], "labels": [CAT]},
        ],
        ["a", "b"],
        {CAT: "cat", DOG: "dog"},
        sizes=[(200, 100), (100, 100)],
        file_names=["a.jpg", "b.jpg"],
    )
    dt = detections_from_predictions(
        [
            {"boxes": [[0, 10, 20, 30]], "scores": [0.9], "labels": [CAT]},
            {"boxes": [[0, 0, 5, 5]], "scores": [0.4], "labels": [DOG]},
        ],
        gt,
        image_ids=["a", "b"],
        min_score=0,
    )
    return gt, dt, match_detections(gt, dt)


def test_geometry_by_hand(small_scene):
    gt, dt, match = small_scene
    frame = box_table(gt, dt, match.boxes).frame
    assert frame["unit"].tolist() == ["ground_truth"] * 5 + ["detection"] * 2
    assert frame["outcome"].tolist() == [
        "found",
        "missed",
        "missed",
        "ignored",
        "missed",
        "true_positive",
        "false_positive",
    ]
    assert frame["error_type"].iloc[6] == "background"
    cat = frame.iloc[0]
    assert (cat.area, cat["size"], cat.aspect) == (400.0, "small", 1.0)
    assert (cat.centre_x, cat.centre_y) == pytest.approx((0.05, 0.2))
    assert cat.border_distance == 0.0 and bool(cat.truncated)
    dog = frame.iloc[1]
    assert (dog.area, dog["size"]) == (6000.0, "medium")
    assert dog.aspect == pytest.approx(100 / 60)
    assert dog.border_distance == pytest.approx(0.2)
    assert not bool(dog.truncated)
    # the two dogs overlap at 5400 / 6600; the crowd region is nobody's neighbour
    np.testing.assert_allclose(frame["crowding"].iloc[:3], [0.0, 5400 / 6600, 5400 / 6600])
    # counted boxes per image: a has three (not the crowd), b has one
    assert frame["objects_in_image"].tolist() == [3, 3, 3, 3, 1, 3, 1]
    # counted boxes: two cats, two dogs
    np.testing.assert_allclose(frame["class_frequency"], [0.5] * 7)
    assert frame["confidence"].iloc[:5].isna().all()
    assert frame["confidence"].iloc[5:].tolist() == [0.9, 0.4]
    assert frame["category"].tolist() == ["cat", "dog", "dog", "dog", "cat", "cat", "dog"]


def test_attribute_columns_leave_the_outcome_out(small_scene):
    gt, dt, match = small_scene
    table = box_table(gt, dt, match.boxes)
    assert not set(table.attribute_columns) & set(OUTCOME_COLUMNS)
    assert set(table.info) <= set(table.attribute_columns)


@pytest.mark.parametrize(
    ("column", "values"),
    [("image_id", ["a", "b"]), ("file_name", ["a.jpg", "b.jpg"]), ("image", ["a", "b"])],
)
def test_metadata_joins_by_id_file_name_or_stem(small_scene, column, values):
    gt, dt, match = small_scene
    metadata = pd.DataFrame({column: values[::-1], "camera": ["B", "A"]})
    table = box_table(gt, dt, match.boxes, metadata=metadata)
    assert table.frame["camera"].tolist() == ["A"] * 4 + ["B", "A", "B"]
    assert any("Metadata joined by image" in note for note in table.notes)


def test_metadata_missing_images_are_said(small_scene):
    gt, dt, match = small_scene
    metadata = pd.DataFrame({"image_id": ["a", "zz"], "camera": ["A", "Z"]})
    table = box_table(gt, dt, match.boxes, metadata=metadata)
    assert table.frame["camera"].iloc[[4, 6]].isna().all()
    assert table.frame["camera"].iloc[[0, 1, 2, 3, 5]].tolist() == ["A"] * 5
    assert any("1 of 2 images have no metadata row" in note for note in table.notes)
    assert any("1 metadata rows name no image" in note for note in table.notes)


@pytest.mark.parametrize(
    ("metadata", "kwargs", "message"),
    [
        (pd.DataFrame({"camera": ["A"]}), {}, "has no image id column"),
        (pd.DataFrame({"image_id": ["a", "a"]}), {}, "names an image more than once"),
        (pd.DataFrame({"image_id": ["x", "y"]}), {}, "matches none of the ground truth"),
        (pd.DataFrame({"key": ["a"]}), {"metadata_id": "nope"}, "no image id column 'nope'"),
    ],
)
def test_bad_metadata_is_refused(small_scene, metadata, kwargs, message):
    gt, dt, match = small_scene
    with pytest.raises(InputError, match=message):
        box_table(gt, dt, match.boxes, metadata=metadata, **kwargs)


def test_size_bins_are_coco_s():
    assert size_bins(np.array([0.0, 1023.9, 1024.0, 9216.0, 9216.1])).tolist() == [
        "small",
        "small",
        "medium",
        "medium",
        "large",
    ]


def test_coco_fixture(coco_fixture):
    gt = read_coco_ground_truth(coco_fixture / "instances_val2014_100.json")
    dt = read_coco_detections(coco_fixture / "instances_val2014_fakebbox100_results.json", gt)
    match = match_detections(gt, dt)
    metadata = pd.DataFrame({"id": gt.images.ids[::2], "site": ["x", "y"] * 25})
    table = box_table(gt, dt, match.boxes, metadata=metadata)
    frame = table.frame
    assert len(frame) == 839 + 734
    boxes = frame[frame["unit"] == "ground_truth"]
    # the size bins count the boxes COCO's area ranges count (COCO's area, not the box's)
    assert (boxes["size"] == "small").sum() == int((gt.areas < 32**2).sum())
    assert (boxes["size"] == "large").sum() == int((gt.areas > 96**2).sum())
    counted = boxes[boxes["outcome"] != "ignored"]
    assert counted["class_frequency"].groupby(counted["category"]).first().sum() == (
        pytest.approx(1.0)
    )
    assert ((frame["centre_x"] >= 0) & (frame["centre_x"] <= 1)).all()
    assert frame["border_distance"].between(0, 0.5).all()
    assert frame["site"].notna().sum() == int(np.isin(frame["image_id"], gt.images.ids[::2]).sum())
    assert any("50 of 100 images have no metadata row" in note for note in table.notes)
