"""The AP a set of errors costs: AP50 after TIDE's fix of those errors only, minus AP50.

TIDE (Bolya et al., 2020) measures an error type's weight by fixing every error of that type
and recomputing AP; here the fix is restricted to a set of boxes (a slice), so that a slice
says how much AP its errors cost. The fixes are TIDE's, each applied in score order:

- a missed box (type ``missed``): taken out of the ground truth (its category has one
  positive fewer);
- a missed box that a localisation or classification error would have found: that
  detection's fix below;
- a localisation error: becomes a true positive of its box if that box is still unfound,
  else it is removed;
- a classification error: moves to its box's category as a true positive if that box is
  still unfound, else it is removed;
- a duplicate, background or "both" error: removed.

AP50 is COCO's (IoU 0.5, area "all", 100 detections per image), from the same precision
curves as `summarize`, so that fixing nothing gives `Summary.ap50` exactly.
"""

from __future__ import annotations

import numpy as np

from weakspot.tasks.detection._accumulate import precision_recall
from weakspot.tasks.detection._error_types import (
    FOREGROUND_IOU,
    Background,
    Both,
    Classification,
    Duplicate,
    Localisation,
    Missed,
)
from weakspot.tasks.detection._match import DetectionMatch


def ap50_after_fixing(
    match: DetectionMatch,
    *,
    boxes: np.ndarray | None = None,
    detections: np.ndarray | None = None,
) -> float:
    """COCO's AP50 once the errors of the given boxes and detections are fixed (TIDE's fixes).

    Parameters
    ----------
    match : DetectionMatch
        The matching (`match_detections`).
    boxes : ndarray of bool, shape (n_boxes,), optional
        Ground-truth boxes whose miss is fixed (found or ignored boxes are left as they are).
    detections : ndarray of bool, shape (n_detections,), optional
        Detections whose error is fixed (true positives are left as they are).

    Returns
    -------
    float
        AP50 in [0, 1] (-1 when no category has a positive left).
    """
    ev, rows = match.evaluation, match.boxes
    a = ev.params.area_labels.index("all")
    t = int(np.flatnonzero(np.isclose(ev.params.iou_thresholds, FOREGROUND_IOU))[0])
    n_gt, n_dt = len(rows.gt_outcome), len(rows.det_outcome)
    fix_boxes = np.zeros(n_gt, bool) if boxes is None else np.asarray(boxes, dtype=bool)
    fix_dets = np.zeros(n_dt, bool) if detections is None else np.asarray(detections, dtype=bool)

    positives = np.bincount(ev.gt_category[~ev.gt_ignored[a]], minlength=len(ev.category_ids))
    gt_category = np.full(n_gt, -1, dtype=np.int64)
    gt_category[ev.gt] = ev.gt_category

    # a plain miss leaves the ground truth; a fixable one fixes the detection that would find it
    plain = fix_boxes & (rows.gt_error == Missed.name)
    np.subtract.at(positives, gt_category[plain], 1)
    fixable = fix_boxes & (rows.gt_error_detection >= 0)
    fix_dets = fix_dets.copy()
    fix_dets[rows.gt_error_detection[fixable]] = True

    # the evaluated detections: category position, score, true positive, ignored
    category = ev.det_category.copy()
    scores = ev.det_scores.copy()
    matched = ev.det_matches[a, t] >= 0
    ignored = ev.det_ignored[a, t].copy()
    removed = np.zeros(len(ev.det), bool)
    position = np.full(n_dt, -1, dtype=np.int64)
    position[ev.det] = np.arange(len(ev.det))
    found = rows.gt_outcome == "found"
    claimed = np.zeros(n_gt, bool)
    chosen = np.flatnonzero(fix_dets & (rows.det_error != ""))
    for d in chosen[np.argsort(-ev.det_scores[position[chosen]], kind="stable")]:
        i = position[d]
        error, g = rows.det_error[d], int(rows.det_gt[d])
        takes_box = error in (Localisation.name, Classification.name) and g >= 0
        if takes_box and not found[g] and not claimed[g]:
            claimed[g] = True
            matched[i], ignored[i] = True, False
            category[i] = gt_category[g]
        elif error in (
            Localisation.name,
            Classification.name,
            Duplicate.name,
            Background.name,
            Both.name,
        ):
            removed[i] = True
    return _ap50(category, scores, matched, ignored, removed, positives, ev.params)


def _ap50(category, scores, matched, ignored, removed, positives, params) -> float:
    """The mean interpolated precision at IoU 0.5 over the categories with positives, summed
    in `summarize`'s order (recall threshold, then category) so the numbers agree to the bit."""
    columns = []
    for k in range(len(positives)):
        if positives[k] <= 0:
            continue
        # pycocotools' order within a category (image, then rank); a moved detection keeps
        # its place in the evaluated order, which only breaks ties of equal score
        kept = np.flatnonzero((category == k) & ~removed)
        precision, _ = precision_recall(
            scores[kept],
            matched[kept][None, :],
            ignored[kept][None, :],
            int(positives[k]),
            params.recall_thresholds,
        )
        columns.append(precision[0])
    return float(np.mean(np.stack(columns, axis=1).ravel())) if columns else -1.0


def ap50_gain(
    match: DetectionMatch,
    *,
    boxes: np.ndarray | None = None,
    detections: np.ndarray | None = None,
) -> float:
    """AP50 after fixing the errors of `boxes` and `detections` (see `ap50_after_fixing`)
    minus AP50; NaN when the fix leaves no category with a positive (every box of every
    category was a plain miss in the set), where COCO's AP is not defined."""
    fixed = ap50_after_fixing(match, boxes=boxes, detections=detections)
    return fixed - match.summary.ap50 if fixed >= 0 else float("nan")


def error_type_costs(match: DetectionMatch) -> dict[str, float]:
    """TIDE's global breakdown at AP50: the AP gained by fixing every error of each type,
    type name -> AP50 gain (``missed``: the plain misses; the others: false positives)."""
    rows = match.boxes
    costs = {Missed.name: ap50_gain(match, boxes=rows.gt_error == Missed.name)}
    for error in (Localisation, Classification, Duplicate, Background, Both):
        costs[error.name] = ap50_gain(match, detections=rows.det_error == error.name)
    return costs
