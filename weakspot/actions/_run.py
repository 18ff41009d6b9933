"""Propose, write and rank the actions of every diagnosed failure mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from weakspot.actions._base import (
    ACTIONS,
    MIN_CONFIDENCE,
    Action,
    is_verifiable,
    serving_kinds,
    write_action_files,
)
from weakspot.actions._gate import gate_file
from weakspot.actions._reproduce import reproduction_of
from weakspot.diagnoses import DiagnosisContext
from weakspot.modes import FailureMode


def plan_actions(
    modes: Sequence[FailureMode], context: DiagnosisContext
) -> tuple[list[FailureMode], list[Action]]:
    """Actions for every mode's confident causes (and a gate check per mode), ranked.

    Each diagnosis with confidence at least `MIN_CONFIDENCE` gets the actions whose kind
    serves its cause, most confident cause first, one action per kind and mode. An action
    `weakspot verify` can retrain with and test (`is_verifiable`) comes before one it cannot
    (collect asks for data that does not exist yet, a gate changes nothing), so the top
    action can be checked; among each, by expected gain (errors), then by mode. Ids ``A1``,
    ``A2``, ... follow that order.

    Parameters
    ----------
    modes : sequence of FailureMode, with diagnoses
    context : DiagnosisContext

    Returns
    -------
    (modes with their action ids, actions ranked)
    """
    proposed: list[Action] = []
    for mode in modes:
        kinds: set[str] = set()
        for diagnosis in mode.diagnoses:
            if not diagnosis.tested or diagnosis.confidence < MIN_CONFIDENCE:
                continue
            for kind in serving_kinds(diagnosis.cause):
                if kind in kinds:
                    continue
                action = ACTIONS[kind]().propose(mode, diagnosis, context)
                if action is not None:
                    kinds.add(kind)
                    proposed.append(action)
        gate = ACTIONS["gate"]().propose(mode, None, context)
        if gate is not None:
            proposed.append(gate)
    modes = [_with_look(mode, context) for mode in modes]
    order = {m.id: i for i, m in enumerate(modes)}
    ranked = sorted(
        proposed,
        key=lambda a: (
            not is_verifiable(a.kind),
            -a.expected_gain["errors"],
            order[a.failure_mode],
            a.kind,
        ),
    )
    ranked = [replace(a, id=f"A{i}") for i, a in enumerate(ranked, start=1)]
    modes = [m.with_actions([a.id for a in ranked if a.failure_mode == m.id]) for m in modes]
    return modes, ranked


def _with_look(mode: FailureMode, context: DiagnosisContext) -> FailureMode:
    """`mode` with its look in words added to its mechanism, when a transform reproduces it
    (`weakspot.actions._reproduce`): a mode titled by a proxy (``sharpness >= 0.3``) then
    still says that its images look framed."""
    found = reproduction_of(mode, context)
    if found is None:
        return mode
    look = (
        f"; they look {found.describe()}: copies of other images made so land among them "
        f"(reproduction {min(found.reproduction, 1.0):.2f})"
    )
    return replace(mode, mechanism=mode.mechanism + look)


def write_actions(
    modes: Sequence[FailureMode], actions: Sequence[Action], out: str | Path
) -> list[Path]:
    """Write every action's artifact, and ``actions/gate.toml`` with every mode's check."""
    return write_action_files(actions, out, gate_file(modes, actions) if modes else {})
