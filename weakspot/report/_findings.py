"""The one reader of a results folder's findings: its failure modes and actions as the same
records `weakspot.analyze` made (`FailureMode`, `Diagnosis`, `Action`), for the commands that
start from a folder rather than an `Analysis` in memory (`verify`, `perturb`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from weakspot._errors import InputError
from weakspot.actions import Action
from weakspot.diagnoses import Diagnosis
from weakspot.modes import FailureMode
from weakspot.report._members import read_members
from weakspot.report._outcomes import read_analysis, results_file


@dataclass(frozen=True)
class Findings:
    """What an analysis found, as records.

    Attributes
    ----------
    modes : list of FailureMode
        Members as positions in the rows the reader was given (ids not among them are left
        out), diagnoses as `Diagnosis` records.
    actions : list of Action
        Each with its artifact's text in ``files`` when the file is in the folder.
    classes : list of str
        The analysis's classes.
    """

    modes: list[FailureMode]
    actions: list[Action]
    classes: list[str]


def read_findings(results: str | Path, ids: Sequence[str] | np.ndarray) -> Findings:
    """The failure modes and actions of the results folder `results`.

    Parameters
    ----------
    results : str or Path
        A folder ``weakspot analyze --out`` wrote (or its analysis.json).
    ids : sequence of str, shape (n,)
        The ids of the evaluation rows, in order: each mode's members become positions in it.
    """
    doc = read_analysis(results, needs=("dataset",))
    folder = results_file(results).parent
    position = {str(i): k for k, i in enumerate(np.asarray(ids).astype(str))}
    slices = {s["id"]: s for s in doc.get("slices") or []}
    modes = [
        FailureMode.from_dict(
            record,
            _positions(_mode_member_ids(record, slices, folder), position),
            [Diagnosis.from_dict(d) for d in record.get("diagnoses") or []],
        )
        for record in doc.get("failure_modes") or []
    ]
    actions = [
        Action.from_dict(record, _artifact_files(record, folder))
        for record in doc.get("actions") or []
    ]
    return Findings(modes, actions, [str(c) for c in doc["dataset"]["classes"]])


def _mode_member_ids(
    record: Mapping[str, Any], slices: Mapping[str, Mapping[str, Any]], folder: Path
) -> list[str]:
    """A mode's member ids: its ``members`` (inline or in ``members/``), or, in a file from
    before they were written, the examples in at least half of its slices (an approximation:
    the mode's rows are its title rule's)."""
    if record.get("members") is not None:
        return read_members(dict(record), folder)
    counts: dict[str, int] = {}
    for sid in record.get("slices", []):
        if sid in slices and slices[sid].get("members") is not None:
            for member in read_members(dict(slices[sid]), folder):
                counts[member] = counts.get(member, 0) + 1
    need = max(1, (len(record.get("slices", [])) + 1) // 2)
    return [m for m, c in counts.items() if c >= need]


def _positions(member_ids: list[str], position: Mapping[str, int]) -> np.ndarray:
    """Sorted row positions of the ids found among the rows, shape (m,)."""
    return np.array(sorted(position[i] for i in member_ids if i in position), dtype=np.int64)


def _artifact_files(record: Mapping[str, Any], folder: Path) -> dict[str, str]:
    """``{artifact: text}`` when the artifact is a file inside `folder`; {} when it is absent.
    An artifact path that leads outside the folder is refused: analysis.json may have been
    edited, and nothing outside what the user pointed at is read."""
    artifact = str(record.get("artifact") or "")
    if not artifact:
        return {}
    path = (folder / artifact).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise InputError(
            f"Action {record.get('id')}'s artifact {artifact!r} leads outside the results "
            f"folder {str(folder)!r}; analysis.json names files inside it (actions/...). "
            "Restore the file weakspot wrote."
        )
    if not path.is_file():
        return {}
    return {artifact: path.read_text(encoding="utf-8")}
