"""Binned counts of a slice's distinguishing features inside and outside it, for the report.

The report draws each as two histograms (inside vs outside); the counts travel in
``analysis.json`` so that the report needs nothing but that document.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from weakspot.stats import member_mask, unique_inverse

if TYPE_CHECKING:
    from weakspot.explain._explanation import Explanation
    from weakspot.features import FeatureTable
    from weakspot.slices import Slice


def with_histograms(text: Explanation, item: Slice, features: FeatureTable) -> Explanation:
    """`text` with the inside/outside counts of its top distinguishing features."""
    mask = member_mask(item.members, len(features.columns))
    counts = distinguishing_histograms(mask, features.columns, text.distinguishing)
    return replace(text, histograms=counts)


def distinguishing_histograms(
    mask: np.ndarray,
    features: pd.DataFrame,
    distinguishing: list[dict[str, Any]],
    *,
    n_features: int = 3,
    n_bins: int = 12,
    max_values: int = 8,
) -> list[dict[str, Any]]:
    """Counts per bin inside and outside the slice for its top distinguishing features.

    Parameters
    ----------
    mask : ndarray of bool, shape (n,)
        Members of the slice.
    features : DataFrame, shape (n, n_columns)
        The features before binning.
    distinguishing : list of dict
        The slice's distinguishing features, strongest first (``feature``, ``kind``).
    n_features, n_bins, max_values : int
        How many features; equal-width bins of a numeric feature between its 1st and 99th
        percentile (the ends hold the tails); most frequent values of a categorical one.

    Returns
    -------
    list of dict
        ``{feature, kind, edges, inside, outside}`` (numeric; ``edges`` has ``n_bins + 1``
        values) or ``{feature, kind, values, inside, outside}`` (categorical), counts as ints.
    """
    out = []
    for entry in distinguishing[:n_features]:
        name = entry["feature"]
        if name not in features.columns:
            continue
        column = features[name]
        if entry["kind"] == "numeric":
            record = _numeric_counts(column, mask, n_bins)
        else:
            record = _categorical_counts(column, mask, max_values)
        if record is not None:
            out.append({"feature": name, "kind": entry["kind"], **record})
    return out


def _numeric_counts(column: pd.Series, mask: np.ndarray, n_bins: int) -> dict[str, Any] | None:
    values = column.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(values)
    if finite.sum() < 2:
        return None
    low, high = np.percentile(values[finite], [1, 99])
    if not high > low:
        low, high = float(values[finite].min()), float(values[finite].max())
    if not high > low:
        return None
    edges = np.linspace(low, high, n_bins + 1)
    codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, n_bins - 1)
    inside = np.bincount(codes[finite & mask], minlength=n_bins)
    outside = np.bincount(codes[finite & ~mask], minlength=n_bins)
    return {
        "edges": [float(f"{e:.6g}") for e in edges],
        "inside": inside.tolist(),
        "outside": outside.tolist(),
    }


def _categorical_counts(column: pd.Series, mask: np.ndarray, max_values: int) -> dict[str, Any]:
    text = column.astype("string").fillna("(missing)").to_numpy(dtype=object)
    values, codes = unique_inverse(text)
    inside = np.bincount(codes[mask], minlength=len(values))
    outside = np.bincount(codes[~mask], minlength=len(values))
    order = np.argsort(
        -(inside / max(mask.sum(), 1) + outside / max((~mask).sum(), 1)), kind="stable"
    )
    keep = order[:max_values]
    return {
        "values": [str(values[i]) for i in keep],
        "inside": inside[keep].tolist(),
        "outside": outside[keep].tolist(),
    }
