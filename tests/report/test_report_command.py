from __future__ import annotations

import json

from typer.testing import CliRunner

import weakspot
from tests.conftest import planted_table
from tests.report.fixtures import with_later_stages
from weakspot.cli import app

runner = CliRunner()


def test_report_rebuilds_the_page_from_analysis_json_alone(tmp_path):
    weakspot.write_results(weakspot.analyze(planted_table(0)), tmp_path / "full")
    only = tmp_path / "only"
    only.mkdir()
    doc = json.loads((tmp_path / "full" / "analysis.json").read_text())
    doc, verification = with_later_stages(doc)
    (only / "analysis.json").write_text(json.dumps(doc))
    (only / "verify").mkdir()
    (only / "verify" / "verification.json").write_text(json.dumps(verification))
    result = runner.invoke(app, ["report", str(only)])
    assert result.exit_code == 0, result.output
    html = (only / "report.html").read_text()
    assert "site == B and age &gt;= 60" in html and "<section id='verification'>" in html


def test_report_on_a_folder_without_analysis_exits_2(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "does not exist" in result.output
    (tmp_path / "analysis.json").write_text("{}")
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a weakspot analysis.json" in result.output


def test_the_command_line_records_how_the_analysis_was_made(tmp_path):
    table = tmp_path / "preds.csv"
    planted_table(0).to_csv(table, index=False)
    result = runner.invoke(app, ["analyze", str(table), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert "run" not in json.loads((tmp_path / "out" / "analysis.json").read_text())["config"]
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["inputs"]["table"] == str(table)
    stages = [t["stage"] for t in run["timing"]]
    assert stages[0] == "validating input" and "searching slices: lattice" in stages
    assert all(t["seconds"] >= 0 for t in run["timing"])
    html = (tmp_path / "out" / "report.html").read_text()
    # times live in run.json only: the report is the same for the same inputs and options
    assert "Time per stage" not in html and "searching slices: lattice" not in html
    assert run["started"] not in html and "input: table" in html
    outcomes = (tmp_path / "out" / "examples.csv").read_text().splitlines()
    assert outcomes[0] == "id,label,prediction,error" and len(outcomes) == 4001
