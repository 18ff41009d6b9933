"""Choosing the reader from the ground truth's file: COCO, YOLO or VOC, and clear refusals."""

from __future__ import annotations

import pytest

from weakspot import InputError
from weakspot.tasks.detection import detection_format, read_detection_files

from .scenes import make_scene, write_coco


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
