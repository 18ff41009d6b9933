"""Everything one evaluation gives: COCO's three steps and the per-box rows."""

from __future__ import annotations

from dataclasses import dataclass

from weakspot.tasks.detection._accumulate import Accumulation, Summary, accumulate, summarize
from weakspot.tasks.detection._error_types import BoxOutcomes, box_outcomes
from weakspot.tasks.detection._evaluate import COCOParams, Evaluation, evaluate
from weakspot.tasks.detection._records import Detections, GroundTruth


@dataclass(frozen=True)
class DetectionMatch:
    """The result of `match_detections`.

    Attributes
    ----------
    evaluation : Evaluation
        Every match at every IoU threshold and area range.
    accumulation : Accumulation
        Precision (T, R, K, A, M) and recall (T, K, A, M).
    summary : Summary
        COCO's twelve numbers.
    boxes : BoxOutcomes
        One row per ground-truth box and per detection, with TIDE's error types.
    """

    evaluation: Evaluation
    accumulation: Accumulation
    summary: Summary
    boxes: BoxOutcomes


def match_detections(
    ground_truth: GroundTruth, detections: Detections, params: COCOParams | None = None
) -> DetectionMatch:
    """Evaluate, accumulate and summarise as pycocotools' COCOeval does for bbox, and give
    one row per box."""
    evaluation = evaluate(ground_truth, detections, params)
    accumulation = accumulate(evaluation)
    return DetectionMatch(
        evaluation=evaluation,
        accumulation=accumulation,
        summary=summarize(accumulation),
        boxes=box_outcomes(ground_truth, detections, evaluation),
    )
