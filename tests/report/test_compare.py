from __future__ import annotations

import json

from scipy.stats import binomtest
from typer.testing import CliRunner

from weakspot.cli import app
from weakspot.report import read_analysis
from weakspot.report._outcomes import read_outcomes

runner = CliRunner()


def test_compare_counts_changes_and_tests_them(runs, tmp_path):
    result = runner.invoke(
        app, ["compare", str(runs["base"]), str(runs["worse"]), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    diff = json.loads((tmp_path / "comparison.json").read_text())
    old, new = read_outcomes(runs["base"]), read_outcomes(runs["worse"])
    wrong = (~old.error & new.error).sum()
    right = (old.error & ~new.error).sum()
    o = diff["overall"]
    assert (o["newly_wrong"], o["newly_right"]) == (wrong, right) and wrong > 50 and right == 0
    assert o["p_value"] == binomtest(int(wrong), int(wrong + right), 0.5).pvalue
    assert diff["backward_compatibility"] == (int((~old.error).sum()) - wrong) / int(
        (~old.error).sum()
    )
    assert o["delta_ci"][0] < o["delta"] < o["delta_ci"][1] and o["delta"] > 0
    assert {e["id"] for e in diff["newly_wrong"]} == set(old.index[~old.error & new.error])
    base = read_analysis(runs["base"])
    # the units compared are the failure modes when the analysis has them, else the slices
    top = (base.get("failure_modes") or base["slices"])[0]
    unit = next(u for u in diff["units"] if u["found_in"] == "old" and u["id"] == top["id"])
    assert (
        unit["n"] == top["size"]
        and unit["delta"] > 0.1
        and unit["status"] in {"persists", "vanished"}
    )
    html = (tmp_path / "comparison.html").read_text()
    assert "Newly wrong" in html and "backward compatibility" in html


def test_identical_runs_show_no_change(runs, tmp_path):
    result = runner.invoke(
        app, ["compare", str(runs["base"]), str(runs["same"]), "--out", str(tmp_path)]
    )
    diff = json.loads((tmp_path / "comparison.json").read_text())
    assert result.exit_code == 0
    assert diff["overall"]["delta"] == 0 and diff["overall"]["p_value"] == 1.0
    assert diff["backward_compatibility"] == 1.0
    assert all(u["status"] == "persists" for u in diff["units"])


def test_compare_refuses_other_examples(runs, tmp_path):
    result = runner.invoke(
        app, ["compare", str(runs["base"]), str(runs["other"]), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "not the same evaluation set" in result.output
