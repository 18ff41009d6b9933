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

from weakspot.diagnoses._base import Diagnosis, DiagnosisContext
from weakspot.diagnoses._evidence import mode_mask
from weakspot.features import label_scope
from weakspot.modes import FailureMode
from weakspot.stats import ModelConfidence, beyond_expected_p_value

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


def model_confidence(context: DiagnosisContext) -> ModelConfidence | None:
    """The evaluation's `ModelConfidence`; None without probabilities or classes."""
    ev = context.evaluation
    errors = ev.errors
    if ev.proba is None or not context.classes or ev.predictions is None or errors is None:
        return None
    return ModelConfidence.of(ev.proba, ev.predictions, context.classes, errors)


def surprise_of(
    mode: FailureMode, context: DiagnosisContext, confidence: ModelConfidence
) -> Surprise:
    """`mode`'s errors against what `confidence` predicts for them; a rule that names the true
    label is read by `weakspot.features.label_scope`."""
    ev = context.evaluation
    errors = np.asarray(ev.errors, dtype=np.float64)
    mask = mode_mask(mode, len(errors))
    allowed = np.ones(len(context.classes), dtype=bool)
    rows = mask
    if any(c.feature == "label" for c in mode.rule or ()):
        allowed, rows = label_scope(mode.rule or (), ev.features, context.classes)
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
