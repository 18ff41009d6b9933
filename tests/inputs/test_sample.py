"""`sample=`: the rows of lowest id hash, the same from a table, a Parquet folder or Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import planted_table
from tests.engine.golden_cases import document
from weakspot import analyze
from weakspot._errors import InputError
from weakspot.inputs import resolve_inputs
from weakspot.inputs._sample import SmallestHashes, id_hashes, lowest_hashes

dd = pytest.importorskip("dask.dataframe")


def _write_parts(frame: pd.DataFrame, folder, n_parts: int) -> None:
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), n_parts)):
        frame.iloc[rows].to_parquet(folder / f"part-{i:03d}.parquet")


def test_an_id_hashes_as_its_text_and_the_seed_changes_the_key() -> None:
    ints, text = id_hashes(pd.Series([7, 8]), 0), id_hashes(pd.Series(["7", "8"]), 0)
    assert ints.dtype == np.uint64 and np.array_equal(ints, text)
    assert not np.array_equal(id_hashes(pd.Series(["7", "8"]), 1), text)


@settings(max_examples=60, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 50), min_size=1, max_size=200),
    n=st.integers(1, 60),
    cuts=st.lists(st.integers(0, 200), max_size=6),
)
def test_streaming_keeps_the_rows_the_whole_table_would_keep(hashes, n, cuts) -> None:
    # few distinct hashes, so ties (repeated ids) are common: they go to the earlier row
    values = np.array(hashes, dtype=np.uint64)
    table = pd.DataFrame({"row": np.arange(len(values))})
    draw = SmallestHashes(n)
    edges = [0, *sorted(c for c in cuts if c < len(values)), len(values)]
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        draw.add(table.iloc[start:stop], values[start:stop])
    kept, positions = draw.result()
    expected = lowest_hashes(values, n)
    assert np.array_equal(positions, expected)
    assert kept["row"].tolist() == expected.tolist()
    brute = sorted(range(len(values)), key=lambda i: (values[i], i))[:n]
    assert sorted(brute) == expected.tolist()


def test_a_sample_of_a_table_keeps_its_rows_whole_and_in_order() -> None:
    frame = planted_table(4, n=3000)
    frame["proba_cat"] = np.linspace(0, 1, len(frame))
    frame["proba_dog"] = 1 - frame["proba_cat"]
    embeddings = np.arange(len(frame) * 2, dtype=np.float32).reshape(-1, 2)
    inputs = resolve_inputs(frame, embeddings=embeddings, sample=500, random_state=3)
    ex = inputs.examples
    rows = inputs.sample.positions
    assert len(ex) == 500 and inputs.sample.of == 3000 and np.all(np.diff(rows) > 0)
    assert ex.ids.tolist() == frame["id"].iloc[rows].tolist()
    assert ex.labels.tolist() == frame["label"].iloc[rows].tolist()
    assert ex.metadata["age"].tolist() == frame["age"].iloc[rows].tolist()
    assert np.array_equal(ex.proba[:, 0], frame["proba_cat"].to_numpy()[rows])
    assert np.array_equal(inputs.embeddings, embeddings[rows])
    assert set(ex.ids) != set(resolve_inputs(frame, sample=500, random_state=4).examples.ids)


def test_a_table_no_larger_than_the_sample_is_analysed_whole() -> None:
    frame = planted_table(5, n=800)
    whole = analyze(frame)
    drawn = analyze(frame, sample=800)
    assert drawn.inputs.sample is None and "sample" not in drawn.to_dict()["dataset"]
    assert drawn.to_dict()["config"]["sample"] == 800
    assert drawn.to_dict()["slices"] == whole.to_dict()["slices"]


def test_a_parquet_folder_and_a_dask_dataframe_draw_the_tables_sample(tmp_path) -> None:
    frame = planted_table(6, n=4000)
    _write_parts(frame, tmp_path / "preds", n_parts=7)
    table = analyze(frame, sample=1500)
    doc = table.to_dict()
    assert doc["dataset"]["n_examples"] == 1500
    assert doc["dataset"]["sample"]["rows"] == 1500 and doc["dataset"]["sample"]["of"] == 4000
    assert doc["notes"][0].startswith("Analysed a sample of 1,500 of 4,000 rows (37.5%)")
    assert document(analyze(tmp_path / "preds", sample=1500)) == document(table)
    lazy = dd.from_pandas(frame, npartitions=3)
    assert document(analyze(lazy, sample=1500)) == document(table)


def test_without_an_id_column_the_samples_ids_are_the_input_rows(tmp_path) -> None:
    frame = planted_table(7, n=3000).drop(columns="id")
    _write_parts(frame, tmp_path / "preds", n_parts=4)
    folder = analyze(tmp_path / "preds", sample=700)
    ids = folder.examples.ids.astype(int)
    assert folder.examples.labels.tolist() == frame["label"].iloc[ids].tolist()
    assert folder.examples.metadata["age"].tolist() == frame["age"].iloc[ids].tolist()
    assert "id" not in folder.to_dict()["dataset"]["metadata_columns"]
    assert document(folder) == document(analyze(frame, sample=700))


def test_a_class_no_drawn_row_has_is_kept_from_the_whole_folder(tmp_path) -> None:
    frame = planted_table(8, n=2000)
    rare = frame.index[-1]
    frame.loc[rare, ["label", "prediction"]] = "bird"
    _write_parts(frame, tmp_path / "preds", n_parts=3)
    hashes = id_hashes(frame["id"], 0)
    n = int((hashes < hashes[rare]).sum())  # the bird's row is the next one: not drawn
    drawn = analyze(tmp_path / "preds", sample=n)
    assert "bird" not in set(drawn.examples.labels)
    assert drawn.examples.classes == ["bird", "cat", "dog"]
    assert drawn.examples.classes == analyze(frame, sample=n).examples.classes


def test_a_bad_row_outside_the_sample_is_still_found(tmp_path) -> None:
    frame = planted_table(9, n=2000)
    hashes = id_hashes(frame["id"], 0)
    worst = int(np.argmax(hashes))  # never drawn by a small sample
    frame.loc[worst, "label"] = None
    _write_parts(frame, tmp_path / "preds", n_parts=2)
    part = int(worst >= 1000)  # the partition it is in
    with pytest.raises(InputError, match=f"partition {part} of .*column 'label' has 1 missing"):
        analyze(tmp_path / "preds", sample=100)
    with pytest.raises(InputError, match="label column 'label' has 1 missing"):
        analyze(frame, sample=100)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "100"])
def test_sample_must_be_a_positive_whole_number(bad) -> None:
    with pytest.raises(InputError, match="sample= must be a whole number of rows, at least 1"):
        analyze(planted_table(0, n=300), sample=bad)


def test_the_report_summary_and_console_say_the_rows_were_sampled(tmp_path) -> None:
    from rich.console import Console

    from weakspot.cli._console import print_summary
    from weakspot.report import render_html, render_markdown

    doc = analyze(planted_table(10, n=2000), sample=600).to_dict()
    assert "2 classes; sampled from 2,000 rows" in render_html(doc)
    assert "- examples: 600, classes: 2 (sampled from 2,000 rows)" in render_markdown(doc)
    console = Console(record=True, width=200)
    print_summary(doc, console, {})
    assert "600 examples (sampled from 2,000 rows), accuracy" in console.export_text()
