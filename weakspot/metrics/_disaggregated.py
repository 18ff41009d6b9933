"""Metrics per subgroup of every metadata column and of the sensitive attributes' intersections."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weakspot.features import BinnedFeatures
from weakspot.stats import wilson_interval
from weakspot.tasks import get_task

MIN_GROUP_FOR_GAP = 10


def disaggregated_metrics(
    binned: BinnedFeatures,
    labels: np.ndarray,
    predictions: np.ndarray,
    classes: list[str],
    *,
    sensitive: list[str] | None = None,
    errors: np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy of every subgroup, with Wilson intervals, and the gaps between subgroups.

    Parameters
    ----------
    binned : BinnedFeatures
        Groups are the bins of each feature (so numeric columns are grouped by quantile bins).
    labels, predictions : ndarray of str, shape (n,)
    classes : list of str
    sensitive : list of str, optional
        Feature names whose intersection is also measured (e.g. ``sex x age``).
    errors : ndarray of {0, 1}, shape (n,), optional
        The task's loss (`Examples.errors`); default the classifier's, label != prediction.

    Returns
    -------
    dict with ``groups`` (list of records: feature, group, n, accuracy, ci, error_rate, and for
    binary tasks selection_rate, tpr, fpr) and ``features`` (per feature: largest accuracy gap,
    and for binary tasks the demographic-parity and equalized-odds differences).
    """
    if errors is None:
        errors = get_task("classification").loss(labels, predictions)
    correct = np.asarray(errors) == 0
    positive = classes[-1] if len(classes) == 2 else None
    groups: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    for name, codes, group_names in feature_groups(binned, sensitive):
        counts = _group_counts(codes, len(group_names), correct, labels, predictions, positive)
        records = [
            _group_record(name, group_names[g], {key: c[g] for key, c in counts.items()})
            for g in range(len(group_names))
            if counts["n"][g] > 0
        ]
        groups.extend(records)
        summaries.append(_feature_summary(name, records, positive is not None, sensitive or []))
    return {"groups": groups, "features": summaries}


def feature_groups(
    binned: BinnedFeatures, sensitive: list[str] | None
) -> list[tuple[str, np.ndarray, list[str]]]:
    """The subgroups every task measures: per feature, its name, each row's bin (shape (n,))
    and the bins' descriptions; then the sensitive columns' intersection when there are two
    or more."""
    columns = [
        (name, binned.codes[:, j], [c.describe() for c in binned.bins[j]])
        for j, name in enumerate(binned.names)
    ]
    if sensitive and len(sensitive) >= 2:
        columns.append(_intersection(binned, sensitive))
    return columns


def _intersection(
    binned: BinnedFeatures, sensitive: list[str]
) -> tuple[str, np.ndarray, list[str]]:
    idx = [binned.names.index(s) for s in sensitive]
    combos, codes = np.unique(binned.codes[:, idx], axis=0, return_inverse=True)
    names = [
        " and ".join(binned.bins[j][int(b)].describe() for j, b in zip(idx, row, strict=True))
        for row in combos
    ]
    return " x ".join(sensitive), codes.reshape(-1), names


def _group_counts(codes, n_groups, correct, labels, predictions, positive) -> dict[str, Any]:
    """Per-group counts of rows, correct rows and, for a binary task, positives, in one pass
    per count (`np.bincount`), shape (n_groups,) each; a mask per group took seconds on
    millions of rows."""

    def count(weights=None):
        return np.bincount(codes, weights=weights, minlength=n_groups)[:n_groups]

    counts = {"n": count(), "hits": count(correct)}
    if positive is not None:
        is_pos, pred_pos = labels == positive, predictions == positive
        counts.update(
            predicted=count(pred_pos),
            positives=count(is_pos),
            true_positives=count(pred_pos & is_pos),
            false_positives=count(pred_pos & ~is_pos),
        )
    return counts


def _group_record(feature, group, counts: dict[str, Any]) -> dict[str, Any]:
    """One subgroup's record from its counts (`_group_counts` at one group)."""
    n, hits = int(counts["n"]), int(counts["hits"])
    low, high = wilson_interval(hits, n)
    record: dict[str, Any] = {
        "feature": feature,
        "group": group,
        "n": n,
        "accuracy": hits / n,
        "ci": [float(low), float(high)],
        "error_rate": 1 - hits / n,
    }
    if "predicted" in counts:
        negatives = n - int(counts["positives"])
        record["selection_rate"] = float(counts["predicted"] / n)
        record["tpr"] = (
            float(counts["true_positives"] / counts["positives"]) if counts["positives"] else None
        )
        record["fpr"] = float(counts["false_positives"] / negatives) if negatives else None
    return record


def _feature_summary(
    name: str, records: list[dict[str, Any]], binary: bool, sensitive: list[str]
) -> dict[str, Any]:
    big = [r for r in records if r["n"] >= MIN_GROUP_FOR_GAP] or records
    summary: dict[str, Any] = {
        "feature": name,
        "sensitive": name in sensitive or " x " in name,
        "n_groups": len(records),
        **accuracy_gap(records),
    }
    if binary:
        summary["demographic_parity_difference"] = _spread([r["selection_rate"] for r in big])
        summary["equalized_odds_difference"] = max(
            _spread([r["tpr"] for r in big]), _spread([r["fpr"] for r in big])
        )
    return summary


def accuracy_gap(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The best and worst of a feature's groups (``{group, n, accuracy, ci}`` records) among
    those of at least `MIN_GROUP_FOR_GAP` rows, and whether their intervals part."""
    big = [r for r in records if r["n"] >= MIN_GROUP_FOR_GAP] or records
    best = max(big, key=lambda r: r["accuracy"])
    worst = min(big, key=lambda r: r["accuracy"])
    return {
        "accuracy_gap": best["accuracy"] - worst["accuracy"],
        "best_group": best["group"],
        "worst_group": worst["group"],
        # the gap is significant when the two intervals do not overlap
        "gap_significant": worst["ci"][1] < best["ci"][0],
    }


def _spread(values: list[float | None]) -> float:
    present = [v for v in values if v is not None]
    return float(max(present) - min(present)) if present else 0.0


def groups_frame(disaggregated: dict[str, Any]) -> pd.DataFrame:
    """The subgroup records as a DataFrame, one row per (feature, group); each interval
    (``ci``, or a task's ``<metric>_ci``) becomes two columns, ``ci_low`` and ``ci_high``
    (``<metric>_ci_low``, ``<metric>_ci_high``)."""
    frame = pd.DataFrame(disaggregated["groups"])
    if not len(frame):
        return frame
    for column in [c for c in frame.columns if c == "ci" or str(c).endswith("_ci")]:
        pairs = [v if isinstance(v, list) and len(v) == 2 else [None, None] for v in frame[column]]
        frame = frame.drop(columns=column)
        frame[[f"{column}_low", f"{column}_high"]] = pd.DataFrame(pairs, index=frame.index)
    return frame
