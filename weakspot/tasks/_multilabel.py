"""Multi-label classification: one row is one unit tagged with any number of labels (an empty
set included); its loss is the Hamming loss, the share of labels it gets wrong.

A table gives the truth and the predictions in one of two forms:

- one 0/1 column per label: ``label_<name>`` (or ``true_<name>``) for the truth and
  ``pred_<name>`` (or ``predicted_<name>``) for the prediction; ``proba_<name>`` columns give
  the model's probabilities, and without ``pred_`` columns they are the prediction, positive
  at ``proba >= threshold`` (0.5 unless ``threshold=`` says otherwise);
- list-valued columns ``labels`` (or ``label``) and ``predictions`` (or ``prediction``), each
  cell a JSON list (``["cat", "dog"]``), a Python list (in a DataFrame) or, with
  ``separator="|"``, text such as ``"cat|dog"``.

Every inconsistency is an `InputError` naming the column, the rows and the fix. Besides the
``"error"`` view (the Hamming loss), the slice search examines each label's misses (its
positive examples, loss 1 where it is not predicted) and false alarms (its negative
examples, loss 1 where it is predicted): "label stripes is missed when site == C".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.tasks._base import LossView, Outcomes, TargetColumns, register_task
from weakspot.tasks._columns import _list_columns, find_column

TRUTH_PREFIXES = ("label_", "true_")
PREDICTION_PREFIXES = ("pred_", "predicted_")
PROBA_PREFIX = "proba_"
LIST_LABEL_NAMES = ("labels", "label", "true_labels", "tags", "y_true", "target", "targets")
LIST_PREDICTION_NAMES = (
    "predictions",
    "prediction",
    "predicted_labels",
    "pred",
    "predicted_tags",
    "y_pred",
)
DEFAULT_THRESHOLD = 0.5
NO_PREDICTION = "__weakspot_no_prediction"  # the truth, as a training table's predictions
_TRUE_TEXT = {"1", "1.0", "true", "yes"}
_FALSE_TEXT = {"0", "0.0", "false", "no"}


@dataclass(frozen=True)
class MultiLabelOutcomes(Outcomes):
    """A multi-label tagger's outcomes: one unit per row, its loss the Hamming loss.

    Attributes
    ----------
    loss : ndarray of float, shape (n,)
        The share of labels whose prediction differs from the truth (0 to 1, in steps of
        1 / n_labels).
    label_names : list of str
        Sorted label names, the columns of `truth`, `predicted` and `proba`.
    truth, predicted : ndarray of bool, shape (n, n_labels)
        Whether the example has each label, and whether the model says so.
    proba : ndarray of float, shape (n, n_labels), or None
        The model's probability of each label, when given.
    threshold : float
        The probability at or above which a label is predicted (used when the predictions
        were read from probabilities).
    from_proba : bool
        Whether the predictions are the probabilities at or above `threshold`.
    separator : str or None
        The separator the list-valued text cells were split by.
    """

    task: str = field(default="multilabel", kw_only=True)
    label_names: list[str]
    truth: np.ndarray
    predicted: np.ndarray
    proba: np.ndarray | None = None
    threshold: float = DEFAULT_THRESHOLD
    from_proba: bool = False
    separator: str | None = None

    @property
    def binary(self) -> bool:  # type: ignore[override]
        """One label makes the Hamming loss 0 or 1 (then the slice tests are exact); with more
        it takes the values k / n_labels."""
        return len(self.label_names) == 1

    def views(self) -> tuple[LossView, ...]:
        """The Hamming loss (``"error"``), then each label's ``missed:<name>`` view (on its
        positive examples, loss 1 where it is not predicted) and ``false_alarm:<name>`` view
        (on its negative examples, loss 1 where it is predicted), in label order; a view that
        covers no example (a label no example has, or every example has) is left out."""
        views = [LossView("error", self.loss)]
        predicted = self.predicted.astype(np.float64)
        for j, name in enumerate(self.label_names):
            positive = self.truth[:, j]
            if positive.any():
                views.append(
                    LossView(
                        f"missed:{name}",
                        1.0 - predicted[:, j],
                        positive,
                        False,
                        f"misses of {name}",
                    )
                )
            if not positive.all():
                views.append(
                    LossView(
                        f"false_alarm:{name}",
                        predicted[:, j].copy(),
                        ~positive,
                        False,
                        f"false alarms of {name}",
                    )
                )
        return tuple(views)

    def task_options(self) -> dict[str, object]:
        """The options another table of this task is read with (a training table, the
        partitions counted after a sample): the separator, and the threshold when the
        predictions were probabilities."""
        options: dict[str, object] = {}
        if self.from_proba:
            options["threshold"] = self.threshold
        if self.separator is not None:
            options["separator"] = self.separator
        return options

    def label_sets(self, which: str = "truth") -> list[tuple[str, ...]]:
        """Each row's labels as a sorted tuple of names: ``"truth"`` or ``"predicted"``."""
        matrix = self.truth if which == "truth" else self.predicted
        names = np.asarray(self.label_names, dtype=object)
        return [tuple(names[row].tolist()) for row in matrix]

    def take(self, rows: np.ndarray) -> MultiLabelOutcomes:
        return MultiLabelOutcomes(
            loss=self.loss[rows],
            label_names=self.label_names,
            truth=self.truth[rows],
            predicted=self.predicted[rows],
            proba=None if self.proba is None else self.proba[rows],
            threshold=self.threshold,
            from_proba=self.from_proba,
            separator=self.separator,
            task=self.task,
        )


@register_task
class MultiLabel:
    """Multi-label classification: each example has a set of labels (possibly empty).

    Parameters
    ----------
    threshold : float, optional
        Predict a label where its ``proba_<name>`` is at least this (default 0.5); only for
        a table whose predictions are probabilities.
    separator : str, optional
        The separator of list-valued text cells (``"|"`` for ``"cat|dog"``); without it a
        text cell must be a JSON list.
    """

    name: ClassVar[str] = "multilabel"
    outcome_type: ClassVar[type[Outcomes]] = MultiLabelOutcomes

    def __init__(self, *, threshold: float | None = None, separator: str | None = None) -> None:
        self.threshold = threshold
        self.separator = separator

    def target_columns(self, frame: pd.DataFrame, columns: TargetColumns) -> dict[str, str]:
        return _Sources.find(frame, columns, self.separator).columns()

    def read(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> tuple[MultiLabelOutcomes, list[str]]:
        check_multilabel_options(self.threshold, self.separator)
        sources = _Sources.find(frame, columns, self.separator)
        threshold = DEFAULT_THRESHOLD if self.threshold is None else float(self.threshold)
        if self.threshold is not None and sources.predictions != "proba":
            raise InputError(
                f"threshold={self.threshold} was given, but the predictions are read from "
                f"{sources.describe_predictions()}, not from probabilities. Leave threshold= out, "
                "or drop the prediction columns so that the proba_<label> columns are thresholded.",
                parameter="threshold",
            )
        truth_names, truth = sources.read_truth(frame, ids)
        proba_names, proba = sources.read_proba(frame, ids)
        if proba is not None and sources.predictions == "proba":
            pred_names, predicted = proba_names, proba >= threshold
        else:
            pred_names, predicted = sources.read_predictions(frame, ids)
        names, notes = _label_names(truth_names, pred_names, proba_names, sources)
        truth_m = _widen(truth, truth_names, names)
        predicted_m = _widen(predicted, pred_names, names)
        proba_m = None if proba is None else _widen(proba, proba_names, names, fill=np.nan)
        if proba_m is not None and np.isnan(proba_m).any():
            raise InputError(
                f"There are proba_<label> columns for {proba_names[:6]} but not for "
                f"{[n for n in names if n not in proba_names][:6]}: give one proba_<label> "
                "column for every label, or none."
            )
        notes += sources.notes
        if sources.predictions == "proba":
            notes.append(
                f"The predictions are the proba_<label> columns at or above {threshold:g} "
                f"({'threshold=' if self.threshold is not None else 'the default; choose another with threshold='})."
            )
        outcomes = MultiLabelOutcomes(
            loss=self.loss(truth_m, predicted_m),
            label_names=names,
            truth=truth_m,
            predicted=predicted_m,
            proba=proba_m,
            threshold=threshold,
            from_proba=sources.predictions == "proba",
            separator=self.separator,
            task=self.name,
        )
        return outcomes, notes

    def read_targets(
        self, frame: pd.DataFrame, columns: TargetColumns, ids: np.ndarray
    ) -> np.ndarray:
        """Each row's true labels as a sorted tuple of names, object array of shape (n,)
        (a training table needs no predictions; its labels need not be the evaluation's)."""
        sources = _Sources.find(frame, columns, self.separator, need_predictions=False)
        names, truth = sources.read_truth(frame, ids)
        label_array = np.asarray(names, dtype=object)
        rows = np.empty(len(frame), dtype=object)
        rows[:] = [tuple(label_array[row].tolist()) for row in truth]
        return rows

    def loss(
        self, targets: Sequence | np.ndarray, predictions: Sequence | np.ndarray
    ) -> np.ndarray:
        """The Hamming loss of each example, shape (n,).

        `targets` and `predictions` are 0/1 matrices of shape (n, n_labels) with the same
        label order, or sequences of n label collections (``["cat", "dog"]``); for the
        latter the labels are those either side names, so pass matrices when the task has
        labels that neither side holds here.
        """
        truth, predicted = _as_matrices(targets, predictions)
        if truth.shape[1] == 0:
            return np.zeros(truth.shape[0], dtype=np.float64)
        return (truth != predicted).mean(axis=1).astype(np.float64)


def training_table(
    frame: pd.DataFrame, label: str | None, options: dict[str, object]
) -> tuple[pd.DataFrame, dict[str, object], bool]:
    """A training table as the multi-label task reads it: `frame` with the truth copied as
    the predictions where it has none (the diagnoses compare features and labels, not a
    model's output there), the keyword arguments that read it (``label``, ``prediction``,
    the evaluation's `options` that apply), and whether it had predictions of its own.

    Parameters
    ----------
    frame : DataFrame, shape (n_train, n_columns)
    label : str, optional
        The list-valued truth column the user named (``label=``), if any.
    options : dict
        The evaluation's `MultiLabelOutcomes.task_options` (separator, threshold).
    """
    separator = options.get("separator")
    separator = separator if isinstance(separator, str) else None
    sources = _Sources.find(frame, TargetColumns(label=label), separator, need_predictions=False)
    kwargs: dict[str, object] = {"task": MultiLabel.name, "label": sources.label_column}
    if separator is not None:
        kwargs["separator"] = separator
    has_own = bool(sources.prediction_column or sources.prediction_columns or sources.proba_columns)
    if has_own:
        kwargs["prediction"] = sources.prediction_column
        if sources.predictions == "proba" and "threshold" in options:
            kwargs["threshold"] = options["threshold"]
        return frame, kwargs, True
    if sources.label_column is not None:
        kwargs["prediction"] = NO_PREDICTION
        return frame.assign(**{NO_PREDICTION: frame[sources.label_column]}), kwargs, False
    copies = {f"pred_{name}": frame[column] for name, column in sources.truth_columns.items()}
    return frame.assign(**copies), kwargs, False


def check_multilabel_options(threshold: float | None, separator: str | None) -> None:
    """Refuse a threshold outside (0, 1) and an empty separator, before any work."""
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number):
            raise InputError(
                f"threshold= must be a number between 0 and 1, got {threshold!r}.",
                parameter="threshold",
            )
        if not 0 < float(threshold) < 1:
            raise InputError(
                f"threshold= must lie strictly between 0 and 1, got {threshold}: a label is "
                "predicted where its probability is at least the threshold (0.5 by default).",
                parameter="threshold",
            )
    if separator is not None and (not isinstance(separator, str) or separator.strip() == ""):
        raise InputError(
            f"separator= must be a non-blank string such as '|' or ';', got {separator!r}.",
            parameter="separator",
        )


def _as_matrices(targets: Any, predictions: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two (n, n_labels) bool matrices from matrices or from sequences of label collections."""
    if _is_matrix(targets):
        truth = np.asarray(targets).astype(bool)
        predicted = np.asarray(predictions).astype(bool)
        if truth.shape != predicted.shape:
            raise InputError(
                f"The truth ({truth.shape}) and the predictions ({predicted.shape}) must be "
                "0/1 matrices of the same shape (n_examples, n_labels)."
            )
        return truth, predicted
    truth_sets = [_as_set(cell) for cell in targets]
    predicted_sets = [_as_set(cell) for cell in predictions]
    if len(truth_sets) != len(predicted_sets):
        raise InputError(
            f"{len(truth_sets)} label sets against {len(predicted_sets)} predicted sets: give "
            "one of each per example."
        )
    names = sorted(set().union(*truth_sets, *predicted_sets))
    return _one_hot(truth_sets, names), _one_hot(predicted_sets, names)


def _is_matrix(values: Any) -> bool:
    """Whether `values` is a numeric or boolean matrix (n, n_labels) rather than label sets."""
    try:
        array = np.asarray(values)
    except ValueError:  # ragged lists of labels
        return False
    return array.ndim == 2 and array.dtype.kind in "biuf"


def _as_set(cell: Any) -> set[str]:
    if isinstance(cell, str):
        return {cell}
    return {_name(v) for v in cell}


def _one_hot(sets: Sequence[Iterable[str]], names: list[str]) -> np.ndarray:
    index = {name: j for j, name in enumerate(names)}
    matrix = np.zeros((len(sets), len(names)), dtype=bool)
    for i, labels in enumerate(sets):
        for name in labels:
            matrix[i, index[name]] = True
    return matrix


def _widen(
    matrix: np.ndarray, have: list[str], names: list[str], *, fill: float | bool = False
) -> np.ndarray:
    """`matrix` (n, len(have)) with its columns placed at `names`' positions, `fill` elsewhere."""
    if have == names:
        return matrix
    out = np.full((matrix.shape[0], len(names)), fill, dtype=matrix.dtype)
    position = {name: j for j, name in enumerate(names)}
    for j, name in enumerate(have):
        out[:, position[name]] = matrix[:, j]
    return out


def _label_names(
    truth: list[str], predicted: list[str], proba: list[str], sources: _Sources
) -> tuple[list[str], list[str]]:
    """Every label (sorted), and notes on labels only the predictions name."""
    if sources.truth == "columns" and sources.predictions != "list":
        # one column per label: a truth column needs its prediction (or probability) column
        missing = [n for n in truth if n not in predicted]
        if missing:
            given = "pred_<label>" if sources.predictions == "columns" else "proba_<label>"
            with_proba = [n for n in missing if n in proba]
            hint = (
                f" The labels {with_proba[:6]} have a proba_<label> column: drop every "
                "pred_<label> column to threshold the probabilities instead."
                if with_proba and sources.predictions == "columns"
                else ""
            )
            raise InputError(
                f"The label(s) {missing[:6]} have a truth column but no prediction column "
                f"({given}; columns read: {sources.describe_predictions()}). Add "
                f"{', '.join(given.replace('<label>', n) for n in missing[:3])} (0/1 per "
                f"example), or leave the label out by dropping its truth column.{hint}"
            )
    names = sorted(set(truth) | set(predicted) | set(proba))
    if not names:
        raise InputError(
            "No example has any label, in the truth or in the predictions: there is nothing to "
            "analyse. Check the label columns (label_<name> 0/1 columns, or a labels column of "
            'lists such as ["cat", "dog"]).'
        )
    only_predicted = [n for n in names if n not in truth]
    notes = []
    if only_predicted and sources.truth == "columns":
        notes.append(
            f"The label(s) {only_predicted[:6]} have prediction columns but no truth column "
            "(label_<name>): they are kept as labels no example has, so every prediction of "
            "them is a false alarm. If they have truth columns under other names, rename them."
        )
    elif only_predicted:
        notes.append(
            f"The label(s) {only_predicted[:6]} appear only in the predictions, never in the "
            "truth: they are kept as labels no example has, so every prediction of them is a "
            "false alarm."
        )
    return names, notes


@dataclass
class _Sources:
    """Where a table holds the truth and the predictions: ``"columns"`` (0/1 per label),
    ``"list"`` (one list-valued column) or, for predictions, ``"proba"`` (thresholded)."""

    truth: str
    predictions: str
    truth_columns: dict[str, str]
    prediction_columns: dict[str, str]
    proba_columns: dict[str, str]
    label_column: str | None
    prediction_column: str | None
    separator: str | None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def find(
        cls,
        frame: pd.DataFrame,
        columns: TargetColumns,
        separator: str | None,
        *,
        need_predictions: bool = True,
    ) -> _Sources:
        truth_cols = _prefixed(frame, TRUTH_PREFIXES, "truth")
        pred_cols = _prefixed(frame, PREDICTION_PREFIXES, "prediction")
        proba_cols = _prefixed(frame, (PROBA_PREFIX,), "probability")
        label_col = find_column(frame, columns.label, (), "label", "label")
        pred_col = find_column(frame, columns.prediction, (), "prediction", "prediction")
        if label_col is None and not truth_cols:
            label_col = find_column(frame, None, LIST_LABEL_NAMES, "label", "label")
        if label_col is not None:
            truth_cols = {}
        if label_col is None and not truth_cols:
            raise InputError(
                "No truth found for the multi-label task: give one 0/1 column per label "
                "(label_cat, label_dog, ...) or a 'labels' column of label lists "
                '(JSON lists such as ["cat", "dog"], or text such as cat|dog with '
                f"separator='|'). Columns are: {_list_columns(frame)}. Name a list column "
                "with label=COLUMN.",
                parameter="label",
            )
        if pred_col is None and not pred_cols:
            pred_col = find_column(frame, None, LIST_PREDICTION_NAMES, "prediction", "prediction")
        if pred_col is not None:
            pred_cols = {}
        if pred_col is None and not pred_cols and not proba_cols and need_predictions:
            raise InputError(
                "No predictions found for the multi-label task: give one 0/1 column per label "
                "(pred_cat, pred_dog, ...), proba_<label> columns (a label is predicted at or "
                "above threshold=, 0.5 by default) or a 'predictions' column of label lists. "
                f"Columns are: {_list_columns(frame)}. Name a list column with prediction=COLUMN.",
                parameter="prediction",
            )
        sources = cls(
            truth="list" if label_col is not None else "columns",
            predictions="list" if pred_col else ("columns" if pred_cols else "proba"),
            truth_columns=truth_cols,
            prediction_columns=pred_cols,
            proba_columns=proba_cols,
            label_column=label_col,
            prediction_column=pred_col,
            separator=separator,
        )
        uses_lists = label_col is not None or pred_col is not None
        if separator is not None and not uses_lists:
            raise InputError(
                f"separator={separator!r} was given, but the table has one 0/1 column per label "
                "and no list-valued column to split. Leave separator= out.",
                parameter="separator",
            )
        return sources

    def columns(self) -> dict[str, str]:
        """Role -> column for every column read (left out of the metadata)."""
        found = {f"truth:{n}": c for n, c in self.truth_columns.items()}
        found.update({f"prediction:{n}": c for n, c in self.prediction_columns.items()})
        found.update({f"proba:{n}": c for n, c in self.proba_columns.items()})
        if self.label_column is not None:
            found["label"] = self.label_column
        if self.prediction_column is not None:
            found["prediction"] = self.prediction_column
        return found

    def describe_predictions(self) -> str:
        if self.predictions == "list":
            return f"the list column {self.prediction_column!r}"
        if self.predictions == "columns":
            return f"the columns {sorted(self.prediction_columns.values())[:6]}"
        return f"the columns {sorted(self.proba_columns.values())[:6]}"

    def read_truth(self, frame: pd.DataFrame, ids: np.ndarray) -> tuple[list[str], np.ndarray]:
        if self.label_column is not None:
            return self._read_list(frame, self.label_column, "label", ids)
        return _read_indicators(frame, self.truth_columns, "truth", ids)

    def read_predictions(
        self, frame: pd.DataFrame, ids: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        if self.prediction_column is not None:
            return self._read_list(frame, self.prediction_column, "prediction", ids)
        return _read_indicators(frame, self.prediction_columns, "prediction", ids)

    def read_proba(
        self, frame: pd.DataFrame, ids: np.ndarray
    ) -> tuple[list[str], np.ndarray | None]:
        if not self.proba_columns:
            return [], None
        names = sorted(self.proba_columns)
        matrix = np.column_stack(
            [
                _probabilities(frame[self.proba_columns[n]], self.proba_columns[n], ids)
                for n in names
            ]
        )
        return names, matrix

    def _read_list(
        self, frame: pd.DataFrame, column: str, role: str, ids: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        sets, empty_cells = _label_lists(frame[column], column, role, ids, self.separator)
        if empty_cells:
            self.notes.append(
                f"{empty_cells} row(s) of the {role} column {column!r} are empty: they are read "
                "as examples with no labels."
            )
        names = sorted(set().union(*sets))
        return names, _one_hot(sets, names)


def _prefixed(frame: pd.DataFrame, prefixes: tuple[str, ...], role: str) -> dict[str, str]:
    """Label name -> column for the columns named ``<prefix><label>`` (any case of the prefix);
    a label named twice (``label_cat`` and ``true_cat``) is refused."""
    found: dict[str, str] = {}
    pattern = re.compile(rf"^({'|'.join(map(re.escape, prefixes))})(.+)$", flags=re.IGNORECASE)
    for column in map(str, frame.columns):
        match = pattern.match(column)
        if match is None:
            continue
        name = match.group(2)
        if name in found:
            raise InputError(
                f"The label {name!r} has two {role} columns, {found[name]!r} and {column!r}: keep "
                "one (or leave the other out with ignore=)."
            )
        found[name] = column
    return found


def _read_indicators(
    frame: pd.DataFrame, columns: dict[str, str], role: str, ids: np.ndarray
) -> tuple[list[str], np.ndarray]:
    names = sorted(columns)
    if not names:
        return [], np.zeros((len(frame), 0), dtype=bool)
    return names, np.column_stack(
        [_zero_one(frame[columns[n]], columns[n], role, ids) for n in names]
    )


def _zero_one(values: pd.Series, column: str, role: str, ids: np.ndarray) -> np.ndarray:
    """A 0/1 column as bool, shape (n,): numbers 0 and 1, booleans, or the text 0/1,
    true/false, yes/no. Missing values and anything else are refused by row."""
    missing = values.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"The {role} column {column!r} has {int(missing.sum())} missing value(s), e.g. at ids "
            f"{ids[missing][:5].tolist()}. Every example needs 0 or 1 for every label: fill them "
            "in (0 where the example does not have the label) or drop those rows."
        )
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype=float)
        bad = (numbers != 0) & (numbers != 1)
        if bad.any():
            _refuse_values(values, bad, column, role, ids, numbers=numbers)
        return numbers == 1
    text = values.astype(str).str.strip().str.lower()
    yes, no = text.isin(_TRUE_TEXT).to_numpy(), text.isin(_FALSE_TEXT).to_numpy()
    bad = ~(yes | no)
    if bad.any():
        _refuse_values(values, bad, column, role, ids)
    return yes


def _refuse_values(
    values: pd.Series,
    bad: np.ndarray,
    column: str,
    role: str,
    ids: np.ndarray,
    numbers: np.ndarray | None = None,
) -> None:
    shown = sorted({str(v) for v in values[bad].iloc[:200]})[:5]
    scores = numbers is not None and bool(np.all((numbers >= 0) & (numbers <= 1)))
    if scores and role == "prediction":
        fix = (
            f"These look like probabilities: name the column proba_{column.split('_', 1)[1]} "
            "and a label is predicted at or above threshold= (0.5 by default)."
        )
    else:
        fix = "Give 1 where the example has the label and 0 where it does not."
    raise InputError(
        f"The {role} column {column!r} holds values other than 0 and 1 ({shown}) in "
        f"{int(bad.sum())} row(s), e.g. at ids {ids[bad][:5].tolist()}. {fix}"
    )


def _probabilities(values: pd.Series, column: str, ids: np.ndarray) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    text = np.isnan(numbers) & values.notna().to_numpy()
    if text.any():
        raise InputError(
            f"The probability column {column!r} holds text that is not a number (e.g. "
            f"{str(values[text].iloc[0])[:40]!r} at id {ids[text][0]}). Give probabilities in [0, 1]."
        )
    missing = ~np.isfinite(numbers)
    if missing.any():
        raise InputError(
            f"The probability column {column!r} has {int(missing.sum())} missing or infinite "
            f"value(s), e.g. at ids {ids[missing][:5].tolist()}. Fill them in or drop those rows."
        )
    outside = (numbers < 0) | (numbers > 1)
    if outside.any():
        raise InputError(
            f"Probabilities must lie in [0, 1]; the column {column!r} has {int(outside.sum())} "
            f"value(s) outside (e.g. {numbers[outside][:3].tolist()} at ids "
            f"{ids[outside][:3].tolist()}). Apply a sigmoid to the scores first."
        )
    return numbers


def _label_lists(
    values: pd.Series, column: str, role: str, ids: np.ndarray, separator: str | None
) -> tuple[list[set[str]], int]:
    """Each cell of a list-valued column as a set of label names, and how many cells were
    empty text (an example with no labels, when the cells are split by `separator`)."""
    sets: list[set[str]] = []
    empty = 0
    for i, cell in enumerate(values.tolist()):
        try:
            labels, was_empty = _cell_labels(cell, separator)
        except _CellError as problem:
            raise InputError(
                f"The {role} column {column!r} at id {ids[i]} holds {str(cell)[:60]!r}: "
                f"{problem} {_list_fix(values, separator)}"
            ) from None
        empty += was_empty
        sets.append(labels)
    return sets, empty


class _CellError(Exception):
    """What is wrong with one cell of a list-valued column (raised inside `_cell_labels`)."""


def _cell_labels(cell: Any, separator: str | None) -> tuple[set[str], bool]:
    if isinstance(cell, list | tuple | set | frozenset | np.ndarray):
        return {_element(v) for v in cell}, False
    if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)):
        if separator is not None:
            return set(), True
        raise _CellError("a missing value; write [] for an example with no labels.")
    if not isinstance(cell, str):
        raise _CellError("not a list of labels.")
    text = cell.strip()
    if separator is not None and not text.startswith("["):
        pieces = [p.strip() for p in text.split(separator)]
        return {p for p in pieces if p}, text == ""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        raise _CellError("text that is not a JSON list.") from None
    if not isinstance(parsed, list):
        raise _CellError("JSON that is not a list.")
    return {_element(v) for v in parsed}, False


def _element(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict | tuple):
        raise _CellError(f"a list with {value!r} in it, which is not a label name.")
    name = _name(value)
    if name == "":
        raise _CellError("a list with an empty label name in it.")
    return name


def _name(value: Any) -> str:
    """A label as text; whole floats lose their decimals, so 1.0 and 1 are the same label."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        value = value.item()
    return str(value).strip()


def _list_fix(values: pd.Series, separator: str | None) -> str:
    if separator is not None:
        return (
            f"Give each cell as labels joined by {separator!r} (an empty cell for no labels), "
            'or as a JSON list such as ["cat", "dog"].'
        )
    sample = " ".join(str(v) for v in values.dropna().head(50).tolist() if isinstance(v, str))
    guess = next((s for s in ("|", ";", ",", " ") if s in sample), None)
    hint = f" The cells look separated by {guess!r}: pass separator={guess!r}." if guess else ""
    return (
        'Give each cell as a JSON list such as ["cat", "dog"] ([] for no labels), or text '
        f"joined by a separator with separator=.{hint} For one class per example, use the "
        "classification task."
    )
