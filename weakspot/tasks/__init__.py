"""Tasks: what kind of model is analysed, and what a unit's error is (the task seam).

``get_task("classification")`` reads a table's label and prediction columns into
`ClassificationOutcomes`, ``get_task("regression", loss="squared")`` into
`RegressionOutcomes`; `detect_task` chooses between them when the user did not say. Every stage
after the inputs reads the outcome's ``loss``.
"""

from weakspot.tasks import _classification, _multilabel, _regression  # noqa: F401  (register)
from weakspot.tasks._base import (
    TASKS,
    LossView,
    Outcomes,
    TargetColumns,
    Task,
    get_task,
    register_task,
    task_of,
)
from weakspot.tasks._classification import (
    PROBA_TOLERANCE,
    Classification,
    ClassificationOutcomes,
    OutcomeView,
)
from weakspot.tasks._columns import (
    ID_NAMES,
    IMAGE_NAMES,
    LABEL_NAMES,
    PREDICTION_NAMES,
    SCORE_NAMES,
    find_column,
    proba_columns,
    require_column,
)
from weakspot.tasks._detect import MAX_FLOAT_CLASSES, detect_task
from weakspot.tasks._multilabel import (
    DEFAULT_THRESHOLD,
    MultiLabel,
    MultiLabelOutcomes,
    check_multilabel_options,
    training_table,
)
from weakspot.tasks._regression import LOSSES, Regression, RegressionOutcomes, check_loss
from weakspot.tasks._text import as_text, text_by_value
from weakspot.tasks._words import LABEL_VIEWS, METRIC_NAMES, TaskWords, label_view, number

__all__ = [
    "DEFAULT_THRESHOLD",
    "ID_NAMES",
    "IMAGE_NAMES",
    "LABEL_NAMES",
    "LABEL_VIEWS",
    "LOSSES",
    "MAX_FLOAT_CLASSES",
    "METRIC_NAMES",
    "PREDICTION_NAMES",
    "PROBA_TOLERANCE",
    "SCORE_NAMES",
    "TASKS",
    "Classification",
    "ClassificationOutcomes",
    "LossView",
    "MultiLabel",
    "MultiLabelOutcomes",
    "OutcomeView",
    "Outcomes",
    "Regression",
    "RegressionOutcomes",
    "TargetColumns",
    "Task",
    "TaskWords",
    "as_text",
    "check_loss",
    "check_multilabel_options",
    "detect_task",
    "find_column",
    "get_task",
    "label_view",
    "number",
    "proba_columns",
    "register_task",
    "require_column",
    "task_of",
    "text_by_value",
    "training_table",
]
