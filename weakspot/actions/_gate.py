"""``gate``: a regression check for the mode, in the TOML the CI gate reads.

``actions/<mode>-gate.toml`` holds one ``[[slices]]`` table; ``actions/gate.toml`` (written
by `gate_file`) holds every mode's. ``members`` is a CSV with an ``id`` column,
relative to the TOML file; ``max_error_rate`` is the upper end of the mode's error-rate 95%
interval today, rounded up to two decimals, so the check fails when the mode gets worse
beyond noise. ``weakspot gate --config actions/gate.toml`` reads it.
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
from weakspot.modes import FailureMode
from weakspot.stats import wilson_interval


def gate_block(mode: FailureMode, members_file: str) -> str:
    """The ``[[slices]]`` table of one mode."""
    errors, size = mode.errors, len(mode.members)
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
            relative: gate_block(mode, f"{mode.id}-members.csv"),
        }
        return Action(
            id="",
            kind=self.kind,
            failure_mode=mode.id,
            cause="regression",
            expected_gain={"errors": 0.0, "how": "guards against regressions; recovers none"},
            steps=(
                f"Add the check to CI: weakspot gate --config {relative} fails when this mode's "
                "error rate rises above today's."
            ),
            artifact=relative,
            files=files,
        )


def gate_file(modes: Sequence[FailureMode]) -> dict[str, str]:
    """``actions/gate.toml`` with every mode's check (members files come with `Gate`)."""
    blocks = [gate_block(m, f"{m.id}-members.csv") for m in modes]
    return {artifact_name("gate.toml"): "\n".join(blocks)}
