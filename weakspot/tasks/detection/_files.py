"""Choose the reader from the files: COCO JSON, a YOLO ``data.yaml``, or Pascal VOC XML."""

from __future__ import annotations

from pathlib import Path

from weakspot._errors import InputError
from weakspot.tasks.detection._coco import read_coco_detections, read_coco_ground_truth
from weakspot.tasks.detection._records import Detections, GroundTruth
from weakspot.tasks.detection._voc import read_voc_detections, read_voc_ground_truth
from weakspot.tasks.detection._yolo import read_yolo_detections, read_yolo_ground_truth

FORMATS = ("coco", "yolo", "voc")


def detection_format(ground_truth: str | Path) -> str:
    """``"coco"`` for a ``.json`` file, ``"yolo"`` for a ``.yaml`` file, ``"voc"`` for an
    ``.xml`` file or a folder of them."""
    path = Path(ground_truth)
    if not path.exists():
        raise InputError(
            f"The ground truth {str(path)!r} does not exist. Give a COCO instances .json, a "
            "YOLO data.yaml or a Pascal VOC Annotations folder.",
            parameter="ground_truth",
        )
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "coco"
    if suffix in (".yaml", ".yml"):
        return "yolo"
    if suffix == ".xml" or (path.is_dir() and any(path.glob("*.xml"))):
        return "voc"
    raise InputError(
        f"The ground truth {str(path)!r} is neither a COCO .json, a YOLO data.yaml nor a "
        "Pascal VOC .xml file or folder of them; give one of those.",
        parameter="ground_truth",
    )


def read_detection_files(
    ground_truth: str | Path,
    detections: str | Path,
    *,
    split: str = "val",
    min_score: float | None = None,
) -> tuple[GroundTruth, Detections]:
    """Read a ground truth and its detections in the format the ground truth's file names.

    Parameters
    ----------
    ground_truth : str or Path
        COCO instances ``.json``; YOLO ``data.yaml``; or a VOC ``Annotations`` folder.
    detections : str or Path
        COCO results ``.json``; a YOLO prediction folder (``runs/detect/val/labels``); or VOC
        devkit files (a folder of ``comp4_det_test_<class>.txt`` or one of them).
    split : str
        The YOLO split to read.
    min_score : float, optional
        Detections below it are dropped (see the readers for the default's check).
    """
    kind = detection_format(ground_truth)
    if not Path(detections).exists():
        raise InputError(
            f"The detections {str(detections)!r} do not exist. Give the {kind.upper()} "
            "detections of this ground truth.",
            parameter="detections",
        )
    if kind == "coco":
        gt = read_coco_ground_truth(ground_truth)
        return gt, read_coco_detections(detections, gt, min_score=min_score)
    if kind == "yolo":
        gt = read_yolo_ground_truth(ground_truth, split=split)
        return gt, read_yolo_detections(detections, gt, min_score=min_score)
    gt = read_voc_ground_truth(ground_truth)
    return gt, read_voc_detections(detections, gt, min_score=min_score)
