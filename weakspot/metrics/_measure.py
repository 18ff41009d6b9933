"""The metrics stage: performance overall and for every subgroup, in one `Metrics` record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from weakspot._errors import InputError
from weakspot.features import FeatureTable
from weakspot.inputs import Examples
from weakspot.metrics._disaggregated import disaggregated_metrics
from weakspot.metrics._overview import overall_metrics


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


def measure(
    examples: Examples, features: FeatureTable, *, sensitive: Sequence[str] | None = None
) -> Metrics:
    """Metrics overall and per subgroup of every slicing feature and of the sensitive columns.

    Accuracy is one minus the task's loss (`Examples.errors`); per-class figures, the
    confusion matrix and calibration need a classifier's outcomes (`Examples.classification`).
    """
    ours = examples.classification
    overall = overall_metrics(
        ours.labels, ours.predictions, ours.classes, ours.proba, errors=examples.errors
    )
    names = features.binned.names
    constant = [c for c in sensitive or [] if c not in names]
    disaggregated = disaggregated_metrics(
        features.binned,
        ours.labels,
        ours.predictions,
        ours.classes,
        sensitive=[c for c in sensitive or [] if c in names],
        errors=examples.errors,
    )
    notes = [
        f"Sensitive column {c!r} has a single value: there are no subgroups to compare."
        for c in constant
    ]
    return Metrics(overall, disaggregated, notes)
