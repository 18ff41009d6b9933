"""Errors beyond what the model's own confidence predicts: surprise, not the decision boundary.

Every classifier errs near its decision boundary, and a group of rows the model is unsure
about fails more than the rest without any cause to fix. With class probabilities, each row's
expected error is ``1 - P(predicted class)``, rescaled so that the expected errors of the whole
evaluation equal its observed errors (a model that is over- or under-confident everywhere is
judged by how it ranks its rows, not by its overall calibration). A mode's *surprise share* is
the part of its excess errors (beyond the rest's error rate) that its own probabilities do not
predict::

    share = clip((observed - expected) / (observed - rest_rate * size), 0, 1)

A confidently wrong subgroup has share near 1; a group at the boundary near 0. The causes
whose evidence is the errors themselves (`SCALED_CAUSES`: a threshold that recovers them, labels
the model disagrees with, a training association with the label, probabilities off) are scaled
by the share: every boundary shows them, so a mode whose errors the confidences explain gets no
invented cause. The causes whose evidence is the inputs (dark or blurred images, a group rare
in training or shifted) stand as measured: a model unsure on dark images is honest, and the
images are still dark. When the share is low and no such cause stands, the mechanism says the
mode lies near the decision boundary. Without probabilities nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from weakspot.diagnoses._base import Diagnosis, DiagnosisContext
from weakspot.diagnoses._evidence import mode_mask
from weakspot.modes import FailureMode, rule_mask
from weakspot.stats import beyond_expected_p_value

# causes whose evidence is the errors themselves, which every decision boundary shows
SCALED_CAUSES = frozenset({"label_noise", "miscalibration", "spurious_correlation", "threshold"})
# below this share the mode's errors are mostly what its probabilities predict
BOUNDARY_SHARE = 0.25
# ... and it lies near the boundary unless a cause of another kind is at least this confident
STANDING_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Surprise:
    """A mode's errors against what the model's probabilities predict.

    Attributes
    ----------
    observed : int
        The mode's errors.
    expected : float
        The errors its rows' probabilities predict (globally rescaled).
    share : float
        The part of the mode's excess errors beyond the expected ones, in [0, 1].
    p_value : float
        One-sided normal test that the errors exceed the expected (Poisson-binomial variance).
    """

    observed: int
    expected: float
    share: float
    p_value: float

    def to_dict(self) -> dict[str, float]:
        return {
            "observed_errors": self.observed,
            "expected_errors": round(self.expected, 2),
            "share_beyond_confidence": round(self.share, 4),
            "p_value": float(f"{self.p_value:.4g}"),
        }


@dataclass(frozen=True)
class Confidence:
    """The model's probabilities as the surprise needs them, for every evaluation row.

    Attributes
    ----------
    proba : ndarray of float, shape (n, n_classes)
        Class probabilities, rescaled by `scale`.
    predicted : ndarray of int, shape (n,)
        Column of each row's prediction (-1 for a class outside `classes`).
    scale : float
        Observed errors over the errors the raw probabilities predict, on all rows.
    """

    proba: np.ndarray
    predicted: np.ndarray
    scale: float

    def expected(self, allowed: np.ndarray) -> np.ndarray:
        """Each row's probability of an error whose true class is in `allowed` (bool, shape
        (n_classes,)): the probability of those classes other than the predicted one, shape
        (n,). With every class allowed, ``1 - P(predicted class)``."""
        rows = np.arange(len(self.predicted))
        own = self.proba[rows, np.maximum(self.predicted, 0)]
        own = np.where((self.predicted >= 0) & allowed[np.maximum(self.predicted, 0)], own, 0.0)
        return np.clip(self.proba[:, allowed].sum(axis=1) - own, 0.0, 1.0)


def model_confidence(context: DiagnosisContext) -> Confidence | None:
    """The evaluation's `Confidence`; None without probabilities or classes."""
    ev = context.evaluation
    if ev.proba is None or not context.classes or ev.predictions is None:
        return None
    proba = np.asarray(ev.proba, dtype=np.float64)
    column = {c: j for j, c in enumerate(context.classes)}
    predicted = np.array([column.get(str(p), -1) for p in ev.predictions], dtype=np.int64)
    raw = Confidence(proba, predicted, 1.0).expected(np.ones(proba.shape[1], dtype=bool))
    observed = float(np.asarray(ev.errors, dtype=np.float64).sum())
    total = float(raw.sum())
    scale = observed / total if total > 0 else 1.0
    return Confidence(np.clip(proba * scale, 0.0, 1.0), predicted, scale)


def surprise_of(mode: FailureMode, context: DiagnosisContext, confidence: Confidence) -> Surprise:
    """`mode`'s errors against what `confidence` predicts for them.

    A rule that names the true label (``label == 0 and x1 >= 0.02``) selects errors by their
    label: there the prediction is wrong by construction, and what the probabilities predict is
    the errors of those classes among the rows of the rest of the rule: the probability of the
    named classes (other than the predicted one) summed over those rows. A well-calibrated
    model near its boundary then predicts its label-cut slices exactly.
    """
    ev = context.evaluation
    errors = np.asarray(ev.errors, dtype=np.float64)
    mask = mode_mask(mode, len(errors))
    label_conditions = [c for c in mode.rule or () if c.feature == "label"]
    allowed = np.ones(len(context.classes), dtype=bool)
    rows = mask
    if label_conditions:
        classes = pd.DataFrame({"label": list(context.classes)})
        allowed = rule_mask(label_conditions, classes)
        others = [c for c in mode.rule or () if c.feature != "label"]
        rows = rule_mask(others, ev.features) if others else np.ones(len(errors), dtype=bool)
    expected = confidence.expected(allowed)[rows]
    observed = float(errors[mask].sum())
    predicted = float(expected.sum())
    rest = float(errors[~mask].mean()) if (~mask).any() else 0.0
    excess = observed - rest * int(mask.sum())
    share = float(np.clip((observed - predicted) / excess, 0.0, 1.0)) if excess > 0 else 0.0
    p = beyond_expected_p_value(observed, expected)
    return Surprise(int(observed), predicted, share, p)


def scaled_by_surprise(diagnosis: Diagnosis, surprise: Surprise) -> Diagnosis:
    """`diagnosis` with its confidence scaled by the surprise share and the figures in its
    evidence, for the `SCALED_CAUSES`; others and untested causes unchanged."""
    if not diagnosis.tested or diagnosis.cause not in SCALED_CAUSES:
        return diagnosis
    evidence = {**diagnosis.evidence, "beyond_confidence": surprise.to_dict()}
    if surprise.share >= 1 or diagnosis.confidence == 0:
        return replace(diagnosis, evidence=evidence)
    summary = (
        f"{diagnosis.summary} Only {surprise.share:.0%} of the mode's excess errors are beyond "
        "what the model's own probabilities predict, and the confidence is scaled by it."
    )
    return replace(
        diagnosis,
        confidence=diagnosis.confidence * surprise.share,
        summary=summary,
        evidence=evidence,
    )


def boundary_mechanism(
    mode: FailureMode, surprise: Surprise, diagnoses: list[Diagnosis]
) -> FailureMode:
    """`mode` with "near the decision boundary" leading its mechanism when its probabilities
    predict most of its excess errors (share below `BOUNDARY_SHARE`) and no cause outside
    `SCALED_CAUSES` reaches `STANDING_CONFIDENCE` (class confusion is the boundary's own
    name for it)."""
    standing = [
        d
        for d in diagnoses
        if d.tested and d.cause not in SCALED_CAUSES and d.confidence >= STANDING_CONFIDENCE
    ]
    if surprise.share >= BOUNDARY_SHARE or standing:
        return mode
    lead = (
        f"near the decision boundary: the model's own probabilities predict "
        f"{surprise.expected:.0f} of its {surprise.observed} errors"
    )
    mechanism = f"{lead}; {mode.mechanism}" if mode.mechanism else lead
    return replace(mode, mechanism=mechanism)
