"""``recalibrate``: a temperature per group, and ``threshold``: a decision threshold per group.

Temperatures minimise the negative log-likelihood of the given probabilities (raised to
``1 / T`` and renormalised, equivalent to dividing log-probabilities by T) on the mode's
members and, separately, on the rest. Thresholds are the per-group thresholds of the
`threshold` diagnosis. Both are written as JSON that names the group by its rule and lists
its member ids.
"""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
from scipy.optimize import minimize_scalar

from weakspot.actions._base import Action, artifact_name, register_action
from weakspot.diagnoses import Diagnosis, DiagnosisContext, expected_calibration_error, mode_mask
from weakspot.modes import FailureMode


def fit_temperature(proba: np.ndarray, label_index: np.ndarray) -> float:
    """The temperature T in [0.05, 20] minimising the NLL of ``softmax(log(proba) / T)``."""
    logp = np.log(np.clip(proba, 1e-12, 1.0))

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1))
        return float(-(z[np.arange(len(z)), label_index] - log_norm).mean())

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))


def scaled(proba: np.ndarray, temperature: float) -> np.ndarray:
    z = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@register_action
class Recalibrate:
    kind: ClassVar[str] = "recalibrate"
    serves: ClassVar[tuple[str, ...]] = ("miscalibration",)

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        ev = context.evaluation
        if ev.proba is None or diagnosis is None:
            return None
        mask = mode_mask(mode, len(ev))
        proba = np.asarray(ev.proba, dtype=float)
        index = np.array([context.classes.index(str(y)) for y in ev.labels])
        t_in = fit_temperature(proba[mask], index[mask])
        t_out = fit_temperature(proba[~mask], index[~mask])
        correct = np.asarray(ev.errors) == 0
        before = expected_calibration_error(proba[mask].max(axis=1), correct[mask])
        after = expected_calibration_error(scaled(proba[mask], t_in).max(axis=1), correct[mask])
        relative = artifact_name(f"{mode.id}-temperature.json")
        spec = {
            "failure_mode": mode.id,
            "group_rule": mode.rule_text,
            "temperature": round(t_in, 4),
            "temperature_elsewhere": round(t_out, 4),
            "ece_before": round(before, 4),
            "ece_after": round(after, 4),
            "members": list(ev.id_text[mask]),
            "how": "softmax(log(p) / T) for the group's examples; fitted by NLL on this set",
        }
        files = {relative: json.dumps(spec, indent=2) + "\n"}
        return Action(
            id="",
            kind=self.kind,
            failure_mode=mode.id,
            cause="miscalibration",
            expected_gain={
                "errors": 0.0,
                "how": (
                    f"recalibration changes no prediction; the mode's calibration error falls "
                    f"from {before:.3f} to {after:.3f} on this set (fitted here: check on new data)"
                ),
            },
            steps=(
                f"Divide the log-probabilities of this group's examples by T = {t_in:.2f} "
                f"(the rest: {t_out:.2f}) before thresholding or reporting confidence."
            ),
            artifact=relative,
            files=files,
        )


@register_action
class GroupThreshold:
    kind: ClassVar[str] = "threshold"
    serves: ClassVar[tuple[str, ...]] = ("threshold",)

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        if diagnosis is None or "threshold" not in diagnosis.evidence:
            return None
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        relative = artifact_name(f"{mode.id}-threshold.json")
        spec = {
            "failure_mode": mode.id,
            "group_rule": mode.rule_text,
            "positive_class": context.classes[1],
            "threshold": diagnosis.evidence["threshold"],
            "threshold_elsewhere": 0.5,
            "members": list(ev.id_text[mask]),
        }
        files = {relative: json.dumps(spec, indent=2) + "\n"}
        return Action(
            id="",
            kind=self.kind,
            failure_mode=mode.id,
            cause="threshold",
            expected_gain={
                "errors": float(diagnosis.evidence["recovered_errors"]),
                "how": "errors recovered on held-out halves of the mode (threshold diagnosis)",
            },
            steps=(
                f"Predict {context.classes[1]} for this group when P >= "
                f"{diagnosis.evidence['threshold']:.2f} (0.5 elsewhere); confirm on fresh data."
            ),
            artifact=relative,
            files=files,
        )
