"""Finding the label, prediction, id and probability columns of a predictions table."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from weakspot._errors import InputError

LABEL_NAMES = ("label", "y_true", "target", "true_label", "ground_truth", "y")
PREDICTION_NAMES = ("prediction", "pred", "y_pred", "predicted", "predicted_label")
ID_NAMES = ("id", "example_id", "sample_id", "uid", "image_id")
IMAGE_NAMES = ("image", "image_path", "path", "file", "filename", "filepath")
SCORE_NAMES = ("score", "proba", "probability", "y_score")
PROBA_PREFIX = "proba_"


def find_column(
    frame: pd.DataFrame, given: str | None, candidates: tuple[str, ...], role: str, parameter: str
) -> str | None:
    """Return the column for `role`: the one the user named, or the first common name present.

    Raises `InputError` naming the closest existing columns when a named column is absent.
    """
    if given is not None:
        if given not in frame.columns:
            raise InputError(_missing_message(frame, given, role, parameter), parameter=parameter)
        return given
    lower = {str(c).lower(): str(c) for c in frame.columns}
    for name in candidates:
        if name in lower:
            return lower[name]
    return None


def require_column(
    frame: pd.DataFrame, given: str | None, candidates: tuple[str, ...], role: str, parameter: str
) -> str:
    """Like `find_column`, but the column must exist."""
    found = find_column(frame, given, candidates, role, parameter)
    if found is None:
        close = _closest(frame, candidates)
        hint = f" Closest columns: {', '.join(close)}." if close else ""
        raise InputError(
            f"No {role} column found: looked for {', '.join(repr(c) for c in candidates)}. "
            f"Columns are: {_list_columns(frame)}.{hint} Name it with {parameter}=COLUMN.",
            parameter=parameter,
        )
    return found


def proba_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Map class name -> column for every ``proba_<class>`` column."""
    return {
        str(c)[len(PROBA_PREFIX) :]: str(c)
        for c in frame.columns
        if re.match(rf"^{PROBA_PREFIX}.+", str(c), flags=re.IGNORECASE)
    }


def _missing_message(frame: pd.DataFrame, given: str, role: str, parameter: str) -> str:
    close = difflib.get_close_matches(given, [str(c) for c in frame.columns], n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return (
        f"The {role} column {given!r} ({parameter}=) is not in the table.{hint} "
        f"Columns are: {_list_columns(frame)}."
    )


def _closest(frame: pd.DataFrame, candidates: tuple[str, ...]) -> list[str]:
    names = [str(c) for c in frame.columns]
    close: list[str] = []
    for cand in candidates:
        for match in difflib.get_close_matches(cand, names, n=2, cutoff=0.6):
            if match not in close:
                close.append(match)
    return close[:3]


def _list_columns(frame: pd.DataFrame, limit: int = 12) -> str:
    names = [repr(str(c)) for c in frame.columns[:limit]]
    more = f" (+{len(frame.columns) - limit} more)" if len(frame.columns) > limit else ""
    return ", ".join(names) + more
