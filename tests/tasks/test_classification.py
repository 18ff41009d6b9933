"""The task seam: the classification task reads a table into outcomes whose loss is the one
definition of an error, and the stages refuse, with a clear error, what a task does not have."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import weakspot
from weakspot.inputs import build_examples
from weakspot.tasks import (
    TASKS,
    Classification,
    ClassificationOutcomes,
    Outcomes,
    TargetColumns,
    get_task,
)


def _table(n=40, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.choice(["cat", "dog"], n)
    predictions = np.where(rng.random(n) < 0.3, np.where(labels == "cat", "dog", "cat"), labels)
    p_dog = np.where(predictions == "dog", 0.8, 0.2)
    return pd.DataFrame(
        {
            "label": labels,
            "prediction": predictions,
            "proba_cat": 1 - p_dog,
            "proba_dog": p_dog,
            "site": rng.choice(["a", "b"], n),
        }
    )


def test_classification_is_registered_and_chosen_by_name():
    assert TASKS["classification"] is Classification
    assert isinstance(get_task("classification"), Classification)
    task = Classification()
    assert get_task(task) is task


def test_an_unknown_task_is_refused_with_the_choices():
    with pytest.raises(
        weakspot.InputError,
        match=r"task='regressor' is not a known task; choose among \['classification'",
    ):
        get_task("regressor")


def test_the_loss_is_one_where_the_prediction_is_wrong():
    frame = _table()
    outcomes, notes = Classification().read(
        frame, TargetColumns(), frame.index.astype(str).to_numpy()
    )
    assert isinstance(outcomes, ClassificationOutcomes) and notes == []
    wrong = (frame["label"] != frame["prediction"]).to_numpy()
    np.testing.assert_array_equal(outcomes.loss, wrong.astype(float))
    np.testing.assert_array_equal(outcomes.errors, wrong.astype(np.int8))
    assert outcomes.errors.dtype == np.int8 and outcomes.binary and outcomes.unit == "example"
    assert outcomes.classes == ["cat", "dog"] and outcomes.proba.shape == (40, 2)


def test_examples_read_through_the_task_and_keep_the_target_columns_out_of_the_metadata():
    frame = _table()
    examples = build_examples(frame)
    assert examples.task == "classification"
    assert list(examples.metadata.columns) == ["site"]
    np.testing.assert_array_equal(
        examples.errors, (frame["label"] != frame["prediction"]).to_numpy().astype(np.int8)
    )
    taken = examples.take(np.array([3, 1]))
    assert (
        taken.ids.tolist() == ["3", "1"]
        and taken.labels.tolist() == frame["label"][[3, 1]].tolist()
    )
    np.testing.assert_array_equal(taken.outcomes.proba, examples.proba[[3, 1]])


def test_the_targets_of_a_table_without_predictions_are_read_alone():
    frame = pd.DataFrame({"label": [1.0, 2.0, 1.0], "site": ["a", "b", "c"]})
    targets = Classification().read_targets(frame, TargetColumns(), np.array(["0", "1", "2"]))
    assert targets.tolist() == ["1", "2", "1"]


def test_a_retrained_models_predictions_are_judged_by_the_same_loss():
    loss = Classification().loss(np.array(["a", "b", "c"]), np.array(["a", "c", "c"]))
    assert loss.tolist() == [0.0, 1.0, 0.0]


@dataclass(frozen=True)
class _Scores(Outcomes):
    """A continuous outcome, as a regression task would make."""

    binary: ClassVar[bool] = False

    def take(self, rows):
        return _Scores(loss=self.loss[rows], task=self.task)


def test_a_stage_that_needs_classes_says_so_for_another_task():
    examples = build_examples(_table())
    other = weakspot.inputs.Examples(
        examples.ids, _Scores(np.linspace(0, 1, 40), task="scores"), examples.metadata
    )
    assert other.errors.dtype == np.float64
    with pytest.raises(
        weakspot.InputError,
        match="needs a classifier's labels and predictions, but the task is 'scores'",
    ):
        other.labels  # noqa: B018
