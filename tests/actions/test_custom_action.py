"""The action of docs/architecture.md, registered by a user and run through analyze()."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from jsonschema import Draft202012Validator

import weakspot
from tests.conftest import planted_table
from weakspot.actions import ACTIONS, Action, register_action, serving_kinds
from weakspot.diagnoses import Diagnosis, DiagnosisContext
from weakspot.modes import FailureMode
from weakspot.report import analysis_schema

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"


class ReviewQueue:
    """The mode's failing evaluation examples, in a file for a person to look through."""

    kind: ClassVar[str] = "review_queue"
    serves: ClassVar[tuple[str, ...]] = ("under_representation",)  # the causes it addresses

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        split = context.evaluation
        wrong = mode.members[np.asarray(split.errors)[mode.members] == 1]
        path = f"actions/{mode.id}-review.csv"
        text = "id\n" + "".join(f"{i}\n" for i in split.id_text[wrong])
        gain = {"errors": 0.0, "how": "a review finds what to fix; it fixes nothing itself"}
        steps = f"Look through the {len(wrong)} failing examples before choosing a fix."
        cause = diagnosis.cause if diagnosis else "none"
        return Action("", self.kind, mode.id, cause, gain, steps, path, {path: text})


@pytest.fixture
def review_queue():
    register_action(ReviewQueue)
    yield
    ACTIONS.pop("review_queue")


def _rare_in_training():
    """The planted table, and a training table that holds only 15 rows of its failing group."""
    train = planted_table(1, n=2000).drop(columns="prediction")
    group = ((train.site == "B") & (train.age >= 60)).to_numpy()
    frame = planted_table(0, n=2000)
    return frame, train[~group | (np.cumsum(group) <= 15)]


def test_a_users_action_is_planned_written_and_valid_in_the_schema(review_queue, tmp_path):
    frame, train = _rare_in_training()
    analysis = weakspot.analyze(frame, train=train)
    (mode,) = analysis.failure_modes
    assert "review_queue" in serving_kinds("under_representation")
    (action,) = [a for a in analysis.actions if a.kind == "review_queue"]
    assert action.cause == "under_representation" and action.id in mode.actions
    wrong = frame.id.to_numpy()[mode.members][(frame.label != frame.prediction)[mode.members]]
    assert action.steps == f"Look through the {len(wrong)} failing examples before choosing a fix."
    weakspot.report.write_results(analysis, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "actions" / "F1-review.csv")
    assert written.id.tolist() == wrong.tolist() and len(wrong) > 50
    # the registration is the whole schema entry: the action kind enum now lists it
    doc = json.loads(json.dumps(analysis.to_dict()))
    assert list(Draft202012Validator(analysis_schema()).iter_errors(doc)) == []


def test_once_unregistered_the_kind_is_gone_everywhere(review_queue):
    ACTIONS.pop("review_queue")
    try:
        assert "review_queue" not in serving_kinds("under_representation")
        assert "review_queue" not in analysis_schema()["$defs"]["action_kind"]["enum"]
        frame, train = _rare_in_training()
        kinds = {a.kind for a in weakspot.analyze(frame, train=train).actions}
        assert kinds == {"collect", "reweight", "gate"}
    finally:
        register_action(ReviewQueue)  # the fixture removes it


def test_the_example_in_docs_architecture_is_this_one():
    source = inspect.getsource(ReviewQueue)
    assert f"@register_action\n{source}" in ARCHITECTURE.read_text(encoding="utf-8")
