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
    # a Dask DataFrame is validated where it is computed; the first bad partition is named
    frame.loc[10, "label"] = None
    lazy = dd.from_pandas(frame, npartitions=4)
    with pytest.raises(InputError, match="partition 0 of the Dask DataFrame: The label column"):
        analyze(lazy, sample=100)


def test_a_dask_dataframe_sample_brings_back_only_the_drawn_rows() -> None:
    from weakspot.inputs._partitioned import read_partitioned_sample

    frame = planted_table(9, n=3000)
    frame.iloc[::7, frame.columns.get_loc("id")] = frame["id"].iloc[::7] + "x"
    lazy = dd.from_pandas(frame, npartitions=5)
    table, drawn, classes = read_partitioned_sample(lazy, 400, random_state=3)
    expected = lowest_hashes(id_hashes(frame["id"], 3), 400)
    np.testing.assert_array_equal(drawn.positions, expected)
    assert table.equals(frame.iloc[expected].reset_index(drop=True))
    assert drawn.of == 3000 and classes == sorted(set(frame["label"]) | set(frame["prediction"]))


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "100"])
def test_sample_must_be_a_positive_whole_number(bad) -> None:
    with pytest.raises(InputError, match="sample= must be a whole number of rows, at least 1"):
        analyze(planted_table(0, n=300), sample=bad)


def test_the_report_summary_and_console_say_the_rows_were_sampled(tmp_path) -> None:
    from rich.console import Console

    from weakspot.cli._console import print_failure_modes, print_summary
    from weakspot.report import render_html, render_markdown
    from weakspot.report._whole_text import whole_gap, whole_sentence

    doc = analyze(planted_table(10, n=2000), sample=600).to_dict()
    assert "2 classes; sampled from 2,000 rows" in render_html(doc)
    assert "- examples: 600, classes: 2 (sampled from 2,000 rows)" in render_markdown(doc)
    console = Console(record=True, width=200)
    print_summary(doc, console, {})
    said = console.export_text()
    assert "600 examples (sampled from 2,000 rows), accuracy" in said
    errors = doc["dataset"]["sample"]["whole"]["errors"]
    on_all = f"accuracy on all 2,000 rows: {1 - errors / 2000:.1%} ({errors:,} errors)"
    assert on_all in said and f"- {on_all}" in render_markdown(doc)
    assert "accuracy, all rows" in render_html(doc)
    # the subgroups, counted on every row, beside the sample's
    site = next(f for f in doc["disaggregated"]["features"] if f["feature"] == "site")
    assert f"<td>{whole_gap(site)}</td>" in render_html(doc)
    assert "accuracy, all rows (95% CI)" in render_html(doc)
    # the first failure mode, counted on every row, in the words of each report
    text = whole_sentence(doc["failure_modes"][0]["whole"])
    assert text.startswith("on all 2,000 rows: ") and "% fail (95% CI " in text
    assert "<p class='whole'><b>O" + text[1:] + "</b>.</p>" in render_html(doc)
    assert f"- slice 1 {whole_sentence(doc['slices'][0]['whole'])}" in render_markdown(doc)
    print_failure_modes(doc, console)
    assert text in console.export_text()


def _whole_counts(frame: pd.DataFrame, rule) -> tuple[int, int]:
    """The rule's rows and errors on the whole table, counted directly."""
    from weakspot.features._condition import Condition
    from weakspot.features._table import slicing_features
    from weakspot.inputs import build_examples
    from weakspot.modes import rule_mask

    examples = build_examples(frame)
    conditions = [Condition(c["feature"], c["op"], _ends(c)) for c in rule]
    mask = rule_mask(conditions, slicing_features(examples.labels, examples.metadata))
    return int(mask.sum()), int(examples.errors[mask].sum())


def _ends(condition: dict):
    """A JSON interval's open ends (null) as the infinities they stand for."""
    value = condition["value"]
    if condition["op"] in ("in", "not in range"):
        return [-np.inf if value[0] is None else value[0], np.inf if value[1] is None else value[1]]
    return value


def test_a_samples_findings_are_counted_exactly_on_every_row(tmp_path) -> None:
    frame = planted_table(6, n=20_000)
    doc = analyze(frame, sample=5000).to_dict()
    whole_errors = _whole_counts(frame, [])[1]
    assert doc["dataset"]["sample"]["whole"] == {
        "rows": 20_000,
        "errors": whole_errors,
        "error_rate": whole_errors / 20_000,
    }
    findings = [(s["predicate"], s["whole"]) for s in doc["slices"]]
    findings += [(m["rule"], m["whole"]) for m in doc["failure_modes"]]
    assert findings and all(whole["counted"] for _, whole in findings)
    for rule, whole in findings:
        size, errors = _whole_counts(frame, rule)
        assert (whole["size"], whole["errors"], whole["of"]) == (size, errors, 20_000)
        assert whole["ci"][0] <= whole["error_rate"] == errors / size <= whole["ci"][1]
        assert whole["rest_error_rate"] == (whole_errors - errors) / (20_000 - size)
    # the planted slice fails about 40% of the time on every row, 8% elsewhere
    assert 0.35 < findings[0][1]["error_rate"] < 0.45 and findings[0][1]["lift"] > 4
    # the same counts from a Parquet folder, read again by partitions
    _write_parts(frame, tmp_path / "preds", n_parts=5)
    assert document(analyze(tmp_path / "preds", sample=5000)) == document(
        analyze(frame, sample=5000)
    )


def test_a_whole_analysis_has_no_whole_figures() -> None:
    doc = analyze(planted_table(6, n=2000)).to_dict()
    assert "whole" not in doc["slices"][0] and "whole" not in doc["failure_modes"][0]


def test_a_member_set_or_a_rule_over_image_features_is_not_counted() -> None:
    from weakspot._whole import NOT_COUNTED_IMAGES, NOT_COUNTED_MEMBERS, count_whole
    from weakspot.features._condition import Condition
    from weakspot.inputs import build_examples

    frame = planted_table(6, n=2000)
    findings = {
        "S1": [Condition("site", "==", "B")],
        "S2": None,
        "S3": [Condition("site", "==", "B"), Condition("brightness", "in", [0.0, 0.2])],
    }
    whole = count_whole(frame, findings, build_examples(frame))
    assert (
        whole.figures("S1")["counted"]
        and whole.figures("S1")["size"] == (frame["site"] == "B").sum()
    )
    assert whole.figures("S2") == {"counted": False, "of": 2000, "reason": NOT_COUNTED_MEMBERS}
    assert whole.figures("S3") == {"counted": False, "of": 2000, "reason": NOT_COUNTED_IMAGES}
    assert whole.figures("S4") is None


def test_the_rows_outside_the_sample_confirm_a_real_finding_and_not_a_chance_one() -> None:
    from weakspot._whole import count_whole
    from weakspot.features._condition import Condition
    from weakspot.inputs import build_examples
    from weakspot.inputs._sample import sample_examples

    rng = np.random.default_rng(0)
    n = 60_000
    site = rng.choice(["a", "b", "c"], n)
    weak = rng.random(n) < 0.5  # fails 1.05 times as often: real, and below the 1.1 bar
    noise = rng.choice(["x", "y"], n)  # nothing to do with errors
    rate = np.where(site == "b", 0.3, np.where(weak, 0.105, 0.1))
    wrong = rng.random(n) < rate
    label = rng.choice(["cat", "dog"], n)
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "label": label,
            "prediction": np.where(wrong, np.where(label == "cat", "dog", "cat"), label),
            "site": site,
            "weak": np.where(weak, "yes", "no"),
            "noise": noise,
        }
    )
    whole = build_examples(frame)
    sample, drawn = sample_examples(whole, 10_000, 0)
    findings = {
        "S1": [Condition("site", "==", "b")],
        "S2": [Condition("weak", "==", "yes"), Condition("site", "!=", "b")],
        "S3": [Condition("noise", "==", "x"), Condition("site", "!=", "b")],
        "F1": [Condition("site", "==", "b")],  # the same rule: one test, not two
    }
    counts = count_whole(frame, findings, sample)
    outside = ~np.isin(np.arange(n), drawn.positions)
    for finding, rule in findings.items():
        test = counts.held_out[finding]
        mask = outside.copy()
        for c in rule:
            column = frame[c.feature].to_numpy()
            mask &= (column == c.value) if c.op == "==" else (column != c.value)
        assert (test["rows"], test["errors"]) == (mask.sum(), wrong[mask].sum())
        assert test["of"] == outside.sum() == n - 10_000
    verdicts = {f: counts.held_out[f]["verdict"] for f in findings}
    assert verdicts["S1"] == verdicts["F1"] == "confirmed"
    assert verdicts["S2"] in ("too weak", "not significant")  # lift about 1.05 < 1.1
    assert verdicts["S3"] == "not significant"
    assert counts.held_out["S1"]["q_value"] == counts.held_out["F1"]["q_value"]


def test_a_samples_subgroups_are_counted_on_every_row() -> None:
    frame = planted_table(6, n=12_000)
    doc = analyze(frame, sample=3000, sensitive=["site", "device"]).to_dict()
    wrong = frame["label"] != frame["prediction"]
    groups = {(g["feature"], g["group"]): g.get("whole") for g in doc["disaggregated"]["groups"]}
    for site in "ABCD":
        whole = groups[("site", f"site == {site}")]
        rows = frame["site"] == site
        assert (whole["n"], whole["errors"]) == (rows.sum(), (rows & wrong).sum())
    cell = groups[("site x device", "site == B and device == phone")]
    rows = (frame["site"] == "B") & (frame["device"] == "phone")
    assert (cell["n"], cell["errors"]) == (rows.sum(), (rows & wrong).sum())
    site = next(f for f in doc["disaggregated"]["features"] if f["feature"] == "site")
    assert site["whole"]["worst_group"] == "site == B" and site["whole"]["gap_significant"]
