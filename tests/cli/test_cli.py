from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import planted_table
from weakspot.cli import app
from weakspot.datasets import fashion_mnist_available

runner = CliRunner()


def test_analyze_writes_three_files_and_prints_the_top_slice(tmp_path):
    table = tmp_path / "preds.csv"
    planted_table(0).to_csv(table, index=False)
    result = runner.invoke(
        app, ["analyze", str(table), "--out", str(tmp_path / "out"), "--sensitive", "site"]
    )
    assert result.exit_code == 0, result.output
    assert "site == B and age" in result.output
    for name in ("analysis.json", "report.html", "summary.md"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_bad_column_exits_2_with_a_message(tmp_path):
    table = tmp_path / "preds.csv"
    planted_table(0).to_csv(table, index=False)
    result = runner.invoke(app, ["analyze", str(table), "--label", "lable"])
    assert result.exit_code == 2
    assert "Did you mean 'label'" in result.output
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_unknown_option_is_a_usage_error():
    result = runner.invoke(app, ["analyze", "x.csv", "--no-such-flag"])
    assert result.exit_code == 2


def test_help_shows_examples():
    result = runner.invoke(app, ["analyze", "--help"])
    assert result.exit_code == 0
    assert "weakspot analyze predictions.csv --out results/" in result.output


@pytest.mark.skipif(not fashion_mnist_available(), reason="needs Debian's dataset-fashion-mnist")
def test_demo_on_real_fashion_mnist_finds_the_dark_camera(tmp_path):
    result = runner.invoke(
        app, ["demo", "--out", str(tmp_path), "--embed", "none", "--n-images", "2000"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "analysis.json").read_text())
    assert doc["dataset"]["n_examples"] == 2000
    rules = [s["rule"] for s in doc["slices"][:3]]
    assert any(
        w in r for r in rules for w in ("camera == C", "brightness <", "clipping <", "contrast <")
    ), rules
