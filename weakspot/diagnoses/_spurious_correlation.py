"""`spurious_correlation`: in training, the mode's defining property predicts a label, and the
mode's errors go toward that label (the shortcut breaking at evaluation).

The mode's rule without its label conditions is applied to the training features. For the
label L most over-represented there: the association ``(p_low - p_out) / (1 - p_out)``, with
``p_low`` the lower end of the 95% interval of L's share inside the property and ``p_out``
L's share outside it; and the share of the mode's errors predicted as L. Confidence: their
product.

For a regressor (training and evaluation targets are numbers): the association is the
standardised difference of the training targets inside and outside the property (Cohen's d
of at most 0.2, a small effect, counts 0; 1 or more counts 1), and the errors go toward what
training taught when the mode's large errors (loss above the mean) lie on that side: over-
estimates where the property came with higher targets. A residual falls either way by chance,
so the share toward counts from one half; and a shortcut is one that breaks, so the part of
the training gap that the evaluation targets no longer show counts too (a gap evaluation shows
as well is the property's real effect, not a shortcut): confidence
``association * (2 * share - 1) * (1 - evaluation gap / training gap)``, each clipped to
[0, 1].
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
        if train.targets is not None and context.evaluation.targets is not None:
            return self._numeric(mode, context, rule, inside)
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

    def _numeric(
        self, mode: FailureMode, context: DiagnosisContext, rule: list, inside: np.ndarray
    ) -> Diagnosis:
        """A regressor's shortcut: the property came with higher (or lower) training targets,
        and the mode's large errors lean that way."""
        targets = np.asarray(context.train.targets, dtype=np.float64)  # type: ignore[union-attr]
        gap = float(targets[inside].mean() - targets[~inside].mean())
        spread = float(targets.std())
        effect = abs(gap) / spread if spread > 0 else 0.0
        association = clip01((effect - 0.2) / 0.8)
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        loss = np.asarray(ev.errors, dtype=np.float64)
        residual = np.asarray(ev.predictions, dtype=np.float64) - np.asarray(ev.targets)
        outcome = np.asarray(ev.targets, dtype=np.float64)
        now = float(outcome[mask].mean() - outcome[~mask].mean()) if (~mask).any() else gap
        broken = clip01(1 - now / gap) if gap else 0.0
        large = mask & (loss > loss.mean())
        toward = int((np.sign(residual[large]) == np.sign(gap)).sum()) if gap else 0
        errors_toward = interval(toward, int(large.sum()))
        share = errors_toward["value"] or 0.0
        confidence = association * clip01(2 * share - 1) * broken
        prop = " and ".join(c.describe() for c in rule)
        way, lean = ("higher", "over-estimate") if gap >= 0 else ("lower", "under-estimate")
        evidence = {
            "property": prop,
            "target_gap": round(gap, 6),
            "standardised_gap": round(effect, 4),
            "association": round(association, 4),
            "evaluation_gap": round(now, 6),
            "errors_toward_gap": errors_toward,
        }
        summary = (
            f"In training, examples with {prop} have targets {abs(gap):.3g} {way} on average "
            f"({effect:.2f} standard deviations; {now:+.3g} in the mode at evaluation); "
            f"{share:.0%} of the mode's large errors {lean}, toward what training taught."
        )
        return Diagnosis(self.cause, confidence, summary, evidence)
