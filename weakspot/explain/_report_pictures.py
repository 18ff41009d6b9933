"""More pictures for the report: successes inside a slice, errors outside it, flagged images.

`slice_examples` (in ``_pictures``) draws the failing members and same-class non-members; the
report also shows the members the model gets right (what the failures have that they lack)
and the errors outside the slice among the same classes (what failing looks like elsewhere).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from weakspot.explain._pictures import load_rgb, png_data_uri


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
    members: np.ndarray,
    source: Any,
    *,
    ids: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    rng: np.random.Generator,
    k: int = 6,
) -> dict[str, list[dict[str, Any]]]:
    """Up to `k` correct members, and `k` errors outside the slice among the members' classes.

    Returns ``{"successes_inside": [...], "errors_outside": [...]}``.
    """
    inside = np.zeros(len(labels), dtype=bool)
    inside[members] = True
    wrong = labels != predictions
    right_in = np.flatnonzero(inside & ~wrong)
    classes = np.isin(labels, labels[inside & wrong]) if (inside & wrong).any() else inside
    wrong_out = np.flatnonzero(~inside & wrong & classes)

    def draw(pool: np.ndarray) -> np.ndarray:
        return np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False))

    return {
        "successes_inside": picture_records(draw(right_in), source, ids, labels, predictions),
        "errors_outside": picture_records(draw(wrong_out), source, ids, labels, predictions),
    }


def flagged_examples(
    flags: pd.DataFrame,
    source: Any,
    *,
    ids: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
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
    wrong = labels != predictions
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
                "error_rate": float(wrong[mask].mean()) if count else None,
                "examples": picture_records(chosen, source, ids, labels, predictions),
            }
        )
    return sorted(out, key=lambda e: (-e["count"], e["flag"]))
