"""Surprise, not boundary: causes whose evidence is the errors are weighed by the errors beyond
what the model's own probabilities predict; a mode at the boundary says so."""

import numpy as np
import pandas as pd

import weakspot


def _boundary_and_clinic(seed: int, n: int = 4000):
    """A calibrated logistic model on x1: every row with |x1| small is a coin flip (the
    boundary), and clinic k9's labels are inverted with the model confident (a real failure)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0, 1, n)
    clinic = rng.choice([f"k{i}" for i in range(10)], n)
    p1 = 1 / (1 + np.exp(-4 * x1))
    label = (rng.random(n) < p1).astype(int)
    inverted = (clinic == "k9") & (np.abs(x1) > 0.5)
    label = np.where(inverted, 1 - (p1 > 0.5), label)
    prediction = (p1 > 0.5).astype(int)
    return pd.DataFrame(
        {
            "label": label,
            "prediction": prediction,
            "proba_0": 1 - p1,
            "proba_1": p1,
            "x1": x1.round(4),
            "clinic": clinic,
        }
    )


def test_label_cut_slices_at_the_boundary_say_so_and_invent_no_cause():
    """`label == 0 and x1 >= 0.02` fails on every row by construction; a calibrated model's
    probabilities predict those errors, so threshold, label noise and miscalibration are
    discounted by what is left, and the mechanism says "near the decision boundary"."""
    table = _boundary_and_clinic(0)
    analysis = weakspot.analyze(table, methods=["lattice"])
    assert analysis.failure_modes
    for mode in analysis.failure_modes:
        if "k9" in mode.title:
            continue  # the clinic, confidently wrong: its own mode (test below)
        assert mode.mechanism.startswith("near the decision boundary"), mode.mechanism
        scaled = [d for d in mode.diagnoses if "beyond_confidence" in d.evidence]
        assert {d.cause for d in scaled} >= {"label_noise", "miscalibration"}
        for d in scaled:
            assert d.evidence["beyond_confidence"]["share_beyond_confidence"] < 0.25
            assert d.confidence < 0.3, (mode.title, d.cause, d.confidence)


def test_a_confidently_wrong_clinic_is_not_discounted():
    """Alone, the inverted clinic's errors are far beyond what the probabilities predict."""
    from weakspot.diagnoses._base import DiagnosisContext, Split
    from weakspot.diagnoses._surprise import model_confidence, surprise_of
    from weakspot.modes import FailureMode

    table = _boundary_and_clinic(1)
    labels = table["label"].astype(str).to_numpy()
    predictions = table["prediction"].astype(str).to_numpy()
    proba = table[["proba_0", "proba_1"]].to_numpy()
    split = Split(table[["x1", "clinic"]], labels, predictions, proba, None, None)
    context = DiagnosisContext(split, ["0", "1"], {"x1": "metadata", "clinic": "metadata"}, {})
    members = np.flatnonzero(table["clinic"] == "k9")
    errors = labels != predictions
    mode = FailureMode(
        "F1", "clinic == k9", None, "metadata", 1.0, "", ("S1",), members,
        int(errors[members].sum()), float(errors[members].mean()), float(errors.mean()),
    )  # fmt: skip
    surprise = surprise_of(mode, context, model_confidence(context))
    assert surprise.share > 0.8 and surprise.p_value < 1e-6
    assert surprise.expected < 0.3 * surprise.observed


def test_the_confidently_wrong_clinic_outranks_the_decision_boundary():
    """Ranked by errors beyond the model's probabilities, clinic k9 (70% wrong, confident) is
    the first slice and leads the first failure mode; the label-cut boundary slices, wrong on
    every row by construction, come after it and say they are near the boundary."""
    for seed in (0, 1):
        analysis = weakspot.analyze(_boundary_and_clinic(seed), methods=["lattice"])
        first = analysis.slices[0].slice
        assert first.rule() == "clinic == k9", [s.slice.rule() for s in analysis.slices]
        assert first.stats.beyond_confidence > 150
        assert analysis.failure_modes[0].title == "clinic == k9"
        boundary = [m for m in analysis.failure_modes[1:] if "k9" not in m.title]
        assert boundary and all(
            m.mechanism.startswith("near the decision boundary") for m in boundary
        )
        record = analysis.to_dict()["slices"][0]
        assert record["beyond_confidence"] == first.stats.beyond_confidence
