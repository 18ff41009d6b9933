"""Which task a table's label and prediction columns call for, when the user did not say.

The rule (`detect_task`): regression when both columns hold numbers and either one of them
holds a value that is not a whole number (2.7 is no class name), or the label is a float
column with more than `MAX_FLOAT_CLASSES` distinct values. Otherwise classification.

Why this rule: a classifier's classes written as numbers are whole (0, 1, 2; or 0.0 and 1.0
when a reader made floats of them), so a fractional value alone shows a measurement. An
integer column stays classification whatever its count of distinct values, because class ids
are integers and 100 or 1,000 classes are common (CIFAR-100, ImageNet); a regressor of
counts is chosen by name (``task="regression"``). A float column of whole values with more
than 20 of them (ages written 23.0, 24.0, ...) is a measurement that happens to be rounded:
a classifier's floats of whole numbers come from a handful of class ids read as floats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from weakspot.tasks._base import TargetColumns
from weakspot.tasks._columns import LABEL_NAMES, PREDICTION_NAMES, find_column

MAX_FLOAT_CLASSES = 20


def detect_task(frame: pd.DataFrame, columns: TargetColumns) -> tuple[str, str | None]:
    """The task `frame`'s target columns call for, and a note saying so when it is not the
    default (classification).

    Parameters
    ----------
    frame : DataFrame, shape (n, n_columns)
    columns : TargetColumns
        The label and prediction columns the user named (else found by their common names).

    Returns
    -------
    task : str
        ``"regression"`` or ``"classification"``.
    note : str or None
        For regression: what it was read from, and how to choose classification instead.
    """
    label = find_column(frame, columns.label, LABEL_NAMES, "label", "label")
    prediction = find_column(
        frame, columns.prediction, PREDICTION_NAMES, "prediction", "prediction"
    )
    if label is None or prediction is None:
        return "classification", None  # the classifier's reader names what is missing
    target, predicted = frame[label], frame[prediction]
    if not (_is_number(target) and _is_number(predicted)):
        return "classification", None
    distinct = int(target.nunique())
    fractional = _has_fraction(target) or _has_fraction(predicted)
    many = pd.api.types.is_float_dtype(target) and distinct > MAX_FLOAT_CLASSES
    if not (fractional or many):
        return "classification", None
    why = f"{label!r} holds {distinct:,} distinct numbers" + (
        ", not all of them whole" if fractional else ""
    )
    return "regression", (
        f"Assumed regression: {why}. Choose task='classification' (--task classification) "
        "to treat them as classes."
    )


def _is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _has_fraction(values: pd.Series) -> bool:
    """Whether a finite value is not a whole number (missing and infinite values say nothing
    of the task; the task's reader refuses them)."""
    if not pd.api.types.is_float_dtype(values):
        return False
    known = values.to_numpy(dtype=np.float64, na_value=np.nan)
    known = known[np.isfinite(known)]
    return bool(np.any(known != np.round(known)))
