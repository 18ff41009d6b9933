"""The same inputs and options give the same files, byte for byte: a report kept in a repository
or compared in CI changes only when the analysis does. Only ``run.json`` (the start time and the
time per stage) may differ between two runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import tiny_onnx
from weakspot.cli import app


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_a_rerun_writes_every_file_byte_for_byte(tmp_path, demo_table):
    pytest.importorskip("onnxruntime")
    images = Path(demo_table).parent
    demo = pd.read_csv(demo_table)
    evaluation, train = demo.iloc[:300].copy(), demo.iloc[300:]
    evaluation.loc[7, "image"] = "images/gone.png"  # one file missing: skipped and listed
    evaluation.to_csv(tmp_path / "predictions.csv", index=False)
    train.drop(columns=["prediction", *demo.filter(like="proba_").columns]).to_csv(
        tmp_path / "train.csv", index=False
    )
    # images (one of them missing), embeddings from a (tiny) backbone, a training set:
    # failure modes, their diagnoses and actions, example pictures, the files under actions/
    args = [
        "analyze",
        str(tmp_path / "predictions.csv"),
        "--images",
        str(images),
        "--embed",
        str(tiny_onnx(tmp_path / "tiny.onnx")),
        "--train",
        str(tmp_path / "train.csv"),
        "--train-images",
        str(images),
        "--sensitive",
        "camera",
        "--out",
        str(tmp_path / "out"),
        "--quiet",
    ]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    kept = _files(tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "first")
    # the second run reads its image features from the cache the first one wrote
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    again = _files(tmp_path / "out")
    assert {"analysis.json", "report.html", "summary.md", "examples.csv", "run.json"} <= set(kept)
    assert any(name.startswith("actions/") for name in kept), sorted(kept)
    assert b"gone.png" in kept["analysis.json"]
    assert sorted(again) == sorted(kept)
    changed = [name for name in kept if kept[name] != again[name] and name != "run.json"]
    assert changed == [], f"written differently on a rerun: {changed} (see {tmp_path})"
