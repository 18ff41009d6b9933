"""``reweight``: sample weights for the training set that upweight the mode's look-alikes,
and ``group_file``: a group id per training row for group-robust training (group DRO).

Look-alikes are the training rows under the mode's rule (for a member-set mode: the
training rows nearest its members in embedding space). Their weight is the evaluation share
over the training share, capped at `MAX_WEIGHT`; other rows keep weight 1. The expected gain is
the diagnosis-scaled one times the weights' reach, ``min(1, weight * training share /
evaluation share)``: ten look-alikes weighed 10 stand for a hundred training examples, not for
the evaluation's share of them, however many that is. With images, the reach is also scaled by
how much the look-alikes look like the mode (their reproduction in the mode's property space,
`weakspot.actions._reproduce.ModeLook`): training images that share a rule's threshold with
the mode (naturally dark garments) need not share its look (under-exposed ones). For a spurious
correlation the group file crosses "has the property" with the label, so that a group-robust
loss weighs the rare combinations (the property without its usual label).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from weakspot.actions._base import Action, artifact_name, gain_action, register_action
from weakspot.actions._reproduce import look_of
from weakspot.diagnoses import Diagnosis, DiagnosisContext, non_label_rule
from weakspot.modes import FailureMode, rule_mask

MAX_WEIGHT = 10.0


def look_alikes(mode: FailureMode, context: DiagnosisContext, k: int = 5) -> np.ndarray | None:
    """Training rows like the mode's members, bool of shape (n_train,), or None; by embedding,
    only rows with one (`Split.readable`) are compared."""
    train = context.train
    if train is None:
        return None
    if mode.rule:
        return rule_mask(list(mode.rule), train.features)
    if train.embeddings is None or context.evaluation.embeddings is None:
        return None
    from sklearn.neighbors import NearestNeighbors

    ev = context.evaluation
    usable = np.flatnonzero(train.readable)
    members = np.asarray(mode.members, dtype=np.int64)
    members = members[ev.readable[members]]
    if len(usable) == 0 or len(members) == 0:
        return None
    vectors = np.asarray(train.embeddings, dtype=np.float32)[usable]
    index = NearestNeighbors(n_neighbors=min(k, len(usable))).fit(vectors)
    _, found = index.kneighbors(np.asarray(ev.embeddings, dtype=np.float32)[members])
    mask = np.zeros(len(train), dtype=bool)
    mask[usable[np.unique(found)]] = True
    return mask


@register_action
class Reweight:
    kind: ClassVar[str] = "reweight"
    verifiable: ClassVar[bool] = True  # `weakspot verify` retrains with it
    serves: ClassVar[tuple[str, ...]] = ("under_representation", "image_quality")

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        similar = look_alikes(mode, context)
        if similar is None or diagnosis is None or not similar.any():
            return None
        assert context.train is not None
        train_share = similar.mean()
        eval_share = len(mode.members) / len(context.evaluation)
        weight = float(np.clip(eval_share / train_share, 1.0, MAX_WEIGHT))
        relative = artifact_name(f"{mode.id}-weights.csv")
        table = pd.DataFrame(
            {"id": context.train.id_text, "weight": np.where(similar, round(weight, 3), 1.0)}
        )
        files = {relative: table.to_csv(index=False)}
        return gain_action(
            self.kind,
            mode,
            diagnosis,
            context,
            steps=(
                f"Retrain with these sample weights: the {int(similar.sum())} training examples "
                f"like this mode weigh {weight:.1f}, the others 1 (e.g. sample_weight= in fit)."
            ),
            artifact=relative,
            files=files,
            reach=_reach(
                weight * train_share / eval_share, look_of(mode, context), similar, context
            ),
        )


def _reach(
    reach: float, look: Any, similar: np.ndarray, context: DiagnosisContext
) -> tuple[float, str]:
    """The weights' reach, times how much the look-alikes look like the mode when the mode's
    look can be measured (look-alikes by rule need not look like it), with its explanation."""
    why = f"the weights' reach {min(1.0, reach):.2f} (weight x training share / evaluation share"
    assert context.train is not None
    share = None if look is None else look.share_of(context.train.features[similar])
    if share is None:
        return reach, why + ")"
    resemblance = float(np.clip(look.reproduction(share), 0.0, 1.0))
    why += f", times {resemblance:.2f}: how much the look-alikes look like the mode)"
    return reach * resemblance, why


@register_action
class GroupFile:
    kind: ClassVar[str] = "group_file"
    verifiable: ClassVar[bool] = True  # `weakspot verify` retrains with it
    serves: ClassVar[tuple[str, ...]] = ("spurious_correlation",)

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        train = context.train
        rule = non_label_rule(mode)
        if train is None or diagnosis is None or not rule:
            return None
        has = rule_mask(rule, train.features)
        labels = np.asarray(train.labels).astype(str)
        groups = np.char.add(np.where(has, "with:", "without:"), labels.astype(str))
        relative = artifact_name(f"{mode.id}-groups.csv")
        files = {relative: pd.DataFrame({"id": train.id_text, "group": groups}).to_csv(index=False)}
        prop = " and ".join(c.describe() for c in rule)
        return gain_action(
            self.kind,
            mode,
            diagnosis,
            context,
            steps=(
                f"Train with a group-robust loss (group DRO) or balanced group sampling over "
                f"these groups ({prop} crossed with the label), or break the shortcut by adding "
                f"examples with {prop} of every class."
            ),
            artifact=relative,
            files=files,
        )
