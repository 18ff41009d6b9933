"""Apply a rule (a list of `Condition`) to a feature table: the evaluation's or the training's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weakspot.features._condition import Condition


def condition_mask(
    condition: Condition, frame: pd.DataFrame, cache: dict[Any, Any] | None = None
) -> np.ndarray:
    """Rows of `frame` that satisfy `condition`, bool of shape (len(frame),).

    A feature the frame lacks selects no row (a training table without the column cannot
    hold the group); categories compare as text, as the binning does. `cache` (a dict kept
    for one frame) holds each column's prepared values, so that many conditions over the same
    columns (every subgroup of a table) prepare each column once.
    """
    n = len(frame)
    if condition.feature not in frame.columns:
        return np.zeros(n, dtype=bool)
    column = frame[condition.feature]
    store = {} if cache is None else cache
    missing = _prepared(store, ("missing", condition.feature), lambda: column.isna().to_numpy())
    op, value = condition.op, condition.value
    if op == "is missing":
        return missing
    if op == "is not missing":
        return ~missing
    if op in ("in", "not in range"):
        values = _prepared(store, ("numbers", condition.feature), lambda: _numbers(column))
        inside = (values >= value[0]) & (values < value[1])
        return inside if op == "in" else ~inside & ~missing
    codes, index = _prepared(store, ("text", condition.feature), lambda: _text_codes(column))
    if op in ("==", "!="):
        hit = codes == index.get(_as_text(value), -2)
        return hit if op == "==" else ~hit & ~missing
    chosen = np.isin(codes, [index.get(_as_text(v), -2) for v in value])
    return chosen if op == "in set" else ~chosen & ~missing


def rule_mask(
    conditions: Sequence[Condition], frame: pd.DataFrame, cache: dict[Any, Any] | None = None
) -> np.ndarray:
    """Rows of `frame` that satisfy every condition, bool of shape (len(frame),)."""
    mask = np.ones(len(frame), dtype=bool)
    for condition in conditions:
        mask &= condition_mask(condition, frame, cache)
    return mask


def _prepared(store: dict[Any, Any], key: tuple[str, str], make: Callable[[], Any]) -> Any:
    if key not in store:
        store[key] = make()
    return store[key]


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _text_codes(column: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Each row's text as a code, and text -> code: comparing codes, not strings, per rule."""
    text = column.astype("string").fillna("\0missing").to_numpy(dtype=object)
    codes, uniques = pd.factorize(text)
    return codes, {str(u): i for i, u in enumerate(uniques)}


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(pd.Series([value]).astype("string").iloc[0])
    return str(value)


def label_scope(
    conditions: Sequence[Condition], frame: pd.DataFrame, classes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """A rule split into the classes its conditions on ``label`` admit and the rows the rest
    of it selects.

    A rule that names the true label (``label == 0 and x1 >= 0.02``) selects rows by their
    label; what a model's probabilities predict of its errors is the probability of the
    admitted classes over the rows of the rest of the rule.

    Returns
    -------
    allowed : ndarray of bool, shape (len(classes),)
    rows : ndarray of bool, shape (len(frame),)
    """
    on_label = [c for c in conditions if c.feature == "label"]
    others = [c for c in conditions if c.feature != "label"]
    allowed = rule_mask(on_label, pd.DataFrame({"label": list(classes)}))
    return allowed, rule_mask(others, frame)
