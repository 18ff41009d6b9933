"""Choosing the reader from the ground truth's file: COCO, YOLO or VOC, and clear refusals."""

from __future__ import annotations

import pytest

from weakspot import InputError, find_box_slices
from weakspot.tasks.detection import detection_format, read_detection_files

from .scenes import make_scene, write_coco
from .test_readers import yolo_dataset


def test_formats_from_the_ground_truth(tmp_path):
    (tmp_path / "data.yaml").write_text("names: [a]\n", encoding="utf-8")
    (tmp_path / "instances.json").write_text("{}", encoding="utf-8")
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "Annotations" / "1.xml").write_text("<annotation/>", encoding="utf-8")
    assert detection_format(tmp_path / "instances.json") == "coco"
    assert detection_format(tmp_path / "data.yaml") == "yolo"
    assert detection_format(tmp_path / "Annotations") == "voc"


def test_coco_files_read_as_the_scene(tmp_path):
    scene = make_scene(2, n_images=5)
    instances, results = write_coco(scene, tmp_path)
    gt, dt = read_detection_files(instances, results)
    assert len(gt) == len(scene.ground_truth) and len(dt) == len(scene.detections)


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.json", "does not exist"), ("boxes.csv", "neither a COCO .json")],
)
def test_unknown_ground_truth_is_refused(tmp_path, name, message):
    (tmp_path / "boxes.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_detection_files(tmp_path / name, tmp_path / "results.json")


def test_missing_detections_are_refused(tmp_path):
    instances, _ = write_coco(make_scene(2, n_images=3), tmp_path)
    with pytest.raises(InputError, match="The detections .* do not exist"):
        read_detection_files(instances, tmp_path / "nothing.json")


def test_yolo_files_and_their_pixels(tmp_path):
    data_yaml = yolo_dataset(tmp_path)
    predictions = tmp_path / "pred"
    predictions.mkdir()
    (predictions / "a.txt").write_text("0 0.15 0.2 0.2 0.2 0.9\n1 0.9 0.9 0.05 0.05 0.3\n")
    (predictions / "b.txt").write_text("1 0.5 0.5 1 1 0.8\n")
    gt, dt = read_detection_files(data_yaml, predictions)
    assert (len(gt), len(dt)) == (3, 3)
    found = find_box_slices(gt, dt, images=tmp_path / "ds" / "images" / "val")
    frame = found.table.frame
    # every image was read (b turned by its EXIF orientation): every box has its crop measured
    assert frame["crop_brightness"].notna().all()
    assert frame["outcome"].tolist() == [
        "found",
        "missed",
        "found",
        "true_positive",
        "false_positive",
        "true_positive",
    ]
