"""``weakspot verify`` on the command line: verdict lines, the JSON, exit codes."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.verify import _planted
from weakspot.cli import app

TRAINER = """
import sys
sys.path.insert(0, {root!r})
from tests.verify._planted import fit_and_predict
"""


def test_verify_prints_one_verdict_per_action_and_writes_the_json(tmp_path):
    import pathlib

    train, evaluate = _planted.tables()
    out = _planted.results_folder(tmp_path / "res", train, evaluate)
    train.to_csv(tmp_path / "train.csv", index=False)
    evaluate.to_csv(tmp_path / "eval.csv", index=False)
    root = str(pathlib.Path(__file__).resolve().parents[2])
    (tmp_path / "trainer.py").write_text(TRAINER.format(root=root), encoding="utf-8")
    args = [
        "verify",
        str(out),
        "--train",
        str(tmp_path / "train.csv"),
        "--data",
        str(tmp_path / "eval.csv"),
    ]
    result = CliRunner().invoke(
        app, [*args, "--trainer", f"{tmp_path / 'trainer.py'}:fit_and_predict", "--action", "A1"]
    )
    assert result.exit_code == 0, result.output
    assert "A1 reweight F1: helps on F1 0.904 -> 0.990" in result.output
    assert "JTT just_train_twice:" in result.output
    assert (out / "verify" / "verification.json").is_file()
    bad = CliRunner().invoke(app, [*args, "--trainer", f"{tmp_path / 'trainer.py'}:nope"])
    assert bad.exit_code == 1 and "has no attribute 'nope'" in bad.output
    missing = CliRunner().invoke(app, ["verify", str(out), "--trainer", "x.py:f"])
    assert missing.exit_code == 2 and "needs train=" in missing.output


def test_verify_finds_the_tables_that_analyze_recorded_in_run_json(tmp_path):
    import json
    import pathlib

    train, evaluate = _planted.tables()
    out = _planted.results_folder(tmp_path / "res", train, evaluate)
    train.to_csv(tmp_path / "train.csv", index=False)
    evaluate.to_csv(tmp_path / "eval.csv", index=False)
    inputs = {"table": str(tmp_path / "eval.csv"), "train": str(tmp_path / "train.csv")}
    (out / "run.json").write_text(json.dumps({"inputs": inputs}), encoding="utf-8")
    root = str(pathlib.Path(__file__).resolve().parents[2])
    (tmp_path / "trainer.py").write_text(TRAINER.format(root=root), encoding="utf-8")
    trainer = f"{tmp_path / 'trainer.py'}:fit_and_predict"
    result = CliRunner().invoke(app, ["verify", str(out), "--trainer", trainer, "--action", "A1"])
    assert result.exit_code == 0, result.output
    assert f"--train {tmp_path / 'train.csv'} (recorded in run.json)" in result.output
    assert "A1 reweight F1: helps on F1 0.904 -> 0.990" in result.output
    # a recorded table that has since gone is not used: the message says what is needed
    (tmp_path / "train.csv").unlink()
    gone = CliRunner().invoke(app, ["verify", str(out), "--trainer", trainer])
    assert gone.exit_code == 2 and "needs train=" in gone.output


PREDICT = """
import sys
sys.path.insert(0, {root!r})
from tests.verify.test_perturb import absolute as predict
"""


def test_perturb_prints_the_conclusion_then_each_test(tmp_path):
    import json
    import pathlib

    from tests.verify.test_perturb import DARK, _evaluation_folder

    data, dark = _evaluation_folder(tmp_path, 80)
    members = data.loc[dark, "id"].tolist()
    doc = {
        "dataset": {"n_examples": 80, "classes": ["0", "1"]},
        "slices": [{"id": "S1", "members": members}],
        "failure_modes": [
            {"id": "F1", "title": "brightness < 0.25", "slices": ["S1"], "rule": [DARK]}
        ],
        "actions": [],
    }
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    root = str(pathlib.Path(__file__).resolve().parents[2])
    (tmp_path / "model.py").write_text(PREDICT.format(root=root), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "perturb",
            str(tmp_path),
            "--data",
            str(tmp_path / "eval.csv"),
            "--predict",
            f"{tmp_path / 'model.py'}:predict",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "F1 brightness < 0.25: sensitive to brightness (the property test)"
    assert lines[1].startswith("  property test: sensitive to brightness (error rate ")
    assert "written: " in result.output and (tmp_path / "verify" / "perturbation.json").exists()
