"""Intersection over union of boxes, as pycocotools' ``maskUtils.iou`` computes it for boxes."""

from __future__ import annotations

import numpy as np


def box_iou(
    dt_boxes: np.ndarray,
    dt_areas: np.ndarray,
    gt_boxes: np.ndarray,
    gt_areas: np.ndarray,
    crowd: np.ndarray | None = None,
) -> np.ndarray:
    """IoU of every detection with every ground-truth box.

    Parameters
    ----------
    dt_boxes : ndarray, shape (D, 4)
        Detections, ``xyxy``.
    dt_areas : ndarray, shape (D,)
        Their areas (the ``width * height`` the source wrote).
    gt_boxes : ndarray, shape (G, 4)
        Ground-truth boxes, ``xyxy``.
    gt_areas : ndarray, shape (G,)
        Their box areas (not COCO's mask ``area``: pycocotools' box IoU uses ``w * h``).
    crowd : ndarray of bool, shape (G,), optional
        Crowd regions: overlap is the intersection over the detection's area, so a detection
        inside a crowd counts as covered whatever the crowd's size.

    Returns
    -------
    ndarray of float64, shape (D, G)
        0 where the boxes do not overlap (a width or height <= 0, as pycocotools' ``bbIou``).
    """
    if len(dt_boxes) == 0 or len(gt_boxes) == 0:
        return np.zeros((len(dt_boxes), len(gt_boxes)))
    d = dt_boxes[:, None, :]
    g = gt_boxes[None, :, :]
    w = np.minimum(d[..., 2], g[..., 2]) - np.maximum(d[..., 0], g[..., 0])
    h = np.minimum(d[..., 3], g[..., 3]) - np.maximum(d[..., 1], g[..., 1])
    overlap = (w > 0) & (h > 0)
    inter = np.where(overlap, w * h, 0.0)
    union = dt_areas[:, None] + gt_areas[None, :] - inter
    if crowd is not None and crowd.any():
        union = np.where(crowd[None, :], dt_areas[:, None], union)
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=overlap)
    return out
