from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import precision_recall_fscore_support

import weakspot
from tests.conftest import planted_table
from weakspot.metrics import calibration, confusion_matrix, per_class_metrics


@pytest.mark.parametrize("seed", [0, 1])
def test_per_class_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    classes = ["a", "b", "c"]
    labels = rng.choice(classes, 500).astype(object)
    predictions = np.where(rng.random(500) < 0.7, labels, rng.choice(classes, 500)).astype(object)
    p, r, f, s = precision_recall_fscore_support(
        labels, predictions, labels=classes, zero_division=0
    )
    got = per_class_metrics(labels, predictions, classes)
    np.testing.assert_allclose([g["precision"] for g in got], p)
    np.testing.assert_allclose([g["recall"] for g in got], r)
    np.testing.assert_allclose([g["f1"] for g in got], f)
    assert [g["support"] for g in got] == s.tolist()
    np.testing.assert_array_equal(
        confusion_matrix(labels, predictions, classes),
        sk_confusion(labels, predictions, labels=classes),
    )


def test_expected_calibration_error_on_a_known_case():
    # all confidences 0.9 in one bin, 60% correct: ECE = |0.6 - 0.9| = 0.3
    labels = np.array(["a"] * 6 + ["b"] * 4, dtype=object)
    proba = np.tile([0.9, 0.1], (10, 1))
    result = calibration(labels, proba, ["a", "b"], n_bins=10)
    assert result["ece"] == pytest.approx(0.3)
    full = [b for b in result["bins"] if b["count"]]
    assert len(full) == 1 and full[0]["accuracy"] == pytest.approx(0.6)


def test_perfectly_calibrated_has_zero_ece():
    labels = np.array(["a", "b"] * 50, dtype=object)
    proba = np.column_stack([(labels == "a").astype(float), (labels == "b").astype(float)])
    assert calibration(labels, proba, ["a", "b"])["ece"] == pytest.approx(0.0)


def test_disaggregated_metrics_and_fairness_match_fairlearn():
    fairlearn = pytest.importorskip("fairlearn.metrics")
    frame = planted_table(0)
    analysis = weakspot.analyze(frame, sensitive=["site", "device"])
    summary = {f["feature"]: f for f in analysis.disaggregated["features"]}
    site = summary["site"]
    y_true, y_pred = (frame.label == "dog").astype(int), (frame.prediction == "dog").astype(int)
    dp = fairlearn.demographic_parity_difference(y_true, y_pred, sensitive_features=frame.site)
    eo = fairlearn.equalized_odds_difference(y_true, y_pred, sensitive_features=frame.site)
    assert site["demographic_parity_difference"] == pytest.approx(dp)
    assert site["equalized_odds_difference"] == pytest.approx(eo)
    assert site["worst_group"] == "site == B" and site["gap_significant"]
    assert "site x device" in summary and summary["site x device"]["n_groups"] == 12
    by_group = analysis.by_group
    row = by_group[(by_group.feature == "site") & (by_group.group == "site == B")].iloc[0]
    in_b = frame.site == "B"
    assert row.n == in_b.sum()
    assert row.accuracy == pytest.approx((frame.label[in_b] == frame.prediction[in_b]).mean())
    assert row.ci_low < row.accuracy < row.ci_high


def test_metric_frame_matches_our_table():
    pytest.importorskip("fairlearn")
    frame = planted_table(1)
    analysis = weakspot.analyze(frame)
    mf = analysis.metric_frame("site")
    ours = analysis.by_group.query("feature == 'site'").set_index("group")["accuracy"]
    for group, value in mf.by_group["accuracy"].items():
        assert value == pytest.approx(ours[group])
    assert mf.overall["accuracy"] == pytest.approx(analysis.overall["accuracy"])


def test_numeric_metadata_is_grouped_by_readable_bins():
    frame = planted_table(2)
    analysis = weakspot.analyze(frame)
    age_groups = analysis.by_group.query("feature == 'age'").group.tolist()
    assert age_groups[0].startswith("age < ") and age_groups[-1].startswith("age >= ")
    assert len(age_groups) == 5


def test_a_constant_sensitive_column_is_noted_not_an_error():
    frame = planted_table(3).assign(country="FR")
    analysis = weakspot.analyze(frame, sensitive=["country", "site"])
    assert any("'country' has a single value" in note for note in analysis.notes)
    assert "country" not in {f["feature"] for f in analysis.disaggregated["features"]}
