"""``gate``: a regression check for the mode, in the TOML the CI gate reads.

``actions/<mode>-gate.toml`` holds one ``[[slices]]`` table; ``actions/gate.toml`` (written
by `gate_file`) holds every mode's. ``members`` is a CSV with an ``id`` column,
relative to the TOML file; ``max_error_rate`` is the upper end of the mode's error-rate 95%
interval today, rounded up to two decimals, so the check fails when the mode gets worse
beyond noise; for a continuous loss (a regressor's), ``max_mean_loss`` is the upper end of
its mean loss's bootstrap interval (the gate reads the members' loss from examples.csv).
``weakspot gate --config actions/gate.toml`` reads it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot.actions._base import Action, artifact_name, register_action
from weakspot.diagnoses import Diagnosis, DiagnosisContext
from weakspot.metrics import mean_interval
from weakspot.modes import FailureMode
from weakspot.stats import wilson_interval


def gate_block(mode: FailureMode, members_file: str, loss: np.ndarray | None = None) -> str:
    """The ``[[slices]]`` table of one mode; `loss` (shape (n,)) is a continuous loss, whose
    members' mean it then limits."""
    errors, size = mode.errors, len(mode.members)
    if loss is not None and size:
        high = mean_interval(loss[np.asarray(mode.members, dtype=np.int64)])[1]
        return (
            "[[slices]]\n"
            f"name = {json.dumps(f'{mode.id}: {mode.title}', ensure_ascii=False)}\n"
            f"members = {json.dumps(members_file)}\n"
            f"max_mean_loss = {math.ceil(high * 100) / 100:.2f}\n"
        )
    else:
        high = float(wilson_interval(np.array([errors]), np.array([size]))[1][0]) if size else 1.0
        limit = min(1.0, math.ceil(high * 100) / 100)
    return (
        "[[slices]]\n"
        f"name = {json.dumps(f'{mode.id}: {mode.title}', ensure_ascii=False)}\n"
        f"members = {json.dumps(members_file)}\n"
        f"max_error_rate = {limit:.2f}\n"
    )


@register_action
class Gate:
    kind: ClassVar[str] = "gate"
    serves: ClassVar[tuple[str, ...]] = ()

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        members = artifact_name(f"{mode.id}-members.csv")
        ids = context.evaluation.id_text[np.asarray(mode.members, dtype=np.int64)]
        relative = artifact_name(f"{mode.id}-gate.toml")
        files = {
            members: pd.DataFrame({"id": ids}).to_csv(index=False),
            relative: gate_block(mode, f"{mode.id}-members.csv", _continuous(context)),
        }
        what = "error rate" if _continuous(context) is None else "mean loss"
        return Action(
            id="",
            kind=self.kind,
            failure_mode=mode.id,
            cause="regression",
            expected_gain={"errors": 0.0, "how": "guards against regressions; recovers none"},
            steps=(
                f"Add the check to CI: weakspot gate --config {relative} fails when this mode's "
                f"{what} rises above today's."
            ),
            artifact=relative,
            files=files,
        )


def gate_file(modes: Sequence[FailureMode], actions: Sequence[Action] = ()) -> dict[str, str]:
    """``actions/gate.toml`` with every mode's check (members files come with `Gate`): the
    block its gate action wrote when it has one (which knows a continuous loss's limit)."""
    written = {
        a.failure_mode: a.files[a.artifact]
        for a in actions
        if a.kind == Gate.kind and a.artifact in (a.files or {})
    }
    blocks = [written.get(m.id) or gate_block(m, f"{m.id}-members.csv") for m in modes]
    return {artifact_name("gate.toml"): "\n".join(blocks)}


def _continuous(context: DiagnosisContext) -> np.ndarray | None:
    """The evaluation's loss when it is continuous (a regressor's), else None."""
    errors = context.evaluation.errors
    if errors is None or np.isin(errors, (0, 1)).all():
        return None
    return np.asarray(errors, dtype=np.float64)
