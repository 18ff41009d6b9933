"""Performance overall and per subgroup."""

from weakspot.metrics._disaggregated import disaggregated_metrics, groups_frame
from weakspot.metrics._overview import (
    calibration,
    confusion_matrix,
    overall_metrics,
    per_class_metrics,
)

__all__ = [
    "calibration",
    "confusion_matrix",
    "disaggregated_metrics",
    "groups_frame",
    "overall_metrics",
    "per_class_metrics",
]
