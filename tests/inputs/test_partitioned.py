"""Partitioned inputs: a Parquet folder or a Dask DataFrame analyses as the same table does."""

from __future__ import annotations

import re

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


def _free(monkeypatch, free: int | None) -> list[str]:
    """Pretend this machine has `free` bytes free; returns the partitions validated so far."""
    from weakspot.inputs import _memory, _partitioned

    monkeypatch.setattr(_memory, "available_bytes", lambda: free)
    read: list[str] = []
    validate = _partitioned._validate
    monkeypatch.setattr(
        _partitioned,
        "_validate",
        lambda table, where, options: (read.append(where), validate(table, where, options)),
    )
    return read


def test_a_folder_this_machine_cannot_hold_is_refused_with_the_sample_that_fits(
    tmp_path, monkeypatch
) -> None:
    frame = planted_table(3, n=4000)
    folder = _write_parts(frame, tmp_path / "preds", n_parts=4)
    table_bytes = int(frame.memory_usage(deep=True, index=False).sum())
    read = _free(monkeypatch, 2 * table_bytes)  # the analysis needs about 3.2 tables
    with pytest.raises(InputError, match=r"holds 4,000 rows, about .* as a table") as caught:
        analyze(folder)
    assert read == [f"partition 0 of {folder}"]  # refused after one partition, not four
    message = str(caught.value)
    assert "a whole analysis holds about 3.2 times its table" in message
    fit = int(re.search(r"Analyse a sample that fits: sample=(\d+), which draws", message)[1])
    assert 1000 <= fit < 4000 / 1.6  # 0.8 of the free memory, less a partition, per 3.2 rows
    # the advice works: that sample is read and analysed
    assert analyze(folder, sample=fit).to_dict()["dataset"]["n_examples"] == fit


def test_a_dask_dataframe_is_judged_by_its_partitions_so_far(monkeypatch) -> None:
    frame = planted_table(3, n=4000)
    table_bytes = int(frame.memory_usage(deep=True, index=False).sum())
    _free(monkeypatch, 2 * table_bytes)
    with pytest.raises(InputError, match=r"holds 4,000 rows \(estimated from the 1 partition read"):
        analyze(dd.from_pandas(frame, npartitions=4))


@pytest.mark.parametrize("free", [None, 10**12])
def test_with_room_or_no_way_to_tell_the_whole_folder_is_read(tmp_path, monkeypatch, free) -> None:
    frame = planted_table(3, n=2000)
    folder = _write_parts(frame, tmp_path / "preds", n_parts=2)
    read = _free(monkeypatch, free)
    assert len(read_partitioned(folder)) == 2000 and len(read) == 2


def test_one_parquet_file_of_several_row_groups_is_read_a_row_group_at_a_time(tmp_path) -> None:
    frame = planted_table(2, n=3000)
    many, one = tmp_path / "many.parquet", tmp_path / "one.parquet"
    frame.to_parquet(many, row_group_size=1000)
    frame.to_parquet(one)
    assert is_partitioned(many) and not is_partitioned(one)
    assert read_partitioned(many).equals(frame)
    assert document(analyze(many)) == document(analyze(frame)) == document(analyze(one))
    sampled = document(analyze(frame, sample=1200))
    assert document(analyze(many, sample=1200)) == sampled == document(analyze(one, sample=1200))


def test_a_bad_row_group_is_named_and_a_broken_file_keeps_the_whole_read_message(tmp_path):
    frame = planted_table(4, n=3000)
    frame.loc[2500, "label"] = None
    frame.to_parquet(tmp_path / "bad.parquet", row_group_size=1000)
    with pytest.raises(InputError, match=r"partition 2 of .*bad.parquet: The label column"):
        analyze(tmp_path / "bad.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    assert not is_partitioned(tmp_path / "broken.parquet")  # the table reader names the problem
    with pytest.raises(InputError, match="broken.parquet"):
        analyze(tmp_path / "broken.parquet")


def test_one_large_parquet_file_is_judged_by_its_footer_and_first_row_group(
    tmp_path, monkeypatch
) -> None:
    frame = planted_table(3, n=4000)
    frame.to_parquet(tmp_path / "preds.parquet", row_group_size=1000)
    read = _free(monkeypatch, 2 * int(frame.memory_usage(deep=True, index=False).sum()))
    with pytest.raises(InputError, match=r"preds.parquet holds 4,000 rows, about"):
        analyze(tmp_path / "preds.parquet")
    assert len(read) == 1


def test_a_corrupt_file_in_a_parquet_folder_is_named_not_raised_from_pyarrow(tmp_path) -> None:
    folder = _write_parts(planted_table(6, n=300), tmp_path / "preds")
    data = (folder / "part-1.parquet").read_bytes()
    (folder / "part-1.parquet").write_bytes(data[:40] + b"\x00" * 64 + data[-40:])
    with pytest.raises(InputError, match=r"partition 1 of .*preds could not be read \("):
        analyze(folder)


def test_a_folder_with_a_file_that_is_not_parquet_at_all_is_named(tmp_path) -> None:
    folder = _write_parts(planted_table(7, n=300), tmp_path / "preds")
    (folder / "part-0.parquet").write_bytes(b"label,prediction\ncat,dog\n")
    with pytest.raises(InputError, match=r"preds' could not be read as Parquet \(.*part-0"):
        analyze(folder)


def test_a_folder_whose_files_hold_no_rows_is_refused_by_name(tmp_path) -> None:
    folder = _write_parts(planted_table(8, n=300).iloc[:0], tmp_path / "preds", n_parts=2)
    with pytest.raises(InputError, match=r"preds holds no rows: there is nothing to analyse"):
        analyze(folder)
