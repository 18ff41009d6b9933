"""Overall performance: accuracy, per-class precision / recall / F1, confusion, calibration."""

from __future__ import annotations

from typing import Any

import numpy as np

from weakspot.stats import wilson_interval
from weakspot.tasks import get_task


def overall_metrics(
    labels: np.ndarray,
    predictions: np.ndarray,
    classes: list[str],
    proba: np.ndarray | None,
    *,
    errors: np.ndarray | None = None,
    n_calibration_bins: int = 10,
) -> dict[str, Any]:
    """Summary metrics of a classifier on one evaluation set.

    Parameters
    ----------
    labels, predictions : ndarray of str, shape (n,)
    classes : list of str, length k
    proba : ndarray of float, shape (n, k), or None
    errors : ndarray of {0, 1}, shape (n,), optional
        The task's loss (`Examples.errors`); default the classifier's, label != prediction.

    Returns
    -------
    dict with ``n``, ``accuracy``, ``accuracy_ci``, ``error_rate``, ``per_class`` (list of
    dicts), ``confusion`` (``classes`` and ``matrix``, rows = true class), and ``calibration``
    (None without probabilities).
    """
    n = int(labels.shape[0])
    if errors is None:
        errors = get_task("classification").loss(labels, predictions)
    correct = n - int(np.asarray(errors).sum())
    low, high = wilson_interval(correct, n)
    return {
        "n": n,
        "accuracy": correct / n,
        "accuracy_ci": [float(low), float(high)],
        "error_rate": 1 - correct / n,
        "errors": n - correct,
        "per_class": per_class_metrics(labels, predictions, classes),
        "confusion": {
            "classes": classes,
            "matrix": confusion_matrix(labels, predictions, classes).tolist(),
        },
        "calibration": None
        if proba is None
        else calibration(labels, proba, classes, n_bins=n_calibration_bins),
    }


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: list[str]) -> np.ndarray:
    """Counts, shape (k, k): row = true class, column = predicted class."""
    index = {c: i for i, c in enumerate(classes)}
    true = np.array([index[v] for v in labels])
    pred = np.array([index[v] for v in predictions])
    k = len(classes)
    return np.bincount(true * k + pred, minlength=k * k).reshape(k, k)


def per_class_metrics(
    labels: np.ndarray, predictions: np.ndarray, classes: list[str]
) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of each class (0 where undefined)."""
    matrix = confusion_matrix(labels, predictions, classes)
    rows = []
    for i, name in enumerate(classes):
        tp = int(matrix[i, i])
        support = int(matrix[i].sum())
        predicted = int(matrix[:, i].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        low, high = wilson_interval(tp, support)
        rows.append(
            {
                "class": name,
                "support": support,
                "precision": precision,
                "recall": recall,
                "recall_ci": [float(low), float(high)],
                "f1": f1,
            }
        )
    return rows


def calibration(
    labels: np.ndarray, proba: np.ndarray, classes: list[str], *, n_bins: int = 10
) -> dict[str, Any]:
    """Expected calibration error of the top-class confidence, with its equal-width bins.

    ECE = sum over bins of (bin size / n) * |accuracy in bin - mean confidence in bin|.
    """
    confidence = proba.max(axis=1)
    top_class = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    correct = (top_class == labels).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        in_bin = which == b
        count = int(in_bin.sum())
        if count == 0:
            bins.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "count": 0,
                    "confidence": None,
                    "accuracy": None,
                }
            )
            continue
        conf = float(confidence[in_bin].mean())
        acc = float(correct[in_bin].mean())
        ece += count / len(labels) * abs(acc - conf)
        bins.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": count,
                "confidence": conf,
                "accuracy": acc,
            }
        )
    return {"ece": ece, "n_bins": n_bins, "bins": bins, "mean_confidence": float(confidence.mean())}
