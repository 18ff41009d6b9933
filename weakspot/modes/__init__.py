"""Failure modes: reported slices grouped by shared errors, titled by what a person can act on."""

from weakspot.features import condition_mask, rule_mask  # where a rule is applied
from weakspot.modes._kinds import KIND_ORDER, KIND_RANK, feature_kinds, rule_kind
from weakspot.modes._mechanism import mechanism_sentence
from weakspot.modes._mode import (
    FailureMode,
    ReportedSlice,
    choose_title,
    describe_by_kind,
    find_failure_modes,
    group_slices,
    title_holds,
)

__all__ = [
    "KIND_ORDER",
    "KIND_RANK",
    "FailureMode",
    "ReportedSlice",
    "choose_title",
    "condition_mask",
    "describe_by_kind",
    "feature_kinds",
    "find_failure_modes",
    "group_slices",
    "mechanism_sentence",
    "rule_kind",
    "rule_mask",
    "title_holds",
]
