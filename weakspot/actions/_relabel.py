"""``relabel``: a queue of the mode's suspected label errors, most likely wrong first.

CSV columns: ``id, split, given_label, suggested_label, confidence``: the suspected labels of
`weakspot.diagnoses.label_issues` (confident learning: the model and a k-NN head on the
split's own embeddings or features agree on another class, and cleanlab flags the row) among
the mode's evaluation members and, when a training set is given, among the training rows
under the mode's rule. ``suggested_label`` is the class the views agree on; ``confidence`` is
the estimated probability that the given label is wrong (1 minus the views' mean probability
of it), rounded to 4 decimals. Rows are sorted by confidence, then split, then id, so the same
inputs give the same file. Expected gain: the mode's evaluation errors that are suspected
labels (relabelling corrects the measured error, not the model).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot._errors import InputError, MissingDependency
from weakspot.actions._base import Action, artifact_name, register_action
from weakspot.diagnoses import Diagnosis, DiagnosisContext, LabelIssues, Split, label_issues
from weakspot.modes import FailureMode, rule_mask

COLUMNS = ["id", "split", "given_label", "suggested_label", "confidence"]


@register_action
class Relabel:
    kind: ClassVar[str] = "relabel"
    verifiable: ClassVar[bool] = True  # `weakspot verify` retrains with it
    serves: ClassVar[tuple[str, ...]] = ("label_noise",)

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        ev = context.evaluation
        try:
            found = label_issues(ev, context.classes, context, "evaluation")
            train_found = None
            if context.train is not None and mode.rule:
                train_found = label_issues(context.train, context.classes, context, "train")
        except (MissingDependency, InputError):  # the diagnosis says what it could not test
            return None
        if found is None:
            return None
        members = np.asarray(mode.members, dtype=np.int64)
        picked = members[found.issues[members]]
        rows = [_rows(ev, picked, found, "evaluation")]
        if context.train is not None and train_found is not None and mode.rule:
            inside = rule_mask(list(mode.rule), context.train.features) & train_found.issues
            rows.append(_rows(context.train, np.flatnonzero(inside), train_found, "train"))
        queue = pd.concat(rows, ignore_index=True)
        if queue.empty:
            return None
        queue = queue.sort_values(
            ["confidence", "split", "id"], ascending=[False, True, True], kind="stable"
        )
        relative = artifact_name(f"{mode.id}-relabel.csv")
        wrong = int((np.asarray(ev.errors)[picked] == 1).sum())
        return Action(
            id="",
            kind=self.kind,
            failure_mode=mode.id,
            cause="label_noise",
            expected_gain={
                "errors": float(wrong),
                "how": "the mode's evaluation errors whose labels confident learning suspects",
            },
            steps=(
                f"Review the {len(queue)} examples in the queue (most likely wrong first); fix "
                "the labels that are wrong, then re-run the analysis."
            ),
            artifact=relative,
            files={relative: queue.to_csv(index=False)},
        )


def _rows(split: Split, rows: np.ndarray, found: LabelIssues, name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": split.id_text[rows],
            "split": name,
            "given_label": np.asarray(split.labels).astype(str)[rows],
            "suggested_label": found.suggested[rows],
            "confidence": np.round(found.score[rows], 4),
        },
        columns=COLUMNS,
    )
