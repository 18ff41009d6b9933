"""What verification starts from: the two tables, the failure modes and the actions.

`problem_from_results` reads a results folder (``analysis.json`` and ``actions/``) with the
training and evaluation tables; `problem_from_analysis` takes an `Analysis` in memory. A
mode's evaluation members are the examples in at least half of its slices (as in
`weakspot.modes`); slices record their member ids in ``analysis.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from weakspot._errors import InputError
from weakspot.actions import Action
from weakspot.features.images import READ_ERRORS, normalise_mode
from weakspot.inputs import read_table
from weakspot.modes import FailureMode
from weakspot.report import read_findings, read_outcomes
from weakspot.tasks import (
    ID_NAMES,
    IMAGE_NAMES,
    LABEL_NAMES,
    PREDICTION_NAMES,
    Classification,
    Task,
    find_column,
    require_column,
)
from weakspot.verify._trainer import class_text


@dataclass(frozen=True)
class Table:
    """One labelled table as verification uses it.

    Attributes
    ----------
    frame : DataFrame, shape (n, n_columns)
        The user's table; image paths made absolute.
    label : str
        Its label column.
    labels, ids : ndarray of str, shape (n,)
    image_column : str or None
    """

    frame: pd.DataFrame
    label: str
    labels: np.ndarray
    ids: np.ndarray
    image_column: str | None

    def take(self, positions: np.ndarray) -> Table:
        """The rows at `positions` (shape (m,)), in that order: the rows an analysis drawn
        with ``sample=`` kept."""
        frame = self.frame.iloc[positions].reset_index(drop=True)
        return Table(
            frame, self.label, self.labels[positions], self.ids[positions], self.image_column
        )


@dataclass(frozen=True)
class Problem:
    """The tables, the failure modes and the actions, as the records `weakspot.analyze` made
    (from an `Analysis` in memory or read back by `weakspot.report.read_findings`)."""

    train: Table
    evaluate: Table
    classes: list[str]
    modes: list[FailureMode]
    actions: list[Action]
    out: Path
    task: Task = field(default_factory=Classification)

    def members(self, mode: FailureMode) -> np.ndarray:
        """The mode's members as a bool mask over the evaluation rows, shape (n_eval,)."""
        mask = np.zeros(len(self.evaluate.labels), dtype=bool)
        mask[np.asarray(mode.members, dtype=np.int64)] = True
        return mask

    def wrong(self, predictions: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Where `predictions` (shape (m,)) are wrong on the evaluation rows `rows` (default:
        all), bool (m,): the task's loss, the one definition of an error."""
        labels = self.evaluate.labels if rows is None else self.evaluate.labels[rows]
        return self.task.loss(labels, np.asarray(predictions)) > 0


def read_labelled(
    data: pd.DataFrame | str | Path,
    *,
    label: str | None = None,
    id_column: str | None = None,
    image_column: str | None = None,
    role: str,
) -> Table:
    """A training or evaluation table, its label, ids and absolute image paths."""
    frame = read_table(data) if isinstance(data, str | Path) else data
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"{role}= must be a DataFrame or a table path, got {type(frame).__name__}."
        )
    frame = frame.reset_index(drop=True)
    try:
        label_col = require_column(frame, label, LABEL_NAMES, "label", "--label")
        id_col = find_column(frame, id_column, ID_NAMES, "id", "--id")
        image_col = find_column(frame, image_column, IMAGE_NAMES, "image path", "--image-column")
    except InputError as error:
        raise InputError(f"In the {role} table ({role}=): {error}") from None
    _check_rows(frame, label_col, id_col, role)
    if image_col is not None:
        root = Path(data).parent if isinstance(data, str | Path) else Path.cwd()
        frame = frame.assign(
            **{image_col: [str((root / str(p)).resolve()) for p in frame[image_col]]}
        )
    ids = (
        class_text(frame[id_col])
        if id_col is not None
        else np.array([str(i) for i in range(len(frame))], dtype=object)
    )
    return Table(frame, label_col, class_text(frame[label_col]), ids, image_col)


def _check_rows(frame: pd.DataFrame, label: str, id_column: str | None, role: str) -> None:
    """Refuse a table with no rows, missing labels, or ids that do not name one row each (an
    action file names its rows by id)."""
    if not len(frame):
        raise InputError(f"The {role} table ({role}=) has no rows.")
    missing = int(frame[label].isna().sum())
    if missing:
        first = frame.index[frame[label].isna()][:5].tolist()
        raise InputError(
            f"In the {role} table ({role}=): the label column {label!r} has {missing} missing "
            f"value(s) (rows {first}); fill or drop them."
        )
    if id_column is not None:
        counts = frame[id_column].astype(str).value_counts()
        repeated = counts[counts > 1]
        if len(repeated):
            shown = ", ".join(f"{k!r} x{v}" for k, v in repeated.head(3).items())
            raise InputError(
                f"In the {role} table ({role}=): {len(repeated)} id(s) of {id_column!r} name "
                f"more than one row ({shown}); ids must be unique, since action files name "
                "rows by id."
            )


def problem_from_results(
    results: str | Path, *, train: Any, data: Any, **columns: str | None
) -> Problem:
    """A `Problem` from a results folder and the training and evaluation tables."""
    path = Path(results) / "analysis.json"
    if not path.is_file():
        raise InputError(f"{str(results)!r} has no analysis.json: run weakspot analyze first.")
    doc = json.loads(path.read_text(encoding="utf-8"))
    if train is None or data is None:
        missing = "train=" if train is None else "data="
        raise InputError(
            f"verification retrains the model, so it needs {missing} (CLI: --train/--data, "
            "which default to the tables `weakspot analyze --train` recorded in run.json): "
            "the training table and the evaluation table analysed."
        )
    tr = read_labelled(train, role="train", **columns)
    ev = read_labelled(data, role="data", **columns)
    n = doc["dataset"]["n_examples"]
    sample = doc["dataset"].get("sample")
    if sample is not None and len(ev.frame) == sample["of"]:
        ev = ev.take(_sampled_rows(ev, read_outcomes(results).index.to_numpy(), results))
    if len(ev.frame) != n:
        raise InputError(
            f"data= has {len(ev.frame)} rows but the analysis in {str(results)!r} has {n}: "
            "pass the evaluation table that was analysed."
        )
    findings = read_findings(results, ev.ids)
    return Problem(tr, ev, findings.classes, findings.modes, findings.actions, Path(results))


def problem_from_analysis(
    analysis: Any, *, train: Any, data: Any, out: str | Path, **columns: str | None
) -> Problem:
    """A `Problem` from an `Analysis` in memory (its modes' members and actions' files)."""
    if train is None or data is None:
        raise InputError("verification retrains the model, so it needs train= and data=.")
    tr = read_labelled(train, role="train", **columns)
    ev = read_labelled(data, role="data", **columns)
    n = len(analysis.examples)
    drawn = analysis.inputs.sample
    if drawn is not None and len(ev.frame) == drawn.of:  # the analysis ran on a sample of it
        ev = ev.take(drawn.positions)
    if len(ev.frame) != n:
        raise InputError(f"data= has {len(ev.frame)} rows but the analysis has {n}.")
    classes = list(analysis.examples.classes)
    return Problem(tr, ev, classes, list(analysis.failure_modes), list(analysis.actions), Path(out))


def _sampled_rows(table: Table, analysed: np.ndarray, results: str | Path) -> np.ndarray:
    """Positions in `table` of the analysed sample's ids (examples.csv), in the analysis's
    order. An ImageFolder's ids are its files' paths under the folder, so a table whose own
    ids differ is matched by the image path that ends in the id. An id of the sample that the
    table lacks means another table was given."""
    position = {str(i): k for k, i in enumerate(table.ids)}
    if not any(str(i) in position for i in analysed[:100]) and table.image_column is not None:
        position = _by_path_suffix(table.frame[table.image_column].astype(str), analysed)
    missing = [i for i in analysed if str(i) not in position]
    if missing:
        raise InputError(
            f"data= lacks {len(missing)} id(s) the analysis in {str(results)!r} sampled, e.g. "
            f"{missing[:3]}: pass the evaluation table that was analysed."
        )
    return np.array([position[str(i)] for i in analysed], dtype=np.int64)


def _by_path_suffix(paths: pd.Series, analysed: np.ndarray) -> dict[str, int]:
    """Analysed id -> row, for the rows whose image path ends in the id (``cat/1.png``)."""
    by_name: dict[str, list[int]] = {}
    for k, path in enumerate(paths):
        by_name.setdefault(Path(path).name, []).append(k)
    found = {}
    for item in map(str, analysed):
        rows = [k for k in by_name.get(Path(item).name, []) if paths.iloc[k].endswith(item)]
        if len(rows) == 1:
            found[item] = rows[0]
    return found


def original_correct(problem: Problem) -> np.ndarray | None:
    """Correctness of the original predictions, bool (n_eval,), when the table has them."""
    frame = problem.evaluate.frame
    column = find_column(frame, None, PREDICTION_NAMES, "prediction", "--prediction")
    if column is None:
        return None
    return ~problem.wrong(np.asarray(class_text(frame[column])))


def read_images(paths: Sequence[str]) -> tuple[list[np.ndarray | None], list[str]]:
    """Each image as the predict contract hands it over: uint8 (H, W) or (H, W, 3), at its
    own size, modes brought to "L" or "RGB" by the image stage's `normalise_mode` (a palette
    image as its colours, 16-bit data scaled by its bit depth). None for an image that cannot
    be read, and the list of those paths."""
    images: list[np.ndarray | None] = []
    unread = []
    for path in paths:
        try:
            with Image.open(path) as im:
                images.append(np.asarray(normalise_mode(im)[0]))
        except READ_ERRORS:
            images.append(None)
            unread.append(str(path))
    return images, unread
