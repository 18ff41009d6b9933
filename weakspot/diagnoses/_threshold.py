"""`threshold` (binary tasks): a threshold of the mode's own recovers most of its errors.

The mode's members are split in two random halves; on one, the threshold on P(positive)
that makes the fewest errors is chosen (among the members' own probabilities); on the
other, the errors it recovers against the 0.5 threshold are counted, and the two halves
swap. Confidence: the recovered share of the mode's excess errors (beyond the rest's
error rate), clipped to [0, 1].
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
from weakspot.diagnoses._evidence import mode_mask
from weakspot.modes import FailureMode


def best_threshold(score: np.ndarray, positive: np.ndarray) -> float:
    """The threshold on `score` (shape (n,)) with the fewest errors against `positive`."""
    candidates = np.unique(np.r_[0.5, score])
    errors = [int(((score >= t) != positive).sum()) for t in candidates]
    return float(candidates[int(np.argmin(errors))])


@register_diagnosis
class Threshold:
    cause: ClassVar[str] = "threshold"

    def applies(self, context: DiagnosisContext) -> bool:
        return len(context.classes) == 2

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        ev = context.evaluation
        if ev.proba is None:
            return untested(self.cause, "needs class probabilities or a score.")
        mask = mode_mask(mode, len(ev))
        score = np.asarray(ev.proba)[:, 1]
        positive = np.asarray(ev.labels).astype(str) == context.classes[1]
        rows = np.flatnonzero(mask)
        rng = np.random.default_rng(context.random_state)
        half = rng.random(len(rows)) < 0.5
        recovered, thresholds = 0, []
        for fit, test in ((rows[half], rows[~half]), (rows[~half], rows[half])):
            if len(fit) < 5 or len(test) == 0:
                continue
            t = best_threshold(score[fit], positive[fit])
            thresholds.append(t)
            before = int(((score[test] >= 0.5) != positive[test]).sum())
            recovered += before - int(((score[test] >= t) != positive[test]).sum())
        errors = np.asarray(ev.errors) == 1
        rest = float(errors[~mask].mean()) if (~mask).any() else 0.0
        excess = errors[mask].sum() - rest * mask.sum()
        confidence = clip01(recovered / excess) if excess > 0 else 0.0
        threshold = best_threshold(score[rows], positive[rows]) if len(rows) else 0.5
        evidence = {
            "threshold": round(threshold, 4),
            "held_out_thresholds": [round(t, 4) for t in thresholds],
            "recovered_errors": int(recovered),
            "excess_errors": round(float(excess), 2),
        }
        summary = (
            f"A threshold of {threshold:.2f} for this group (instead of 0.5) recovers "
            f"{recovered} of its errors on held-out halves."
        )
        return Diagnosis(self.cause, confidence, summary, evidence)
