"""A tagger's metrics against scikit-learn on random data, the intervals' coverage of the
value, and every subgroup's figures equal to the same metrics of its rows alone."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, hamming_loss, precision_recall_fscore_support

from weakspot.features import bin_features
from weakspot.metrics import (
    MULTILABEL_INTERVALS,
    multilabel_disaggregated,
    multilabel_overall,
)
from weakspot.tasks import MultiLabel, MultiLabelOutcomes


def _outcomes(truth, predicted):
    names = [f"l{j}" for j in range(truth.shape[1])]
    loss = MultiLabel().loss(truth, predicted)
    return MultiLabelOutcomes(loss=loss, label_names=names, truth=truth, predicted=predicted)


def _random(seed, n, n_labels, rate=0.3):
    rng = np.random.default_rng(seed)
    truth = rng.random((n, n_labels)) < rng.uniform(0, rate * 2, n_labels)
    flip = rng.random((n, n_labels)) < rng.uniform(0, 0.5, n_labels)
    return truth, truth ^ flip


def _none_as_nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 120),
    n_labels=st.integers(2, 6),  # one 0/1 column is a binary task to scikit-learn
)
def test_per_label_and_example_metrics_match_scikit_learn(seed, n, n_labels):
    truth, predicted = _random(seed, n, n_labels)
    result = multilabel_overall(_outcomes(truth, predicted))
    p, r, f, s = precision_recall_fscore_support(
        truth, predicted, average=None, zero_division=np.nan
    )
    per_label = result["per_label"]
    np.testing.assert_allclose(_none_as_nan([x["precision"] for x in per_label]), p)
    np.testing.assert_allclose(_none_as_nan([x["recall"] for x in per_label]), r)
    np.testing.assert_allclose(_none_as_nan([x["f1"] for x in per_label]), f)
    assert [x["support"] for x in per_label] == s.tolist()
    assert result["hamming_loss"] == pytest.approx(hamming_loss(truth, predicted))
    assert result["error_rate"] == result["hamming_loss"]
    assert result["subset_accuracy"] == pytest.approx(accuracy_score(truth, predicted))
    micro = precision_recall_fscore_support(truth, predicted, average="micro", zero_division=np.nan)
    np.testing.assert_allclose(
        _none_as_nan([result["micro"][k] for k in ("precision", "recall", "f1")]), micro[:3]
    )
    for record in per_label:
        for name in ("precision", "recall", "f1"):
            interval = record[f"{name}_ci"]
            if record[name] is not None:
                assert interval[0] - 1e-12 <= record[name] <= interval[1] + 1e-12
    low, high = result["hamming_loss_ci"]
    assert low - 1e-12 <= result["hamming_loss"] <= high + 1e-12


def test_every_figure_says_which_interval_it_has():
    result = multilabel_overall(_outcomes(*_random(0, 300, 3)))
    assert result["intervals"] == MULTILABEL_INTERVALS
    assert MULTILABEL_INTERVALS["recall"] == "wilson" and MULTILABEL_INTERVALS["f1"].startswith(
        "bootstrap"
    )


def test_the_bootstrap_intervals_are_seeded_and_shrink_with_more_rows():
    small = _outcomes(*_random(1, 200, 3))
    assert multilabel_overall(small, random_state=4) == multilabel_overall(small, random_state=4)
    large = _outcomes(*_random(1, 20_000, 3))
    width = lambda r: r["hamming_loss_ci"][1] - r["hamming_loss_ci"][0]  # noqa: E731
    assert width(multilabel_overall(large)) < width(multilabel_overall(small)) / 5


def test_the_f1_interval_covers_the_value_on_most_resamples():
    """The bootstrap from the four cells agrees with one that resamples the rows."""
    truth, predicted = _random(5, 400, 1)
    record = multilabel_overall(_outcomes(truth, predicted))["per_label"][0]
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 400, (2000, 400))
    t, p = truth[rows, 0], predicted[rows, 0]
    tp, fp, fn = (t & p).sum(1), (~t & p).sum(1), (t & ~p).sum(1)
    direct = np.quantile(2 * tp / (2 * tp + fp + fn), [0.025, 0.975])
    np.testing.assert_allclose(record["f1_ci"], direct, atol=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_subgroup_has_the_metrics_of_its_rows_alone(seed):
    truth, predicted = _random(seed, 500, 3)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"site": rng.choice(list("ABC"), 500), "age": rng.normal(40, 9, 500)})
    binned = bin_features(frame, n_bins=3)
    outcomes = _outcomes(truth, predicted)
    result = multilabel_disaggregated(binned, outcomes, sensitive=["site", "age"])
    site = [g for g in result["groups"] if g["feature"] == "site"]
    assert sorted(g["group"] for g in site) == ["site == A", "site == B", "site == C"]
    for group in site:
        rows = (frame["site"] == group["group"][-1]).to_numpy()
        alone = multilabel_overall(outcomes.take(np.flatnonzero(rows)))
        assert group["n"] == int(rows.sum())
        for key in ("subset_accuracy", "hamming_loss", "subset_accuracy_ci"):
            assert group[key] == pytest.approx(alone[key])
        for mine, theirs in zip(group["per_label"], alone["per_label"], strict=True):
            for key in ("support", "predicted", "precision", "recall", "recall_ci", "f1"):
                assert mine[key] == pytest.approx(theirs[key])
    names = [f["feature"] for f in result["features"]]
    assert names == ["site", "age", "site x age"]
    assert sum(g["n"] for g in result["groups"] if g["feature"] == "site x age") == 500


def test_a_label_missed_in_one_group_is_its_largest_significant_recall_gap():
    rng = np.random.default_rng(3)
    n = 900
    site = rng.choice(list("ABC"), n)
    truth = rng.random((n, 2)) < 0.4
    predicted = truth ^ (rng.random((n, 2)) < 0.05)
    predicted[:, 1] &= ~((site == "C") & (rng.random(n) < 0.7))  # "l1" missed at site C
    binned = bin_features(pd.DataFrame({"site": site}))
    result = multilabel_disaggregated(binned, _outcomes(truth, predicted))
    (summary,) = result["features"]
    assert summary["worst_group"] == "site == C" and summary["gap_significant"]
    gaps = {g["label"]: g for g in summary["label_gaps"]}
    assert gaps["l1"]["worst_group"] == "site == C" and gaps["l1"]["gap_significant"]
    assert gaps["l1"]["recall_gap"] > 0.5
    assert not gaps["l0"]["gap_significant"]


def test_labels_no_example_has_have_undefined_figures_not_zeros():
    truth = np.array([[1, 0], [0, 0], [1, 0]], dtype=bool)
    predicted = np.array([[1, 0], [0, 0], [0, 0]], dtype=bool)
    result = multilabel_overall(_outcomes(truth, predicted))
    empty = result["per_label"][1]
    assert (empty["support"], empty["precision"], empty["recall"], empty["f1"]) == (
        0,
        None,
        None,
        None,
    )
    assert empty["f1_ci"] is None
    assert result["macro_f1"] == pytest.approx(2 / 3)
