"""The stages after the slices: the training split, failure modes, diagnoses and actions.

`training_split` reads a training table the way `analyze` reads the evaluation table (the
same input and feature stages: label, id and image-path columns, image features from the same
backbone; predictions and probabilities optional), and `failure_stage` groups the reported
slices into failure modes, diagnoses each and plans its actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.actions import Action, plan_actions
from weakspot.diagnoses import DiagnosisContext, Split, diagnose
from weakspot.features import FeatureTable, ImageOptions, build_features
from weakspot.inputs import Examples, read_table, resolve_inputs
from weakspot.modes import FailureMode, feature_kinds, find_failure_modes
from weakspot.tasks import LABEL_NAMES, PREDICTION_NAMES, find_column, require_column

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
        predicted = find_column(frame, None, PREDICTION_NAMES, "prediction", "--prediction")
        if predicted is None:
            label_column = require_column(frame, label, LABEL_NAMES, "label", "--label")
            frame = frame.assign(**{NO_PREDICTION: frame[label_column]})
        inputs = resolve_inputs(
            frame,
            images=images,
            # read here, like the evaluation table in the inputs stage: relative image paths
            # are under its folder, and a table without an image column has no images
            root=Path(data).parent if isinstance(data, str | Path) else None,
            image_column=image_column,
            embeddings=embeddings,
            label=label,
            prediction=predicted or NO_PREDICTION,
            id_column=id_column,
            classes=list(evaluation.classes),
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
    if "label" not in table.columns:
        table["label"] = examples.labels
    keep = [c for c in features.columns.columns if c in table.columns]
    return Split(
        table[keep],
        examples.labels,
        None if predicted is None else examples.predictions,
        None if predicted is None else examples.proba,
        examples.ids,
        None if measured.embeddings is None else np.asarray(measured.embeddings),
        unread=frozenset(np.flatnonzero(measured.unread).tolist()),
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
        errors=examples.errors,
        binned=features.binned,
        features=frame,
        kinds=kinds,
        feature_info=dict(features.info),
        slice_ids=[item.id for item in slices],
        descriptors=features.descriptors,
        min_lift=min_lift,
    )
    context = DiagnosisContext(
        Split(
            frame,
            examples.labels,
            examples.predictions,
            examples.proba,
            examples.ids,
            features.embeddings,
            images=images,
            unread=frozenset(np.flatnonzero(features.unread).tolist()),
        ),
        list(examples.classes),
        kinds,
        dict(features.info),
        train=train,
        random_state=random_state,
        descriptors=features.descriptors,
    )
    return plan_actions(diagnose(modes, context), context)
