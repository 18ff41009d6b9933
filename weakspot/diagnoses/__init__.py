"""Diagnoses: one plug-in per cause, each testing it on a failure mode with its evidence.

Every module of this package is imported below, in name order, so that a new diagnosis is one
file: its `@register_diagnosis` class carries its cause, which is all the rest (`CAUSES`, the
schema's cause enum, the actions that serve it) reads.
"""

import importlib
import pkgutil

from weakspot.diagnoses._base import (
    CAUSES,
    DIAGNOSES,
    Diagnosis,
    DiagnosisContext,
    DiagnosisPlugin,
    Split,
    register_diagnosis,
)
from weakspot.diagnoses._evidence import mode_mask, non_label_rule
from weakspot.diagnoses._label_noise import LabelIssues, label_issues
from weakspot.diagnoses._miscalibration import expected_calibration_error
from weakspot.diagnoses._run import diagnose, diagnose_mode

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")  # each plug-in module registers itself

__all__ = [
    "CAUSES",
    "DIAGNOSES",
    "Diagnosis",
    "DiagnosisContext",
    "DiagnosisPlugin",
    "LabelIssues",
    "Split",
    "diagnose",
    "diagnose_mode",
    "expected_calibration_error",
    "label_issues",
    "mode_mask",
    "non_label_rule",
    "register_diagnosis",
]
