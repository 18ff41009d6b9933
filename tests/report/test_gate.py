from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import weakspot
from weakspot.cli import app
from weakspot.report._gate import load_gate_config, run_gate

runner = CliRunner()


def test_same_model_passes_and_worse_one_fails(runs):
    same = run_gate(runs["same"], baseline=runs["base"])
    assert all(c.passed for c in same) and same[0].name == "all examples"
    worse = run_gate(runs["worse"], baseline=runs["base"])
    failed = [c for c in worse if not c.passed]
    assert failed and any("site == B" in c.name for c in failed)
    top = next(c for c in failed if "site == B" in c.name)
    assert top.value > top.baseline and top.p_value < 0.05


def test_cli_exit_codes_and_markdown(runs, tmp_path):
    ok = runner.invoke(app, ["gate", str(runs["same"]), "--baseline", str(runs["base"])])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("## weakspot gate: passed")
    bad = runner.invoke(app, ["gate", str(runs["worse"]), "--baseline", str(runs["base"])])
    # regressions are checked per failure mode (per slice for an analysis without modes)
    assert bad.exit_code == 1 and "| **FAIL** | failure mode F1: site == B" in bad.output
    mismatch = runner.invoke(app, ["gate", str(runs["other"]), "--baseline", str(runs["base"])])
    assert mismatch.exit_code == 2 and "not the same evaluation set" in mismatch.output
    nothing = runner.invoke(app, ["gate", str(runs["same"])])
    assert nothing.exit_code == 2 and "--baseline" in nothing.output
    missing = runner.invoke(app, ["gate", str(tmp_path), "--baseline", str(runs["base"])])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_a_large_min_delta_lets_a_small_regression_pass(runs):
    checks = run_gate(runs["worse"], baseline=runs["base"], min_delta=0.5)
    assert all(c.passed for c in checks)


def test_toml_limits(runs, tmp_path):
    doc_groups = weakspot.report.read_analysis(runs["base"])["disaggregated"]["groups"]
    site_b = next(g for g in doc_groups if g["feature"] == "site" and g["group"] == "site == B")
    members = weakspot.report.read_analysis(runs["base"])["slices"][0]["members"]
    (tmp_path / "F1-members.csv").write_text("id\n" + "\n".join(members) + "\n")
    config = tmp_path / "weakspot-gate.toml"
    config.write_text(
        "[overall]\nmin_accuracy = 0.80\n"
        f'[[groups]]\nfeature = "site"\ngroup = "site == B"\nmin_accuracy = {site_b["accuracy"] + 0.01}\n'
        '[[slices]]\nname = "F1: site == B"\nmembers = "F1-members.csv"\nmax_error_rate = 0.42\n'
    )
    checks = run_gate(runs["base"], config=config)
    assert [c.passed for c in checks] == [True, False, True]
    assert checks[1].value == pytest.approx(site_b["accuracy"])
    result = runner.invoke(app, ["gate", str(runs["base"]), "--config", str(config)])
    assert result.exit_code == 1 and "accuracy of site: site == B" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[overall]\nmin_acuracy = 0.8\n", "unknown key"),
        ("[overall]\nmin_accuracy = 80\n", r"share in \[0, 1\]"),
        ("[overal]\n", "unknown table"),
        ("[[slices]]\nname = 'x'\n", "needs 'members'"),
        ("[overall\n", "not valid TOML"),
    ],
)
def test_bad_config_is_an_input_error(tmp_path, text, message):
    path = tmp_path / "g.toml"
    path.write_text(text)
    with pytest.raises(weakspot.InputError, match=message):
        load_gate_config(path)


def test_unknown_group_names_the_groups(runs, tmp_path):
    config = tmp_path / "g.toml"
    config.write_text('[[groups]]\nfeature = "site"\ngroup = "Z"\nmin_accuracy = 0.5\n')
    with pytest.raises(weakspot.InputError, match="its groups are"):
        run_gate(runs["base"], config=config)


def test_markdown_cells_cannot_break_the_table_or_render_html():
    from weakspot.report._gate import Check, gate_markdown, md_cell

    assert md_cell("a | b <script>x</script> [l](javascript:x) *e*") == (
        "a \\| b \\<script\\>x\\</script\\> \\[l\\](javascript:x) \\*e\\*"
    )
    text = gate_markdown([Check("slice S1: x | <img src=x onerror=y>", "limit", False, 0.5, 0.4)])
    row = text.strip().splitlines()[-1]
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # the table's own 7 pipes, no more
    assert not re.search(r"(?<!\\)<", row) and "**FAIL**" in row
