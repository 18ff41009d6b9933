"""One row per box: found or missed, true or false positive, and TIDE's error type.

A detection is a true positive when COCO's matching at IoU 0.5 (area "all", 100 detections
per image and category) pairs it with a ground-truth box that counts, so the rows agree with
AP50. Each false positive then gets the first of TIDE's error types whose test it passes, in
TIDE's order (Bolya et al., 2020; foreground IoU 0.5, background IoU 0.1), against the image's
ground-truth boxes that count, of every category:

- localisation: its best IoU with a box of its own category is in [0.1, 0.5];
- classification: it overlaps a box of another category at IoU >= 0.5;
- duplicate: it overlaps, at IoU >= 0.5, a box of its category already found;
- background: its best IoU with any box is <= 0.1;
- both: none of these (wrong category and poorly placed).

A missed box is "missed" unless a localisation or classification error overlaps it: fixing the
highest-scoring such detection would have found it, and the box takes that error's type, as
TIDE's ``BestGTMatch`` assigns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot.tasks.detection._evaluate import Evaluation
from weakspot.tasks.detection._overlap import box_iou
from weakspot.tasks.detection._records import Detections, GroundTruth

FOREGROUND_IOU = 0.5
BACKGROUND_IOU = 0.1

# outcomes of a ground-truth box and of a detection
FOUND, MISSED, IGNORED = "found", "missed", "ignored"
TRUE_POSITIVE, FALSE_POSITIVE, BEYOND_MAX_DETS = (
    "true_positive",
    "false_positive",
    "beyond_max_dets",
)


@dataclass(frozen=True)
class FalsePositiveView:
    """What TIDE's tests read about one false positive: its IoU with each counted
    ground-truth box of its image, shape (G,) each.

    Attributes
    ----------
    iou : ndarray, shape (G,)
        With every box.
    same_class : ndarray of bool, shape (G,)
        The box is of the detection's category.
    found : ndarray of bool, shape (G,)
        The box was found by a true positive.
    """

    iou: np.ndarray
    same_class: np.ndarray
    found: np.ndarray


class ErrorType:
    """A kind of detection error: its name and the test a false positive passes.

    ``test`` returns the position (in the view's boxes) of the box the error concerns, -1 when
    it concerns none, or None when the false positive is not of this type.
    """

    name: ClassVar[str]
    description: ClassVar[str]

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:
        raise NotImplementedError


class Localisation(ErrorType):
    name = "localisation"
    description = "right category, box placed too poorly (IoU 0.1 to 0.5 with its object)"

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:
        iou = np.where(view.same_class, view.iou, 0.0)
        best = int(np.argmax(iou))
        return best if BACKGROUND_IOU <= iou[best] <= FOREGROUND_IOU else None


class Classification(ErrorType):
    name = "classification"
    description = "well placed on an object of another category"

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:
        iou = np.where(view.same_class, 0.0, view.iou)
        best = int(np.argmax(iou))
        return best if iou[best] >= FOREGROUND_IOU else None


class Duplicate(ErrorType):
    name = "duplicate"
    description = "a second detection of an object already found"

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:
        iou = np.where(view.same_class & view.found, view.iou, 0.0)
        best = int(np.argmax(iou))
        return best if iou[best] >= FOREGROUND_IOU else None


class Background(ErrorType):
    name = "background"
    description = "on no object (IoU <= 0.1 with every box)"

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:
        return -1 if view.iou.max() <= BACKGROUND_IOU else None


class Both(ErrorType):
    name = "both"
    description = "wrong category and poorly placed"

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:
        return -1


class Missed(ErrorType):
    name = "missed"
    description = "an object no detection comes near enough to fix"

    @staticmethod
    def test(view: FalsePositiveView) -> int | None:  # a property of boxes, not detections
        return None


DETECTION_ERRORS: tuple[type[ErrorType], ...] = (
    Localisation,
    Classification,
    Duplicate,
    Background,
    Both,
)
ERROR_TYPES = tuple(e.name for e in DETECTION_ERRORS) + (Missed.name,)


@dataclass(frozen=True)
class BoxOutcomes:
    """One row per ground-truth box and one per detection.

    Attributes
    ----------
    gt_outcome : ndarray of object, shape (n_boxes,)
        "found", "missed" or "ignored" (crowd or ignore flag) at IoU 0.5.
    gt_detection : ndarray of int64, shape (n_boxes,)
        The detection that found it, -1 for none.
    gt_iou, gt_score : ndarray of float, shape (n_boxes,)
        IoU with and score of that detection (NaN when missed).
    gt_error : ndarray of object, shape (n_boxes,)
        "" when found or ignored; else "missed", "localisation" or "classification".
    gt_error_detection : ndarray of int64, shape (n_boxes,)
        For a localisation or classification miss, the detection whose fix would find it.
    det_outcome : ndarray of object, shape (n_detections,)
        "true_positive", "false_positive", "ignored" (matched to a crowd or ignored box, or of a
        category the ground truth lacks) or "beyond_max_dets".
    det_gt : ndarray of int64, shape (n_detections,)
        The box it found (or the ignored box it matched), else the box its error concerns, -1.
    det_iou : ndarray of float, shape (n_detections,)
        IoU with `det_gt`; for background and both errors, its largest IoU with any box.
    det_error : ndarray of object, shape (n_detections,)
        "" unless a false positive: its TIDE type.
    """

    gt_outcome: np.ndarray
    gt_detection: np.ndarray
    gt_iou: np.ndarray
    gt_score: np.ndarray
    gt_error: np.ndarray
    gt_error_detection: np.ndarray
    det_outcome: np.ndarray
    det_gt: np.ndarray
    det_iou: np.ndarray
    det_error: np.ndarray

    def ground_truth_frame(self, ground_truth: GroundTruth) -> pd.DataFrame:
        """The ground-truth rows as a table, with each box's image, category and area."""
        images = ground_truth.images
        return pd.DataFrame(
            {
                "box": np.arange(len(ground_truth)),
                "image_id": images.ids[ground_truth.image],
                "category_id": ground_truth.category_ids,
                "area": ground_truth.areas,
                "outcome": self.gt_outcome,
                "detection": self.gt_detection,
                "iou": self.gt_iou,
                "score": self.gt_score,
                "error_type": self.gt_error,
                "error_detection": self.gt_error_detection,
            }
        )

    def detection_frame(self, ground_truth: GroundTruth, detections: Detections) -> pd.DataFrame:
        """The detection rows as a table, with each detection's image, category and score."""
        return pd.DataFrame(
            {
                "detection": np.arange(len(detections)),
                "image_id": ground_truth.images.ids[detections.image],
                "category_id": detections.category_ids,
                "score": detections.scores,
                "outcome": self.det_outcome,
                "box": self.det_gt,
                "iou": self.det_iou,
                "error_type": self.det_error,
            }
        )


def box_outcomes(
    ground_truth: GroundTruth, detections: Detections, evaluation: Evaluation
) -> BoxOutcomes:
    """Per-box rows from `evaluation` (area "all", IoU 0.5), with TIDE's error types."""
    a = evaluation.params.area_labels.index("all")
    t = int(np.flatnonzero(np.isclose(evaluation.params.iou_thresholds, FOREGROUND_IOU))[0])
    n_gt, n_dt = len(ground_truth), len(detections)

    counted = ~(ground_truth.crowd | ground_truth.ignore)
    gt_detection = np.full(n_gt, -1, dtype=np.int64)
    gt_detection[evaluation.gt] = evaluation.gt_matches[a, t]
    gt_outcome = np.where(~counted, IGNORED, np.where(gt_detection >= 0, FOUND, MISSED))
    gt_detection[~counted] = -1

    det_gt = np.full(n_dt, -1, dtype=np.int64)
    det_gt[evaluation.det] = evaluation.det_matches[a, t]
    det_outcome = np.full(n_dt, IGNORED, dtype=object)  # a category the ground truth lacks
    det_outcome[evaluation.det] = np.where(
        evaluation.det_ignored[a, t],
        IGNORED,
        np.where(evaluation.det_matches[a, t] >= 0, TRUE_POSITIVE, FALSE_POSITIVE),
    )
    known = np.isin(detections.category_ids, evaluation.category_ids)
    beyond = np.ones(n_dt, dtype=bool)
    beyond[evaluation.det] = False
    det_outcome[beyond & known] = BEYOND_MAX_DETS

    gt_areas = ground_truth.box_areas
    iou_matched = np.full(n_dt, np.nan)
    has = det_gt >= 0
    for i in np.flatnonzero(has):
        g = det_gt[i]
        iou_matched[i] = box_iou(
            detections.boxes[i : i + 1],
            detections.areas[i : i + 1],
            ground_truth.boxes[g : g + 1],
            gt_areas[g : g + 1],
            ground_truth.crowd[g : g + 1],
        )[0, 0]

    det_error = np.full(n_dt, "", dtype=object)
    gt_error = np.where(gt_outcome == MISSED, Missed.name, "").astype(object)
    gt_error_detection = np.full(n_gt, -1, dtype=np.int64)
    _classify_false_positives(
        ground_truth,
        detections,
        counted,
        gt_outcome == FOUND,
        det_outcome == FALSE_POSITIVE,
        det_gt,
        iou_matched,
        det_error,
        gt_error,
        gt_error_detection,
    )
    gt_iou = np.full(n_gt, np.nan)
    gt_score = np.full(n_gt, np.nan)
    found = gt_detection >= 0
    gt_iou[found] = iou_matched[gt_detection[found]]
    gt_score[found] = detections.scores[gt_detection[found]]
    return BoxOutcomes(
        gt_outcome=gt_outcome.astype(object),
        gt_detection=gt_detection,
        gt_iou=gt_iou,
        gt_score=gt_score,
        gt_error=gt_error,
        gt_error_detection=gt_error_detection,
        det_outcome=det_outcome,
        det_gt=det_gt,
        det_iou=iou_matched,
        det_error=det_error,
    )


def _classify_false_positives(
    ground_truth: GroundTruth,
    detections: Detections,
    counted: np.ndarray,
    found: np.ndarray,
    false_positive: np.ndarray,
    det_gt: np.ndarray,
    det_iou: np.ndarray,
    det_error: np.ndarray,
    gt_error: np.ndarray,
    gt_error_detection: np.ndarray,
) -> None:
    """Fill the error columns in place, image by image, detections by score as TIDE walks
    them (the highest-scoring fixable error of a missed box claims it)."""
    gt_areas = ground_truth.box_areas
    best_fix_score: dict[int, float] = {}
    for image in np.unique(detections.image[false_positive]):
        fps = np.flatnonzero(false_positive & (detections.image == image))
        fps = fps[np.argsort(-detections.scores[fps], kind="stable")]
        boxes = np.flatnonzero(counted & (ground_truth.image == image))
        iou = box_iou(
            detections.boxes[fps], detections.areas[fps], ground_truth.boxes[boxes], gt_areas[boxes]
        )
        for row, d in enumerate(fps):
            if len(boxes) == 0:
                det_error[d], det_iou[d] = Background.name, 0.0
                continue
            view = FalsePositiveView(
                iou=iou[row],
                same_class=ground_truth.category_ids[boxes] == detections.category_ids[d],
                found=found[boxes],
            )
            for error in DETECTION_ERRORS:
                at = error.test(view)
                if at is None:
                    continue
                det_error[d] = error.name
                if at < 0:
                    det_iou[d] = float(view.iou.max())
                    break
                g = int(boxes[at])
                det_gt[d], det_iou[d] = g, float(view.iou[at])
                fixes_a_miss = error in (Localisation, Classification) and not found[g]
                if fixes_a_miss and detections.scores[d] > best_fix_score.get(g, -1.0):
                    best_fix_score[g] = float(detections.scores[d])
                    gt_error[g], gt_error_detection[g] = error.name, d
                break
