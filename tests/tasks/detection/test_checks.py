"""Each usual mistake in detection inputs is refused with a message naming the file, the value
and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from weakspot._errors import InputError
from weakspot.tasks.detection import (
    detections_from_predictions,
    ground_truth_from_targets,
    read_coco_detections,
    read_coco_ground_truth,
    read_data_yaml,
    read_yolo_detections,
    read_yolo_ground_truth,
)


def scene(n_images: int = 12, seed: int = 0) -> tuple[dict, list[dict]]:
    """COCO ground truth with three boxes per 640 x 480 image in categories 1, 2, 3 (gt ids),
    and results that find each box with a little jitter."""
    rng = np.random.default_rng(seed)
    images, anns, results = [], [], []
    for i in range(1, n_images + 1):
        images.append({"id": i, "file_name": f"im{i}.jpg", "width": 640, "height": 480})
        for c in (1, 2, 3):
            x, y = (int(v) for v in rng.integers(10, 300, 2))
            w, h = (int(v) for v in rng.integers(40, 150, 2))
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i,
                    "category_id": c,
                    "bbox": [x, y, w, h],
                    "iscrowd": 0,
                }
            )
            results.append(
                {"image_id": i, "category_id": c, "bbox": [x + 1, y + 1, w, h], "score": 0.9}
            )
    cats = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    return {"images": images, "annotations": anns, "categories": cats}, results


def files(tmp_path: Path, gt: dict, results: list) -> tuple[Path, Path]:
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "dt.json").write_text(json.dumps(results))
    return tmp_path / "gt.json", tmp_path / "dt.json"


def test_clean_scene_reads(tmp_path):
    gt_path, dt_path = files(tmp_path, *scene())
    dt = read_coco_detections(dt_path, read_coco_ground_truth(gt_path))
    assert len(dt) == 36 and dt.notes == ()


def test_xyxy_written_into_a_coco_results_file(tmp_path):
    gt, results = scene()
    for r in results:
        x, y, w, h = r["bbox"]
        r["bbox"] = [x, y, x + w, y + h]
    gt_path, dt_path = files(tmp_path, gt, results)
    with pytest.raises(
        InputError,
        match=r"dt\.json: the boxes are read as \[x, y, width, height\].*pass box_format='xyxy'",
    ):
        read_coco_detections(dt_path, read_coco_ground_truth(gt_path))


def test_xywh_given_as_corners_in_memory():
    targets = [{"boxes": [[300, 200, 400, 260]], "labels": [1]}]
    gt = ground_truth_from_targets(targets, ["a"], {1: "cat"}, sizes=[(640, 480)])
    entry = {"boxes": [[300, 200, 100, 60]], "scores": [0.9], "labels": [1]}
    with pytest.raises(
        InputError,
        match=r"predictions: 1 box\(es\) have x2 < x1.*\[300\.0, 200\.0, 100\.0, 60\.0\].*box_format='xywh'",
    ):
        detections_from_predictions([entry], gt, image_ids=["a"])


def test_normalised_coordinates(tmp_path):
    gt, results = scene()
    for r in results:
        x, y, w, h = r["bbox"]
        r["bbox"] = [x / 640, y / 480, w / 640, h / 480]
    gt_path, dt_path = files(tmp_path, gt, results)
    with pytest.raises(
        InputError,
        match=r"dt\.json: every box coordinate is between 0 and 1.*multiply x by the image width",
    ):
        read_coco_detections(dt_path, read_coco_ground_truth(gt_path))


def test_boxes_outside_the_image(tmp_path):
    gt, results = scene()
    results[4]["bbox"] = [600, 100, 200, 50]  # to x = 800 on a 640-wide image
    gt_path, dt_path = files(tmp_path, gt, results)
    with pytest.raises(
        InputError,
        match=r"dt\.json: 1 box\(es\) lie outside their image, e\.g\. detection 4.*640 x 480 pixels.*resized or letterboxed",
    ):
        read_coco_detections(dt_path, read_coco_ground_truth(gt_path))


def test_confidence_floor_too_low(tmp_path):
    gt, results = scene()
    rng = np.random.default_rng(1)
    for i in range(500):
        x, y = (int(v) for v in rng.integers(0, 400, 2))
        results.append(
            {
                "image_id": int(i % 12) + 1,
                "category_id": 1,
                "bbox": [x, y, 20, 20],
                "score": 0.001 + 0.0001 * (i % 7),
            }
        )
    gt_path, dt_path = files(tmp_path, gt, results)
    ground_truth = read_coco_ground_truth(gt_path)
    with pytest.raises(
        InputError,
        match=r"dt\.json: 536 detections for 36 ground-truth boxes \(15 per box\), down to score 0\.001.*swamp.*Pass min_score=0\.\d+",
    ):
        read_coco_detections(dt_path, ground_truth)
    # the floor given: kept above it; min_score=0 keeps all, on purpose
    assert len(read_coco_detections(dt_path, ground_truth, min_score=0.5)) == 36
    assert len(read_coco_detections(dt_path, ground_truth, min_score=0)) == 536


def test_category_ids_shifted(tmp_path):
    gt, results = scene()
    gt["categories"] = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3, 4)]
    for r in results:
        r["category_id"] += 1  # 2, 3, 4: all valid ids, all wrong
    gt_path, dt_path = files(tmp_path, gt, results)
    with pytest.raises(
        InputError,
        match=r"category ids look shifted by \+1.*with -1 added, 100% of the boxes.*adding -1 to each",
    ):
        read_coco_detections(dt_path, read_coco_ground_truth(gt_path))


def test_unknown_category_ids(tmp_path):
    gt, results = scene()
    results[0]["category_id"] = 90
    gt_path, dt_path = files(tmp_path, gt, results)
    with pytest.raises(
        InputError, match=r"category id\(s\) \[90\] are not among the ground truth's 3 categories"
    ):
        read_coco_detections(dt_path, read_coco_ground_truth(gt_path))


def test_unknown_image_ids(tmp_path):
    gt, results = scene()
    results[0]["image_id"] = 999
    gt_path, dt_path = files(tmp_path, gt, results)
    with pytest.raises(
        InputError,
        match=r"dt\.json: 1 image id\(s\) are not in the ground truth, e\.g\. \['999'\].*evaluate on the same image set",
    ):
        read_coco_detections(dt_path, read_coco_ground_truth(gt_path))


def test_ground_truth_given_as_results(tmp_path):
    gt, _ = scene()
    gt_path, _ = files(tmp_path, gt, [])
    with pytest.raises(
        InputError, match=r"looks like COCO ground truth.*Give the detector's results file"
    ):
        read_coco_detections(gt_path, read_coco_ground_truth(gt_path))


def test_results_given_as_ground_truth(tmp_path):
    _, dt_path = files(tmp_path, *scene())
    with pytest.raises(InputError, match=r"dt\.json is not COCO ground truth.*results file"):
        read_coco_ground_truth(dt_path)


def test_yolo_pixel_coordinates_and_missing_confidence(tmp_path):
    from PIL import Image

    (tmp_path / "images").mkdir()
    Image.new("RGB", (100, 50)).save(tmp_path / "images" / "a.jpg")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "a.txt").write_text("0 50 25 20 10\n")
    (tmp_path / "data.yaml").write_text("path: .\nval: images\nnames: [cat]\n")
    with pytest.raises(
        InputError,
        match=r"a\.txt:1 has \[50\.0, 25\.0, 20\.0, 10\.0\]: pixel coordinates\. Divide x",
    ):
        read_yolo_ground_truth(tmp_path / "data.yaml")
    (tmp_path / "labels" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    gt = read_yolo_ground_truth(tmp_path / "data.yaml")
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    with pytest.raises(
        InputError,
        match=r"a\.txt:1: a prediction line with 5 values has no confidence.*save_conf=True",
    ):
        read_yolo_detections(tmp_path / "pred", gt)
    (tmp_path / "labels" / "a.txt").write_text("3 0.5 0.5 0.2 0.2\n")
    with pytest.raises(
        InputError, match=r"a\.txt:1: class 3 is not one of data\.yaml's 1 class indices"
    ):
        read_yolo_ground_truth(tmp_path / "data.yaml")


def test_data_yaml_mistakes(tmp_path):
    (tmp_path / "a.yaml").write_text("val: images\nnames: [a, b]\nnc: 3\n")
    with pytest.raises(InputError, match=r"a\.yaml: nc is 3 but names lists 2 classes"):
        read_data_yaml(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("val: images\n")
    with pytest.raises(InputError, match=r"b\.yaml: no 'names' key"):
        read_data_yaml(tmp_path / "b.yaml")
    (tmp_path / "c.yaml").write_text("names:\n  0: a\n  2: c\n")
    with pytest.raises(
        InputError,
        match=r"c\.yaml: names must be numbered 0, 1, 2, \.\.\. without gaps; found \[0, 2\]",
    ):
        read_data_yaml(tmp_path / "c.yaml")


def test_in_memory_entry_of_unknown_shape():
    gt = ground_truth_from_targets(
        [{"boxes": [[1, 1, 5, 5]], "labels": [1]}], ["a"], {1: "cat"}, sizes=[(10, 10)]
    )
    with pytest.raises(
        InputError, match=r"predictions\[0\] is a list, which has none of the fields read"
    ):
        detections_from_predictions([[1, 2, 3]], gt, image_ids=["a"])
    with pytest.raises(
        InputError,
        match=r"2 entries carry no image names and the ground truth has 1 images.*image_ids=",
    ):
        detections_from_predictions([{"boxes": [], "scores": [], "labels": []}] * 2, gt)
