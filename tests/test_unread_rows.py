"""Images that could not be read are rows without features, for every stage at once.

The feature stage says which rows they are (`FeatureTable.unread`); the finders, diagnoses,
actions and pictures leave them out of everything they compute from images or embeddings, so a
few bad files give a warning and a list, never a traceback from a later stage.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import weakspot
from tests.conftest import tiny_onnx
from weakspot.cli import app

BAD = {0: "truncated", 1: "empty", 2: "missing"}


def _image_table(folder: Path, n: int, seed: int, *, predictions: bool = True) -> pd.DataFrame:
    """`n` small PNG files under `folder` (dim ones fail more often) and their table; rows 0, 1
    and 2 name a truncated, an empty and a missing file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.array(["cat", "dog"])[np.arange(n) % 2]
    level = rng.uniform(0.1, 0.9, n)
    for i in range(n):
        pixels = rng.random((24, 24, 3)) * 60 + level[i] * 190
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(folder / f"{i:03d}.png")
    data = (folder / "000.png").read_bytes()
    (folder / "000.png").write_bytes(data[: len(data) // 2])
    (folder / "001.png").write_bytes(b"")
    (folder / "002.png").unlink()
    frame = pd.DataFrame({"image": [f"{i:03d}.png" for i in range(n)], "label": labels})
    frame["site"] = np.array(["a", "b", "c"])[np.arange(n) % 3]
    if predictions:
        wrong = rng.random(n) < np.where(level < 0.35, 0.6, 0.08)
        frame["prediction"] = np.where(wrong, np.where(labels == "cat", "dog", "cat"), labels)
    return frame


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_a_few_unreadable_images_with_a_backbone_and_a_training_set(tmp_path):
    pytest.importorskip("onnxruntime")
    table = _write(_image_table(tmp_path / "eval", 300, 0), tmp_path / "eval" / "predictions.csv")
    train = _image_table(tmp_path / "train", 240, 1, predictions=False)
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(table),
            "--embed",
            str(tiny_onnx(tmp_path / "tiny.onnx")),
            "--train",
            str(_write(train, tmp_path / "train" / "train.csv")),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 of 300 images were skipped" in result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text(encoding="utf-8"))
    reasons = [s["reason"] for s in doc["skipped"]]
    assert [s["index"] for s in doc["skipped"]] == [0, 1, 2]
    assert "truncated" in reasons[0] and "empty" in reasons[1] and reasons[2] == "missing file"
    assert doc["failure_modes"], "the planted dim images make a failure mode"
    causes = {d["cause"]: d for d in doc["failure_modes"][0]["diagnoses"]}
    # label noise: the nearest-neighbour head on the embeddings of the read rows ran (a NaN
    # in scikit-learn's input once), but noise images do not predict alternating labels, so
    # there is nothing to judge the labels by, and the diagnosis says so (the head and the
    # separability on unread rows: tests/diagnoses/test_label_noise.py)
    assert not causes["label_noise"]["tested"]
    assert "nearest neighbours predict" in causes["label_noise"]["summary"]
    assert causes["distribution_shift"]["evidence"]["embedding"]["outside_share"]["n"] > 0
    pictures = [p for s in doc["slices"] for group in s["examples"].values() for p in group]
    assert pictures and not {"0", "1", "2"} & {p["id"] for p in pictures}  # ids: row numbers


def test_the_unread_mask_is_the_one_every_stage_reads(tmp_path):
    frame = _image_table(tmp_path / "eval", 300, 2)
    rng = np.random.default_rng(3)
    # the caller's own embeddings are finite on every row, the unread ones too: they are
    # still rows without features, so no embedding finder makes them members
    vectors = (
        rng.normal(size=(300, 8)) + (frame["prediction"] != frame["label"]).to_numpy()[:, None]
    )
    with pytest.warns(UserWarning, match="3 of 300 images were skipped"):
        analysis = weakspot.analyze(
            frame,
            images=[str(tmp_path / "eval" / p) for p in frame["image"]],
            embeddings=vectors,
            methods=["domino", "failure_direction", "barlow", "lattice"],
            min_support=10,
        )
    features = analysis.features
    assert features.unread.tolist() == [i in BAD for i in range(300)]
    assert (features.readable == ~features.unread).all()
    member_sets = [item.slice for item in analysis.slices if item.slice.conditions is None]
    assert member_sets  # slices found in the embedding space
    for item in member_sets:
        assert not np.isin(item.members, list(BAD)).any(), item.method


def test_embeddings_with_missing_values_are_refused_by_row():
    frame = pd.DataFrame({"label": ["a", "b"] * 50, "prediction": ["a", "a"] * 50})
    vectors = np.ones((100, 4))
    vectors[[7, 40]] = np.nan
    with pytest.raises(
        weakspot.InputError, match=r"NaN or infinite values in 2 row\(s\) \(rows \[7, 40\]\)"
    ):
        weakspot.analyze(frame, embeddings=vectors)
