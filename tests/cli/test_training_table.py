"""``--train``: the training table is read by the same inputs stage as the evaluation table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from PIL import Image
from typer.testing import CliRunner

from tests.conftest import planted_table
from weakspot.cli import app


def _analyze(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["analyze", *map(str, args), "--quiet"])
    return result.exit_code, result.output


def test_a_tabular_training_table_without_images(tmp_path):
    planted_table(1, n=1500).to_csv(tmp_path / "predictions.csv", index=False)
    train = planted_table(2, n=1200).drop(columns=["prediction"])
    train.to_csv(tmp_path / "train.csv", index=False)
    code, output = _analyze(
        tmp_path / "predictions.csv", "--train", tmp_path / "train.csv", "--out", tmp_path / "o"
    )
    assert code == 0, output
    doc = json.loads((tmp_path / "o" / "analysis.json").read_text(encoding="utf-8"))
    assert doc["config"]["train"] == 1200
    causes = {d["cause"]: d for mode in doc["failure_modes"] for d in mode["diagnoses"]}
    assert causes["under_representation"]["tested"]  # it needs the training set


def test_training_images_are_read_relative_to_the_training_table(tmp_path):
    rng = np.random.default_rng(0)
    evaluation = planted_table(1, n=300)
    train = planted_table(2, n=200).drop(columns=["prediction"])
    for name, frame in (("eval", evaluation), ("train", train)):
        folder = tmp_path / name / "pictures"
        folder.mkdir(parents=True)
        for i in range(len(frame)):
            pixels = rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.png")
        frame["image"] = [f"pictures/{i}.png" for i in range(len(frame))]
        frame.to_csv(tmp_path / name / "table.csv", index=False)
    args = [tmp_path / "eval" / "table.csv", "--embed", "none", "--out", tmp_path / "o"]
    code, output = _analyze(*args, "--train", tmp_path / "train" / "table.csv")
    assert code == 0, output
    assert "skipped" not in output
    doc = json.loads((tmp_path / "o" / "analysis.json").read_text(encoding="utf-8"))
    assert doc["config"]["train"] == 200 and doc["skipped"] == []


def test_training_images_asked_for_without_an_image_column_are_refused(tmp_path):
    planted_table(1, n=600).to_csv(tmp_path / "predictions.csv", index=False)
    train = pd.DataFrame({"label": ["cat", "dog"] * 100, "site": ["A", "B", "C", "D"] * 50})
    train.to_csv(tmp_path / "train.csv", index=False)
    code, output = _analyze(
        tmp_path / "predictions.csv",
        "--train",
        tmp_path / "train.csv",
        "--train-images",
        tmp_path,
        "--out",
        tmp_path / "o",
    )
    assert code == 2, output
    assert "In the training table" in output and "no image-path column" in output
