"""`Examples`: the validated predictions table every later stage reads.

Validation happens here, once. Each check raises `InputError` with a message that names the
problem, echoes the offending values and says how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.inputs._image_bytes import find_bytes_column, image_cells
from weakspot.inputs._sniff import check_table_file
from weakspot.tasks import (
    ID_NAMES,
    IMAGE_NAMES,
    Outcomes,
    OutcomeView,
    TargetColumns,
    as_text,
    detect_task,
    find_column,
    get_task,
)


@dataclass(frozen=True)
class Examples(OutcomeView):
    """One row per evaluated example, validated.

    Attributes
    ----------
    ids : ndarray of str, shape (n,)
    outcomes : Outcomes
        What the task made of the target and prediction columns: one loss per unit (for a
        classifier, `ClassificationOutcomes` with labels, predictions, classes, probabilities).
    metadata : DataFrame, shape (n, n_metadata)
        Columns to measure and slice on.
    image_paths : ndarray, shape (n,), or None
        The image column: paths as text, or, when it holds image bytes
        (`weakspot.inputs._image_bytes`), its cells as they are.
    notes : list of str
        Things the user should know (left-out columns, ...).
    """

    ids: np.ndarray
    outcomes: Outcomes
    metadata: pd.DataFrame
    image_paths: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def task(self) -> str:
        """The task's name (``"classification"``)."""
        return self.outcomes.task

    def take(self, positions: np.ndarray) -> Examples:
        """The examples at `positions` (shape (m,)), in that order."""
        image_paths = self.image_paths
        return Examples(
            ids=self.ids[positions],
            outcomes=self.outcomes.take(positions),
            metadata=self.metadata.iloc[positions].reset_index(drop=True),
            image_paths=None if image_paths is None else image_paths[positions],
            notes=self.notes,
        )

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a predictions table from .csv, .tsv, .parquet, .json or .jsonl, with clear errors."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"The file {str(path)!r} does not exist. Check the path.")
    if path.is_dir():
        raise InputError(
            f"{str(path)!r} is a folder, not a table. For an image folder pass predictions= "
            "(the predictions table); otherwise give the path of a .csv or .parquet file."
        )
    check_table_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".json":
            frame = _read_json_records(path)
        else:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{str(path)!r} is not UTF-8 text (byte {exc.start}). Re-save it as UTF-8, for example "
            f"with: iconv -f latin1 -t utf-8 {path.name} > fixed.csv"
        ) from None
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{str(path)!r} is empty: it has no header and no rows.") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise InputError(
            f"{str(path)!r} could not be read as a table ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}). Give a .csv (comma-separated, with a header row), "
            ".tsv, .parquet or .jsonl file."
        ) from None
    if len(frame) == 0:
        raise InputError(
            f"{str(path)!r} has a header but no rows: there is nothing to analyse. Check that "
            "it is the predictions table, with one row per example."
        )
    if frame.shape[1] < 2:
        raise InputError(
            f"{str(path)!r} has {frame.shape[1]} column(s): a predictions table needs at least a "
            "label column and a prediction column, with a header row, comma-separated."
        )
    return frame


def _read_json_records(path: Path) -> pd.DataFrame:
    """A .json file: an array of records (``[{"label": ..., ...}, ...]``) or columns."""
    import json

    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if isinstance(data, list):
        if not all(isinstance(row, dict) for row in data):
            raise InputError(
                f"{str(path)!r} is a JSON array, but not of objects: give one object per example "
                '([{"label": "cat", "prediction": "dog", ...}, ...]).'
            )
        return pd.DataFrame.from_records(data)
    if isinstance(data, dict) and all(isinstance(v, list | dict) for v in data.values()):
        return pd.DataFrame(data)
    raise InputError(
        f"{str(path)!r} holds a JSON {type(data).__name__}, not a table: give an array of "
        'objects, one per example ([{"label": "cat", "prediction": "dog"}, ...]).'
    )


def check_cells(frame: pd.DataFrame, where: str = "The table") -> None:
    """Every cell must be a scalar: nested objects or lists (from JSON) cannot be sliced on."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object:
            continue
        nested = values.map(lambda v: isinstance(v, dict | list | tuple | set)).to_numpy()
        if nested.any():
            row = int(np.flatnonzero(nested)[0])
            raise InputError(
                f"{where}: column {str(column)!r} holds nested values (row {row}: "
                f"{str(values.iloc[row])[:60]!r}). Flatten them into columns of their own "
                "(pandas.json_normalize) or leave the column out with ignore=."
            )


def build_examples(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    prediction: str | None = None,
    id_column: str | None = None,
    image_column: str | None = None,
    score_column: str | None = None,
    positive_class: str | None = None,
    classes: list[str] | None = None,
    metadata: list[str] | None = None,
    ignore: list[str] | None = None,
    task: str | None = None,
    loss: str | None = None,
    threshold: float | None = None,
    separator: str | None = None,
) -> Examples:
    """Validate a predictions table and turn it into `Examples`.

    Parameters
    ----------
    frame : DataFrame, shape (n, n_columns)
    label, prediction, id_column, image_column, score_column : str, optional
        Column names; detected from common names when omitted.
    positive_class : str, optional
        For a binary score column, the class the score is the probability of (default: the
        last class in sorted order).
    classes : list of str, optional
        All classes, for a model that can predict classes absent from this evaluation set.
    metadata : list of str, optional
        Columns to slice on (default: every other column).
    ignore : list of str, optional
        Columns to leave out.
    task : str, optional
        The kind of model (``weakspot.tasks.TASKS``): it reads the target and prediction
        columns into the examples' `outcomes`. None chooses from the columns
        (`weakspot.tasks.detect_task`: regression for fractional numbers, else
        classification) and says so in the notes when it is not classification.
    loss : str, optional
        A regressor's loss, ``"absolute"`` (default) or ``"squared"``.
    threshold, separator : float or str, optional
        A multi-label task's options (`weakspot.tasks.MultiLabel`): the probability at or
        above which a label is predicted, and the separator of list-valued text cells.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"Expected a pandas DataFrame, got {type(frame).__name__}. Use pd.DataFrame(...) or a file path."
        )
    if len(frame) == 0:
        raise InputError(
            "The table has a header but no rows: there is nothing to analyse. "
            "Check that the file is the predictions table, with one row per example."
        )
    columns = TargetColumns(label, prediction, score_column, positive_class, classes)
    detected: list[str] = []
    if task is None:
        task, note = detect_task(frame, columns)
        detected = [note] if note else []
        if loss is not None and task != "regression":
            raise InputError(
                f"loss={loss!r} is a regressor's option, but the label column holds classes, so "
                "the task is classification. Choose task='regression' to read them as numbers, "
                "or leave loss= out.",
                parameter="loss",
            )
    reader = get_task(task, **_task_options(task, loss, threshold, separator))
    targets = reader.target_columns(frame, columns)
    id_col = find_column(frame, id_column, ID_NAMES, "id", "id_column")
    image_col = find_column(frame, image_column, IMAGE_NAMES, "image path", "image_column")
    image_col = image_col or find_bytes_column(frame)  # a `datasets` Image column, any name

    ids = _ids(frame, id_col)
    outcomes, task_notes = reader.read(frame, columns, ids)
    used = {*targets.values(), id_col, image_col} - {None}
    meta, notes = _metadata(frame, used, metadata, ignore)
    image_paths = image_cells(frame[image_col]) if image_col else None
    return Examples(ids, outcomes, meta, image_paths, [*detected, *notes, *task_notes])


def _task_options(
    task: str, loss: str | None, threshold: float | None, separator: str | None
) -> dict[str, object]:
    """The options `task` is built with; a tagger's option given to another task is refused
    (it would do nothing)."""
    options: dict[str, object] = {} if loss is None else {"loss": loss}
    for name, value in (("threshold", threshold), ("separator", separator)):
        if value is None:
            continue
        if task != "multilabel":
            raise InputError(
                f"{name}={value!r} is a multi-label option, but the task is {task!r}. Choose "
                "task='multilabel' for a table whose examples have several labels each, or "
                "leave it out.",
                parameter=name,
            )
        options[name] = value
    return options


def _ids(frame: pd.DataFrame, id_col: str | None) -> np.ndarray:
    if id_col is None:
        return np.array([str(i) for i in range(len(frame))], dtype=object)
    ids = frame[id_col]
    if ids.isna().any():
        rows = np.flatnonzero(ids.isna().to_numpy())[:5].tolist()
        raise InputError(
            f"The id column {id_col!r} has {int(ids.isna().sum())} missing value(s) (rows {rows}). Fill them or drop id_column=."
        )
    text = as_text(ids)
    if _has_repeats(text):
        repeated = text.duplicated(keep=False).to_numpy()
        unique = sorted(set(text[repeated].tolist()))
        dupes = unique[:5]
        raise InputError(
            f"The id column {id_col!r} has {len(unique)} duplicated id(s), e.g. {dupes}. "
            "Each row must be one example with its own id: remove the duplicates or name another column with id_column=."
        )
    return text.to_numpy(dtype=object)


def _has_repeats(text: pd.Series) -> bool:
    """Whether a value occurs twice. Arrow-backed text (pandas' default) is counted by Arrow:
    on 5,000,000 ids no memory above the column, against 0.35 GB for `duplicated` (pandas'
    factorize), in about the same time (1.1-3.5 s either way, run to run); hashing the
    column as Python strings took 3.2 s."""
    if getattr(text.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        return bool(pc.count_distinct(pa.array(text.array), mode="all").as_py() < len(text))
    return bool(text.duplicated().any())


def _metadata(
    frame: pd.DataFrame, used: set, wanted: list[str] | None, ignore: list[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    if wanted is not None:
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise InputError(
                f"Metadata column(s) {missing} are not in the table. Columns are: {list(map(str, frame.columns))[:12]}."
            )
        columns = list(wanted)
    else:
        columns = [str(c) for c in frame.columns if c not in used and c not in set(ignore or [])]
    check_cells(frame[columns])
    kept = []
    for name in columns:
        if _is_id_like(frame[name]):
            notes.append(
                f"Column {name!r} has a distinct value on every row (an id?); it is left out of slicing."
            )
        else:
            kept.append(name)
    return frame[kept].reset_index(drop=True), notes


def _is_id_like(column: pd.Series) -> bool:
    n = len(column)
    if n < 20 or column.nunique(dropna=False) < n:
        return False
    if pd.api.types.is_float_dtype(column):
        return False
    if pd.api.types.is_integer_dtype(column):
        # a measurement can be unique per row by chance; a counter is a consecutive range
        values = np.sort(column.to_numpy())
        return bool(np.all(np.diff(values) == 1))
    return True
