"""`miscalibration`: the mode's probabilities are off (calibration error, confident errors).

Evidence: the expected calibration error (15 equal-width bins of the top probability) in
the mode and elsewhere, with a bootstrap 95% interval for the mode's, and the share of the
mode's errors made with a top probability of at least 0.8. Recalibrating changes no
prediction, so miscalibration explains no error: its confidence is at most 0.5,
``0.5 * clip((ECE_low - ECE_rest) / 0.2)`` with ECE_low the interval's lower end.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from weakspot.diagnoses._base import (
    Diagnosis,
    DiagnosisContext,
    clip01,
    register_diagnosis,
    untested,
)
from weakspot.diagnoses._evidence import interval, mode_mask
from weakspot.modes import FailureMode

N_BINS = 15


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray) -> float:
    """ECE over `N_BINS` equal-width bins of `confidence` (shape (n,)); `correct` is bool."""
    if len(confidence) == 0:
        return 0.0
    bins = np.minimum((confidence * N_BINS).astype(int), N_BINS - 1)
    total = 0.0
    for b in np.unique(bins):
        rows = bins == b
        total += rows.sum() * abs(confidence[rows].mean() - correct[rows].mean())
    return float(total / len(confidence))


@register_diagnosis
class Miscalibration:
    cause: ClassVar[str] = "miscalibration"

    def applies(self, context: DiagnosisContext) -> bool:
        return bool(context.classes)  # a task without classes has no class probabilities

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        ev = context.evaluation
        if ev.proba is None:
            return untested(self.cause, "needs class probabilities.")
        mask = mode_mask(mode, len(ev))
        top = np.asarray(ev.proba).max(axis=1)
        correct = np.asarray(ev.errors) == 0
        ece_in = expected_calibration_error(top[mask], correct[mask])
        ece_out = expected_calibration_error(top[~mask], correct[~mask])
        rng = np.random.default_rng(context.random_state)
        rows = np.flatnonzero(mask)
        boot = [
            expected_calibration_error(top[pick], correct[pick])
            for pick in (rng.choice(rows, len(rows)) for _ in range(200))
        ]
        low, high = np.quantile(boot, [0.025, 0.975])
        wrong = mask & ~correct
        confident = interval(int((top[wrong] >= 0.8).sum()), int(wrong.sum()))
        confidence = 0.5 * clip01((low - ece_out) / 0.2)
        evidence = {
            "ece": round(ece_in, 4),
            "ece_ci": [round(float(low), 4), round(float(high), 4)],
            "ece_elsewhere": round(ece_out, 4),
            "confident_error_share": confident,
        }
        summary = (
            f"Calibration error {ece_in:.2f} in the mode vs {ece_out:.2f} elsewhere; "
            f"{confident['value'] or 0:.0%} of its errors are made with probability >= 0.8."
        )
        return Diagnosis(self.cause, confidence, summary, evidence)
