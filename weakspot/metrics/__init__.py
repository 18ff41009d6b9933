"""Performance overall and per subgroup, in the task's own metrics (`MEASURES`)."""

from weakspot.metrics._disaggregated import accuracy_gap, disaggregated_metrics, groups_frame
from weakspot.metrics._measure import MEASURES, Metrics, check_sensitive, measure
from weakspot.metrics._multilabel import (
    MULTILABEL_INTERVALS,
    multilabel_disaggregated,
    multilabel_overall,
)
from weakspot.metrics._overview import (
    calibration,
    confusion_matrix,
    overall_metrics,
    per_class_metrics,
)
from weakspot.metrics._regression import (
    REGRESSION_METRICS,
    REGRESSION_WORDS,
    mean_interval,
    regression_disaggregated,
    regression_metrics,
)

__all__ = [
    "MEASURES",
    "MULTILABEL_INTERVALS",
    "REGRESSION_METRICS",
    "REGRESSION_WORDS",
    "Metrics",
    "accuracy_gap",
    "calibration",
    "check_sensitive",
    "confusion_matrix",
    "disaggregated_metrics",
    "groups_frame",
    "mean_interval",
    "measure",
    "multilabel_disaggregated",
    "multilabel_overall",
    "overall_metrics",
    "per_class_metrics",
    "regression_disaggregated",
    "regression_metrics",
]
