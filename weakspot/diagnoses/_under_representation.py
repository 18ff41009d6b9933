"""`under_representation`: the mode is rare in training, common in evaluation.

Evidence: the mode's share of the training set (its rule applied to the training features,
or the share of training points among its members' nearest neighbours) against its share
of the evaluation set. Confidence ``1 - 2 * ratio_high`` (0 once training holds at least half
the evaluation share), with `ratio_high` taken at the upper end of the training share's 95%
interval. A group with fewer than `MIN_PRESENT` training examples is absent rather than
rare (by the neighbours route: training points under 2% of what their share would put
among the members' neighbours): its confidence is halved and the summary points to
`distribution_shift`.
"""

from __future__ import annotations

from typing import ClassVar

from weakspot.diagnoses._base import (
    Diagnosis,
    DiagnosisContext,
    clip01,
    register_diagnosis,
    untested,
)
from weakspot.diagnoses._evidence import MIN_PRESENT, training_share
from weakspot.modes import FailureMode

ABSENT_RATIO = 0.02  # neighbours route: training points among a member's neighbours


@register_diagnosis
class UnderRepresentation:
    cause: ClassVar[str] = "under_representation"

    def applies(self, context: DiagnosisContext) -> bool:
        return True

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        if context.train is None:
            return untested(self.cause, "needs a training set (--train) to compare shares.")
        share = training_share(mode, context)
        if share is None:
            return untested(
                self.cause, "the mode has no rule and no embeddings place it in the training set."
            )
        if share["missing_columns"]:
            return untested(
                self.cause,
                f"the training table lacks the column(s) {share['missing_columns']} of the rule.",
            )
        confidence = clip01(1 - 2 * share["ratio_high"])
        absent = (share["route"] == "rule" and share["train_count"] < MIN_PRESENT) or (
            share["route"] == "neighbours" and share["ratio_high"] < ABSENT_RATIO
        )
        if absent:
            confidence /= 2
        ratio = share["ratio"]
        summary = (
            f"{share['train_share']['value']:.1%} of training vs {share['eval_share']:.1%} of "
            f"evaluation ({ratio:.2f}x)"
        )
        if absent:
            summary = (
                f"Almost absent from training ({share['train_count']} examples): {summary}; "
                "see distribution_shift."
            )
        elif confidence > 0:
            summary = f"Under-represented in training: {summary}."
        else:
            summary = f"Represented in training as in evaluation: {summary}."
        return Diagnosis(self.cause, confidence, summary, share)
