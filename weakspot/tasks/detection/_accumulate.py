"""Precision and recall from the matches, and COCO's twelve summary numbers
(pycocotools' ``COCOeval.accumulate`` and ``summarize``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from weakspot.tasks.detection._evaluate import COCOParams, Evaluation


@dataclass(frozen=True)
class Accumulation:
    """Precision and recall for every setting; -1 where a category has no ground truth that
    counts (pycocotools' ``eval["precision"]`` and ``eval["recall"]``).

    Attributes
    ----------
    params : COCOParams
    precision : ndarray, shape (T, R, K, A, M)
        Interpolated precision (the best precision at any recall at least as high) at each
        recall threshold; 0 past the largest recall reached.
    recall : ndarray, shape (T, K, A, M)
        The recall reached with every detection kept.
    """

    params: COCOParams
    precision: np.ndarray
    recall: np.ndarray


def accumulate(evaluation: Evaluation) -> Accumulation:
    """Precision at COCO's 101 recall thresholds and the final recall, per IoU threshold,
    category, area range and detections-per-image limit."""
    p = evaluation.params
    n_thr, n_rec = len(p.iou_thresholds), len(p.recall_thresholds)
    n_cat, n_area, n_max = len(evaluation.category_ids), len(p.area_ranges), len(p.max_dets)
    precision = -np.ones((n_thr, n_rec, n_cat, n_area, n_max))
    recall = -np.ones((n_thr, n_cat, n_area, n_max))
    for k in range(n_cat):
        dets = evaluation.det_category == k
        gts = evaluation.gt_category == k
        for a in range(n_area):
            counted = int(np.count_nonzero(~evaluation.gt_ignored[a, gts]))
            if counted == 0:
                continue
            for m, max_det in enumerate(p.max_dets):
                # pycocotools' order: image by image, each image's detections by score
                kept = np.flatnonzero(dets & (evaluation.det_rank < max_det))
                precision[:, :, k, a, m], recall[:, k, a, m] = precision_recall(
                    evaluation.det_scores[kept],
                    evaluation.det_matches[a][:, kept] >= 0,
                    evaluation.det_ignored[a][:, kept],
                    counted,
                    p.recall_thresholds,
                )
    return Accumulation(params=p, precision=precision, recall=recall)


def precision_recall(
    scores: np.ndarray,
    matched: np.ndarray,
    ignored: np.ndarray,
    n_positives: int,
    recall_thresholds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One precision-recall curve per IoU threshold, read at the recall thresholds.

    Parameters
    ----------
    scores : ndarray, shape (D,)
        Detection scores, in the order the images were walked.
    matched, ignored : ndarray of bool, shape (T, D)
    n_positives : int
        Ground-truth boxes that count (not ignored), > 0.
    recall_thresholds : ndarray, shape (R,)

    Returns
    -------
    precision : ndarray, shape (T, R)
    recall : ndarray, shape (T,)
    """
    order = np.argsort(-scores, kind="mergesort")
    tps = (matched & ~ignored)[:, order]
    fps = (~matched & ~ignored)[:, order]
    tp_sum = np.cumsum(tps, axis=1).astype(float)
    fp_sum = np.cumsum(fps, axis=1).astype(float)
    n_det = tps.shape[1]
    n_thr, n_rec = tps.shape[0], len(recall_thresholds)
    if n_det == 0:
        return np.zeros((n_thr, n_rec)), np.zeros(n_thr)
    rc = tp_sum / n_positives
    pr = tp_sum / (fp_sum + tp_sum + np.spacing(1))
    # interpolation: the precision at a recall is the best precision at any higher recall
    pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
    precision = np.zeros((n_thr, n_rec))
    for t in range(n_thr):
        at = np.searchsorted(rc[t], recall_thresholds, side="left")
        reached = at < n_det
        precision[t, reached] = pr[t, at[reached]]
    return precision, rc[:, -1]


@dataclass(frozen=True)
class Summary:
    """COCO's twelve bbox numbers (``COCOeval.stats``, in its order); -1 where no category has
    ground truth in the setting.

    Attributes
    ----------
    ap : float
        AP averaged over IoU 0.50:0.95, every area, 100 detections per image.
    ap50, ap75 : float
        AP at IoU 0.50 and 0.75.
    ap_small, ap_medium, ap_large : float
        AP for objects < 32^2, 32^2 to 96^2, > 96^2 pixels.
    ar1, ar10, ar100 : float
        Recall averaged over IoU 0.50:0.95 with 1, 10, 100 detections per image.
    ar_small, ar_medium, ar_large : float
        Recall with 100 detections per size.
    """

    ap: float
    ap50: float
    ap75: float
    ap_small: float
    ap_medium: float
    ap_large: float
    ar1: float
    ar10: float
    ar100: float
    ar_small: float
    ar_medium: float
    ar_large: float

    def as_array(self) -> np.ndarray:
        """The twelve numbers in ``COCOeval.stats`` order, shape (12,)."""
        return np.array([getattr(self, name) for name in SUMMARY_NAMES])


SUMMARY_NAMES = (
    "ap",
    "ap50",
    "ap75",
    "ap_small",
    "ap_medium",
    "ap_large",
    "ar1",
    "ar10",
    "ar100",
    "ar_small",
    "ar_medium",
    "ar_large",
)


def summarize(accumulation: Accumulation) -> Summary:
    """The twelve numbers of pycocotools' ``summarize`` for bbox: means over the settings
    that have ground truth (entries > -1)."""
    p = accumulation.params
    big = p.max_dets[-1]

    def mean(ap: bool, iou: float | None = None, area: str = "all", max_dets: int = big) -> float:
        a = p.area_labels.index(area)
        m = p.max_dets.index(max_dets)
        values = accumulation.precision[..., a, m] if ap else accumulation.recall[..., a, m]
        if iou is not None:
            values = values[np.isclose(p.iou_thresholds, iou)]
        kept = values[values > -1]
        return float(np.mean(kept)) if kept.size else -1.0

    return Summary(
        ap=mean(True),
        ap50=mean(True, iou=0.5),
        ap75=mean(True, iou=0.75),
        ap_small=mean(True, area="small"),
        ap_medium=mean(True, area="medium"),
        ap_large=mean(True, area="large"),
        ar1=mean(False, max_dets=p.max_dets[0]),
        ar10=mean(False, max_dets=p.max_dets[1]),
        ar100=mean(False),
        ar_small=mean(False, area="small"),
        ar_medium=mean(False, area="medium"),
        ar_large=mean(False, area="large"),
    )
