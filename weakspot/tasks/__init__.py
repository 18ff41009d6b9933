"""Tasks: what kind of model is analysed, and what a unit's error is (the task seam).

``get_task("classification")`` reads a table's label and prediction columns into
`ClassificationOutcomes`; every stage after the inputs reads the outcome's ``loss``.
"""

from weakspot.tasks import _classification  # noqa: F401  (registers the task)
from weakspot.tasks._base import (
    TASKS,
    LossView,
    Outcomes,
    TargetColumns,
    Task,
    get_task,
    register_task,
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
from weakspot.tasks._text import as_text, text_by_value

__all__ = [
    "ID_NAMES",
    "IMAGE_NAMES",
    "LABEL_NAMES",
    "PREDICTION_NAMES",
    "PROBA_TOLERANCE",
    "SCORE_NAMES",
    "TASKS",
    "Classification",
    "ClassificationOutcomes",
    "LossView",
    "OutcomeView",
    "Outcomes",
    "TargetColumns",
    "Task",
    "as_text",
    "find_column",
    "get_task",
    "proba_columns",
    "register_task",
    "require_column",
    "text_by_value",
]
