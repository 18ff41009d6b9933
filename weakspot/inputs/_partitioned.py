"""Partitioned inputs: a folder of Parquet files, or a Dask DataFrame, read partition by partition.

Each partition is read on its own (a folder by this process, a Dask DataFrame where its graph
runs: on the cluster when a client is running) and validated as it arrives with the same
checks and messages as a whole table (`build_examples`), the message prefixed with the
partition it came from, so a bad row in file 713 of 2,000 is named without reading the rest.
Checks that need every row (duplicated ids across files, a class that only one file lacks) run
once more on the whole table after the partitions are joined.

The joined table is held in memory: the analysis stages after the inputs work on it there, and
only the row-touching kernels run on the cluster (docs/scaling.md says how far that goes). A
whole read that this machine could not hold is refused after its first partition, with the
sample that fits (`MemoryCheck`); `read_partitioned_sample` keeps a sample as it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError, missing_dependency
from weakspot.inputs._arrow_memory import release_arrow_memory
from weakspot.inputs._examples import build_examples
from weakspot.inputs._memory import MemoryCheck
from weakspot.inputs._sample import (
    RowSample,
    SmallestHashes,
    id_hashes,
    lowest_hashes,
    row_ids,
)
from weakspot.tasks import ID_NAMES, LABEL_NAMES, PREDICTION_NAMES, as_text, find_column

_DEFAULT_TEXT = pd.Series(["text"]).dtype  # str in pandas 3, object before


def is_partitioned(data: Any) -> bool:
    """True for a Dask DataFrame, a folder holding ``.parquet`` files (at any depth), or one
    Parquet file of several row groups when Dask is installed (read a row group at a time, so
    that ``sample=`` never holds the whole file, and a whole read can be judged before it
    fills the memory; pyarrow writes a row group per 1,048,576 rows by default)."""
    if hasattr(data, "npartitions") and hasattr(data, "to_delayed"):
        return True
    if not isinstance(data, str | Path):
        return False
    path = Path(data)
    if path.is_dir():
        return next(path.rglob("*.parquet"), None) is not None
    return path.suffix.lower() == ".parquet" and path.is_file() and _row_groups(path) > 1


def _row_groups(path: Path) -> int:
    """Row groups of a Parquet file from its footer; 0 when unreadable (the whole read names
    the problem) or when Dask, which reads them one by one, is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_row_groups)
    except (ImportError, OSError, ValueError):
        return 0


def read_partitioned(data: Any, **options: Any) -> pd.DataFrame:
    """Read a Parquet folder or Dask DataFrame partition by partition, validating each.

    Parameters
    ----------
    data : str, Path or dask.dataframe.DataFrame
        A folder of Parquet files (a partitioned data set, Hive-style folders allowed), or a
        Dask DataFrame.
    **options
        The column options of `build_examples` (``label=``, ``prediction=``, ``id_column=``,
        ...), applied to every partition.

    Returns
    -------
    DataFrame, shape (n_rows, n_columns)
        The partitions in order, with a fresh index.
    """
    check = MemoryCheck.start(data, _name(data))
    parts = []
    for part in _validated_partitions(data, options):
        check.add(part)  # refuses, with the sample that fits, a table this machine cannot hold
        parts.append(part)
    if not any(len(part) for part in parts):
        raise InputError(
            f"{_name(data)} holds no rows: there is nothing to analyse.", parameter="data"
        )
    table = pd.concat(parts, ignore_index=True)
    del parts
    release_arrow_memory()
    return table


def read_partitioned_sample(
    data: Any, n: int, *, random_state: int, **options: Any
) -> tuple[pd.DataFrame, RowSample, list[str] | None]:
    """`read_partitioned`, keeping only the `n` rows of lowest id hash (`weakspot.inputs._sample`).

    Every partition is validated whole before it is sampled, so a bad row is found wherever
    it is; the rows kept are those that `sample_examples` would keep from the whole table.
    Without an id column, an ``id`` column of input positions is added, so that the sample's
    ids name the input's rows.

    Returns
    -------
    table : DataFrame, shape (min(n, n_rows), n_columns)
        The drawn rows in input order, with a fresh index.
    drawn : RowSample
    classes : list of str or None
        Every label and prediction of the whole input, when the classes come from them (no
        ``classes=``, no probability columns): a class that no drawn row has is still one.
    """
    if not isinstance(data, str | Path) and _id_column(data, options) is not None:
        return _sample_on_workers(data, n, random_state=random_state, options=options)
    draw = SmallestHashes(n)
    seen: set[str] | None = set()
    for table in _validated_partitions(data, options):
        ids, positional = row_ids(table, options.get("id_column"), draw.seen)
        if positional:
            table = table.assign(id=ids.astype(str).to_numpy(dtype=object))
        classes = _partition_classes(table, options) if options.get("classes") is None else None
        seen = None if seen is None or classes is None else seen | set(classes)
        draw.add(table, id_hashes(ids, random_state))
    if draw.seen == 0:
        raise InputError(
            f"{_name(data)} holds no rows: there is nothing to analyse.", parameter="data"
        )
    table, positions = draw.result()
    release_arrow_memory()
    return table, RowSample(positions, draw.seen, random_state), sorted(seen) if seen else None


def _id_column(frame: Any, options: dict[str, Any]) -> str | None:
    """The id column a Dask DataFrame's partitions have (from its empty `_meta`), if any; a
    named column it lacks is left to the partitions' validation, which names the partition."""
    try:
        return find_column(frame._meta, options.get("id_column"), ID_NAMES, "id", "id_column")
    except InputError:
        return None


def _sample_on_workers(
    frame: Any, n: int, *, random_state: int, options: dict[str, Any]
) -> tuple[pd.DataFrame, RowSample, list[str] | None]:
    """`read_partitioned_sample` of a Dask DataFrame with an id column, where it is computed.

    Each partition is validated and hashed where it lives (the workers, with a client) and
    sends back only its length, its `n` lowest hashes and its classes; the client picks the
    `n` lowest of those (a row not among its partition's `n` lowest is not among all rows'),
    and a second pass brings back only the chosen rows. So the client never holds a partition
    and the validation runs in parallel; the partitions are computed twice. Positional ids
    (no id column) need each partition's offset first, and take the client's streaming path.
    """
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        parts = frame.to_delayed()
        drafts = dask.compute(
            *[dask.delayed(_draft)(p, i, n, random_state, options) for i, p in enumerate(parts)]
        )
        for draft in drafts:  # the first bad partition in input order, as a read would name it
            if isinstance(draft, InputError):
                raise draft
        lengths = np.array([d[0] for d in drafts], dtype=np.int64)
        if lengths.sum() == 0:
            raise InputError(
                "the Dask DataFrame holds no rows: there is nothing to analyse.", parameter="data"
            )
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        hashes = np.concatenate([d[1] for d in drafts])
        positions = np.concatenate([offsets[i] + d[2] for i, d in enumerate(drafts)])
        chosen = positions[np.sort(np.lexsort((positions, hashes))[:n])]
        part_of = np.searchsorted(offsets, chosen, side="right") - 1
        wanted = [chosen[part_of == i] - offsets[i] for i in range(len(parts))]
        rows = dask.compute(
            *[dask.delayed(_rows)(p, w) for p, w in zip(parts, wanted, strict=True) if len(w)]
        )
    table = pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0].reset_index(drop=True)
    classes = [d[3] for d in drafts if d[0]]
    union = None if any(c is None for c in classes) else sorted(set().union(*classes)) or None
    return table, RowSample(chosen, int(lengths.sum()), random_state), union


def _draft(
    part: pd.DataFrame, i: int, n: int, random_state: int, options: dict[str, Any]
) -> tuple[int, np.ndarray, np.ndarray, list[str] | None] | InputError:
    """One partition, validated: its length, its `n` lowest hashes with their positions in it,
    and its classes; or the validation's error, returned so that the client raises the first."""
    table = _pandas_text(part)
    try:
        _validate(table, f"partition {i} of the Dask DataFrame", options)
    except InputError as exc:
        return exc
    ids, _ = row_ids(table, options.get("id_column"), 0)
    hashes = id_hashes(ids, random_state)
    keep = lowest_hashes(hashes, n)
    classes = _partition_classes(table, options) if options.get("classes") is None else None
    return len(table), hashes[keep], keep.astype(np.int64), classes


def _rows(part: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    return _pandas_text(part).iloc[positions]


def map_partitions(data: Any, fn: Callable[[Any], Any], **options: Any) -> list[Any]:
    """``fn(build_examples(partition, **options))`` for every non-empty partition, in order.

    For an input already validated (no partition prefix on messages): a folder's partitions
    are read by this process's threads, a Dask DataFrame's where its graph runs (the workers,
    with a client), and `fn` runs there too, so only its results travel.
    """
    import dask

    scheduler = "threads" if isinstance(data, str | Path) else None
    with dask.config.set({"dataframe.convert-string": False}):
        frame = _lazy_frame(data)
        tasks = [dask.delayed(_examples_of)(part, fn, options) for part in frame.to_delayed()]
        results = dask.compute(*tasks, scheduler=scheduler)
    return [r for r in results if r is not None]


def _examples_of(table: pd.DataFrame, fn: Callable[[Any], Any], options: dict[str, Any]) -> Any:
    if len(table) == 0:
        return None
    return fn(build_examples(_pandas_text(table), **options))


def _name(data: Any) -> str:
    return str(data) if isinstance(data, str | Path) else "the Dask DataFrame"


def _validated_partitions(data: Any, options: dict[str, Any]) -> Iterator[pd.DataFrame]:
    """Each partition of `data` in order, as pandas reads it, validated as it arrives."""
    try:
        import dask
        import dask.dataframe  # noqa: F401  (what reads the partitions; checked here)
    except ImportError:
        raise missing_dependency("dask", "dask", "A folder of Parquet files") from None
    # A folder is read by this process, which sees it (`is_partitioned` looked) and joins
    # the table anyway: through a cluster's workers every partition would also cross the
    # network to get here (5,000,000 rows: 22.9 s against 15.3 s, docs/scaling.md). A Dask
    # DataFrame is computed where its graph says, on the cluster when a client runs.
    scheduler = "threads" if isinstance(data, str | Path) else None
    # pandas' own dtypes, so that the table is the one pandas reads
    with dask.config.set({"dataframe.convert-string": False}):
        frame = _lazy_frame(data)
        for i, part in enumerate(frame.to_delayed()):
            table = _pandas_text(_computed(part, scheduler, f"partition {i} of {_name(data)}"))
            _validate(table, f"partition {i} of {_name(data)}", options)
            yield table


def _computed(part: Any, scheduler: str | None, where: str) -> pd.DataFrame:
    """One partition as pandas; a file that cannot be read (corrupt, truncated, not Parquet)
    is named, with the reader's own words, rather than raised from deep inside pyarrow."""
    import dask

    try:
        (table,) = dask.compute(part, scheduler=scheduler)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid and ArrowIOError are these
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InputError(
            f"{where} could not be read ({type(exc).__name__}: {reason}). Rewrite or remove "
            "that file: every file of a Parquet folder must be a readable Parquet file."
        ) from None
    return table


def _lazy_frame(data: Any) -> Any:
    """The Dask DataFrame of `data`: itself, a folder's files, or one file's row groups."""
    import dask.dataframe as dd

    if not isinstance(data, str | Path):
        return data
    try:
        if Path(data).is_file():
            return dd.read_parquet(str(data), split_row_groups=True)
        return dd.read_parquet(str(data))
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid and ArrowIOError are these
        raise InputError(_unreadable(data, exc)) from None


def _unreadable(data: str | Path, exc: Exception) -> str:
    """The refusal of a Parquet file or folder whose schema cannot be read: the reader's
    own words name the file (the last line of Dask's wrapped message)."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    reason = lines[-1].removeprefix("Original Message: ")[:400] if lines else type(exc).__name__
    return (
        f"{str(data)!r} could not be read as Parquet ({reason}). Rewrite or remove the file "
        "it names: every file of a Parquet folder must be a readable Parquet file."
    )


def _pandas_text(table: pd.DataFrame) -> pd.DataFrame:
    """Dask's text columns (missing = pd.NA) in pandas' default text dtype, as `read_table`
    gives them, so that a Dask DataFrame analyses as the same table read by pandas."""
    text = [
        c
        for c in table.columns
        if isinstance(table[c].dtype, pd.StringDtype)
        and getattr(table[c].dtype, "na_value", None) is pd.NA
    ]
    return table.astype({c: _DEFAULT_TEXT for c in text}) if text else table


def _validate(table: pd.DataFrame, where: str, options: dict[str, Any]) -> None:
    """`build_examples` on one partition; checks across partitions wait for the whole table."""
    if len(table) == 0:
        return
    try:
        build_examples(table, **{**options, "classes": _partition_classes(table, options)})
    except InputError as exc:
        raise InputError(f"{where}: {exc}", parameter=exc.parameter) from None


def _partition_classes(table: pd.DataFrame, options: dict[str, Any]) -> list[str] | None:
    """Classes that make the class-set checks hold within one partition (they are checked on
    the whole table): the user's, the proba_ columns', or the partition's own labels."""
    if options.get("classes") is not None:
        return options["classes"]
    if any(str(c).startswith("proba_") for c in table.columns):
        return None
    label = find_column(table, options.get("label"), LABEL_NAMES, "label", "--label")
    prediction = find_column(
        table, options.get("prediction"), PREDICTION_NAMES, "prediction", "--prediction"
    )
    seen: set[str] = set()
    for column in (label, prediction):
        if column is not None:
            seen |= set(as_text(pd.Series(table[column].dropna().unique())).tolist())
    return sorted(seen) or None
