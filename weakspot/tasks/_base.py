"""The task seam: what a model's output is, what a unit of analysis is, and what its error is.

Every later stage reads an `Outcomes` record, never the target and prediction columns: the
slice finders, the statistics, the diagnoses and the actions see one loss per unit. A task
is one file that registers a class following `Task`; single-label classification
(`_classification.py`) is the only one so far. A new task (a regressor, a multi-label tagger,
a detector whose unit is a box) brings its own `Outcomes` subclass and its `loss`; the
statistics are chosen by `Outcomes.binary` (`weakspot.stats.LossPopulation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, Self, TypeVar, runtime_checkable

import numpy as np
import pandas as pd

from weakspot._errors import InputError


@dataclass(frozen=True)
class TargetColumns:
    """Which columns of a table hold the target and the model's output, as the user named them.

    Attributes
    ----------
    label, prediction : str, optional
        The target and prediction columns; detected from common names when None.
    score_column : str, optional
        One score column (a binary classifier's probability of the positive class).
    positive_class : str, optional
        The class a binary score is the probability of.
    classes : list of str, optional
        Every class the model can predict, if some are absent from this set.
    """

    label: str | None = None
    prediction: str | None = None
    score_column: str | None = None
    positive_class: str | None = None
    classes: list[str] | None = None


@dataclass(frozen=True)
class LossView:
    """One loss the slice search looks for excess of: every task has its ``"error"`` view (the
    unit's loss); a task may add others, all tested in one false-discovery family.

    A regressor adds ``"bias"`` (the signed residual, two-sided: where the model over- or
    under-estimates); a multi-label tagger adds each label's misses (its positive units) and
    false alarms (its negative units).

    Attributes
    ----------
    name : str
        ``"error"`` for the unit's loss; otherwise a short key (``"bias"``,
        ``"missed:stripes"``, ``"false_alarm:stripes"``) recorded on the slices it finds.
    loss : ndarray of float, shape (n_units,)
        The value whose excess a slice shows (may be negative for a signed view).
    covers : ndarray of bool, shape (n_units,), or None
        The units the view is defined on (a label's positives); None for every unit.
    two_sided : bool
        Whether a slice may also show a deficit (a signed residual below the rest).
    words : str
        How a person reads the view, for titles ("errors", "bias", "misses of stripes").
    """

    name: str
    loss: np.ndarray
    covers: np.ndarray | None = None
    two_sided: bool = False
    words: str = "errors"


@dataclass(frozen=True)
class Outcomes:
    """What a task made of one table's targets and predictions: one loss per unit.

    Attributes
    ----------
    loss : ndarray of float, shape (n_units,)
        The unit's loss: 0 or 1 for a classifier (wrong or right); the one definition of a
        unit's error that every stage reads.
    task : str
        The name of the task that made it (a registered variant of a task shares its record).
    unit : str (class attribute)
        What one unit is (``"example"``: one row).
    binary : bool (class attribute)
        Whether every loss is 0 or 1 (then the slice tests are exact).
    """

    unit: ClassVar[str] = "example"
    binary: ClassVar[bool] = True
    loss: np.ndarray
    task: str = field(default="", kw_only=True)

    def __len__(self) -> int:
        return int(self.loss.shape[0])

    @property
    def errors(self) -> np.ndarray:
        """The loss as the slice engine counts it, shape (n_units,): int8 0/1 for a binary
        loss (so sums are error counts), float64 otherwise."""
        if self.binary:
            return self.loss.astype(np.int8)
        return self.loss.astype(np.float64)

    def views(self) -> tuple[LossView, ...]:
        """The losses the slice search examines: the unit's loss alone unless a task adds
        views (see `LossView`)."""
        return (LossView("error", self.loss),)

    def target_feature(self) -> np.ndarray | None:
        """The target as a slicing feature, shape (n_units,) (a classifier's label, a
        regressor's true value), or None when the task has no one-column target."""
        return None

    def task_options(self) -> dict[str, object]:
        """The options the task that made these outcomes was built with (a regressor's
        ``loss``), so that `task_of` rebuilds the same task for predictions made elsewhere."""
        return {}

    def take(self, rows: np.ndarray) -> Self:
        """The same outcomes restricted to `rows` (positions, shape (m,)). Each task's record
        knows its own per-unit fields, so each defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define take(rows)")


@runtime_checkable
class Task(Protocol):
    """A kind of model: how its targets and predictions are read and what a unit's loss is.

    A task is registered with `register_task` and chosen by name (``task="classification"``).
    """

    name: ClassVar[str]
    outcome_type: ClassVar[type[Outcomes]]

    def target_columns(self, frame: pd.DataFrame, columns: TargetColumns) -> dict[str, str]:
        """The columns this task reads from `frame`, role -> column name (left out of the
        metadata). Raises `InputError` naming the closest columns when a required one is
        missing."""
        ...

    def read(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> tuple[Outcomes, list[str]]:
        """Validate the target and prediction columns of `frame` and return the outcomes with
        notes for the user. `ids` (shape (n,)) name rows in error messages."""
        ...

    def read_targets(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> np.ndarray:
        """Only the targets, shape (n,), for a table without predictions (a training set)."""
        ...

    def loss(
        self, targets: Sequence | np.ndarray, predictions: Sequence | np.ndarray
    ) -> np.ndarray:
        """A unit's loss, shape (n,), for predictions made elsewhere (a retrained model, a
        perturbed image): the same definition `read` uses."""
        ...


TASKS: dict[str, type[Task]] = {}

T = TypeVar("T")


def register_task(cls: type[T]) -> type[T]:
    """Class decorator: make a task available by its ``name``."""
    name = cls.name  # type: ignore[attr-defined]
    if name in TASKS and TASKS[name] is not cls:
        raise ValueError(f"A task named {name!r} is already registered.")
    TASKS[name] = cls  # type: ignore[assignment]
    return cls


def get_task(task: str | Task = "classification", **options: object) -> Task:
    """The task named `task` (or `task` itself when it already is one), built with `options`
    (a regressor's ``loss="squared"``)."""
    if not isinstance(task, str):
        return task
    if task not in TASKS:
        raise InputError(
            f"task={task!r} is not a known task; choose among {sorted(TASKS)}.", parameter="task"
        )
    return TASKS[task](**options)  # type: ignore[call-arg]


def task_of(outcomes: Outcomes) -> Task:
    """The task that made `outcomes`, with the same options: the one loss definition for
    predictions made elsewhere (a retrained model, a perturbed image)."""
    return get_task(outcomes.task, **outcomes.task_options())
