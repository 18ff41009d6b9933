"""Bad predictions tables through ``weakspot analyze``: each gives exit 2 and a message that
names the problem and the fix, never a traceback, and leaves the user's files alone."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.hardening.conftest import (
    assert_refused,
    assert_untouched,
    run,
    small_table,
    snapshot,
)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _binary_score(reverse: bool) -> pd.DataFrame:
    frame = small_table().drop(columns=["id"])
    rng = np.random.default_rng(1)
    sure = rng.uniform(0.6, 0.99, len(frame))
    dog = np.where(frame.prediction == "dog", sure, 1 - sure)
    frame["score"] = 1 - dog if reverse else dog
    return frame


def _jsonl_nested() -> bytes:
    rows = small_table(40).to_dict("records")
    for row in rows:
        row["meta"] = {"camera": "A", "exposure": 1.5}
    return "\n".join(json.dumps(r) for r in rows).encode()


def _xlsx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _parquet() -> bytes:
    buffer = io.BytesIO()
    small_table(40).to_parquet(buffer)
    return buffer.getvalue()


def _modified(**changes: Callable[[pd.DataFrame], pd.DataFrame]) -> bytes:
    (change,) = changes.values()
    return _csv(change(small_table()))


# name -> (file name, bytes, extra arguments, regexes the message must hold)
CASES: dict[str, tuple[str, bytes, list[str], list[str]]] = {
    "empty file": ("p.csv", b"", [], [r"is empty", r"no header"]),
    "header only": ("p.csv", b"label,prediction\n", [], [r"no rows"]),
    "one column": ("p.csv", b"label\na\nb\n", [], [r"1 column", r"label column and a prediction"]),
    "gzip named csv": (
        "p.csv",
        gzip.compress(_csv(small_table())),
        [],
        [r"gzip-compressed", r"\.csv\.gz"],
    ),
    "xlsx named csv": ("p.csv", _xlsx_like(), [], [r"zip archive", r"export the sheet as CSV"]),
    "parquet named csv": ("p.csv", _parquet(), [], [r"Parquet file", r"\.parquet"]),
    "binary named csv": ("p.csv", b"ab\x00\x01\x02" * 50, [], [r"binary file", r"\.csv"]),
    "png named csv": ("p.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, [], [r"PNG image"]),
    "utf-16 csv": (
        "p.csv",
        small_table(30).to_csv(index=False).encode("utf-16"),
        [],
        [r"UTF-16", r"UTF-8"],
    ),
    "latin-1 csv": (
        "p.csv",
        "label,prediction\ncaf\xe9,a\nb,b\n".encode("latin-1"),
        [],
        [r"not UTF-8", r"iconv"],
    ),
    "nested jsonl": (
        "p.jsonl",
        _jsonl_nested(),
        [],
        [r"'meta' holds nested values", r"json_normalize|ignore="],
    ),
    "json scalar": ("p.json", b"42", [], [r"JSON int, not a table", r"array of\s+objects"]),
    "json array of numbers": ("p.json", b"[1, 2, 3]", [], [r"not of objects"]),
    "broken json": ("p.json", b'[{"label": "a",', [], [r"could not be read as a table"]),
    "no label column": (
        "p.csv",
        _modified(x=lambda f: f.rename(columns={"label": "truth"})),
        [],
        [r"No label column", r"Name it with"],
    ),
    "typo in --label": (
        "p.csv",
        _csv(small_table()),
        ["--label", "lable"],
        [r"Did you mean 'label'"],
    ),
    "missing label values": (
        "p.csv",
        _modified(x=lambda f: f.assign(label=f.label.where(f.index % 7 != 0))),
        [],
        [r"missing value", r"fill them in or drop"],
    ),
    "duplicated ids": (
        "p.csv",
        _modified(x=lambda f: f.assign(id="same")),
        [],
        [r"duplicated id", r"remove the duplicates"],
    ),
    "a single class": (
        "p.csv",
        _modified(x=lambda f: f.assign(label="cat", prediction="cat")),
        [],
        [r"single class", r"at least two"],
    ),
    "predictions of an unseen class": (
        "p.csv",
        _modified(x=lambda f: f.assign(prediction=np.where(f.index % 9 == 0, "fox", f.prediction))),
        [],
        [r"never seen as labels", r"--classes \["],
    ),
    "probabilities off": (
        "p.csv",
        _modified(x=lambda f: f.assign(proba_cat=0.7, proba_dog=0.7)),
        [],
        [r"do not sum to one", r"normalised"],
    ),
    "probabilities out of range": (
        "p.csv",
        _modified(x=lambda f: f.assign(proba_cat=3.0, proba_dog=-2.0)),
        [],
        [r"\[0, 1\]", r"softmax"],
    ),
    "score as text": (
        "p.csv",
        _modified(x=lambda f: f.assign(score="high")),
        [],
        [r"probability column 'score' holds text", r"probabilities in \[0, 1\]"],
    ),
    "probability as text": (
        "p.csv",
        _modified(
            x=lambda f: f.assign(proba_cat=np.where(f.index % 3, "0.5", "[/x]"), proba_dog=0.5)
        ),
        [],
        [r"probability column 'proba_cat' holds text", r"row 0"],
    ),
    "score read the wrong way round": (
        "p.csv",
        _csv(_binary_score(reverse=True)),
        [],
        [
            r"probability of 'dog'",
            r"last class in sorted order",
            r"contradicts",
            r"--positive-class 'cat'",
        ],
    ),
    "unknown positive class": (
        "p.csv",
        _csv(_binary_score(reverse=False)),
        ["--positive-class", "fox"],
        [r"--positive-class 'fox' is not one of the classes"],
    ),
    "score on three classes": (
        "p.csv",
        _modified(
            x=lambda f: f.assign(label=np.where(f.index % 5 == 0, "cow", f.label), score=0.5)
        ),
        [],
        [r"only describes a binary task", r"proba_<class>"],
    ),
    "sensitive column absent": (
        "p.csv",
        _csv(small_table()),
        ["--sensitive", "gender"],
        [r"'gender' is not a metadata column"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_table_is_a_clear_error(tmp_path: Path, case: str) -> None:
    name, data, extra, patterns = CASES[case]
    (tmp_path / name).write_bytes(data)
    before = snapshot(tmp_path)
    result = run(["analyze", tmp_path / name, "--out", tmp_path / "out", *extra])
    assert_refused(result, 2, *patterns)
    assert_untouched(before, tmp_path, created=("out",))


def test_score_the_right_way_round_is_read_and_named(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_bytes(_csv(_binary_score(reverse=False)))
    result = run(["analyze", tmp_path / "p.csv", "--out", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert any("read as the probability of 'dog'" in n for n in doc["notes"])
    assert doc["overall"]["calibration"]["ece"] < 0.3


def test_reversed_score_with_the_right_positive_class_runs(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_bytes(_csv(_binary_score(reverse=True)))
    result = run(
        ["analyze", tmp_path / "p.csv", "--out", tmp_path / "o", "--positive-class", "cat"]
    )
    assert result.exit_code == 0, result.output


def test_json_array_of_records_is_a_table(tmp_path: Path) -> None:
    records = small_table(200).to_dict("records")
    (tmp_path / "p.json").write_text(json.dumps(records))
    result = run(["analyze", tmp_path / "p.json", "--out", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert doc["dataset"]["n_examples"] == 200


def test_nested_column_can_be_left_out(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_bytes(_jsonl_nested())
    result = run(["analyze", tmp_path / "p.jsonl", "--out", tmp_path / "o", "--ignore", "meta"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_the_table_is_refused_without_reading_it(tmp_path: Path, device: str) -> None:
    result = run(["analyze", device, "--out", tmp_path / "out"])
    assert_refused(result, 2, r"not a regular file", r"Give the path of a \.csv")


def test_classes_option_lets_a_prediction_name_an_absent_class(tmp_path: Path) -> None:
    frame = small_table()
    frame["prediction"] = np.where(frame.index % 9 == 0, "fox", frame.prediction)
    (tmp_path / "p.csv").write_bytes(_csv(frame))
    args = ["--classes", "cat", "--classes", "dog", "--classes", "fox"]
    result = run(["analyze", tmp_path / "p.csv", "--out", tmp_path / "out", *args])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert doc["dataset"]["classes"] == ["cat", "dog", "fox"]
