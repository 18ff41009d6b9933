"""Applying an action to the training table, and the Just-Train-Twice alternative.

- ``reweight``: the weights CSV (``id, weight``) becomes ``sample_weight``;
- ``group_file``: the groups CSV (``id, group``) becomes inverse-group-frequency weights,
  ``n / (n_groups * n_group)`` (each group weighs the same in total);
- ``relabel``: the queue's training rows whose confidence is at least `min_confidence` take
  the suggested label; its evaluation rows cannot be verified by retraining (see
  `relabel_bound`);
- ``augment``: one transformed copy (with `weakspot.actions.augment.apply_spec`) of each
  training image, of every class (a random `max_copies` of them when there are more), written
  under ``<out>/verify/augmented/<action>/`` and added as rows;
- Just-Train-Twice (Liu et al., 2021): the baseline model's training errors weigh
  `JTT_UPWEIGHT`, the other rows 1.

Other kinds (collect, recalibrate, threshold, gate) change no training input: they are
listed as not verifiable by retraining, with the reason.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from weakspot._errors import InputError
from weakspot.actions import Action
from weakspot.actions.augment import apply_spec
from weakspot.verify._inputs import Problem, read_images
from weakspot.verify._trainer import class_text

JTT_UPWEIGHT = 5.0
MAX_COPIES = 1000
NOT_RETRAINABLE = {
    "collect": "it asks for new data, which does not exist yet",
    "recalibrate": "it changes probabilities after training, not the training",
    "threshold": "it changes the decision threshold after training, not the training",
    "gate": "it is a regression check for CI, not a change to the model",
}


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    """A training table with an action applied.

    Attributes
    ----------
    train : DataFrame, shape (n_train + added, n_columns)
    weight : ndarray of float, shape (n_train + added,)
    changes : list of str
        Every applied change, in words.
    retrainable : bool
        False when the action changes nothing a retrain could measure (`reason` says why).
    """

    train: pd.DataFrame
    weight: np.ndarray
    changes: list[str] = field(default_factory=list)
    retrainable: bool = True
    reason: str = ""


def _csv(action: Action, needed: tuple[str, ...]) -> pd.DataFrame:
    if action.text is None:
        raise InputError(
            f"action {action.id}'s file {action.artifact!r} is missing from the results "
            "folder; re-run weakspot analyze with the training set."
        )
    table = pd.read_csv(io.StringIO(action.text), dtype={"id": str})
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(f"action {action.id}'s file {action.artifact!r} lacks {missing}.")
    return table


def _by_id(
    problem: Problem, table: pd.DataFrame, column: str, default: Any
) -> tuple[np.ndarray, int]:
    """`column` of `table` per training row (matched on id), and how many ids did not match."""
    ids = problem.train.ids
    mapping = dict(zip(class_text(table["id"]), table[column], strict=True))
    values = np.array([mapping.get(i, default) for i in ids], dtype=object)
    return values, len(set(mapping) - set(ids))


def apply_action(
    problem: Problem,
    action: Action,
    *,
    min_confidence: float = 0.5,
    max_copies: int = MAX_COPIES,
    random_state: int = 0,
) -> Applied:
    """The training table and weights with `action` applied; see the module docstring."""
    train = problem.train.frame
    ones = np.ones(len(train))
    kind = action.kind
    if kind in NOT_RETRAINABLE:
        return Applied(train, ones, [], False, NOT_RETRAINABLE[kind])
    if kind == "reweight":
        values, unmatched = _by_id(problem, _csv(action, ("id", "weight")), "weight", 1.0)
        weight = values.astype(np.float64)
        up = weight != 1.0
        changes = [f"{int(up.sum())} training rows weigh {_span(weight[up])} instead of 1"]
        return Applied(train, weight, changes + _unmatched(unmatched))
    if kind == "group_file":
        values, unmatched = _by_id(problem, _csv(action, ("id", "group")), "group", "(no group)")
        return Applied(train, *_group_weights(values.astype(str), unmatched))
    if kind == "relabel":
        return _relabel(problem, action, min_confidence)
    if kind == "augment":
        return _augment(problem, action, max_copies, random_state)
    return Applied(train, ones, [], False, f"weakspot does not know how to retrain with {kind!r}")


def _span(values: np.ndarray) -> str:
    if not len(values):
        return "-"
    low, high = float(values.min()), float(values.max())
    return f"{low:.3g}" if low == high else f"{low:.3g}-{high:.3g}"


def _unmatched(n: int) -> list[str]:
    return [f"{n} ids of the file are not in the training table (ignored)"] if n else []


def _group_weights(groups: np.ndarray, unmatched: int) -> tuple[np.ndarray, list[str]]:
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weight = len(groups) / (len(names) * counts[inverse])
    changes = [
        f"group {str(name)!r} ({count} rows) weighs {len(groups) / (len(names) * count):.3g}"
        for name, count in zip(names, counts, strict=True)
    ]
    return weight, changes + _unmatched(unmatched)


def _relabel(problem: Problem, action: Action, min_confidence: float) -> Applied:
    table = _csv(action, ("id", "split", "suggested_label", "confidence"))
    train = problem.train.frame.copy()
    rows = table[(table["split"] == "train") & (table["confidence"] >= min_confidence)]
    position = {i: k for k, i in enumerate(problem.train.ids)}
    labels = problem.train.labels.copy()
    changes = []
    for _, row in rows.iterrows():
        k = position.get(str(row["id"]))
        if k is None or labels[k] == str(row["suggested_label"]):
            continue
        changes.append(f"training row {row['id']}: {labels[k]} -> {row['suggested_label']}")
        labels[k] = str(row["suggested_label"])
    n_eval = int((table["split"] == "evaluation").sum())
    if not changes:
        why = (
            f"its queue holds {n_eval} evaluation labels and no training label with confidence "
            f">= {min_confidence}: fixing evaluation labels changes the measurement, not the "
            "model, so no retrain can verify it (see the bound)"
        )
        return Applied(train, np.ones(len(train)), [], False, why)
    original = train[problem.train.label]
    train[problem.train.label] = _like(labels, original)
    return Applied(train, np.ones(len(train)), changes)


def _like(labels: np.ndarray, original: pd.Series) -> pd.Series:
    """Class text back in the label column's own type (numbers stay numbers)."""
    if pd.api.types.is_numeric_dtype(original):
        return pd.Series(pd.to_numeric(labels), index=original.index).astype(original.dtype)
    return pd.Series(labels, index=original.index)


def _augment(problem: Problem, action: Action, max_copies: int, seed: int) -> Applied:
    tr = problem.train
    if tr.image_column is None:
        return Applied(
            tr.frame, np.ones(len(tr.frame)), [], False, "the training table has no image column"
        )
    if action.text is None:
        raise InputError(f"action {action.id}'s spec {action.artifact!r} is missing.")
    spec = json.loads(action.text)
    rng = np.random.default_rng(seed)
    # every class, as a training pipeline applies the spec to every image: copies of the
    # mode's classes only would teach "this look means these classes" (on the planted dark
    # task titled `label != 0 and label != 5 and is_dark`, they cost 10 points)
    chosen = np.arange(len(tr.frame))
    if len(chosen) > max_copies:
        chosen = np.sort(rng.choice(chosen, max_copies, replace=False))
    folder = problem.out / "verify" / "augmented" / action.id
    folder.mkdir(parents=True, exist_ok=True)
    images, unread = read_images(list(tr.frame[tr.image_column].iloc[chosen]))
    if len(unread) == len(chosen):
        raise InputError(
            f"action {action.id}: none of the {len(chosen)} training images chosen to copy "
            f"could be read (first: {unread[0]!r}); check the training table's image column "
            f"{tr.image_column!r}."
        )
    copied: list[int] = []
    paths = []
    for k, image in zip(chosen, images, strict=True):
        if image is None:
            continue
        target = folder / f"{k}.png"
        Image.fromarray(apply_spec(spec, image, rng)).save(target)
        copied.append(int(k))
        paths.append(str(target.resolve()))
    rows = tr.frame.iloc[copied].copy()
    rows[tr.image_column] = paths
    train = pd.concat([tr.frame, rows], ignore_index=True)
    names = ", ".join(
        dict.fromkeys(t["__class_fullname__"] for t in spec["transform"]["transforms"])
    )
    changes = [
        f"{len(rows)} transformed copies ({names}) of training images of every class "
        f"added as rows, written under {folder}"
    ]
    if unread:
        more = " ..." if len(unread) > 10 else ""
        changes.append(
            f"{len(unread)} training images could not be read, not copied: {unread[:10]}{more}"
        )
        logger.warning("verify: %s", changes[-1])
    return Applied(train, np.ones(len(train)), changes)


def jtt_weights(wrong: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Just-Train-Twice weights: the baseline's training errors (`wrong`, bool (n_train,),
    from the task's loss) weigh `JTT_UPWEIGHT`."""
    wrong = np.asarray(wrong, dtype=bool)
    weight = np.where(wrong, JTT_UPWEIGHT, 1.0)
    return weight, [
        f"{int(wrong.sum())} training rows the baseline gets wrong weigh {JTT_UPWEIGHT:g}"
    ]


def relabel_bound(
    problem: Problem, action: Action, predictions: np.ndarray, min_confidence: float
) -> dict[str, Any] | None:
    """How the baseline's measured accuracy would change if the queue's evaluation
    suggestions (confidence >= `min_confidence`) are right: a bound, not a measurement."""
    if action.kind != "relabel" or action.text is None:
        return None
    table = _csv(action, ("id", "split", "suggested_label", "confidence"))
    rows = table[(table["split"] == "evaluation") & (table["confidence"] >= min_confidence)]
    ev = problem.evaluate
    position = {i: k for k, i in enumerate(ev.ids)}
    fixed = ev.labels.copy()
    for _, row in rows.iterrows():
        if str(row["id"]) in position:
            fixed[position[str(row["id"])]] = str(row["suggested_label"])
    out: dict[str, Any] = {
        "relabelled": int((fixed != ev.labels).sum()),
        "min_confidence": min_confidence,
    }
    for name, mask in [("overall", np.ones(len(fixed), dtype=bool))] + [
        (m.id, problem.members(m)) for m in problem.modes
    ]:
        if mask.any():
            now = 1 - float(problem.task.loss(ev.labels[mask], predictions[mask]).mean())
            then = 1 - float(problem.task.loss(fixed[mask], predictions[mask]).mean())
            out[name] = {"accuracy_now": round(now, 4), "accuracy_if_right": round(then, 4)}
    out["note"] = "if every suggestion is right; a bound on the change, not a measurement"
    return out
