"""`spurious_correlation`: in training, the mode's defining property predicts a label, and the
mode's errors go toward that label (the shortcut breaking at evaluation).

The mode's rule without its label conditions is applied to the training features. For the
label L most over-represented there: the association ``(p_low - p_out) / (1 - p_out)``, with
``p_low`` the lower end of the 95% interval of L's share inside the property and ``p_out``
L's share outside it; and the share of the mode's errors predicted as L. Confidence: their
product.
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
from weakspot.diagnoses._evidence import interval, mode_mask, non_label_rule
from weakspot.modes import FailureMode, rule_mask


@register_diagnosis
class SpuriousCorrelation:
    cause: ClassVar[str] = "spurious_correlation"

    def applies(self, context: DiagnosisContext) -> bool:
        return True

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        if context.train is None:
            return untested(self.cause, "needs a training set (--train) to see what it taught.")
        rule = non_label_rule(mode)
        if not rule:
            return untested(self.cause, "the mode has no property other than the label to test.")
        train = context.train
        if {c.feature for c in rule} - set(train.features.columns):
            return untested(self.cause, "the training table lacks a column of the mode's rule.")
        inside = rule_mask(rule, train.features)
        if inside.sum() < 5 or (~inside).sum() < 5:
            return Diagnosis(
                self.cause,
                0.0,
                f"Too few training examples with the property ({int(inside.sum())}) to test.",
                {"train_count": int(inside.sum())},
            )
        labels = np.asarray(train.labels).astype(str)
        classes, counts = np.unique(labels[inside], return_counts=True)
        share_in = counts / inside.sum()
        share_out = np.array([(labels[~inside] == c).mean() for c in classes])
        k = int(np.argmax(share_in - share_out))
        target = str(classes[k])
        lower = interval(int(counts[k]), int(inside.sum()))
        association = clip01((lower["ci"][0] - share_out[k]) / max(1e-9, 1 - share_out[k]))
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        wrong = mask & (np.asarray(ev.errors) == 1)
        toward = int((np.asarray(ev.predictions)[wrong].astype(str) == target).sum())
        errors_toward = interval(toward, int(wrong.sum()))
        confidence = association * (errors_toward["value"] or 0.0)
        evidence = {
            "property": " and ".join(c.describe() for c in rule),
            "label": target,
            "label_share_with_property": lower,
            "label_share_without": round(float(share_out[k]), 4),
            "association": round(association, 4),
            "errors_toward_label": errors_toward,
        }
        summary = (
            f"In training, {lower['value']:.0%} of examples with {evidence['property']} are "
            f"{target} ({share_out[k]:.0%} without); {errors_toward['value'] or 0:.0%} of the "
            f"mode's errors predict {target}."
        )
        return Diagnosis(self.cause, confidence, summary, evidence)
