"""The task example of docs/architecture.md, registered and run through `weakspot.analyze`:
a new task is one class, and every stage reads its loss."""

import inspect
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import weakspot
from weakspot.tasks import TASKS, Classification, register_task

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"


class WithinOneGrade(Classification):
    """Grades 1 to 5, where a prediction one grade off is still right."""

    name: ClassVar[str] = "within_one_grade"

    def loss(self, targets, predictions) -> np.ndarray:
        off = np.abs(np.asarray(targets, dtype=float) - np.asarray(predictions, dtype=float))
        return (off > 1).astype(np.float64)


@pytest.fixture
def within_one_grade():
    register_task(WithinOneGrade)
    yield WithinOneGrade
    del TASKS["within_one_grade"]


def test_the_documented_example_is_this_one_word_for_word():
    assert inspect.getsource(WithinOneGrade) in ARCHITECTURE.read_text(encoding="utf-8")


def _grades(n=2000, seed=3):
    """Every site's predictions are one grade off 40% of the time; site C's are two grades off
    on 45% of its rows (the failure under the task's loss)."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["A", "B", "C", "D"], n)
    grade = rng.integers(1, 6, n)
    step = np.where(rng.random(n) < 0.4, 1, 0)
    step = np.where((site == "C") & (rng.random(n) < 0.45), 2, step)
    predicted = np.clip(grade + step * rng.choice([-1, 1], n), 1, 5)
    return pd.DataFrame({"label": grade, "prediction": predicted, "site": site})


def test_a_registered_task_defines_the_errors_every_stage_reads(within_one_grade):
    table = _grades()
    analysis = weakspot.analyze(table, task="within_one_grade", methods=["lattice"])
    off = np.abs(table["label"] - table["prediction"]).to_numpy()
    np.testing.assert_array_equal(analysis.examples.errors, (off > 1).astype(np.int8))
    assert analysis.overall["errors"] == int((off > 1).sum())
    assert analysis.slices and analysis.slices[0].slice.conditions[0].describe() == "site == C"
    doc = analysis.to_dict()
    assert doc["task"] == {"name": "within_one_grade", "unit": "example", "binary_loss": True}


def test_the_default_task_sees_the_one_grade_misses_everywhere():
    table = _grades()
    analysis = weakspot.analyze(table, methods=["lattice"])
    off = np.abs(table["label"] - table["prediction"]).to_numpy()
    assert analysis.overall["errors"] == int((off > 0).sum())
    assert analysis.to_dict()["task"]["name"] == "classification"


def test_an_unknown_task_is_refused_before_any_work():
    with pytest.raises(weakspot.InputError, match=r"task='ranker' is not a known task"):
        weakspot.analyze("no-such-file.csv", task="ranker")
