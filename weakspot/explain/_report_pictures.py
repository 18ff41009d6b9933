"""More pictures for the report: successes inside a slice, errors outside it, flagged images.

`slice_examples` (in ``_pictures``) draws the failing members and same-class non-members; the
report also shows the members the model gets right (what the failures have that they lack)
and the errors outside the slice among the same classes (what failing looks like elsewhere).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from weakspot.explain._pictures import load_rgb, png_data_uri
from weakspot.features import FeatureTable
from weakspot.inputs import Examples, Inputs
from weakspot.slices import Slice
from weakspot.tasks import ClassificationOutcomes, RegressionOutcomes


def picture_records(
    rows: np.ndarray, source: Any, ids: np.ndarray, labels: np.ndarray, predictions: np.ndarray
) -> list[dict[str, Any]]:
    """``{id, label, prediction, image}`` for each row, the image a 64 px PNG data URI."""
    pictures = load_rgb(source, rows)
    return [
        {
            "id": str(ids[r]),
            "label": str(labels[r]),
            "prediction": str(predictions[r]),
            "image": png_data_uri(p),
        }
        for r, p in zip(rows, pictures, strict=True)
    ]


def contrast_examples(
    item: Slice,
    inputs: Inputs,
    rng: np.random.Generator,
    *,
    k: int = 6,
    unread: Collection[int] = (),
) -> dict[str, list[dict[str, Any]]]:
    """Up to `k` correct members, and `k` errors outside the slice among the classes of its
    errors; never a row in `unread` (an image that could not be read, `FeatureTable.unread`).

    Returns ``{"successes_inside": [...], "errors_outside": [...]}``.
    """
    ex, source, members = inputs.examples, inputs.images, item.members
    labels, predictions, wrong, strata = picture_outcomes(ex)
    ids = ex.ids
    inside = np.zeros(len(labels), dtype=bool)
    inside[members] = True
    readable = np.ones(len(labels), dtype=bool)
    readable[np.fromiter((int(i) for i in unread), dtype=np.int64, count=len(unread))] = False
    right_in = np.flatnonzero(inside & ~wrong & readable)
    classes = np.isin(strata, strata[inside & wrong]) if (inside & wrong).any() else inside
    wrong_out = np.flatnonzero(~inside & wrong & classes & readable)

    def draw(pool: np.ndarray) -> np.ndarray:
        return np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False))

    return {
        "successes_inside": picture_records(draw(right_in), source, ids, labels, predictions),
        "errors_outside": picture_records(draw(wrong_out), source, ids, labels, predictions),
    }


def flag_pictures(
    inputs: Inputs, features: FeatureTable, *, random_state: int
) -> list[dict[str, Any]]:
    """`flagged_examples` for every quality flag of an image analysis; [] without images."""
    if inputs.images is None:
        return []
    names = [c for c, kind in features.kinds.items() if kind == "flag" and c in features.columns]
    if not names:
        return []
    ex = inputs.examples
    rng = np.random.default_rng([random_state, 1])
    labels, predictions, _, _ = picture_outcomes(ex)
    return flagged_examples(
        features.columns[names],
        inputs.images,
        ids=ex.ids,
        labels=labels,
        predictions=predictions,
        errors=ex.errors,
        rng=rng,
    )


def picture_outcomes(ex: Examples) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the example pictures show and are drawn by, each shape (n,): the label and the
    prediction their captions give, the failing rows, and the strata that outside pictures
    are drawn from (those of the inside ones).

    A classifier: its classes, wrong rows and classes. A task without classes has one stratum;
    a regressor's captions are its numbers, and its failing rows those whose loss is above
    the mean loss (every row has some loss, so "wrong" would be every row).
    """
    outcomes, errors = ex.outcomes, ex.errors
    if isinstance(outcomes, ClassificationOutcomes):
        return outcomes.labels, outcomes.predictions, errors > 0, outcomes.labels
    failing = errors > 0 if outcomes.binary else errors > errors.mean()
    strata = np.zeros(len(ex), dtype=np.int8)
    if isinstance(outcomes, RegressionOutcomes):
        return outcomes.targets, outcomes.predictions, failing, strata
    blank = np.full(len(ex), "", dtype=object)
    return blank, blank, failing, strata


def flagged_examples(
    flags: pd.DataFrame,
    source: Any,
    *,
    ids: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    errors: np.ndarray,
    rng: np.random.Generator,
    k: int = 8,
) -> list[dict[str, Any]]:
    """Per quality flag: how many images carry it, their error rate and up to `k` of them.

    Parameters
    ----------
    flags : DataFrame of bool, shape (n, n_flags)
        The quality flags (``is_dark``, ``is_blurry``, ...), one row per example.

    Returns
    -------
    list of dict
        ``{flag, count, share, error_rate, examples}``, most frequent flag first.
    """
    loss = np.asarray(errors, dtype=np.float64)
    out = []
    for name in flags.columns:
        mask = flags[name].fillna(False).to_numpy(dtype=bool)
        count = int(mask.sum())
        rows = np.flatnonzero(mask)
        chosen = np.sort(rng.choice(rows, size=min(k, count), replace=False)) if count else rows
        out.append(
            {
                "flag": str(name),
                "count": count,
                "share": count / max(len(mask), 1),
                # a 0/1 loss's error rate; a continuous loss's mean (a regressor's MAE)
                "error_rate": float(loss[mask].mean()) if count else None,
                "examples": picture_records(chosen, source, ids, labels, predictions),
            }
        )
    return sorted(out, key=lambda e: (-e["count"], e["flag"]))
