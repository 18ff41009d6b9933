from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import weakspot
from weakspot.inputs import build_examples, read_table


def _base(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "label": rng.choice(["a", "b"], n),
            "prediction": rng.choice(["a", "b"], n),
            "site": rng.choice(["x", "y"], n),
        }
    )


def test_detects_common_column_names():
    frame = _base().rename(columns={"label": "y_true", "prediction": "y_pred"})
    examples = build_examples(frame)
    assert list(examples.labels[:3]) == list(frame.y_true[:3])
    assert list(examples.metadata.columns) == ["site"]


def test_missing_column_suggests_closest_names():
    with pytest.raises(weakspot.InputError, match=r"'lable'.*Did you mean 'label'"):
        build_examples(_base(), label="lable")


def test_no_label_column_lists_columns_and_the_parameter():
    frame = _base().rename(columns={"label": "truth_value"})
    with pytest.raises(weakspot.InputError, match=r"No label column found.*label=COLUMN"):
        build_examples(frame)


def test_empty_table():
    with pytest.raises(weakspot.InputError, match="no rows"):
        build_examples(_base().iloc[:0])


def test_missing_labels_are_counted_with_ids():
    frame = _base()
    frame.loc[[3, 7], "label"] = None
    with pytest.raises(weakspot.InputError, match=r"2 missing value\(s\).*'r3', 'r7'"):
        build_examples(frame)


def test_missing_predictions_are_counted():
    frame = _base()
    frame.loc[5, "prediction"] = np.nan
    with pytest.raises(weakspot.InputError, match=r"prediction column 'prediction' has 1 missing"):
        build_examples(frame)


def test_duplicate_ids():
    frame = _base()
    frame.loc[1, "id"] = "r0"
    with pytest.raises(weakspot.InputError, match=r"1 duplicated id\(s\), e.g. \['r0'\]"):
        build_examples(frame)


def test_single_class():
    frame = _base()
    frame["label"] = "a"
    with pytest.raises(weakspot.InputError, match="single class"):
        build_examples(frame)


def test_predicted_class_never_seen_as_label():
    frame = _base()
    frame.loc[0, "prediction"] = "zebra"
    with pytest.raises(weakspot.InputError, match=r"never seen as labels: \['zebra'\]"):
        build_examples(frame)


def test_predicted_class_allowed_when_classes_are_listed():
    frame = _base()
    frame.loc[0, "prediction"] = "zebra"
    assert build_examples(frame, classes=["a", "b", "zebra"]).classes == ["a", "b", "zebra"]


def test_integer_and_float_labels_are_the_same_class():
    frame = _base()
    frame["label"] = (frame.label == "b").astype(float)
    frame["prediction"] = (frame.prediction == "b").astype(int)
    examples = build_examples(frame)
    assert examples.classes == ["0", "1"]


def test_probabilities_must_match_classes():
    frame = _base()
    frame["proba_a"] = 0.5
    frame["proba_c"] = 0.5
    with pytest.raises(weakspot.InputError, match="not among the classes"):
        build_examples(frame)


def test_probabilities_must_sum_to_one():
    frame = _base()
    frame["proba_a"] = 0.5
    frame["proba_b"] = 0.7
    with pytest.raises(weakspot.InputError, match=r"do not sum to one in 40 row\(s\)"):
        build_examples(frame)


def test_probabilities_must_be_in_unit_interval():
    frame = _base()
    frame["proba_a"] = 2.0
    frame["proba_b"] = -1.0
    with pytest.raises(weakspot.InputError, match=r"must lie in \[0, 1\]"):
        build_examples(frame)


def test_binary_score_column_becomes_two_probabilities():
    frame = _base()
    frame["score"] = np.linspace(0, 1, len(frame))
    examples = build_examples(frame)
    assert examples.proba is not None
    np.testing.assert_allclose(examples.proba[:, 1], frame.score)
    np.testing.assert_allclose(examples.proba.sum(axis=1), 1.0)


def test_id_like_metadata_column_is_left_out_with_a_note():
    frame = _base()
    frame["record_key"] = [f"key-{i}" for i in range(len(frame))]
    examples = build_examples(frame)
    assert "record_key" not in examples.metadata.columns
    assert any("record_key" in note and "left out" in note for note in examples.notes)


def test_unique_float_column_is_kept():
    frame = _base()
    frame["age"] = np.linspace(20, 80, len(frame))
    assert "age" in build_examples(frame).metadata.columns


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("label,prediction,site\na,b,S\xe3o Paulo\n".encode("latin-1"))
    with pytest.raises(weakspot.InputError, match="not UTF-8.*iconv"):
        read_table(path)


def test_file_that_is_not_a_table(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(weakspot.InputError, match="is a PNG image, not a text table"):
        read_table(path)


def test_single_column_file(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("label\na\nb\n")
    with pytest.raises(weakspot.InputError, match=r"has 1 column\(s\)"):
        read_table(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(weakspot.InputError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(weakspot.InputError, match="is a folder"):
        read_table(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(weakspot.InputError, match="is empty"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".tsv", ".jsonl"])
def test_reads_every_supported_format(tmp_path, suffix):
    frame = _base()
    path = tmp_path / f"preds{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_sensitive_column_must_exist(planted):
    with pytest.raises(weakspot.InputError, match=r"sensitive='gender' is not a metadata column"):
        weakspot.analyze(planted, sensitive=["gender"])


@pytest.mark.parametrize("text", ["str", object])
def test_repeated_ids_are_found_in_arrow_and_object_text(text):
    frame = _base()
    frame["id"] = frame["id"].astype(text)
    assert build_examples(frame).ids.tolist() == frame["id"].tolist()
    frame.loc[7, "id"] = frame.loc[30, "id"]
    with pytest.raises(weakspot.InputError, match=r"has 1 duplicated id\(s\), e.g. \['r30'\]"):
        build_examples(frame)


def test_a_table_with_a_header_and_no_rows_is_named(tmp_path):
    path = tmp_path / "preds.csv"
    path.write_text("label,prediction,site\n")
    with pytest.raises(weakspot.InputError, match=r"preds\.csv' has a header but no rows"):
        read_table(path)


def test_given_classes_without_their_probability_column_are_named():
    frame = pd.DataFrame(
        {"label": ["a", "b"] * 10, "prediction": ["a", "b"] * 10, "proba_a": 0.5, "proba_b": 0.5}
    )
    with pytest.raises(weakspot.InputError, match=r"no probability column for class\(es\) \['c'\]"):
        build_examples(frame, classes=["a", "b", "c"])
