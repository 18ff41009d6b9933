"""`weakspot.analyze` on a regressor's table, through every output and the command line.

The planted table: the examples of site C have three times the absolute error of the rest,
and the model over-estimates by 4 where age >= 70 (a bias, which the absolute error alone
does not tell apart from noise). The analysis must detect the task and say so, find both, say
them in the task's words in analysis.json, the terminal, summary.md and report.html, diagnose
with a training table where site C is rare, count a sample's findings on every row, and let
gate and compare read the results.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import weakspot
from weakspot.cli import app
from weakspot.report import analysis_schema, write_results

N = 600


def regression_table(n: int = N, seed: int = 0, *, c_share: float = 0.25) -> pd.DataFrame:
    """Site C's absolute error is 3x the rest's; the model over-estimates by 4 from age 70."""
    rng = np.random.default_rng(seed)
    others = (1 - c_share) / 3
    site = rng.choice(list("ABCD"), n, p=[others, others, c_share, others])
    age = rng.uniform(20, 80, n).round(1)
    target = 50 + 0.5 * age + rng.normal(0, 5, n)
    noise = rng.normal(0, 1, n) * np.where(site == "C", 7.5, 2.5)
    prediction = target + noise + np.where(age >= 70, 4.0, 0.0)
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "label": target.round(2),
            "prediction": prediction.round(2),
            "site": site,
            "age": age,
        }
    )


@pytest.fixture(scope="module")
def analysis():
    return weakspot.analyze(regression_table(), embed=None)


@pytest.fixture(scope="module")
def doc(analysis):
    return analysis.to_dict()


def test_the_task_is_detected_and_said(doc) -> None:
    assert doc["task"] == {
        "name": "regression",
        "unit": "example",
        "binary_loss": False,
        "loss": "absolute",
    }
    assert doc["notes"][0].startswith("Assumed regression: 'label' holds")
    assert any("class_confusion, miscalibration, threshold" in n for n in doc["notes"])
    assert doc["dataset"]["classes"] == []


def test_metrics_have_intervals_and_the_gap_is_found(doc) -> None:
    overall = doc["overall"]
    for name in ("mae", "rmse", "median_absolute_error", "mean_signed_error", "r2"):
        low, high = overall[f"{name}_ci"]
        assert low <= overall[name] <= high
    site = next(f for f in doc["disaggregated"]["features"] if f["feature"] == "site")
    assert site["worst_group"] == "site == C" and site["gap_significant"]
    assert site["gap_test"] == "permutation"


def test_the_large_errors_and_the_bias_are_found_in_words(doc) -> None:
    by_title = {s["title"]: s for s in doc["slices"]}
    assert "site == C" in by_title
    top = by_title["site == C"]
    assert "view" not in top  # the loss itself ("error"), not written
    assert top["error_rate"] > 2.5 * top["rest_error_rate"]
    assert top["description"].startswith("Examples where site == C: mean absolute error ")
    bias = [s for s in doc["slices"] if s.get("view") == "bias"]
    assert any(s["rule"].startswith("age >=") and s["error_rate"] > 2 for s in bias), [
        (s["rule"], s.get("view")) for s in doc["slices"]
    ]
    assert any("over-estimates by" in s["description"] for s in bias)


def test_the_document_validates_against_the_schema(doc) -> None:
    errors = sorted(Draft202012Validator(analysis_schema()).iter_errors(doc), key=str)
    assert not errors, errors[0].message


def test_every_file_speaks_the_task(analysis, tmp_path) -> None:
    paths = write_results(analysis, tmp_path / "out")
    summary = paths["markdown"].read_text(encoding="utf-8")
    assert "- mean absolute error: " in summary
    assert "accuracy" not in summary
    assert "| `site == C` |" in summary and "mean absolute error" in summary
    html = paths["html"].read_text(encoding="utf-8")
    assert "mean absolute error" in html and "MAE gap" in html
    outcomes = pd.read_csv(paths["examples"])
    table = regression_table()
    np.testing.assert_allclose(
        outcomes["error"], np.abs(table["prediction"] - table["label"]), rtol=1e-12
    )


def test_the_same_inputs_give_the_same_bytes(analysis, tmp_path) -> None:
    again = weakspot.analyze(regression_table(), embed=None)
    first = write_results(analysis, tmp_path / "a")
    second = write_results(again, tmp_path / "b")
    for kind in ("json", "markdown", "html", "examples"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def test_a_training_table_diagnoses_the_rare_site(tmp_path) -> None:
    train = regression_table(2000, seed=5, c_share=0.02)
    doc = weakspot.analyze(regression_table(), embed=None, train=train).to_dict()
    mode = next(m for m in doc["failure_modes"] if m["title"] == "site == C")
    top = mode["diagnoses"][0]
    assert top["cause"] == "under_representation" and top["confidence"] > 0.5
    causes = {d["cause"] for d in mode["diagnoses"]}
    assert not causes & {"class_confusion", "miscalibration", "threshold"}
    kinds = {a["kind"] for a in doc["actions"] if a["failure_mode"] == mode["id"]}
    assert {"reweight", "gate"} <= kinds


def test_a_sample_is_counted_on_every_row() -> None:
    doc = weakspot.analyze(regression_table(), embed=None, sample=400).to_dict()
    whole = doc["dataset"]["sample"]["whole"]
    table = regression_table()
    assert whole["rows"] == N
    assert whole["errors"] == pytest.approx(np.abs(table["prediction"] - table["label"]).sum())
    site = next(s for s in doc["slices"] if s["title"] == "site == C")
    assert site["whole"]["counted"] and site["whole"]["held_out"]["verdict"] == "confirmed"
    for s in doc["slices"]:
        if s.get("view") == "bias":
            assert not s["whole"]["counted"]


def test_the_command_line_says_the_task_and_its_findings(tmp_path) -> None:
    path = tmp_path / "preds.csv"
    regression_table().to_csv(path, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["analyze", str(path), "--out", str(out), "--embed", "none"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "examples, mean absolute error " in result.output
    assert "Assumed regression" in result.output
    assert "site == C: mean absolute error " in result.output
    assert "over-estimates by " in result.output
    gate = CliRunner().invoke(
        app, ["gate", str(out), "--config", str(out / "actions" / "gate.toml")]
    )
    assert gate.exit_code == 0, gate.output
    assert "mean loss of F1" in gate.output
    compare = CliRunner().invoke(app, ["compare", str(out), str(out), "--out", str(tmp_path / "c")])
    assert compare.exit_code == 0, compare.output
    assert "Wilcoxon signed-rank p 1" in compare.output


def test_squared_loss_on_the_command_line(tmp_path) -> None:
    path = tmp_path / "preds.csv"
    regression_table().to_csv(path, index=False)
    out = tmp_path / "out"
    args = ["analyze", str(path), "--out", str(out), "--embed", "none", "--quiet"]
    result = CliRunner().invoke(app, [*args, "--task", "regression", "--loss", "squared"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert doc["task"]["loss"] == "squared"
    assert not any(n.startswith("Assumed") for n in doc["notes"])
    assert doc["slices"][0]["description"].count("mean squared error") == 1


def test_loss_with_classification_is_refused_in_flag_words(tmp_path) -> None:
    path = tmp_path / "preds.csv"
    regression_table().to_csv(path, index=False)
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(path),
            "--out",
            str(tmp_path / "o"),
            "--task",
            "classification",
            "--loss",
            "squared",
        ],
    )
    assert result.exit_code == 2
    assert "--loss 'squared' is a regressor's option, but --task 'classification'" in result.output


def test_a_gate_limit_of_the_other_task_is_refused(tmp_path) -> None:
    out = tmp_path / "out"
    write_results(weakspot.analyze(regression_table(), embed=None), out)
    config = tmp_path / "gate.toml"
    config.write_text("[overall]\nmin_accuracy = 0.9\n", encoding="utf-8")
    with pytest.raises(weakspot.InputError, match=r"the analysis is a regressor's: use max_mae"):
        weakspot.report.run_gate(out, config=config)
    config.write_text("[overall]\nmax_mae = 2.0\n", encoding="utf-8")
    (check,) = weakspot.report.run_gate(out, config=config)
    assert check.name == "overall MAE" and not check.passed


@pytest.mark.slow
def test_a_parquet_folder_on_dask_gives_numpys_result(tmp_path, dask_client) -> None:
    table = regression_table()
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(3):
        table.iloc[i * 200 : (i + 1) * 200].to_parquet(folder / f"part-{i}.parquet")
    here = weakspot.analyze(table, embed=None).to_dict()
    there = weakspot.analyze(folder, embed=None, engine="dask", client=dask_client).to_dict()
    here.pop("config"), there.pop("config")
    # the same document; a q-value may differ in its last digits between the engines (the
    # search's sums are added in another order on the cluster), so numbers are compared to
    # 1e-9 relative
    assert _close(here, there)


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_close, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return a == b


def test_images_are_read_and_pictured(tmp_path) -> None:
    from PIL import Image

    table = regression_table(240)
    rng = np.random.default_rng(0)
    for i, site in enumerate(table["site"]):
        level = 60 if site == "C" else 180
        pixels = np.clip(rng.normal(level, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(tmp_path / f"{i}.png")
    table["image"] = [f"{i}.png" for i in range(len(table))]
    path = Path(tmp_path / "preds.csv")
    table.to_csv(path, index=False)
    analysis = weakspot.analyze(path, embed=None, cache=False)
    doc = analysis.to_dict()
    assert doc["config"]["images"]
    pictured = [s for s in doc["slices"] if s.get("examples")]
    assert pictured
    inside = pictured[0]["examples"]["inside"]
    assert inside and all(float(r["label"]) == pytest.approx(float(r["label"])) for r in inside)
    write_results(analysis, tmp_path / "out")
