"""Diagnoses: one plug-in per cause, each testing it on a failure mode with its evidence."""

from weakspot.diagnoses import (  # noqa: F401  (each module registers its diagnosis)
    _class_confusion,
    _distribution_shift,
    _image_quality,
    _label_noise,
    _miscalibration,
    _spurious_correlation,
    _threshold,
    _under_representation,
)
from weakspot.diagnoses._base import (
    CAUSES,
    DIAGNOSES,
    Diagnosis,
    DiagnosisContext,
    DiagnosisPlugin,
    Split,
    register_diagnosis,
)
from weakspot.diagnoses._run import diagnose, diagnose_mode

__all__ = [
    "CAUSES",
    "DIAGNOSES",
    "Diagnosis",
    "DiagnosisContext",
    "DiagnosisPlugin",
    "Split",
    "diagnose",
    "diagnose_mode",
    "register_diagnosis",
]
