"""``examples.csv`` beside analysis.json: one row per example (id, label, prediction, error).

The gate and the comparison read it to pair two analyses of the same evaluation set example by
example; analysis.json holds each slice's members but not every example's outcome.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError

if TYPE_CHECKING:
    from weakspot.inputs import Examples

OUTCOMES = "examples.csv"
VERIFICATION = Path("verify") / "verification.json"
PERTURBATION = Path("verify") / "perturbation.json"
RUN = "run.json"


def write_outcomes(ex: Examples, path: str | Path) -> Path:
    """Write the per-example outcomes (id, label, prediction, error) of `ex` as CSV."""
    path = Path(path)
    path.write_text(outcomes_text(ex), encoding="utf-8")
    return path


def outcomes_text(ex: Examples) -> str:
    """The per-example outcomes (id, label, prediction, error) of `ex` as CSV text: for a
    classifier ``error`` is 0 or 1; for a regressor, ``label`` and ``prediction`` are its
    numbers and ``error`` the example's loss; for a tagger, ``label`` and ``prediction`` are
    its label sets as JSON lists (``["cat", "dog"]``) and ``error`` the Hamming loss."""
    from weakspot.tasks import MultiLabelOutcomes, RegressionOutcomes

    outcomes = ex.outcomes
    if isinstance(outcomes, RegressionOutcomes):
        labels, predictions = outcomes.targets, outcomes.predictions
        errors = ex.errors.astype(float)
    elif isinstance(outcomes, MultiLabelOutcomes):
        labels, predictions = (
            np.array(
                [json.dumps(list(s), ensure_ascii=False) for s in outcomes.label_sets(which)],
                dtype=object,
            )
            for which in ("truth", "predicted")
        )
        errors = ex.errors.astype(float)
    else:
        labels, predictions, errors = ex.labels, ex.predictions, ex.errors.astype(int)
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in ex.ids],
            "label": [str(v) for v in labels],
            "prediction": [str(v) for v in predictions],
            "error": errors,
        }
    )
    return frame.to_csv(index=False, lineterminator="\n")


def results_file(results: str | Path, name: str | Path = "analysis.json") -> Path:
    """`name` inside a results folder (or the folder's analysis.json given directly)."""
    path = Path(results)
    if path.is_file() and path.name == "analysis.json":
        path = path.parent
    if not path.is_dir():
        raise InputError(
            f"{str(results)!r} is not a results folder: give the folder that "
            "'weakspot analyze --out' wrote (it holds analysis.json)."
        )
    return path / name


def read_analysis(
    results: str | Path, *, needs: tuple[str, ...] = ("overall", "slices", "schema_version")
) -> dict[str, Any]:
    """The analysis.json document of a results folder, checked to be a weakspot analysis that
    holds the keys `needs` (the findings' reader needs only ``dataset``)."""
    path = results_file(results)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{str(path)!r} does not exist; run 'weakspot analyze ... --out {path.parent}' first."
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno})."
        ) from None
    if not isinstance(doc, dict) or not set(needs) <= set(doc):
        raise InputError(f"{str(path)!r} is not a weakspot analysis.json (no {'/'.join(needs)}).")
    return doc


def read_outcomes(results: str | Path) -> pd.DataFrame:
    """The examples.csv of a results folder, indexed by id, with a bool ``error`` column (a
    float one for a continuous loss, a regressor's)."""
    path = results_file(results, OUTCOMES)
    if not path.exists():
        raise InputError(
            f"{str(path)!r} does not exist: this folder was written by an older weakspot; "
            "rerun 'weakspot analyze' to write the per-example outcomes."
        )
    frame = pd.read_csv(path, dtype={"id": str, "label": str, "prediction": str})
    missing = {"id", "label", "prediction", "error"} - set(frame.columns)
    if missing:
        raise InputError(f"{str(path)!r} lacks the column(s) {sorted(missing)}.")
    if frame["id"].duplicated().any():
        raise InputError(
            f"{str(path)!r} has duplicate ids, e.g. {frame['id'][frame['id'].duplicated()].iloc[0]!r}."
        )
    if is_zero_one(frame["error"]):
        frame["error"] = frame["error"].astype(bool)
    else:  # a continuous loss (a regressor's) stays a number
        frame["error"] = frame["error"].astype(float)
    return frame.set_index("id")


def is_zero_one(values: pd.Series) -> bool:
    """Whether an examples.csv ``error`` column is a 0/1 loss (a classifier's)."""
    return bool(values.isin([0, 1]).all())


def read_run(results: str | Path) -> dict[str, Any] | None:
    """``run.json`` (command line, inputs, timing) of a results folder, or None."""
    value = _optional_json(results_file(results, RUN))
    return value if isinstance(value, dict) else None


def read_verification(results: str | Path) -> dict[str, Any] | None:
    """``verify/verification.json`` of a results folder, or None when there is none."""
    value = _optional_json(results_file(results, VERIFICATION))
    if value is None:
        return None
    return value if isinstance(value, dict) else {"results": value}


def read_perturbation(results: str | Path) -> dict[str, Any] | None:
    """``verify/perturbation.json`` of a results folder, or None when there is none."""
    value = _optional_json(results_file(results, PERTURBATION))
    return value if isinstance(value, dict) else None


def _optional_json(path: Path) -> Any:
    """The JSON value in `path`, None when the file does not exist; `InputError` if invalid."""
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno})."
        ) from None


def failure_units(doc: dict[str, Any], folder: str | Path) -> list[dict[str, Any]]:
    """The failure modes of an analysis (or, before modes exist, its reported slices).

    Returns ``{kind, id, title, members}`` records, ``members`` a mode's own member ids
    (``failure_modes[].members``), or, in a file from before they were written, the ids its
    slices hold together.
    """
    from weakspot.report._members import read_members

    folder = results_file(folder).parent
    slices = {s["id"]: {**s, "members": read_members(s, folder)} for s in doc.get("slices") or []}
    modes = doc.get("failure_modes")
    if modes:
        out = []
        for m in modes:
            ids: set[str] = set()
            if m.get("members") is not None:
                ids.update(read_members(m, folder))
            else:
                for sid in m.get("slices") or []:
                    ids.update(map(str, slices.get(sid, {}).get("members") or []))
            out.append(
                {
                    "kind": "failure mode",
                    "id": str(m["id"]),
                    "title": str(m.get("title")),
                    "members": sorted(ids),
                }
            )
        return out
    return [
        {
            "kind": "slice",
            "id": str(s["id"]),
            "title": str(s.get("title")),
            "members": [str(i) for i in s.get("members") or []],
        }
        for s in slices.values()
    ]


def check_same_examples(old: pd.DataFrame, new: pd.DataFrame, old_name: str, new_name: str) -> None:
    """Raise `InputError` unless two outcome tables hold the same ids with the same labels."""
    if set(old.index) != set(new.index):
        only_old = sorted(set(old.index) - set(new.index))[:3]
        only_new = sorted(set(new.index) - set(old.index))[:3]
        raise InputError(
            f"{old_name} and {new_name} are not the same evaluation set: ids only in the first "
            f"{only_old}, only in the second {only_new}. Compare analyses of the same examples."
        )
    labels = new["label"].reindex(old.index)
    differ = old.index[(old["label"] != labels).to_numpy()]
    if len(differ):
        raise InputError(
            f"{old_name} and {new_name} give different labels to {len(differ)} example(s), e.g. "
            f"{differ[0]!r}: {old.loc[differ[0], 'label']!r} vs {labels[differ[0]]!r}."
        )
