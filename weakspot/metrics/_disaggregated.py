"""Metrics per subgroup of every metadata column and of the sensitive attributes' intersections."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weakspot.features._binning import BinnedFeatures
from weakspot.stats import wilson_interval

MIN_GROUP_FOR_GAP = 10


def disaggregated_metrics(
    binned: BinnedFeatures,
    labels: np.ndarray,
    predictions: np.ndarray,
    classes: list[str],
    *,
    sensitive: list[str] | None = None,
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

    Returns
    -------
    dict with ``groups`` (list of records: feature, group, n, accuracy, ci, error_rate, and for
    binary tasks selection_rate, tpr, fpr) and ``features`` (per feature: largest accuracy gap,
    and for binary tasks the demographic-parity and equalized-odds differences).
    """
    correct = labels == predictions
    positive = classes[-1] if len(classes) == 2 else None
    groups: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    columns = [
        (name, binned.codes[:, j], [c.describe() for c in binned.bins[j]])
        for j, name in enumerate(binned.names)
    ]
    if sensitive and len(sensitive) >= 2:
        columns.append(_intersection(binned, sensitive))
    for name, codes, group_names in columns:
        records = [
            _group_record(name, group_names[g], codes == g, correct, labels, predictions, positive)
            for g in range(len(group_names))
            if (codes == g).any()
        ]
        groups.extend(records)
        summaries.append(_feature_summary(name, records, positive is not None, sensitive or []))
    return {"groups": groups, "features": summaries}


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


def _group_record(feature, group, mask, correct, labels, predictions, positive) -> dict[str, Any]:
    n = int(mask.sum())
    hits = int(correct[mask].sum())
    low, high = wilson_interval(hits, n)
    record: dict[str, Any] = {
        "feature": feature,
        "group": group,
        "n": n,
        "accuracy": hits / n,
        "ci": [float(low), float(high)],
        "error_rate": 1 - hits / n,
    }
    if positive is not None:
        is_pos = labels[mask] == positive
        pred_pos = predictions[mask] == positive
        record["selection_rate"] = float(pred_pos.mean())
        record["tpr"] = float(pred_pos[is_pos].mean()) if is_pos.any() else None
        record["fpr"] = float(pred_pos[~is_pos].mean()) if (~is_pos).any() else None
    return record


def _feature_summary(
    name: str, records: list[dict[str, Any]], binary: bool, sensitive: list[str]
) -> dict[str, Any]:
    big = [r for r in records if r["n"] >= MIN_GROUP_FOR_GAP] or records
    best = max(big, key=lambda r: r["accuracy"])
    worst = min(big, key=lambda r: r["accuracy"])
    summary: dict[str, Any] = {
        "feature": name,
        "sensitive": name in sensitive or " x " in name,
        "n_groups": len(records),
        "accuracy_gap": best["accuracy"] - worst["accuracy"],
        "best_group": best["group"],
        "worst_group": worst["group"],
        # the gap is significant when the two intervals do not overlap
        "gap_significant": worst["ci"][1] < best["ci"][0],
    }
    if binary:
        summary["demographic_parity_difference"] = _spread([r["selection_rate"] for r in big])
        summary["equalized_odds_difference"] = max(
            _spread([r["tpr"] for r in big]), _spread([r["fpr"] for r in big])
        )
    return summary


def _spread(values: list[float | None]) -> float:
    present = [v for v in values if v is not None]
    return float(max(present) - min(present)) if present else 0.0


def groups_frame(disaggregated: dict[str, Any]) -> pd.DataFrame:
    """The subgroup records as a DataFrame, one row per (feature, group)."""
    frame = pd.DataFrame(disaggregated["groups"])
    if len(frame):
        frame[["ci_low", "ci_high"]] = pd.DataFrame(frame.pop("ci").tolist(), index=frame.index)
    return frame
