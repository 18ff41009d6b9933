"""The protocol every action follows, its result, and the registry.

An action answers "what do I do now?" for one diagnosed cause of one failure mode. It writes
an artifact a training script consumes (a CSV of ids, sample weights, an augmentation spec,
a collection spec, calibration parameters, a gate check), written under ``<out>/actions/`` by
`write_action_files`, and says how many errors it can plausibly recover, and how that figure
was estimated. Register an action with `@register_action`: a built-in one is a module of its
own under weakspot/actions/ (the package imports every module it holds), a user's registers
from anywhere. `tests/actions/test_actions.py` runs every one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from weakspot.diagnoses import DIAGNOSES, Diagnosis, DiagnosisContext
from weakspot.modes import FailureMode

MIN_CONFIDENCE = 0.3  # a cause below this confidence gets no action


@dataclass(frozen=True)
class Action:
    """One thing to do about a failure mode.

    Attributes
    ----------
    id : str
        ``A1``, ``A2``, ... in rank order (by expected gain).
    kind : str
        relabel, reweight, group_file, augment, collect, recalibrate, threshold or gate.
    failure_mode : str
        Id of the mode it serves.
    cause : str
        The diagnosed cause it addresses (``regression`` for a gate check).
    expected_gain : dict
        ``{errors, how}``: the evaluation errors it can plausibly recover, and how that was
        estimated.
    steps : str
        What to do, in a sentence or two.
    artifact : str
        Path of its file, relative to the output folder.
    files : dict of str to str
        The artifact's contents (and any file it refers to), by relative path; written by
        `write_action_files`, not part of the JSON.
    """

    id: str
    kind: str
    failure_mode: str
    cause: str
    expected_gain: dict[str, Any]
    steps: str
    artifact: str
    files: dict[str, str] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "failure_mode": self.failure_mode,
            "cause": self.cause,
            "expected_gain": self.expected_gain,
            "steps": self.steps,
            "artifact": self.artifact,
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any], files: dict[str, str] | None = None) -> Action:
        """The action of one ``actions`` record of analysis.json, with the `files` read back
        (relative path -> text; `weakspot.report.read_findings` reads its artifact)."""
        return cls(
            id=str(record["id"]),
            kind=str(record["kind"]),
            failure_mode=str(record["failure_mode"]),
            cause=str(record["cause"]),
            expected_gain=dict(record.get("expected_gain") or {}),
            steps=str(record.get("steps", "")),
            artifact=str(record["artifact"]),
            files=dict(files or {}),
        )

    @property
    def text(self) -> str | None:
        """The artifact's contents, or None when its file is missing."""
        return self.files.get(self.artifact)


class ActionPlugin(Protocol):
    """An action kind: which causes it serves, and `propose`.

    `kind` is the registry's key and an entry of the action kind enum of analysis.json's schema
    (`weakspot.report.analysis_schema`); `serves` lists the causes it addresses; an optional
    ``verifiable = True`` says that `weakspot verify` can retrain with its file. A diagnosis
    may also name the kind in its own ``served_by`` (`serving_kinds` reads both).
    """

    kind: ClassVar[str]
    serves: ClassVar[tuple[str, ...]]
    # optional: True when `weakspot verify` can retrain with the action's file and test it
    # (reweight, group_file, relabel, augment); a kind without it is ranked after those

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None: ...


ACTIONS: dict[str, type[Any]] = {}


def register_action(cls: type[Any]) -> type[Any]:
    """Class decorator that adds an action kind to the registry under ``cls.kind``.

    Remove one with ``ACTIONS.pop(kind)``.
    """
    ACTIONS[cls.kind] = cls
    return cls


def is_verifiable(kind: str) -> bool:
    """Whether `weakspot verify` can retrain with an action of `kind` and test it."""
    return bool(getattr(ACTIONS.get(kind), "verifiable", False))


def serving_kinds(cause: str) -> list[str]:
    """The action kinds that serve `cause`, in name order.

    A kind serves a cause when its ``serves`` lists the cause or when the cause's diagnosis
    lists the kind in its ``served_by``, so either side can be added in one file.
    """
    named = set(getattr(DIAGNOSES.get(cause), "served_by", ()))
    return [kind for kind in sorted(ACTIONS) if cause in ACTIONS[kind].serves or kind in named]


def excess_errors(mode: FailureMode, context: DiagnosisContext) -> float:
    """The mode's errors beyond what the rest's error rate would put there (for a continuous
    loss, a regressor's, its summed loss beyond the rest's mean loss)."""
    ev = context.evaluation
    mask = np.zeros(len(ev), dtype=bool)
    mask[np.asarray(mode.members, dtype=np.int64)] = True
    errors = np.asarray(ev.errors, dtype=np.float64)
    rest = float(errors[~mask].mean()) if (~mask).any() else 0.0
    return max(0.0, float(errors[mask].sum() - rest * mask.sum()))


def scaled_gain(
    mode: FailureMode,
    diagnosis: Diagnosis,
    context: DiagnosisContext,
    reach: tuple[float, str] | None = None,
) -> dict[str, Any]:
    """The default estimate: the mode's excess errors times the diagnosis's confidence, and
    times the action's `reach` ``(share in [0, 1], why)`` when it can serve only part of them."""
    excess = excess_errors(mode, context)
    share, why = (1.0, "") if reach is None else (min(1.0, reach[0]), f", times {reach[1]}")
    binary = np.isin(np.asarray(context.evaluation.errors), (0, 1)).all()
    what = "errors beyond the rest's error rate" if binary else "loss beyond the rest's mean loss"
    return {
        "errors": round(excess * diagnosis.confidence * share, 1),
        "how": (
            f"the mode's {excess:.0f} {what}, times the "
            f"{diagnosis.cause} confidence {diagnosis.confidence:.2f}{why}; an estimate, "
            "not a retrained measurement"
        ),
    }


def artifact_name(name: str) -> str:
    """The path of an artifact relative to the output folder: ``actions/<name>``."""
    return f"actions/{name}"


def write_action_files(
    actions: Sequence[Action], out: str | Path, extra: dict[str, str]
) -> list[Path]:
    """Write every action's files (and `extra`, such as ``actions/gate.toml``) under `out`."""
    written = []
    for relative, text in [*(kv for a in actions for kv in a.files.items()), *extra.items()]:
        path = Path(out) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def gain_action(
    kind: str,
    mode: FailureMode,
    diagnosis: Diagnosis,
    context: DiagnosisContext,
    *,
    steps: str,
    artifact: str,
    files: dict[str, str],
    reach: tuple[float, str] | None = None,
) -> Action:
    """An `Action` for `mode` whose expected gain is the diagnosis-scaled one (`scaled_gain`,
    with the action's `reach`); its id is set when the actions are ranked."""
    return Action(
        id="",
        kind=kind,
        failure_mode=mode.id,
        cause=diagnosis.cause,
        expected_gain=scaled_gain(mode, diagnosis, context, reach),
        steps=steps,
        artifact=artifact,
        files=files,
    )
