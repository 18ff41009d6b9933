"""Run every registered diagnosis on every failure mode."""

from __future__ import annotations

from collections.abc import Sequence

from weakspot.diagnoses._base import DIAGNOSES, Diagnosis, DiagnosisContext
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
    """The failure modes with their diagnoses attached (`FailureMode.with_diagnoses`)."""
    return [mode.with_diagnoses(diagnose_mode(mode, context)) for mode in modes]
