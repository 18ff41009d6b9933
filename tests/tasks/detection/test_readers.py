"""Each reader on small files the test writes: what it reads, and the same matches whatever
the format."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from weakspot.tasks.detection import (
    detections_from_predictions,
    ground_truth_from_targets,
    label_path,
    match_detections,
    read_coco_detections,
    read_coco_ground_truth,
    read_data_yaml,
    read_voc_detections,
    read_voc_ground_truth,
    read_yolo_detections,
    read_yolo_ground_truth,
)

# two images, 200 x 100 and 100 x 100; boxes as [x, y, width, height]
COCO_GT = {
    "images": [
        {"id": 7, "file_name": "b.jpg", "width": 100, "height": 100},
        {"id": 3, "file_name": "a.jpg", "width": 200, "height": 100},
    ],
    "annotations": [
        {
            "id": 1,
            "image_id": 3,
            "category_id": 1,
            "bbox": [10, 10, 40, 20],
            "area": 700.0,
            "iscrowd": 0,
        },
        {"id": 2, "image_id": 3, "category_id": 5, "bbox": [100, 40, 50, 50], "iscrowd": 0},
        {"id": 3, "image_id": 7, "category_id": 5, "bbox": [0, 0, 100, 100], "iscrowd": 1},
    ],
    "categories": [{"id": 5, "name": "dog"}, {"id": 1, "name": "cat"}],
}


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_coco_ground_truth(tmp_path):
    gt = read_coco_ground_truth(write_json(tmp_path / "gt.json", COCO_GT))
    assert gt.images.ids.tolist() == [3, 7]  # sorted by id, as pycocotools
    assert gt.categories == {1: "cat", 5: "dog"}
    np.testing.assert_array_equal(gt.image, [0, 0, 1])
    np.testing.assert_array_equal(gt.boxes[0], [10, 10, 50, 30])
    np.testing.assert_array_equal(gt.areas, [700.0, 2500.0, 10000.0])  # area kept, else w * h
    np.testing.assert_array_equal(gt.box_areas, [800.0, 2500.0, 10000.0])
    np.testing.assert_array_equal(gt.crowd, [False, False, True])


@pytest.mark.parametrize(
    ("image_ids", "note"),
    [
        ([3, 3], None),
        (["3", "3"], None),
        (["a", "a"], "file stems"),
        (["a.jpg", "a.jpg"], "file names"),
    ],
)
def test_coco_results_image_ids_by_id_stem_or_name(tmp_path, image_ids, note):
    gt = read_coco_ground_truth(write_json(tmp_path / "gt.json", COCO_GT))
    results = [
        {"image_id": image_ids[0], "category_id": 1, "bbox": [11, 10, 40, 20], "score": 0.9},
        {"image_id": image_ids[1], "category_id": 5, "bbox": [100, 40, 50, 50], "score": 0.8},
    ]
    dt = read_coco_detections(write_json(tmp_path / "dt.json", results), gt)
    np.testing.assert_array_equal(dt.image, [0, 0])
    np.testing.assert_array_equal(dt.boxes[0], [11, 10, 51, 30])
    np.testing.assert_array_equal(dt.areas, [800.0, 2500.0])
    assert (note is None) == (dt.notes == ()) and (note is None or note in dt.notes[0])
    assert match_detections(gt, dt).summary.ap50 == pytest.approx(1.0)


def test_coco_results_zero_based_categories_are_detected_and_said(tmp_path):
    gt = read_coco_ground_truth(write_json(tmp_path / "gt.json", COCO_GT))
    # 0-based positions in the sorted ids [1, 5]: 0 -> cat (1), 1 -> dog (5); 5 is no position
    results = [
        {"image_id": 3, "category_id": 0, "bbox": [10, 10, 40, 20], "score": 0.9},
        {"image_id": 3, "category_id": 1, "bbox": [100, 40, 50, 50], "score": 0.8},
    ]
    dt = read_coco_detections(write_json(tmp_path / "dt.json", results), gt)
    np.testing.assert_array_equal(dt.category_ids, [1, 5])
    assert any("0-based positions" in n for n in dt.notes)


def test_coco_string_image_ids(tmp_path):
    data = json.loads(json.dumps(COCO_GT))
    for im in data["images"]:
        im["id"] = f"img-{im['id']}"
    for ann in data["annotations"]:
        ann["image_id"] = f"img-{ann['image_id']}"
    gt = read_coco_ground_truth(write_json(tmp_path / "gt.json", data))
    assert gt.images.ids.tolist() == ["img-3", "img-7"]
    dt = read_coco_detections(
        write_json(
            tmp_path / "dt.json",
            [{"image_id": "img-3", "category_id": 1, "bbox": [10, 10, 40, 20], "score": 0.5}],
        ),
        gt,
    )
    np.testing.assert_array_equal(dt.image, [0])


def write_image(path: Path, size: tuple[int, int], orientation: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size)
    if orientation is None:
        image.save(path)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(path, exif=exif)


def yolo_dataset(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    write_image(root / "images" / "val" / "a.jpg", (200, 100))
    # stored 100 x 50, turned a quarter by EXIF: shown (and labelled) as 50 x 100
    write_image(root / "images" / "val" / "b.jpg", (100, 50), orientation=6)
    write_image(root / "images" / "val" / "c.png", (64, 64))  # no label file: no objects
    labels = root / "labels" / "val"
    labels.mkdir(parents=True)
    # a: a box 40 x 20 at (10, 10); b: a polygon (a segment) whose bounds are the whole image
    (labels / "a.txt").write_text("0 0.15 0.2 0.2 0.2\n1 0.625 0.65 0.25 0.5\n")
    (labels / "b.txt").write_text("1 0 0 1 0 1 1 0 1\n")
    (tmp_path / "data.yaml").write_text(
        "# a comment\npath: ds  # the root\ntrain: images/train\nval: images/val\n"
        "names:\n  0: cat\n  1: 'dog'\nnc: 2\ndownload: |\n  import os\n  names: not this\n"
    )
    return tmp_path / "data.yaml"


def test_yolo_ground_truth_and_predictions(tmp_path):
    gt = read_yolo_ground_truth(yolo_dataset(tmp_path))
    assert gt.images.ids.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(gt.images.widths, [200, 50, 64])  # b turned by EXIF
    np.testing.assert_array_equal(gt.images.heights, [100, 100, 64])
    assert gt.categories == {0: "cat", 1: "dog"}
    np.testing.assert_allclose(gt.boxes, [[10, 10, 50, 30], [100, 40, 150, 90], [0, 0, 50, 100]])
    np.testing.assert_array_equal(gt.category_ids, [0, 1, 1])
    predictions = tmp_path / "pred"
    predictions.mkdir()
    (predictions / "a.txt").write_text("0 0.15 0.2 0.2 0.2 0.9\n1 0.9 0.9 0.05 0.05 0.3\n")
    (predictions / "b.txt").write_text("1 0.5 0.5 1 1 0.8\n")
    dt = read_yolo_detections(predictions, gt)
    np.testing.assert_array_equal(dt.image, [0, 0, 1])
    np.testing.assert_allclose(dt.boxes[0], [10, 10, 50, 30])
    np.testing.assert_array_equal(dt.scores, [0.9, 0.3, 0.8])
    rows = match_detections(gt, dt).boxes
    assert rows.gt_outcome.tolist() == ["found", "missed", "found"]
    assert rows.det_outcome.tolist() == ["true_positive", "false_positive", "true_positive"]


def test_data_yaml_forms(tmp_path):
    (tmp_path / "a.yaml").write_text("val: [v1, 'v 2']\nnames: [\"a\", b]  # two\n")
    assert read_data_yaml(tmp_path / "a.yaml") == {"val": ["v1", "v 2"], "names": ["a", "b"]}
    (tmp_path / "b.yaml").write_text("val:\n  - one\n  - two\nnames:\n- x\n- y\n")
    assert read_data_yaml(tmp_path / "b.yaml") == {"val": ["one", "two"], "names": ["x", "y"]}
    assert label_path(Path("/d/images/val/images/x.jpg")) == Path("/d/images/val/labels/x.txt")


def test_voc_ground_truth_and_detections(tmp_path):
    ann = tmp_path / "Annotations"
    ann.mkdir()
    (ann / "000001.xml").write_text(
        "<annotation><filename>000001.jpg</filename><size><width>200</width><height>100</height>"
        "<depth>3</depth></size>"
        "<object><name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>"
        "<bndbox><xmin>11</xmin><ymin>11</ymin><xmax>50</xmax><ymax>30</ymax></bndbox></object>"
        "<object><name>cat</name><difficult>1</difficult>"
        "<bndbox><xmin>101</xmin><ymin>41</ymin><xmax>150</xmax><ymax>90</ymax></bndbox></object>"
        "</annotation>"
    )
    gt = read_voc_ground_truth(ann)
    assert gt.categories == {0: "cat", 1: "dog"}
    np.testing.assert_array_equal(gt.boxes, [[10, 10, 50, 30], [100, 40, 150, 90]])
    np.testing.assert_array_equal(gt.attributes["truncated"], [True, False])
    np.testing.assert_array_equal(gt.attributes["difficult"], [False, True])
    assert gt.attributes["pose"].tolist() == ["Left", "Unspecified"]
    np.testing.assert_array_equal(gt.ignore, [False, True])  # difficult: ignored, as VOC
    det = tmp_path / "results"
    det.mkdir()
    (det / "comp4_det_test_dog.txt").write_text("000001 0.9 11 11 50 30\n")
    (det / "comp4_det_test_cat.txt").write_text("000001 0.7 101 41 150 90\n000001 0.6 1 61 20 90\n")
    dt = read_voc_detections(det, gt)
    np.testing.assert_array_equal(dt.category_ids, [0, 0, 1])  # files sorted: cat, then dog
    rows = match_detections(gt, dt).boxes
    # the detection on the difficult cat is left out, the other cat is a false positive
    assert rows.det_outcome.tolist() == ["ignored", "false_positive", "true_positive"]
    assert rows.gt_outcome.tolist() == ["found", "ignored"]


class FakeTensor:
    """Stands for a torch tensor on a device: detach().cpu().numpy()."""

    def __init__(self, values):
        self.values = np.asarray(values)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.values


def memory_gt():
    return ground_truth_from_targets(
        [
            {"boxes": [[10, 10, 50, 30], [100, 40, 150, 90]], "labels": [1, 2]},
            {"boxes": np.zeros((0, 4)), "labels": []},
        ],
        image_ids=["a", "b"],
        categories={1: "cat", 2: "dog"},
        sizes=[(200, 100), (100, 100)],
    )


BOXES = [[10, 10, 50, 30], [100, 40, 150, 90]]


@pytest.mark.parametrize(
    "entry",
    [
        {
            "boxes": FakeTensor(BOXES),
            "scores": FakeTensor([0.9, 0.8]),
            "labels": FakeTensor([1, 2]),
        },
        SimpleNamespace(
            path="/x/a.jpg",
            boxes=SimpleNamespace(
                xyxy=FakeTensor(BOXES), conf=FakeTensor([0.9, 0.8]), cls=FakeTensor([1.0, 2.0])
            ),
        ),
        SimpleNamespace(
            metainfo={"img_path": "a.jpg"},
            pred_instances=SimpleNamespace(
                bboxes=FakeTensor(BOXES), scores=FakeTensor([0.9, 0.8]), labels=FakeTensor([1, 2])
            ),
        ),
        {
            "instances": SimpleNamespace(
                pred_boxes=SimpleNamespace(tensor=FakeTensor(BOXES)),
                scores=FakeTensor([0.9, 0.8]),
                pred_classes=FakeTensor([1, 2]),
            )
        },
        SimpleNamespace(
            xyxy=np.array(BOXES, dtype=float),
            confidence=np.array([0.9, 0.8]),
            class_id=np.array([1, 2]),
        ),
    ],
    ids=["torchvision", "ultralytics", "mmdetection", "detectron2", "supervision"],
)
def test_in_memory_forms(entry):
    gt = memory_gt()
    empty = {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0)}
    image_ids = None if hasattr(entry, "path") or hasattr(entry, "metainfo") else ["a", "b"]
    second = (
        empty
        if image_ids is not None
        else SimpleNamespace(
            path="b.png",
            boxes=SimpleNamespace(xyxy=np.zeros((0, 4)), conf=np.zeros(0), cls=np.zeros(0)),
        )
    )
    if hasattr(entry, "metainfo"):
        second = SimpleNamespace(
            metainfo={"img_path": "b.png"},
            pred_instances=SimpleNamespace(
                bboxes=np.zeros((0, 4)), scores=np.zeros(0), labels=np.zeros(0)
            ),
        )
    dt = detections_from_predictions([entry, second], gt, image_ids=image_ids)
    np.testing.assert_array_equal(dt.boxes, BOXES)
    np.testing.assert_array_equal(dt.category_ids, [1, 2])
    np.testing.assert_array_equal(dt.image, [0, 0])
    assert match_detections(gt, dt).summary.ap == pytest.approx(1.0)


def test_in_memory_positional_order_is_said():
    gt = memory_gt()
    entries = [
        {"boxes": BOXES, "scores": [0.9, 0.8], "labels": [1, 2]},
        {"boxes": np.zeros((0, 4)), "scores": [], "labels": []},
    ]
    dt = detections_from_predictions(entries, gt)
    assert any("image order" in n for n in dt.notes)
