"""Per-image matching of detections to ground truth, as pycocotools' ``COCOeval.evaluate``.

For each image and category, detections are taken highest score first (at most
``max_dets[-1]``), and at each IoU threshold each one takes the unmatched ground-truth box it
overlaps most (at least the threshold); a crowd region can be taken many times. Ground truth
outside an area range, in a crowd or flagged ignore is *ignored*: a detection matched to it
counts neither way, and an unmatched detection outside the area range is ignored too. The
result keeps every match, so that `accumulate` can compute AP and `box_outcomes` can give one
row per box, which COCOeval does not expose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from weakspot.tasks.detection._overlap import box_iou
from weakspot.tasks.detection._records import Detections, GroundTruth

# pycocotools' "area range" upper bound for the open ranges: (1e5)^2
_OPEN = 1e5**2


def _iou_thresholds() -> np.ndarray:
    # linspace, not arange: the thresholds pycocotools uses, bit for bit
    return np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)


def _recall_thresholds() -> np.ndarray:
    return np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


@dataclass(frozen=True)
class COCOParams:
    """COCO's bbox evaluation settings (pycocotools' ``Params(iouType="bbox")``).

    Attributes
    ----------
    iou_thresholds : ndarray, shape (T,)
        0.50:0.05:0.95.
    recall_thresholds : ndarray, shape (R,)
        0:0.01:1, where the interpolated precision is read (101 points).
    max_dets : tuple of int, shape (M,)
        Detections kept per image and category, highest score first; the last one bounds the
        matching.
    area_ranges : tuple of (float, float), shape (A,)
        Object area ranges, both ends inclusive: all, small (< 32^2), medium, large (> 96^2).
    area_labels : tuple of str, shape (A,)
    """

    iou_thresholds: np.ndarray = field(default_factory=_iou_thresholds)
    recall_thresholds: np.ndarray = field(default_factory=_recall_thresholds)
    max_dets: tuple[int, ...] = (1, 10, 100)
    area_ranges: tuple[tuple[float, float], ...] = (
        (0.0, _OPEN),
        (0.0, 32.0**2),
        (32.0**2, 96.0**2),
        (96.0**2, _OPEN),
    )
    area_labels: tuple[str, ...] = ("all", "small", "medium", "large")


@dataclass(frozen=True)
class Evaluation:
    """Every match of `evaluate`, flat over (category, image) pairs.

    Detections appear in the order pycocotools concatenates them (category, then image, then
    score rank within the image); rank >= ``max_dets[-1]`` are not evaluated and absent.

    Attributes
    ----------
    params : COCOParams
    category_ids : ndarray of int64, shape (K,)
        The ground truth's category ids, sorted; ``*_category`` arrays index into it.
    n_images : int
    det : ndarray of int64, shape (N,)
        Position of each evaluated detection in `Detections`.
    det_category, det_image, det_rank : ndarray of int64, shape (N,)
        Its category position, image position and score rank within its image and category.
    det_scores : ndarray of float64, shape (N,)
    det_matches : ndarray of int64, shape (A, T, N)
        Position in `GroundTruth` of the box matched at each area range and IoU threshold, -1
        for none.
    det_ignored : ndarray of bool, shape (A, T, N)
        Matched to an ignored box, or unmatched and outside the area range.
    gt : ndarray of int64, shape (P,)
        Position in `GroundTruth` of each box of an evaluated category.
    gt_category : ndarray of int64, shape (P,)
    gt_ignored : ndarray of bool, shape (A, P)
        Crowd, ignore flag, or area outside the range.
    gt_matches : ndarray of int64, shape (A, T, P)
        Position in `Detections` of the detection matched, -1 for none.
    """

    params: COCOParams
    category_ids: np.ndarray
    n_images: int
    det: np.ndarray
    det_category: np.ndarray
    det_image: np.ndarray
    det_rank: np.ndarray
    det_scores: np.ndarray
    det_matches: np.ndarray
    det_ignored: np.ndarray
    gt: np.ndarray
    gt_category: np.ndarray
    gt_ignored: np.ndarray
    gt_matches: np.ndarray


def evaluate(
    ground_truth: GroundTruth, detections: Detections, params: COCOParams | None = None
) -> Evaluation:
    """Match detections to ground truth per image and category at every IoU threshold and
    area range (pycocotools' ``COCOeval.evaluate`` for ``iouType="bbox"``).

    Detections of a category absent from ``ground_truth.categories`` are left out, as
    pycocotools leaves them out (the readers refuse them before).
    """
    params = params or COCOParams()
    cat_ids = np.asarray(sorted(ground_truth.categories), dtype=np.int64)
    n_images = len(ground_truth.images)
    gt_cat = np.searchsorted(cat_ids, ground_truth.category_ids)
    dt_known = np.isin(detections.category_ids, cat_ids)
    dt_cat = np.where(dt_known, np.searchsorted(cat_ids, detections.category_ids), -1)

    det, det_rank = _ranked_detections(detections, dt_cat, n_images, params.max_dets[-1])
    gt = np.lexsort((ground_truth.image, gt_cat))  # stable: file order within an image
    det_key = dt_cat[det] * n_images + detections.image[det]
    gt_key = gt_cat[gt] * n_images + ground_truth.image[gt]

    n_areas, n_thr = len(params.area_ranges), len(params.iou_thresholds)
    det_matches = np.full((n_areas, n_thr, len(det)), -1, dtype=np.int64)
    det_ignored = np.zeros((n_areas, n_thr, len(det)), dtype=bool)
    gt_ignored = _gt_ignored(ground_truth, gt, params)
    gt_matches = np.full((n_areas, n_thr, len(gt)), -1, dtype=np.int64)

    gt_box_areas = ground_truth.box_areas
    # both lists are sorted by key (category, then image): each pair is a contiguous run
    for key in np.union1d(det_key, gt_key):
        d_at = np.arange(*np.searchsorted(det_key, [key, key + 1]))
        g_at = np.arange(*np.searchsorted(gt_key, [key, key + 1]))
        d, g = det[d_at], gt[g_at]
        ious = box_iou(
            detections.boxes[d],
            detections.areas[d],
            ground_truth.boxes[g],
            gt_box_areas[g],
            ground_truth.crowd[g],
        )
        done: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        for a, (low, high) in enumerate(params.area_ranges):
            # the matching depends on the area range only through which boxes it ignores
            key_ignored = gt_ignored[a, g_at].tobytes()
            if key_ignored not in done:
                done[key_ignored] = match_image(
                    ious, gt_ignored[a, g_at], ground_truth.crowd[g], params.iou_thresholds
                )
            dtm, gtm = done[key_ignored]
            outside = (detections.areas[d] < low) | (detections.areas[d] > high)
            # -1 (no match) indexes a sentinel appended at the end: no gt, not ignored
            g_pad = np.r_[g, -1]
            ignored_pad = np.r_[gt_ignored[a, g_at], False]
            det_ignored[a][:, d_at] = np.where(dtm >= 0, ignored_pad[dtm], outside[None, :])
            det_matches[a][:, d_at] = g_pad[dtm]
            gt_matches[a][:, g_at] = np.r_[d, -1][gtm]

    return Evaluation(
        params=params,
        category_ids=cat_ids,
        n_images=n_images,
        det=det,
        det_category=dt_cat[det],
        det_image=detections.image[det],
        det_rank=det_rank,
        det_scores=detections.scores[det],
        det_matches=det_matches,
        det_ignored=det_ignored,
        gt=gt,
        gt_category=gt_cat[gt],
        gt_ignored=gt_ignored,
        gt_matches=gt_matches,
    )


def _ranked_detections(
    detections: Detections, dt_cat: np.ndarray, n_images: int, max_det: int
) -> tuple[np.ndarray, np.ndarray]:
    """Detections of known categories ordered by (category, image, score descending), ties in
    file order as pycocotools' mergesort keeps them, cut at `max_det` per image and category.
    Returns their positions and ranks, shape (N,) each."""
    known = np.flatnonzero(dt_cat >= 0)
    order = known[np.lexsort((-detections.scores[known], detections.image[known], dt_cat[known]))]
    key = dt_cat[order] * n_images + detections.image[order]
    starts = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(key)), 0)) if len(key) else key
    rank = np.arange(len(key)) - first
    keep = rank < max_det
    return order[keep], rank[keep]


def _gt_ignored(ground_truth: GroundTruth, gt: np.ndarray, params: COCOParams) -> np.ndarray:
    """Ignored ground truth per area range, shape (A, P): crowd, the ignore flag, or an area
    outside the range (both ends inclusive, as pycocotools)."""
    base = ground_truth.crowd[gt] | ground_truth.ignore[gt]
    area = ground_truth.areas[gt]
    return np.stack(
        [base | (area < low) | (area > high) for low, high in params.area_ranges], axis=0
    ).reshape(len(params.area_ranges), len(gt))


def match_image(
    ious: np.ndarray, ignored: np.ndarray, crowd: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy matching in one image and category at every IoU threshold (pycocotools'
    ``evaluateImg`` loop).

    Parameters
    ----------
    ious : ndarray, shape (D, G)
        IoU of the detections (highest score first) with the ground-truth boxes.
    ignored : ndarray of bool, shape (G,)
    crowd : ndarray of bool, shape (G,)
        Crowd boxes stay available after a match.
    thresholds : ndarray, shape (T,)

    Returns
    -------
    dt_matches : ndarray of int64, shape (T, D)
        The ground-truth box (column of `ious`) each detection takes, -1 for none.
    gt_matches : ndarray of int64, shape (T, G)
        The detection (row of `ious`) that took each box, -1 for none.

    Notes
    -----
    Each detection takes the box with the largest IoU >= the threshold among the boxes not
    taken (crowds are never taken), preferring any non-ignored box to an ignored one; among
    equal IoUs the last box in file order wins, as COCOeval's ``>=`` comparison does.
    """
    n_det, n_gt = ious.shape
    n_thr = len(thresholds)
    dt_matches = np.full((n_thr, n_det), -1, dtype=np.int64)
    gt_matches = np.full((n_thr, n_gt), -1, dtype=np.int64)
    if n_det == 0 or n_gt == 0:
        return dt_matches, gt_matches
    floor = np.minimum(thresholds, 1 - 1e-10)[:, None]
    if not (ious >= floor.min()).any():
        return dt_matches, gt_matches
    taken = np.zeros((n_thr, n_gt), dtype=bool)
    rows = np.arange(n_thr)
    for d in range(n_det):
        row = ious[d]
        candidate = ~taken & (row[None, :] >= floor)
        choice = _last_best(candidate & ~ignored[None, :], row)
        fallback = _last_best(candidate & ignored[None, :], row)
        choice = np.where(choice >= 0, choice, fallback)
        hit = choice >= 0
        dt_matches[hit, d] = choice[hit]
        gt_matches[rows[hit], choice[hit]] = d
        taken[rows[hit], choice[hit]] = ~crowd[choice[hit]]
    return dt_matches, gt_matches


def _last_best(candidate: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Per threshold (rows of `candidate`, shape (T, G)), the last column holding the largest
    `row` value among the candidates; -1 where there is none. Shape (T,)."""
    values = np.where(candidate, row[None, :], -1.0)
    last = values.shape[1] - 1 - np.argmax(values[:, ::-1], axis=1)
    return np.where(candidate.any(axis=1), last, -1)
