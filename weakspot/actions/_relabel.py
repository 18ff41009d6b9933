"""``relabel``: a queue of the mode's likely label errors, most confident first.

CSV columns: ``id, split, given_label, suggested_label, confidence``, from cleanlab's label
issues (see `weakspot.diagnoses._label_noise`) among the mode's evaluation members and,
when a training set is given, among the training rows under the mode's rule. Expected gain:
the mode's evaluation errors that are flagged label issues (relabelling corrects the
measured error, not the model).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot.actions._base import Action, artifact_name, register_action
from weakspot.diagnoses import Diagnosis, DiagnosisContext, label_issues
from weakspot.modes import FailureMode, rule_mask


@register_action
class Relabel:
    kind: ClassVar[str] = "relabel"
    serves: ClassVar[tuple[str, ...]] = ("label_noise",)

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        ev = context.evaluation
        found = label_issues(ev, context.classes, context, "evaluation")
        if found is None:
            return None
        issues, suggested, confidence, _ = found
        members = np.asarray(mode.members, dtype=np.int64)
        picked = members[issues[members]]
        rows = [self._rows(ev, picked, suggested, confidence, "evaluation")]
        train = context.train
        if train is not None and mode.rule:
            t_found = label_issues(train, context.classes, context, "train")
            if t_found is not None:
                inside = np.flatnonzero(rule_mask(list(mode.rule), train.features) & t_found[0])
                rows.append(self._rows(train, inside, t_found[1], t_found[2], "train"))
        queue = pd.concat(rows).sort_values(["confidence", "id"], ascending=[False, True])
        relative = artifact_name(f"{mode.id}-relabel.csv")
        files = {relative: queue.to_csv(index=False)}
        wrong = int((np.asarray(ev.errors)[picked] == 1).sum())
        return Action(
            id="",
            kind=self.kind,
            failure_mode=mode.id,
            cause="label_noise",
            expected_gain={
                "errors": float(wrong),
                "how": "the mode's evaluation errors that cleanlab flags as label issues",
            },
            steps=(
                f"Review the {len(queue)} examples in the queue (most confident first); fix "
                "the labels that are wrong, then re-run the analysis."
            ),
            artifact=relative,
            files=files,
        )

    @staticmethod
    def _rows(split, rows, suggested, confidence, name) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "id": split.id_text[rows],
                "split": name,
                "given_label": np.asarray(split.labels).astype(str)[rows],
                "suggested_label": suggested[rows],
                "confidence": np.round(confidence[rows], 4),
            }
        )
