"""Run every registered diagnosis on every failure mode, and weigh each by the mode's errors
beyond what the model's own probabilities predict (`weakspot.diagnoses._surprise`)."""

from __future__ import annotations

from collections.abc import Sequence

from weakspot.diagnoses._base import DIAGNOSES, Diagnosis, DiagnosisContext
from weakspot.diagnoses._surprise import (
    boundary_mechanism,
    model_confidence,
    scaled_by_surprise,
    surprise_of,
)
from weakspot.modes import FailureMode


def diagnose_mode(mode: FailureMode, context: DiagnosisContext) -> list[Diagnosis]:
    """Every applicable diagnosis of `mode`, most confident first (untested ones last)."""
    found = []
    for cause in sorted(DIAGNOSES):
        plugin = DIAGNOSES[cause]()
        if plugin.applies(context):
            found.append(plugin.diagnose(mode, context))
    return sorted(found, key=lambda d: (not d.tested, -d.confidence, d.cause))


def diagnose(modes: Sequence[FailureMode], context: DiagnosisContext) -> list[FailureMode]:
    """The failure modes with their diagnoses attached (`FailureMode.with_diagnoses`).

    With class probabilities, the confidence of each cause whose evidence is the errors
    themselves is scaled by the share of the mode's excess errors that the probabilities do not
    predict, and a mode whose errors they mostly predict, with no cause about its inputs, says
    it lies near the decision boundary (`weakspot.diagnoses._surprise`)."""
    confidence = model_confidence(context)
    out = []
    for mode in modes:
        found = diagnose_mode(mode, context)
        if confidence is not None:
            surprise = surprise_of(mode, context, confidence)
            found = sorted(
                (scaled_by_surprise(d, surprise) for d in found),
                key=lambda d: (not d.tested, -d.confidence, d.cause),
            )
            mode = boundary_mechanism(mode, surprise, found)
        out.append(mode.with_diagnoses(found))
    return out
