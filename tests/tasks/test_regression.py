"""The regression task: reading numbers, refusing what is not one, detecting the task, its
views, its metrics and its words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weakspot._errors import InputError
from weakspot.inputs import build_examples
from weakspot.metrics import mean_interval, regression_metrics
from weakspot.metrics._regression import mae_gap
from weakspot.tasks import (
    Regression,
    RegressionOutcomes,
    TargetColumns,
    TaskWords,
    detect_task,
    get_task,
    number,
    task_of,
)


def _table(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    target = rng.normal(50, 10, n).round(2)
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "label": target,
            "prediction": (target + rng.normal(0, 2, n)).round(2),
            "site": rng.choice(list("AB"), n),
        }
    )


@pytest.mark.parametrize("loss", ["absolute", "squared"])
def test_read_gives_the_loss_the_residual_and_both_views(loss) -> None:
    frame = _table()
    outcomes, notes = Regression(loss).read(frame, TargetColumns(), frame["id"].to_numpy())
    residual = frame["prediction"].to_numpy() - frame["label"].to_numpy()
    assert notes == []
    assert isinstance(outcomes, RegressionOutcomes) and not outcomes.binary
    np.testing.assert_allclose(outcomes.residual, residual)
    expected = np.abs(residual) if loss == "absolute" else residual**2
    np.testing.assert_allclose(outcomes.loss, expected)
    views = {v.name: v for v in outcomes.views()}
    assert set(views) == {"error", "bias"}
    assert views["bias"].two_sided and not views["error"].two_sided
    np.testing.assert_allclose(views["bias"].loss, residual)
    assert outcomes.task_options() == {"loss": loss}
    np.testing.assert_allclose(
        task_of(outcomes).loss([1.0, 2.0], [2.0, 0.0]),
        Regression(loss).loss([1.0, 2.0], [2.0, 0.0]),
    )


def test_take_keeps_every_field_in_order() -> None:
    frame = _table()
    outcomes, _ = Regression("squared").read(frame, TargetColumns(), frame["id"].to_numpy())
    part = outcomes.take(np.array([3, 1]))
    np.testing.assert_array_equal(part.targets, outcomes.targets[[3, 1]])
    np.testing.assert_array_equal(part.predictions, outcomes.predictions[[3, 1]])
    np.testing.assert_array_equal(part.loss, outcomes.loss[[3, 1]])
    assert part.loss_name == "squared"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "label",
            np.nan,
            r"'label' has 1 missing or infinite value\(s\), for example at ids \['r4'\]",
        ),
        (
            "prediction",
            np.inf,
            r"'prediction' has 1 infinite value\(s\), for example at ids \['r4'\]",
        ),
        (
            "label",
            "abc",
            r"'label' holds 1 value\(s\) that are not numbers, for example 'abc' at id r4",
        ),
    ],
)
def test_bad_values_are_refused_by_row_with_the_fix(column, value, message) -> None:
    frame = _table()
    frame[column] = frame[column].astype(object)
    frame.loc[4, column] = value
    with pytest.raises(InputError, match=message):
        build_examples(frame, task="regression")


def test_unknown_loss_is_refused_naming_both() -> None:
    with pytest.raises(
        InputError, match=r"loss='huber' is not a regression loss; choose 'absolute'"
    ):
        get_task("regression", loss="huber")


@pytest.mark.parametrize(
    ("labels", "predictions", "expected"),
    [
        (np.round(np.linspace(0, 9, 100), 2), np.linspace(0, 9, 100), "regression"),  # fractions
        (np.arange(30, dtype=float), np.arange(30, dtype=float), "regression"),  # many floats
        (np.arange(100) % 30, np.arange(100) % 30, "classification"),  # integer class ids
        (np.arange(100) % 5 * 1.0, np.arange(100) % 5 * 1.0, "classification"),  # 0.0 ... 4.0
        (np.array(["cat", "dog"] * 50), np.array(["dog", "cat"] * 50), "classification"),
    ],
)
def test_detection_reads_the_columns(labels, predictions, expected) -> None:
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    task, note = detect_task(frame, TargetColumns())
    assert task == expected
    assert (note is not None) == (expected == "regression")


def test_detected_regression_is_said_with_how_to_choose_classification() -> None:
    examples = build_examples(_table())
    assert examples.task == "regression"
    assert examples.notes[0].startswith("Assumed regression: 'label' holds 60 distinct numbers")
    assert "task='classification' (--task classification)" in examples.notes[0]
    named = build_examples(_table(), task="regression")
    assert not any(n.startswith("Assumed") for n in named.notes)


def test_loss_with_a_classifier_is_refused() -> None:
    frame = pd.DataFrame({"label": ["a", "b"] * 20, "prediction": ["a", "a"] * 20})
    with pytest.raises(
        InputError,
        match=r"loss='squared' is a regressor's option, but the label column holds classes",
    ):
        build_examples(frame, loss="squared")


def test_regression_metrics_match_their_definitions_and_are_seeded() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(0, 1, 400)
    p = y + rng.normal(0.5, 1, 400)
    first = regression_metrics(y, p, random_state=7)
    assert first == regression_metrics(y, p, random_state=7)
    assert first["mae"] == pytest.approx(np.mean(np.abs(p - y)))
    assert first["rmse"] == pytest.approx(np.sqrt(np.mean((p - y) ** 2)))
    assert first["median_absolute_error"] == pytest.approx(np.median(np.abs(p - y)))
    assert first["mean_signed_error"] == pytest.approx(np.mean(p - y))
    r2 = 1 - np.sum((p - y) ** 2) / np.sum((y - y.mean()) ** 2)
    assert first["r2"] == pytest.approx(r2)
    for name in ("mae", "rmse", "median_absolute_error", "mean_signed_error", "r2"):
        low, high = first[f"{name}_ci"]
        assert low <= first[name] <= high
    low, high = mean_interval(np.abs(p - y), random_state=7)
    assert low < first["mae"] < high


def test_constant_targets_have_no_r2() -> None:
    record = regression_metrics(np.ones(30), np.linspace(0, 2, 30))
    assert record["r2"] is None and record["r2_ci"] is None


def _gap(values: np.ndarray, codes: np.ndarray) -> dict:
    records = [
        {"group": f"g{g}", "n": int((codes == g).sum()), "mae": float(values[codes == g].mean())}
        for g in range(3)
    ]
    return mae_gap(codes, values, records, random_state=0)


def test_the_mae_gap_test_finds_a_planted_gap() -> None:
    rng = np.random.default_rng(0)
    codes = np.repeat([0, 1, 2], 200)
    gap = _gap(np.abs(rng.normal(0, 1, 600)) * np.where(codes == 2, 3.0, 1.0), codes)
    assert gap["gap_significant"] and gap["worst_group"] == "g2"
    assert gap["gap_test"] == "permutation"


def test_the_mae_gap_test_holds_its_level_on_nulls() -> None:
    codes = np.repeat([0, 1, 2], 200)
    p = [
        _gap(np.abs(np.random.default_rng(s).normal(0, 1, 600)), codes)["gap_p_value"]
        for s in range(40)
    ]
    # 40 null draws: about 2 below 0.05 at the test's level; 6 or more has chance below 1%
    assert sum(value <= 0.05 for value in p) <= 5
    assert min(p) >= 1 / 200  # a permutation p-value is never 0


@pytest.mark.parametrize(
    ("words", "args", "text"),
    [
        (
            TaskWords("regression", "absolute", False),
            (6.2, 2.0),
            "mean absolute error 6.2 vs 2.0 elsewhere",
        ),
        (
            TaskWords("regression", "squared", False),
            (40.0, 4.0),
            "mean squared error 40.0 vs 4.0 elsewhere",
        ),
        (
            TaskWords("regression", "absolute", False),
            (4.2, 0.1, "bias"),
            "over-estimates by 4.2 on average (vs +0.1 elsewhere)",
        ),
        (
            TaskWords("regression", "absolute", False),
            (-3.0, -0.05, "bias"),
            "under-estimates by 3.0 on average (vs -0.05 elsewhere)",
        ),
        (TaskWords(), (0.66, 0.23), "66% errors vs 23% elsewhere"),
    ],
)
def test_words_of_a_slice(words, args, text) -> None:
    assert words.compare(*args) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(6.24, "6.2"), (0.0312, "0.031"), (42.46, "42.5"), (1013.2, "1,013"), (0.0, "0")],
)
def test_number(value, text) -> None:
    assert number(value) == text
