"""Performance overall and per subgroup."""

from weakspot.metrics._disaggregated import accuracy_gap, disaggregated_metrics, groups_frame
from weakspot.metrics._measure import Metrics, check_sensitive, measure
from weakspot.metrics._overview import (
    calibration,
    confusion_matrix,
    overall_metrics,
    per_class_metrics,
)

__all__ = [
    "Metrics",
    "accuracy_gap",
    "calibration",
    "check_sensitive",
    "confusion_matrix",
    "disaggregated_metrics",
    "groups_frame",
    "measure",
    "overall_metrics",
    "per_class_metrics",
]
