"""The metrics stage: performance overall and for every subgroup, in one `Metrics` record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from weakspot._errors import InputError
from weakspot.features import FeatureTable
from weakspot.inputs import Examples
from weakspot.metrics._disaggregated import disaggregated_metrics
from weakspot.metrics._multilabel import multilabel_disaggregated, multilabel_overall
from weakspot.metrics._overview import overall_metrics
from weakspot.metrics._regression import regression_disaggregated, regression_metrics
from weakspot.tasks import (
    ClassificationOutcomes,
    MultiLabelOutcomes,
    Outcomes,
    RegressionOutcomes,
)


@dataclass(frozen=True)
class Metrics:
    """Overall and disaggregated performance.

    Attributes
    ----------
    overall : dict
        See `overall_metrics`: accuracy with interval, per-class metrics, confusion, ECE.
    disaggregated : dict
        See `disaggregated_metrics`: every subgroup's accuracy, the gaps, the intersections of
        the sensitive columns.
    notes : list of str
    """

    overall: dict[str, Any]
    disaggregated: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def check_sensitive(examples: Examples, sensitive: Sequence[str] | None) -> None:
    """Raise `InputError` when a sensitive column is not a metadata column."""
    for name in sensitive or []:
        if name not in examples.metadata.columns:
            raise InputError(
                f"sensitive={name!r} is not a metadata column. Metadata columns are: "
                f"{list(examples.metadata.columns)[:12]}.",
                parameter="sensitive",
            )


# Which metrics a task's outcomes get: one line per `Outcomes` type (looked up along its
# class hierarchy, so a registered variant of a task gets its parent's metrics). Each function
# takes (examples, features, sensitive feature names, random_state) and returns the
# ``overall`` and ``disaggregated`` records of analysis.json.
MeasureFn = Callable[
    [Examples, FeatureTable, list[str], int], tuple[dict[str, Any], dict[str, Any]]
]


def _classification(
    examples: Examples, features: FeatureTable, sensitive: list[str], random_state: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    ours = examples.classification
    overall = overall_metrics(
        ours.labels, ours.predictions, ours.classes, ours.proba, errors=examples.errors
    )
    disaggregated = disaggregated_metrics(
        features.binned,
        ours.labels,
        ours.predictions,
        ours.classes,
        sensitive=sensitive,
        errors=examples.errors,
    )
    return overall, disaggregated


def _regression(
    examples: Examples, features: FeatureTable, sensitive: list[str], random_state: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    ours = examples.outcomes
    assert isinstance(ours, RegressionOutcomes)
    overall = {
        "loss": ours.loss_name,
        **regression_metrics(ours.targets, ours.predictions, random_state=random_state),
    }
    disaggregated = regression_disaggregated(
        features.binned,
        ours.targets,
        ours.predictions,
        sensitive=sensitive,
        random_state=random_state,
    )
    return overall, disaggregated


def _multilabel(
    examples: Examples, features: FeatureTable, sensitive: list[str], random_state: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    ours = examples.outcomes
    assert isinstance(ours, MultiLabelOutcomes)
    overall = multilabel_overall(ours, random_state=random_state)
    disaggregated = multilabel_disaggregated(
        features.binned, ours, sensitive=sensitive, random_state=random_state
    )
    return overall, disaggregated


MEASURES: dict[type[Outcomes], MeasureFn] = {
    ClassificationOutcomes: _classification,
    RegressionOutcomes: _regression,
    MultiLabelOutcomes: _multilabel,
}


def measure(
    examples: Examples,
    features: FeatureTable,
    *,
    sensitive: Sequence[str] | None = None,
    random_state: int = 0,
) -> Metrics:
    """Metrics overall and per subgroup of every slicing feature and of the sensitive columns.

    The task's outcomes choose the metrics (`MEASURES`): a classifier's accuracy (one minus
    the loss, `Examples.errors`), per-class figures, confusion matrix and calibration; a
    regressor's MAE, RMSE, median absolute error, mean signed error and R² with bootstrap
    intervals seeded by `random_state`; a tagger's per-label precision, recall and F1, subset
    accuracy and Hamming loss (`multilabel_overall`).
    """
    names = features.binned.names
    constant = [c for c in sensitive or [] if c not in names]
    kinds = type(examples.outcomes).__mro__
    fn = next((MEASURES[k] for k in kinds if k in MEASURES), None)
    if fn is None:
        raise InputError(
            f"The task {examples.task!r} has no metrics: add its outcomes' type to "
            "weakspot.metrics.MEASURES."
        )
    overall, disaggregated = fn(
        examples, features, [c for c in sensitive or [] if c in names], random_state
    )
    notes = [
        f"Sensitive column {c!r} has a single value: there are no subgroups to compare."
        for c in constant
    ]
    return Metrics(overall, disaggregated, notes)
