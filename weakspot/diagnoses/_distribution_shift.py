"""`distribution_shift`: the mode lies outside the training data.

Two routes, the stronger counts: (1) embeddings: the share of the mode's members whose
nearest training neighbour is farther than the 99th percentile of the training rows' own
leave-one-out nearest distances, minus that share among the other evaluation rows; (2)
properties: the share of members with a distinguishing image property (class-matched effect
of at least 0.5 SD) outside the training range (0.1%-99.9% quantiles), minus that share
elsewhere. Confidence: the excess share, doubled, clipped to [0, 1].
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from weakspot.diagnoses._base import (
    Diagnosis,
    DiagnosisContext,
    clip01,
    register_diagnosis,
    untested,
)
from weakspot.diagnoses._evidence import (
    _numeric,
    class_matched_effects,
    interval,
    mode_mask,
    nearest_training_distance,
)
from weakspot.modes import FailureMode


@register_diagnosis
class DistributionShift:
    cause: ClassVar[str] = "distribution_shift"

    def applies(self, context: DiagnosisContext) -> bool:
        return True

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        if context.train is None:
            return untested(self.cause, "needs a training set (--train) to compare against.")
        mask = mode_mask(mode, len(context.evaluation))
        readable = context.evaluation.readable  # rows with an embedding and image properties
        inside, rest = mask & readable, ~mask & readable
        evidence: dict[str, Any] = {}
        excess = []
        distances = nearest_training_distance(context)
        if distances is not None and inside.any():
            limit = float(np.quantile(distances["train_own"], 0.99))
            far = distances["eval"] > limit
            evidence["embedding"] = {
                "limit": round(limit, 4),
                "outside_share": interval(int(far[inside].sum()), int(inside.sum())),
                "outside_share_elsewhere": interval(int(far[rest].sum()), int(rest.sum())),
            }
            excess.append(float(far[inside].mean() - (far[rest].mean() if rest.any() else 0)))
        outside = self._outside_range(mask, context)
        if outside is not None:
            evidence["properties"] = outside
            excess.append(outside["excess"])
        if not excess:
            return untested(self.cause, "no embeddings or image properties on both sets.")
        confidence = clip01(2 * max(excess))
        evidence["excess_outside"] = round(max(excess), 4)
        summary = (
            f"{max(excess):.0%} more of the mode than of the rest lies outside the training data"
            + ("." if confidence > 0.5 else "; the mode lies mostly within what training covers.")
        )
        return Diagnosis(self.cause, confidence, summary, evidence)

    def _outside_range(self, mask: np.ndarray, context: DiagnosisContext) -> dict | None:
        assert context.train is not None
        ev, tr = context.evaluation, context.train
        readable = ev.readable
        effects = class_matched_effects(mask, ev.features, ev.labels, context.kinds, readable)
        names = [e["feature"] for e in effects if abs(e["effect"]) >= 0.5][:3]
        names = [n for n in names if n in tr.features.columns]
        if not names:
            return None
        beyond = np.zeros(len(mask), dtype=bool)
        ranges = {}
        for name in names:
            train_values, values = _numeric(tr.features[name]), _numeric(ev.features[name])
            if train_values is None or values is None:
                continue
            low, high = np.nanquantile(train_values, [0.001, 0.999])
            beyond |= (values < low) | (values > high)
            ranges[name] = [round(float(low), 4), round(float(high), 4)]
        inside, rest = mask & readable, ~mask & readable
        if not inside.any():
            return None
        inside_share = float(beyond[inside].mean())
        rest_share = float(beyond[rest].mean()) if rest.any() else 0.0
        return {
            "training_range": ranges,
            "outside_share": interval(int(beyond[inside].sum()), int(inside.sum())),
            "outside_share_elsewhere": round(rest_share, 4),
            "excess": round(inside_share - rest_share, 4),
        }
