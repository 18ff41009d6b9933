"""`label_noise`: likely label errors concentrate in the mode (cleanlab's confident learning).

Label issues come from `cleanlab.filter.find_label_issues` with the model's probabilities,
or out-of-fold probabilities of a logistic regression on the embeddings when none are given.
Evidence on the evaluation set: the share of the mode's excess errors (beyond the rest's
error rate) that are label issues beyond the rest's issue rate. A model that fails on odd
images also disagrees confidently with their labels, so the figure is weighted by how much
the mode's images look like the rest: ``clip((0.8 - AUC) / 0.25)``, where AUC is how well a
linear model tells the mode's images from the others (0.5: indistinguishable). The training
set, when it has probabilities or embeddings, is checked the same way under the mode's rule.
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
from weakspot.diagnoses._evidence import interval, label_issues, mode_mask, separability
from weakspot.modes import FailureMode, rule_mask


@register_diagnosis
class LabelNoise:
    cause: ClassVar[str] = "label_noise"

    def applies(self, context: DiagnosisContext) -> bool:
        return True

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        ev = context.evaluation
        found = label_issues(ev, context.classes, context, "evaluation")
        if found is None:
            return untested(self.cause, "needs class probabilities or embeddings.")
        issues, _, _, source = found
        mask = mode_mask(mode, len(ev))
        errors = np.asarray(ev.errors) == 1
        rest_issue = float(issues[~mask].mean()) if (~mask).any() else 0.0
        rest_error = float(errors[~mask].mean()) if (~mask).any() else 0.0
        excess_errors = errors[mask].sum() - rest_error * mask.sum()
        excess_issues = issues[mask].sum() - rest_issue * mask.sum()
        explained = clip01(excess_issues / excess_errors) if excess_errors > 0 else 0.0
        auc = separability(mask, context, mode.id)
        looks_normal = 1.0 if auc is None else clip01((0.8 - auc) / 0.25)
        confidence = explained * looks_normal
        evidence: dict[str, Any] = {
            "source": source,
            "issue_share": interval(int(issues[mask].sum()), int(mask.sum())),
            "issue_share_elsewhere": round(rest_issue, 4),
            "excess_errors_explained": round(explained, 4),
            "image_separability_auc": None if auc is None else round(auc, 4),
        }
        train_part = self._training(mode, context)
        if train_part is not None:
            evidence["training"] = train_part
            confidence = max(explained, train_part["confidence"]) * looks_normal
        summary = (
            f"{evidence['issue_share']['value']:.0%} of the mode are likely label errors "
            f"({rest_issue:.0%} elsewhere), {explained:.0%} of its excess errors"
            + (
                f"; its images look like the rest (AUC {auc:.2f})."
                if auc is not None and looks_normal > 0.5
                else (f"; but its images differ (AUC {auc:.2f})." if auc is not None else ".")
            )
        )
        return Diagnosis(self.cause, confidence, summary, evidence)

    def _training(self, mode: FailureMode, context: DiagnosisContext) -> dict[str, Any] | None:
        train = context.train
        if train is None or not mode.rule:
            return None
        found = label_issues(train, context.classes, context, "train")
        if found is None:
            return None
        issues = found[0]
        inside = rule_mask(list(mode.rule), train.features)
        if inside.sum() < 10 or (~inside).sum() < 10:
            return None
        share_in, share_out = float(issues[inside].mean()), float(issues[~inside].mean())
        return {
            "issue_share": interval(int(issues[inside].sum()), int(inside.sum())),
            "issue_share_elsewhere": round(share_out, 4),
            "confidence": round(clip01(2 * (share_in - share_out)), 4),
        }
