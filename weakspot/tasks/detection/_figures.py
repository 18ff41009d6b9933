"""The figures a detection report and gate read: recall and precision per size bin and per
class, with intervals, each class's AP, and COCO's precision-recall curves.

All of them come from the box table's rows (IoU 0.5, area "all", as `box_outcomes` matches)
and from the accumulation's precision arrays, so they agree with COCO's numbers: the mean of
the overall curve at IoU 0.5 is AP50, to the bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from weakspot.tasks.detection._accumulate import Accumulation
from weakspot.tasks.detection._attributes import DETECTION, GROUND_TRUTH, SIZE_BINS
from weakspot.tasks.detection._clusters import clustered_rates
from weakspot.tasks.detection._error_types import (
    FALSE_POSITIVE,
    FOUND,
    MISSED,
    TRUE_POSITIVE,
)
from weakspot.tasks.detection._evaluate import Evaluation

#: The curves drawn: (name, IoU threshold, area range).
CURVES = (
    ("all", 0.5, "all"),
    ("all at IoU 0.75", 0.75, "all"),
    *((name, 0.5, name) for name in SIZE_BINS),
)


def detection_figures(
    frame: pd.DataFrame,
    evaluation: Evaluation,
    accumulation: Accumulation,
    categories: Mapping[int, str],
) -> dict[str, Any]:
    """Recall and precision overall, per size bin and per class, and the precision-recall
    curves, as JSON-ready values.

    Parameters
    ----------
    frame : DataFrame
        The box table (`box_table`): columns ``unit``, ``image_id``, ``outcome``, ``size``,
        ``category``, one row per ground-truth box and per detection.
    evaluation, accumulation : Evaluation, Accumulation
        The matching's (`DetectionMatch`); their category axis is ``evaluation.category_ids``.
    categories : mapping of int to str
        The ground truth's category names by id.

    Returns
    -------
    dict
        ``overall`` (one rates record), ``by_size`` (one per COCO size bin, in COCO's order),
        ``by_class`` (one per category of the ground truth, by name, each with its ``ap`` and
        ``ap50``; None for a class with no box that counts), ``error_counts`` (the misses
        and false positives of each TIDE type) and ``pr_curves``.
    """
    whole = rates(frame, np.ones(len(frame), dtype=bool))
    by_size = [
        {"size": name, **rates(frame, (frame["size"] == name).to_numpy())} for name in SIZE_BINS
    ]
    names = [str(categories[int(c)]) for c in evaluation.category_ids]
    # the class's AP at IoU 0.50:0.95 and at 0.5, area "all", 100 detections per image
    precision = accumulation.precision[:, :, :, 0, -1]
    by_class = []
    for k, name in sorted(enumerate(names), key=lambda item: item[1]):
        record = {"category": name, **rates(frame, (frame["category"] == name).to_numpy())}
        curve = precision[:, :, k]
        has_boxes = bool((curve > -1).any())
        record["ap"] = float(curve.mean()) if has_boxes else None
        record["ap50"] = float(curve[0].mean()) if has_boxes else None
        by_class.append(record)
    errors = frame["outcome"].isin([MISSED, FALSE_POSITIVE]).to_numpy()
    types, counts = np.unique(frame["error_type"][errors].astype(str), return_counts=True)
    return {
        "overall": whole,
        "by_size": by_size,
        "by_class": by_class,
        "error_counts": {str(t): int(c) for t, c in zip(types, counts, strict=True)},
        "pr_curves": pr_curves(accumulation),
    }


def rates(frame: pd.DataFrame, rows: np.ndarray) -> dict[str, Any]:
    """Recall of the ground-truth boxes and precision of the detections among `rows` (bool,
    shape (len(frame),)), each with its 95% interval with images as clusters.

    Crowd regions, ignored boxes and detections that count neither way are left out, as the
    slices leave them out. A rate without units is None, its interval None.
    """
    unit = frame["unit"].to_numpy()
    outcome = frame["outcome"].to_numpy()
    image = frame["image_id"].astype(str).to_numpy()
    boxes = rows & (unit == GROUND_TRUTH) & np.isin(outcome, [FOUND, MISSED])
    dets = rows & (unit == DETECTION) & np.isin(outcome, [TRUE_POSITIVE, FALSE_POSITIVE])
    recall, recall_ci = _rate(outcome[boxes] == FOUND, image[boxes])
    precision, precision_ci = _rate(outcome[dets] == TRUE_POSITIVE, image[dets])
    return {
        "boxes": int(boxes.sum()),
        "found": int((outcome[boxes] == FOUND).sum()),
        "recall": recall,
        "recall_ci": recall_ci,
        "detections": int(dets.sum()),
        "true_positives": int((outcome[dets] == TRUE_POSITIVE).sum()),
        "precision": precision,
        "precision_ci": precision_ci,
    }


def _rate(hits: np.ndarray, image: np.ndarray) -> tuple[float | None, list[float] | None]:
    """The share of `hits` (shape (n,)) and its interval with `image` (shape (n,)) as the
    clusters: `clustered_rates` of the misses, every unit inside."""
    if not len(hits):
        return None, None
    found = clustered_rates(~hits, np.ones(len(hits), dtype=bool), image)
    low, high = found.ci
    return 1.0 - found.rate, [1.0 - high, 1.0 - low]


def pr_curves(accumulation: Accumulation) -> dict[str, Any]:
    """COCO's interpolated precision at its 101 recall thresholds, averaged over the classes
    that have a box that counts, for each of `CURVES` (100 detections per image).

    Returns
    -------
    dict
        ``recall`` (the 101 thresholds) and ``curves``: ``{name, iou, area, precision (101
        values, None where no class counts), ap (their mean)}``. The mean of the curve at IoU
        0.5 over area "all" is COCO's AP50.
    """
    params = accumulation.params
    recall = [float(r) for r in params.recall_thresholds]
    curves = []
    for name, iou, area in CURVES:
        t = int(np.argmin(np.abs(params.iou_thresholds - iou)))
        block = accumulation.precision[t, :, :, params.area_labels.index(area), -1]  # (R, K)
        counted = block[:, (block > -1).any(axis=0)]
        if counted.shape[1] == 0:
            curves.append({"name": name, "iou": iou, "area": area, "precision": None, "ap": None})
            continue
        values = counted.mean(axis=1)
        curves.append(
            {
                "name": name,
                "iou": iou,
                "area": area,
                "precision": [float(v) for v in values],
                # COCO's summarize: one mean over the counted cells, flattened in this order
                "ap": float(np.mean(block[block > -1])),
            }
        )
    return {"recall": recall, "curves": curves}
