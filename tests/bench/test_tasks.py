"""The regression and multi-label benchmark of bench/tasks/ (issue 25 item 7): its draws carry
consistent ground truth, its scoring reads a slice on the rows its view covers, and its quick
path runs end to end (slow: it trains models and runs every method in a child process)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH / "tasks"))
plant = pytest.importorskip("plant")
# bench/scenarios has a run.py too (on the path through plant): load this one by its file
_spec = importlib.util.spec_from_file_location("tasks_run", BENCH / "tasks" / "run.py")
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)


@pytest.fixture(scope="module")
def diabetes():
    return {kind: plant.draw(kind, 11) for kind in plant.FAMILIES["diabetes"]}


def test_a_seed_draws_the_same_task(diabetes):
    again = plant.draw("diabetes_error", 11)
    first = diabetes["diabetes_error"]
    assert again.note == first.note
    np.testing.assert_array_equal(again.predictions, first.predictions)
    np.testing.assert_array_equal(again.planted, first.planted)
    assert not np.array_equal(plant.draw("diabetes_error", 12).predictions, first.predictions)


def test_planted_diabetes_tasks_raise_their_view_and_name_a_column(diabetes):
    for kind in ("diabetes_error", "diabetes_bias"):
        task = diabetes[kind]
        assert task.task == "regression" and not task.null
        assert 0 < task.planted.sum() < len(task.frame)
        for group in task.naming:
            assert group & set(task.frame.columns)
        bite = run._bite(task)
        assert bite["bites"], (kind, bite)
    bias = diabetes["diabetes_bias"]
    assert bias.view == "bias"
    residual = bias.residual
    # a site measured high is under-estimated there, and the other way round
    inside, outside = residual[bias.planted].mean(), residual[~bias.planted].mean()
    assert abs(inside - outside) > 0.5 * residual[~bias.planted].std()


def test_the_null_keeps_the_models_errors_and_plants_nothing(diabetes):
    null = diabetes["diabetes_null"]
    assert null.null and null.planted is None and null.naming == []
    assert null.loss.mean() > 0


def _task(planted, view="error", naming=({"site"},)):
    """A small multi-label task: 3 labels, 8 rows."""
    truth = np.array([[1, 0, 1]] * 4 + [[0, 1, 1]] * 4, dtype=bool)
    return plant.Task(
        name="t/s0",
        kind="tags_label",
        seed=0,
        task="multilabel",
        frame=pd.DataFrame({"site": list("AABBAABB")}),
        targets=truth,
        predictions=truth.copy(),
        label_names=["a", "b", "c"],
        planted=planted,
        view=view,
        naming=list(naming),
    )


def test_a_slice_is_compared_on_the_rows_its_view_covers():
    planted = np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=bool)  # site == B
    task = _task(planted, view="missed:a", naming=({"site"}, {"a"}))
    # label a's positives are rows 0-3: a slice of its misses holds site B's positives only
    result = {
        "status": "ok",
        "seconds": 1.0,
        "slices": [
            {"members": [2, 3], "features": ["site"], "view": "missed:a"},
        ],
    }
    scored = run.score(task, result)
    assert scored["found"] and scored["jaccard"] == 1.0 and scored["rank"] == 1
    assert scored["named"] and scored["right_view"]
    # the same members found on the whole table miss half the planted rows: not named a label
    result["slices"] = [{"members": [2, 3], "features": ["site"]}]
    scored = run.score(task, result)
    assert scored["jaccard"] == 0.5 and scored["found"] and not scored["named"]


def test_a_slice_past_the_top_five_is_not_found():
    planted = np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=bool)
    task = _task(planted)
    decoys = [{"members": [0], "features": ["site"]}] * 5
    result = {"status": "ok", "seconds": 1.0, "slices": [*decoys, {"members": [2, 3, 6, 7], "features": ["site"]}]}  # fmt: skip
    assert not run.score(task, result)["found"]


def test_a_failed_run_says_its_last_traceback_line():
    task = _task(None)
    result = {"status": "error", "message": "Traceback ...\n  File x\nValueError: no"}
    assert run.score(task, result)["status"] == "error: ValueError: no"


@pytest.mark.slow
def test_the_quick_path_runs_every_available_method_end_to_end(tmp_path):
    envs = BENCH / ".envs"
    methods = [m[0] for m in run.METHODS if m[1] == "ours" or (envs / m[1] / "bin").exists()]
    code = run.main(["--quick", "--methods", ",".join(methods), "--out", str(tmp_path)])
    assert code == 0
    pairs = (tmp_path / "seeds.txt").read_text().split()
    assert len(pairs) == 2 * len(run.QUICK_KINDS)
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [r["kind"] for r in records] == list(run.QUICK_KINDS)
    for r in records:
        assert "error" not in r, r.get("error")
        assert set(r["methods"]) == set(methods)
        for name, m in r["methods"].items():
            assert m["status"] == "ok", (r["task"], name, m["status"])
        if not r["kind"].endswith("_null"):
            assert r["bites"], r
    text = (tmp_path / "tables.md").read_text()
    assert "| weakspot |" in text and "Continuous / 0-1 time" in text
