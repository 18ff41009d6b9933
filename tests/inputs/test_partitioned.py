"""Partitioned inputs: a Parquet folder or a Dask DataFrame analyses as the same table does."""

from __future__ import annotations

import pytest

from tests.conftest import planted_table
from tests.engine.golden_cases import document
from weakspot import analyze
from weakspot._errors import InputError
from weakspot.inputs._partitioned import is_partitioned, read_partitioned

dd = pytest.importorskip("dask.dataframe")


def _write_parts(frame, folder, n_parts: int = 3):
    folder.mkdir()
    size = -(-len(frame) // n_parts)
    for i in range(n_parts):
        frame.iloc[i * size : (i + 1) * size].to_parquet(folder / f"part-{i}.parquet")
    return folder


def test_a_parquet_folder_gives_the_analysis_of_the_whole_table(tmp_path) -> None:
    frame = planted_table(2, n=1500)
    folder = _write_parts(frame, tmp_path / "preds")
    assert is_partitioned(folder) and not is_partitioned(tmp_path / "nothing")
    read = read_partitioned(folder)
    assert read.equals(frame)
    assert document(analyze(folder, random_state=0)) == document(analyze(frame, random_state=0))


def test_a_dask_dataframe_is_read_by_partitions() -> None:
    frame = planted_table(3, n=900)
    lazy = dd.from_pandas(frame, npartitions=4)
    assert is_partitioned(lazy)
    assert read_partitioned(lazy).equals(frame)


def test_a_bad_partition_is_named_with_the_core_message(tmp_path) -> None:
    frame = planted_table(4, n=600)
    frame.loc[250, "label"] = None
    folder = _write_parts(frame, tmp_path / "preds")
    with pytest.raises(
        InputError,
        match=r"partition 1 of .*preds: The label column 'label' has 1 missing value\(s\), "
        r"for example at ids \['ex250'\]",
    ):
        analyze(folder)


def test_checks_across_partitions_run_on_the_whole_table(tmp_path) -> None:
    frame = planted_table(5, n=600)
    frame.loc[500, "id"] = "ex3"  # a duplicate in another file than its twin
    folder = _write_parts(frame, tmp_path / "preds")
    with pytest.raises(InputError, match=r"The id column 'id' has 1 duplicated id\(s\), e.g. "):
        analyze(folder)
