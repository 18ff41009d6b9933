"""Regression: one row is one unit, its loss is the absolute (or squared) residual.

The target and prediction columns must hold finite numbers; a missing or infinite value is
refused naming the rows. Besides the unit's loss ("error"), a regressor's outcomes offer the
signed residual as a two-sided view ("bias"), so that the slice search also finds where the
model over- or under-estimates on average, which the absolute error cannot tell apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.tasks._base import LossView, Outcomes, TargetColumns, register_task
from weakspot.tasks._columns import LABEL_NAMES, PREDICTION_NAMES, require_column

LOSSES = ("absolute", "squared")


@dataclass(frozen=True)
class RegressionOutcomes(Outcomes):
    """A regressor's outcomes: one unit per row, loss the absolute or squared residual.

    Attributes
    ----------
    loss : ndarray of float, shape (n,)
        ``|residual|`` or ``residual ** 2`` (`loss_name`).
    targets, predictions : ndarray of float64, shape (n,)
        The true and the predicted values, all finite.
    loss_name : {"absolute", "squared"}
    """

    binary: ClassVar[bool] = False
    task: str = field(default="regression", kw_only=True)
    targets: np.ndarray
    predictions: np.ndarray
    loss_name: str = "absolute"

    @property
    def residual(self) -> np.ndarray:
        """Prediction minus target, shape (n,): positive where the model over-estimates."""
        return self.predictions - self.targets

    def views(self) -> tuple[LossView, ...]:
        """The loss ("error") and the signed residual ("bias", two-sided)."""
        return (
            LossView("error", self.loss),
            LossView("bias", self.residual, two_sided=True, words="bias"),
        )

    def target_feature(self) -> np.ndarray:
        return self.targets

    def task_options(self) -> dict[str, object]:
        return {"loss": self.loss_name}

    def take(self, rows: np.ndarray) -> RegressionOutcomes:
        return RegressionOutcomes(
            loss=self.loss[rows],
            targets=self.targets[rows],
            predictions=self.predictions[rows],
            loss_name=self.loss_name,
            task=self.task,
        )


@register_task
class Regression:
    """A regressor: numeric target and prediction; the loss is absolute or squared error.

    Parameters
    ----------
    loss : {"absolute", "squared"}
        The unit's loss: ``|prediction - target|`` (default, in the target's unit, so that a
        slice reads "mean absolute error 6.2 vs 2.0") or ``(prediction - target) ** 2``
        (weighs large errors more, as RMSE does).
    """

    name: ClassVar[str] = "regression"
    outcome_type: ClassVar[type[Outcomes]] = RegressionOutcomes

    def __init__(self, loss: str = "absolute") -> None:
        check_loss(loss)
        self.loss_name = loss

    def target_columns(self, frame: pd.DataFrame, columns: TargetColumns) -> dict[str, str]:
        return {
            "label": require_column(frame, columns.label, LABEL_NAMES, "label", "label"),
            "prediction": require_column(
                frame, columns.prediction, PREDICTION_NAMES, "prediction", "prediction"
            ),
        }

    def read(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> tuple[RegressionOutcomes, list[str]]:
        found = self.target_columns(frame, columns)
        targets = numbers(frame[found["label"]], "label", found["label"], ids)
        predictions = numbers(frame[found["prediction"]], "prediction", found["prediction"], ids)
        outcomes = RegressionOutcomes(
            loss=self.loss(targets, predictions),
            targets=targets,
            predictions=predictions,
            loss_name=self.loss_name,
            task=self.name,
        )
        return outcomes, []

    def read_targets(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> np.ndarray:
        column = require_column(frame, columns.label, LABEL_NAMES, "label", "label")
        return numbers(frame[column], "label", column, ids)

    def loss(
        self, targets: Sequence | np.ndarray, predictions: Sequence | np.ndarray
    ) -> np.ndarray:
        """``|prediction - target|`` or its square, shape (n,)."""
        residual = np.asarray(predictions, dtype=np.float64) - np.asarray(targets, dtype=np.float64)
        return np.abs(residual) if self.loss_name == "absolute" else residual**2


def check_loss(loss: object) -> None:
    """`loss` must be one of `LOSSES`."""
    if loss not in LOSSES:
        raise InputError(
            f"loss={loss!r} is not a regression loss; choose 'absolute' (|prediction - target|) "
            "or 'squared' ((prediction - target) ** 2).",
            parameter="loss",
        )


def numbers(values: pd.Series, role: str, column: str, ids: np.ndarray) -> np.ndarray:
    """The column as finite float64, shape (n,); `InputError` naming the rows of text, missing
    or infinite values and the fix."""
    if pd.api.types.is_bool_dtype(values):
        raise InputError(
            f"The {role} column {column!r} holds True/False, not numbers: a regressor's {role} "
            "is a number. Choose task='classification' to treat the values as classes."
        )
    parsed = pd.to_numeric(values, errors="coerce")
    text = (parsed.isna() & values.notna()).to_numpy()
    if text.any():
        first = int(np.flatnonzero(text)[0])
        raise InputError(
            f"The {role} column {column!r} holds {int(text.sum())} value(s) that are not numbers, "
            f"for example {str(values.iloc[first])[:40]!r} at id {ids[first]}. A regressor's "
            f"{role} must be a number: fix those rows, or choose task='classification' to treat "
            "the values as classes."
        )
    result = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(result)
    if bad.any():
        kind = "missing or infinite" if np.isnan(result[bad]).any() else "infinite"
        raise InputError(
            f"The {role} column {column!r} has {int(bad.sum())} {kind} value(s), for example at "
            f"ids {ids[bad][:5].tolist()}. Every example needs a finite {role}: fill them in or "
            "drop those rows before the analysis."
        )
    return result
