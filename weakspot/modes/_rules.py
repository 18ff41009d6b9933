"""Apply a rule (a list of `Condition`) to a feature table: the evaluation's or the training's."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from weakspot.features._condition import Condition


def condition_mask(condition: Condition, frame: pd.DataFrame) -> np.ndarray:
    """Rows of `frame` that satisfy `condition`, bool of shape (len(frame),).

    A feature the frame lacks selects no row (a training table without the column cannot
    hold the group); categories compare as text, as the binning does.
    """
    n = len(frame)
    if condition.feature not in frame.columns:
        return np.zeros(n, dtype=bool)
    column = frame[condition.feature]
    missing = column.isna().to_numpy()
    op, value = condition.op, condition.value
    if op == "is missing":
        return missing
    if op == "is not missing":
        return ~missing
    if op in ("in", "not in range"):
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        inside = (values >= value[0]) & (values < value[1])
        return inside if op == "in" else ~inside & ~missing
    text = column.astype("string").fillna("\0missing").to_numpy(dtype=object)
    if op in ("==", "!="):
        hit = text == _as_text(value)
        return hit if op == "==" else ~hit & ~missing
    chosen = np.isin(text, [_as_text(v) for v in value])
    return chosen if op == "in set" else ~chosen & ~missing


def rule_mask(conditions: Sequence[Condition], frame: pd.DataFrame) -> np.ndarray:
    """Rows of `frame` that satisfy every condition, bool of shape (len(frame),)."""
    mask = np.ones(len(frame), dtype=bool)
    for condition in conditions:
        mask &= condition_mask(condition, frame)
    return mask


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(pd.Series([value]).astype("string").iloc[0])
    return str(value)
