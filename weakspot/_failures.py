"""The stages after the slices: the training split, failure modes, diagnoses and actions.

`training_split` reads a training table the way `analyze` reads the evaluation table (same
label, id and image-path columns, same image features from the same backbone; predictions
and probabilities optional), and `failure_stage` groups the reported slices into failure
modes, diagnoses each and plans its actions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.actions import Action, plan_actions
from weakspot.diagnoses import DiagnosisContext, Split, diagnose
from weakspot.inputs._columns import PREDICTION_NAMES, find_column
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.modes import FailureMode, feature_kinds, find_failure_modes

NO_PREDICTION = "__weakspot_no_prediction"


def training_split(
    data: pd.DataFrame | str | Path,
    *,
    images: Any,
    embeddings: np.ndarray | None,
    evaluation: Examples,
    columns: Sequence[str],
    label: str | None,
    id_column: str | None,
    image_column: str | None,
    features_of: Callable[[Examples, Path | None, Any], tuple[pd.DataFrame, np.ndarray | None]],
) -> Split:
    """The training table as a `Split` with the evaluation's slicing columns.

    Parameters
    ----------
    data : DataFrame or path
        One row per training example: the label, the metadata, optionally an image-path
        column, predictions and ``proba_<class>`` columns.
    images : folder, list of paths or ndarray, optional
        As `analyze`'s `images`, for the training rows.
    embeddings : ndarray of shape (n_train, d), optional
        Precomputed training embeddings (used when no backbone runs on training images).
    evaluation : Examples
        The evaluation examples (their classes and metadata columns).
    columns : sequence of str
        The evaluation's slicing features; the training features keep those present.
    features_of : callable
        ``(examples, image root, images) -> (features, embeddings)``: the evaluation's own
        feature stage, so both splits are measured alike.
    """
    try:
        frame = read_table(data) if isinstance(data, str | Path) else data
        if not isinstance(frame, pd.DataFrame):
            raise InputError(f"expected a DataFrame or a table path, got {type(frame).__name__}.")
        predicted = find_column(frame, None, PREDICTION_NAMES, "prediction", "--prediction")
        if predicted is None:
            frame = frame.assign(**{NO_PREDICTION: frame[_label_column(frame, label)]})
        examples = build_examples(
            frame,
            label=label,
            prediction=predicted or NO_PREDICTION,
            id_column=id_column,
            image_column=image_column,
            classes=evaluation.classes,
            metadata=[c for c in evaluation.metadata.columns if c in frame.columns],
        )
    except InputError as error:
        raise InputError(f"In the training table (train=): {error}") from None
    root = Path(images) if isinstance(images, str | Path) else None
    if root is None and isinstance(data, str | Path):
        root = Path(data).parent
    features, vectors = features_of(examples, root, None if root is not None else images)
    if vectors is None and embeddings is not None:
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.shape[0] != len(examples):
            raise InputError(
                f"train_embeddings must have one row per training example ({len(examples)}), "
                f"got shape {vectors.shape}."
            )
    keep = [c for c in columns if c in features.columns]
    return Split(
        features[keep].reset_index(drop=True),
        examples.labels,
        None if predicted is None else examples.predictions,
        None if predicted is None else examples.proba,
        examples.ids,
        vectors,
    )


def _label_column(frame: pd.DataFrame, label: str | None) -> str:
    from weakspot.inputs._columns import LABEL_NAMES, require_column

    return require_column(frame, label, LABEL_NAMES, "label", "--label")


def failure_stage(
    slices: Sequence[Any],
    *,
    examples: Examples,
    binned: Any,
    features: pd.DataFrame,
    feature_info: dict[str, tuple[str, str]],
    embeddings: np.ndarray | None,
    train: Split | None,
    random_state: int,
) -> tuple[list[FailureMode], list[Action]]:
    """Failure modes of the reported slices, with their diagnoses and ranked actions."""
    kinds = feature_kinds(
        features.columns, metadata=examples.metadata.columns, image_columns=feature_info
    )
    ids = [f"S{item.stats['rank']}" for item in slices]
    modes = find_failure_modes(
        slices,
        errors=examples.errors,
        binned=binned,
        features=features,
        kinds=kinds,
        feature_info=feature_info,
        slice_ids=ids,
    )
    context = DiagnosisContext(
        Split(
            features,
            examples.labels,
            examples.predictions,
            examples.proba,
            examples.ids,
            embeddings,
        ),
        list(examples.classes),
        kinds,
        feature_info,
        train=train,
        random_state=random_state,
    )
    return plan_actions(diagnose(modes, context), context)
