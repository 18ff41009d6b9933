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
from weakspot.inputs._columns import (
    ID_NAMES,
    IMAGE_NAMES,
    LABEL_NAMES,
    PREDICTION_NAMES,
    SCORE_NAMES,
    find_column,
    proba_columns,
    require_column,
)
from weakspot.inputs._sniff import check_table_file
from weakspot.stats import distinct_values

PROBA_TOLERANCE = 0.01


@dataclass(frozen=True)
class Examples:
    """One row per evaluated example, validated.

    Attributes
    ----------
    ids : ndarray of str, shape (n,)
    labels, predictions : ndarray of str, shape (n,)
        Class names as text (integral numbers are written without decimals).
    classes : list of str
        Sorted class names (from the probability columns when given).
    proba : ndarray of float, shape (n, n_classes), or None
        Class probabilities in the order of `classes`.
    metadata : DataFrame, shape (n, n_metadata)
        Columns to measure and slice on.
    image_paths : ndarray of str, shape (n,), or None
    notes : list of str
        Things the user should know (left-out columns, ...).
    """

    ids: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    classes: list[str]
    proba: np.ndarray | None
    metadata: pd.DataFrame
    image_paths: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> np.ndarray:
        """1 where the prediction is wrong, shape (n,), dtype int8."""
        return (self.labels != self.predictions).astype(np.int8)

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
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"Expected a pandas DataFrame, got {type(frame).__name__}. Use pd.DataFrame(...) or a file path."
        )
    if len(frame) == 0:
        raise InputError("The table has no rows: there is nothing to analyse.")
    label_col = require_column(frame, label, LABEL_NAMES, "label", "label")
    pred_col = require_column(frame, prediction, PREDICTION_NAMES, "prediction", "prediction")
    id_col = find_column(frame, id_column, ID_NAMES, "id", "id_column")
    image_col = find_column(frame, image_column, IMAGE_NAMES, "image path", "image_column")
    score_col = find_column(frame, score_column, SCORE_NAMES, "score", "score_column")

    ids = _ids(frame, id_col)
    labels = _class_text(frame[label_col], "label", label_col, ids)
    predictions = _class_text(frame[pred_col], "prediction", pred_col, ids)
    probas = proba_columns(frame)
    all_classes = _classes(labels, predictions, probas, classes)
    proba = _proba(frame, probas, score_col, all_classes, positive_class, ids, predictions)

    used = {label_col, pred_col, id_col, image_col, score_col, *probas.values()} - {None}
    meta, notes = _metadata(frame, used, metadata, ignore)
    if score_col is not None and not probas:
        notes.append(_score_note(score_col, all_classes, positive_class))
    image_paths = frame[image_col].astype(str).to_numpy() if image_col else None
    return Examples(ids, labels, predictions, all_classes, proba, meta, image_paths, notes)


def _ids(frame: pd.DataFrame, id_col: str | None) -> np.ndarray:
    if id_col is None:
        return np.array([str(i) for i in range(len(frame))], dtype=object)
    ids = frame[id_col]
    if ids.isna().any():
        rows = np.flatnonzero(ids.isna().to_numpy())[:5].tolist()
        raise InputError(
            f"The id column {id_col!r} has {int(ids.isna().sum())} missing value(s) (rows {rows}). Fill them or drop id_column=."
        )
    text = _as_text(ids)
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


def text_by_value(values: pd.Series) -> np.ndarray:
    """`_as_text` of every value, as an object array, converting each distinct value once.

    A label column has a few distinct values in millions of rows: text made row by row held
    one Python string per row for a while (hundreds of MB at 5,000,000 rows); here the rows
    share their class's string. `values` has no missing value (checked before).
    """
    codes, uniques = distinct_values(values)
    return _as_text(uniques).to_numpy(dtype=object)[codes]


def _as_text(values: pd.Series) -> pd.Series:
    """Values as text; whole floats lose their decimals so 1.0 and 1 are the same class."""
    if pd.api.types.is_float_dtype(values):
        finite = values.dropna()
        if len(finite) and np.all(np.mod(finite, 1) == 0):
            return values.astype("Int64").astype(str)
    return values.astype(str)


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
