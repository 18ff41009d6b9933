"""Single-label classification: one row is one unit, its loss is 1 where the prediction is not
the label. Labels and predictions are read as class names (text; whole numbers without
decimals), with optional class probabilities (``proba_<class>`` columns, or one score column
for a binary task). Validation here raises `InputError` naming the column, the rows and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.tasks._base import Outcomes, TargetColumns, register_task
from weakspot.tasks._columns import (
    LABEL_NAMES,
    PREDICTION_NAMES,
    SCORE_NAMES,
    find_column,
    proba_columns,
    require_column,
)
from weakspot.tasks._text import text_by_value

PROBA_TOLERANCE = 0.01


@dataclass(frozen=True)
class ClassificationOutcomes(Outcomes):
    """A classifier's outcomes: one unit per row, loss 1 where the prediction is wrong.

    Attributes
    ----------
    loss : ndarray of float, shape (n,)
        1.0 where ``predictions != labels``, else 0.0.
    labels, predictions : ndarray of str, shape (n,)
        Class names as text (integral numbers are written without decimals).
    classes : list of str
        Sorted class names (from the probability columns when given).
    proba : ndarray of float, shape (n, n_classes), or None
        Class probabilities in the order of `classes`.
    """

    task: str = field(default="classification", kw_only=True)
    labels: np.ndarray
    predictions: np.ndarray
    classes: list[str]
    proba: np.ndarray | None = None

    def target_feature(self) -> np.ndarray:
        return self.labels

    def take(self, rows: np.ndarray) -> ClassificationOutcomes:
        return ClassificationOutcomes(
            loss=self.loss[rows],
            labels=self.labels[rows],
            predictions=self.predictions[rows],
            classes=self.classes,
            proba=None if self.proba is None else self.proba[rows],
            task=self.task,
        )


class OutcomeView:
    """What a record that holds `outcomes` offers the stages (`Examples`, `SearchContext`): the
    loss as errors, and a classifier's labels, predictions, classes and probabilities, which
    raise `InputError` naming the task when it is another (a stage that needs classes says
    so rather than reading them by accident)."""

    outcomes: Outcomes

    @property
    def errors(self) -> np.ndarray:
        """The unit's loss as the slice engine counts it, shape (n,): int8 0/1 for a binary
        loss (a classifier: 1 where the prediction is wrong), float otherwise."""
        return self.outcomes.errors

    @property
    def classification(self) -> ClassificationOutcomes:
        """The outcomes of a classifier; `InputError` for another task."""
        if not isinstance(self.outcomes, ClassificationOutcomes):
            raise InputError(
                f"This needs a classifier's labels and predictions, but the task is "
                f"{self.outcomes.task!r}."
            )
        return self.outcomes

    @property
    def labels(self) -> np.ndarray:
        """Class names as text, shape (n,) (classification)."""
        return self.classification.labels

    @property
    def predictions(self) -> np.ndarray:
        """Predicted class names as text, shape (n,) (classification)."""
        return self.classification.predictions

    @property
    def classes(self) -> list[str]:
        """Sorted class names (classification)."""
        return self.classification.classes

    @property
    def proba(self) -> np.ndarray | None:
        """Class probabilities, shape (n, n_classes), in the order of `classes`; None without
        them or for another task."""
        outcomes = self.outcomes
        return outcomes.proba if isinstance(outcomes, ClassificationOutcomes) else None


@register_task
class Classification:
    """Single-label classification (the default task)."""

    name: ClassVar[str] = "classification"
    outcome_type: ClassVar[type[Outcomes]] = ClassificationOutcomes

    def target_columns(self, frame: pd.DataFrame, columns: TargetColumns) -> dict[str, str]:
        found = {
            "label": require_column(frame, columns.label, LABEL_NAMES, "label", "label"),
            "prediction": require_column(
                frame, columns.prediction, PREDICTION_NAMES, "prediction", "prediction"
            ),
        }
        score = find_column(frame, columns.score_column, SCORE_NAMES, "score", "score_column")
        if score is not None:
            found["score"] = score
        found.update({f"proba_{c}": col for c, col in proba_columns(frame).items()})
        return found

    def read(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> tuple[ClassificationOutcomes, list[str]]:
        found = self.target_columns(frame, columns)
        labels = _class_text(frame[found["label"]], "label", found["label"], ids)
        predictions = _class_text(
            frame[found["prediction"]], "prediction", found["prediction"], ids
        )
        probas = proba_columns(frame)
        classes = _classes(labels, predictions, probas, columns.classes)
        score_col = found.get("score")
        proba = _proba(frame, probas, score_col, classes, columns.positive_class, ids, predictions)
        notes = []
        if score_col is not None and not probas:
            notes.append(_score_note(score_col, classes, columns.positive_class))
        outcomes = ClassificationOutcomes(
            loss=self.loss(labels, predictions),
            labels=labels,
            predictions=predictions,
            classes=classes,
            proba=proba,
            task=self.name,
        )
        return outcomes, notes

    def read_targets(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> np.ndarray:
        column = require_column(frame, columns.label, LABEL_NAMES, "label", "label")
        return _class_text(frame[column], "label", column, ids)

    def loss(
        self, targets: Sequence | np.ndarray, predictions: Sequence | np.ndarray
    ) -> np.ndarray:
        """1.0 where the predicted class is not the label, shape (n,)."""
        return (np.asarray(targets) != np.asarray(predictions)).astype(np.float64)


def _class_text(values: pd.Series, role: str, column: str, ids: np.ndarray) -> np.ndarray:
    missing = values.isna().to_numpy()
    if missing.any():
        example = ids[missing][:5].tolist()
        raise InputError(
            f"The {role} column {column!r} has {int(missing.sum())} missing value(s), for example at ids "
            f"{example}. Every example needs a {role}: fill them in or drop those rows before the analysis."
        )
    return text_by_value(values)


def _classes(
    labels: np.ndarray, predictions: np.ndarray, probas: dict[str, str], given: list[str] | None
) -> list[str]:
    label_set = set(labels.tolist())
    if given is not None:
        classes = sorted(map(str, given))
    elif probas:
        classes = sorted(probas)
    else:
        classes = sorted(label_set)
    if len(label_set) < 2 and given is None:
        raise InputError(
            f"The labels hold a single class ({next(iter(label_set))!r}): error analysis needs at least two "
            "classes. Check that the label column is the true class, not a constant."
        )
    unknown_labels = sorted(label_set - set(classes))
    if unknown_labels:
        raise InputError(
            f"Labels {unknown_labels[:5]} are not among the classes {classes[:10]}. Check the proba_<class> columns or classes=."
        )
    unseen = sorted(set(predictions.tolist()) - set(classes))
    if unseen:
        raise InputError(
            f"The predictions hold class(es) never seen as labels: {unseen[:5]} (labels: {classes[:10]}). "
            "Usually the two columns are encoded differently (e.g. 0/1 against 'cat'/'dog'); if the class is "
            "genuinely absent from this evaluation set, list every class with classes=[...]."
        )
    return classes


def _proba(
    frame, probas, score_col, classes, positive_class, ids, predictions
) -> np.ndarray | None:
    if probas:
        missing = [c for c in classes if c not in probas]
        if missing:
            raise InputError(
                f"There is no probability column for class(es) {missing[:5]}: the columns "
                f"{sorted(probas.values())[:6]} cover {sorted(probas)[:6]}. Give one "
                "proba_<class> column for every class, or leave the probability columns out."
            )
        matrix = np.column_stack([_numeric(frame[probas[c]], probas[c]) for c in classes])
        return _check_proba(matrix, [probas[c] for c in classes], ids)
    if score_col is None:
        return None
    if len(classes) != 2:
        raise InputError(
            f"A single score column ({score_col!r}) only describes a binary task, but there are {len(classes)} "
            f"classes. Give one proba_<class> column per class ({', '.join('proba_' + c for c in classes[:4])}...)."
        )
    positive = classes[1] if positive_class is None else str(positive_class)
    if positive not in classes:
        raise InputError(
            f"positive_class={positive!r} is not one of the classes {classes}. Give the class the "
            f"score column {score_col!r} is the probability of.",
            parameter="positive_class",
        )
    score = _numeric(frame[score_col], score_col)
    _check_proba(score[:, None], [score_col], ids, check_sum=False)
    _check_score_direction(score, predictions, score_col, classes, positive, positive_class)
    matrix = (
        np.column_stack([1 - score, score])
        if positive == classes[1]
        else np.column_stack([score, 1 - score])
    )
    return matrix


def _numeric(values: pd.Series, column: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"The probability column {column!r} holds text that is not a number (row {row}: "
            f"{str(values.iloc[row])[:40]!r}). Give probabilities in [0, 1]."
        )
    return numbers.to_numpy(dtype=float)


def _score_note(score_col: str, classes: list[str], positive_class: str | None) -> str:
    positive = classes[1] if positive_class is None else str(positive_class)
    how = (
        "as given by positive_class="
        if positive_class is not None
        else ("the last class in sorted order, as positive_class= is not given")
    )
    return f"The score column {score_col!r} is read as the probability of {positive!r} ({how})."


def _check_score_direction(score, predicted, score_col, classes, positive, given) -> None:
    """A binary score must agree with the prediction column: score >= 0.5 where the prediction
    is the positive class. When the other class fits the predictions better, the score is read
    the wrong way round, and every calibration figure would be wrong; stop and say so."""
    says_positive = score >= 0.5
    agree = float(np.mean(says_positive == (predicted == positive)))
    if agree >= 0.5:
        return
    other = classes[0] if positive == classes[1] else classes[1]
    why = (
        "assumed: the last class in sorted order, as positive_class= is not given"
        if given is None
        else "as given by positive_class="
    )
    raise InputError(
        f"The score column {score_col!r} is read as the probability of {positive!r} ({why}), but "
        f"then it contradicts the prediction column on {1 - agree:.0%} of the rows (score >= 0.5 "
        f"where the prediction is not {positive!r}, or below where it is). Read as the "
        f"probability of {other!r} it agrees on {1 - agree:.0%}. Pass positive_class={other!r}, "
        "or check that the score belongs to these predictions."
    )


def _check_proba(
    matrix: np.ndarray, columns: list[str], ids: np.ndarray, *, check_sum: bool = True
) -> np.ndarray:
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        raise InputError(
            f"Probability columns {columns[:4]} have {int(bad.sum())} missing or infinite value(s), e.g. at ids {ids[bad][:5].tolist()}. Fill them in."
        )
    outside = ((matrix < 0) | (matrix > 1)).any(axis=1)
    if outside.any():
        raise InputError(
            f"Probabilities must lie in [0, 1]; {int(outside.sum())} row(s) do not, e.g. at ids {ids[outside][:5].tolist()}. Apply a softmax/sigmoid to the scores first."
        )
    if check_sum:
        off = np.abs(matrix.sum(axis=1) - 1) > PROBA_TOLERANCE
        if off.any():
            sums = matrix.sum(axis=1)[off][:3].round(3).tolist()
            raise InputError(
                f"Probability columns do not sum to one in {int(off.sum())} row(s) (sums {sums}, e.g. at ids "
                f"{ids[off][:5].tolist()}). Give one proba_<class> column for every class, normalised to sum to 1."
            )
    return matrix
