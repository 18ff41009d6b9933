from __future__ import annotations

import json

import pytest
import typer
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


def test_every_analyze_parameter_has_a_flag_of_the_same_name():
    import inspect

    import weakspot

    command = typer.main.get_command(app).commands["analyze"]  # type: ignore[attr-defined]
    flags = {p.name for p in command.params if p.param_type_name == "option"}
    wanted = set(inspect.signature(weakspot.analyze).parameters) - {"data", "progress"}
    assert wanted <= flags, sorted(wanted - flags)
    assert flags - wanted == {"out", "quiet"}


def test_a_library_error_names_the_flag_on_the_command_line(tmp_path):
    table = tmp_path / "preds.csv"
    planted_table(0).to_csv(table, index=False)
    result = runner.invoke(app, ["analyze", str(table), "--sensitive", "gender"])
    assert result.exit_code == 2
    assert "--sensitive 'gender' is not a metadata column" in result.output
    assert "sensitive=" not in result.output


def test_finder_options_reach_the_finder(tmp_path):
    table = tmp_path / "preds.csv"
    planted_table(0).to_csv(table, index=False)
    out = tmp_path / "out"
    args = ["analyze", str(table), "--out", str(out), "--methods", "lattice"]
    result = runner.invoke(app, [*args, "--finder-option", "lattice.max_level=1", "-q"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["config"]["max_level"] == 1
    assert all(len(s["predicate"]) == 1 for s in doc["slices"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("lattice.depth=2", "Finder 'lattice' has no option 'depth'"),
        ("lattice.max_level=two", "Option 'max_level' takes a int"),
        ("tree.max_depth=2", "Unknown slice finder 'tree'"),
        ("max_level=2", "is not FINDER.OPTION=VALUE"),
    ],
)
def test_bad_finder_options_exit_2_with_a_message(tmp_path, option, message):
    table = tmp_path / "preds.csv"
    planted_table(0).to_csv(table, index=False)
    result = runner.invoke(app, ["analyze", str(table), "--finder-option", option])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
