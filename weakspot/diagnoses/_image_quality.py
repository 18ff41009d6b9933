"""`image_quality`: the mode is defined by quality flags or extreme image properties.

Strength: the larger of the quality flag whose share rises most in the mode (share inside
minus outside) and the plain photographic property whose values are *extreme for their
class* most more often in the mode than in the rest of its classes (robust z beyond 2.5 in
the property's degraded direction, which its `PropertyDescriptor` declares: darker or
brighter, lower contrast, less sharp, noisier; a property that declares none is not
counted; see `weakspot.diagnoses._evidence.extreme_shares`). Extremity is judged against the whole
class, so a mode cut out of a class's ordinary range by a threshold on a property does not
read as a degraded picture (an earlier version compared with the class's non-members and
called such splits quality problems), and a mode that is one class does not read as a
quality problem because that class looks different. A degraded image the model never saw
in training is better explained by under-representation or shift: with a training set the
strength is scaled by ``min(1, 2 * ratio)`` (the mode's training share over its evaluation
share); without one, by 0.8, and the summary says it could not tell.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from weakspot.diagnoses._base import Diagnosis, DiagnosisContext, clip01, register_diagnosis
from weakspot.diagnoses._evidence import extreme_shares, mode_mask, training_share
from weakspot.features.images import DEGRADED_DIRECTIONS
from weakspot.modes import FailureMode


@register_diagnosis
class ImageQuality:
    cause: ClassVar[str] = "image_quality"

    def applies(self, context: DiagnosisContext) -> bool:
        # a table without images has no picture to be poor: the cause is not a candidate
        return any(kind in ("photographic", "quality") for kind in context.kinds.values())

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        extremes = extreme_shares(
            mask, ev.features, ev.labels, self.directions(context), ev.readable
        )
        plain = extremes[0] if extremes and extremes[0]["excess"] > 0 else None
        flag = self._flag(mask, context)
        strength = max(clip01(plain["excess"]) if plain else 0.0, flag[1] if flag else 0.0)
        evidence: dict[str, Any] = {
            "property": plain,
            "flag": None if flag is None else {"flag": flag[0], "excess_share": flag[1]},
            "strength": round(strength, 4),
        }
        share = training_share(mode, context) if context.train is not None else None
        if share is not None and share["ratio"] is not None and not share["missing_columns"]:
            factor = min(1.0, 2 * share["ratio"])
            evidence["training_ratio"] = share["ratio"]
            note = "" if factor >= 1 else f"; but it is rare in training ({share['ratio']:.2f}x)"
        else:
            factor, note = 0.8, "; without a training set, rarity in training is not ruled out"
        confidence = strength * factor
        what = (
            f"{plain['feature']} extreme for the class on {plain['share']:.0%} of it "
            f"({plain['share_elsewhere']:.0%} elsewhere)"
            if plain
            else "no plain property extreme for its class"
        )
        flagged = f", {flag[0]} on {flag[1]:.0%} more of it" if flag else ""
        summary = f"Image quality: {what}{flagged}{note}."
        return Diagnosis(self.cause, confidence, summary, evidence)

    @staticmethod
    def directions(context: DiagnosisContext) -> dict[str, int]:
        """Plain photographic columns -> the direction their descriptor calls degraded (-1
        lower, +1 higher, 0 either); columns that declare none are left out."""
        return {
            name: DEGRADED_DIRECTIONS[d.degraded]
            for name, d in context.descriptors.items()
            if d.degraded is not None and context.kinds.get(name) == "photographic"
        }

    def _flag(self, mask: np.ndarray, context: DiagnosisContext) -> tuple[str, float] | None:
        features = context.evaluation.features
        # an image that could not be read has every flag False: it is in neither share
        readable = context.evaluation.readable
        inside, rest = mask & readable, ~mask & readable
        if not inside.any():
            return None
        best = None
        for name in features.columns:
            if context.kinds.get(name) != "quality":
                continue
            values = features[name].astype("string").to_numpy(dtype=object) == "True"
            excess = float(values[inside].mean() - (values[rest].mean() if rest.any() else 0))
            if excess > 0 and (best is None or excess > best[1]):
                best = (name, round(excess, 4))
        return best
