"""The stages after the slices: the training split, failure modes, diagnoses and actions.

`training_split` reads a training table the way `analyze` reads the evaluation table (the
same input and feature stages: label, id and image-path columns, image features from the same
backbone; predictions and probabilities optional), and `failure_stage` groups the reported
slices into failure modes, diagnoses each and plans its actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.actions import Action, plan_actions
from weakspot.diagnoses import DIAGNOSES, DiagnosisContext, Split, diagnose
from weakspot.features import FeatureTable, ImageOptions, build_features
from weakspot.inputs import Examples, read_table, resolve_inputs
from weakspot.modes import FailureMode, feature_kinds, find_failure_modes
from weakspot.tasks import (
    LABEL_NAMES,
    PREDICTION_NAMES,
    ClassificationOutcomes,
    MultiLabelOutcomes,
    RegressionOutcomes,
    find_column,
    require_column,
    training_table,
)

NO_PREDICTION = "__weakspot_no_prediction"


def training_split(
    data: pd.DataFrame | str | Path,
    *,
    images: Any,
    embeddings: Any,
    evaluation: Examples,
    features: FeatureTable,
    image_options: ImageOptions,
    label: str | None = None,
    id_column: str | None = None,
    image_column: str | None = None,
) -> Split:
    """The training table as a `Split` with the evaluation's slicing columns.

    Parameters
    ----------
    data : DataFrame or path
        One row per training example: the label, the metadata, optionally an image-path
        column, predictions and ``proba_<class>`` columns.
    images : folder, list of paths or ndarray, optional
        As `analyze`'s `images`, for the training rows (default: paths relative to the
        table's folder).
    embeddings : ndarray of shape (n_train, d) or path of a .npy file, optional
        Precomputed training embeddings, when the evaluation's are precomputed too.
    evaluation : Examples
        The evaluation examples: their classes and metadata columns.
    features : FeatureTable
        The evaluation's features; the training keeps the same columns where it has them.
    image_options : ImageOptions
        The evaluation's image options, so both splits are measured by the same backbone.
    """
    try:
        frame = read_table(data) if isinstance(data, str | Path) else data
        if not isinstance(frame, pd.DataFrame):
            raise InputError(
                f"train= must be a DataFrame or a table path, got {type(frame).__name__}."
            )
        outcomes = evaluation.outcomes
        task: dict[str, Any]
        if isinstance(outcomes, MultiLabelOutcomes):  # label columns of its own forms
            frame, task, has_predictions = training_table(frame, label, outcomes.task_options())
        else:
            predicted = find_column(frame, None, PREDICTION_NAMES, "prediction", "--prediction")
            has_predictions = predicted is not None
            if predicted is None:
                label_column = require_column(frame, label, LABEL_NAMES, "label", "--label")
                frame = frame.assign(**{NO_PREDICTION: frame[label_column]})
            # the training table is read by the evaluation's task (a regressor's targets are
            # numbers there too); only a classifier has classes to carry over
            task = {"task": outcomes.task, **outcomes.task_options()}
            task.update(label=label, prediction=predicted or NO_PREDICTION)
            if isinstance(outcomes, ClassificationOutcomes):
                task["classes"] = list(outcomes.classes)
        inputs = resolve_inputs(
            frame,
            images=images,
            # read here, like the evaluation table in the inputs stage: relative image paths
            # are under its folder, and a table without an image column has no images
            root=Path(data).parent if isinstance(data, str | Path) else None,
            image_column=image_column,
            embeddings=embeddings,
            id_column=id_column,
            **task,
            metadata=[c for c in evaluation.metadata.columns if c in frame.columns],
        )
    except InputError as error:
        raise InputError(f"In the training table (train=): {error}") from None
    measured = build_features(inputs, images=image_options)
    examples = inputs.examples
    table = measured.columns.reset_index(drop=True)
    # a column constant in training is dropped for slicing, but says where training is absent
    for name in examples.metadata.columns:
        if name not in table.columns:
            table[name] = examples.metadata[name].to_numpy()
    target = examples.outcomes.target_feature()
    if "label" not in table.columns and target is not None:
        table["label"] = target
    keep = [c for c in features.columns.columns if c in table.columns]
    return split_of(
        examples,
        table[keep],
        None if measured.embeddings is None else np.asarray(measured.embeddings),
        predicted=has_predictions,
        unread=frozenset(np.flatnonzero(measured.unread).tolist()),
    )


def split_of(
    examples: Examples,
    features: pd.DataFrame,
    embeddings: np.ndarray | None,
    *,
    predicted: bool = True,
    images: Any = None,
    unread: frozenset[int] = frozenset(),
) -> Split:
    """The diagnoses' view of `examples`: a classifier's labels, predictions and
    probabilities; for another task, its loss (and a regressor's targets and predictions),
    with one stratum for the within-class comparisons."""
    outcomes = examples.outcomes
    if isinstance(outcomes, ClassificationOutcomes):
        return Split(
            features,
            outcomes.labels,
            outcomes.predictions if predicted else None,
            outcomes.proba if predicted else None,
            examples.ids,
            embeddings,
            images=images,
            unread=unread,
        )
    regressor = outcomes if isinstance(outcomes, RegressionOutcomes) else None
    return Split(
        features,
        np.full(len(examples), "", dtype=object),
        regressor.predictions if regressor is not None and predicted else None,
        None,
        examples.ids,
        embeddings,
        images=images,
        unread=unread,
        task=outcomes.task,
        loss=examples.errors if predicted else None,
        targets=regressor.targets if regressor is not None else None,
        task_options=outcomes.task_options(),
    )


def failure_stage(
    slices: Sequence[Any],
    *,
    examples: Examples,
    features: FeatureTable,
    train: Split | None,
    random_state: int,
    images: Any = None,
    min_lift: float = 1.1,
) -> tuple[list[FailureMode], list[Action]]:
    """Failure modes of the reported slices, with their diagnoses and ranked actions.

        `images` (the evaluation's image paths or pixels, `Inputs.images`) lets the augmentation
        measure transformed copies; the rows whose image could not be read (`features.unread`)
        are never opened, and no diagnosis or action uses their features. A mode's title must fail at
    least `min_lift` times as often as the rest (`weakspot.modes.title_holds`)."""
    frame = features.columns
    kinds = feature_kinds(
        frame.columns,
        metadata=[c for c, k in features.kinds.items() if k == "metadata"],
        image_columns=[
            c for c, k in features.kinds.items() if k in ("flag", "property", "concept")
        ],
        descriptors=features.descriptors,
    )
    modes = find_failure_modes(
        slices,
        errors=_failing(examples),
        binned=features.binned,
        features=frame,
        kinds=kinds,
        feature_info=dict(features.info),
        slice_ids=[item.id for item in slices],
        descriptors=features.descriptors,
        min_lift=min_lift,
        loss=None if examples.outcomes.binary else examples.errors,
    )
    if not examples.outcomes.binary:
        modes = [_with_mean_loss(mode, examples.errors) for mode in modes]
    context = DiagnosisContext(
        split_of(
            examples,
            frame,
            features.embeddings,
            images=images,
            unread=frozenset(np.flatnonzero(features.unread).tolist()),
        ),
        _classes(examples),
        kinds,
        dict(features.info),
        train=train,
        random_state=random_state,
        descriptors=features.descriptors,
    )
    return plan_actions(diagnose(modes, context), context)


def _failing(examples: Examples) -> np.ndarray:
    """The rows that fail, shape (n,), by which the failure modes group slices (those that
    share their failing rows are one mode): a 0/1 loss's errors; for a continuous loss, the
    rows whose loss is above the mean loss, so that a regressor's modes gather the slices
    that share its large errors rather than every row with a residual at all."""
    errors = examples.errors
    if examples.outcomes.binary:
        return errors
    return (errors > errors.mean()).astype(np.int8)


def _with_mean_loss(mode: FailureMode, loss: np.ndarray) -> FailureMode:
    """A mode of a continuous loss with its mean loss inside and outside as its rates
    (`errors` stays the count of its rows with a large error, `_failing`)."""
    inside = np.zeros(len(loss), dtype=bool)
    inside[mode.members] = True
    rest = float(loss[~inside].mean()) if (~inside).any() else 0.0
    return replace(mode, error_rate=float(loss[inside].mean()), rest_error_rate=rest)


def _classes(examples: Examples) -> list[str]:
    """A classifier's classes; none for another task (the diagnoses that need them do not
    apply, `inapplicable_note`)."""
    outcomes = examples.outcomes
    return list(outcomes.classes) if isinstance(outcomes, ClassificationOutcomes) else []


def inapplicable_note(examples: Examples) -> list[str]:
    """For a task without classes, one note naming the diagnoses that need a classifier's
    classes and so did not run (empty for a classifier)."""
    if isinstance(examples.outcomes, ClassificationOutcomes):
        return []
    split = Split(pd.DataFrame(index=range(2)), np.array(["a", "b"], dtype=object))
    with_classes = DiagnosisContext(split, ["a", "b"], {})
    without = replace(with_classes, classes=[])
    causes = [
        cause
        for cause in sorted(DIAGNOSES)
        if DIAGNOSES[cause]().applies(with_classes) and not DIAGNOSES[cause]().applies(without)
    ]
    if not causes:
        return []
    return [
        f"The diagnoses that need a classifier's classes ({', '.join(causes)}) do not apply to "
        f"the task {examples.task!r} and were not run; the others test the loss."
    ]
