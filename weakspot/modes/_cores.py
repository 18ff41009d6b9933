"""Name a mode by what a person can act on when the best-fitting rule is a proxy.

The rule that best fits a mode's failing examples is often a derived statistic that rides
along with the real cause: on Fashion-MNIST, blurring an image removes its pure-black
pixels, so ``clipping < 0.33`` selects the blurred images *and* some textured garments that
fail as often, and fits the failing examples better than ``sharpness`` does. A person reading
``clipping < 0.33`` does not learn that the images were blurred. Two steps, after the title
is chosen, give a more actionable kind (`weakspot.modes.KIND_ORDER`) its chance:

1. **Twins** (`actionable_twin`): a condition on a derived feature is replaced by the
   condition on a more actionable feature that selects (almost) the same rows (Jaccard
   >= `TWIN_JACCARD`): on grey images ``mean_blue`` *is* ``brightness``.
2. **Cores** (`actionable_core`): a single condition on a more actionable feature whose rows
   lie mostly inside the title's (at least `CORE_INSIDE` of them), that holds at least
   `CORE_COVERAGE` of the title's failing examples, and whose error rate is not below the
   title's beyond sampling noise (the upper end of its 95% Wilson interval reaches the
   title's rate). Its rows fail as often as the title's, so the rows it leaves out fail no
   more: it is the part of the failure that the cause explains. The wider rule stays as
   "also described as". Its threshold is searched exactly over the values (not at a bin
   edge); these are descriptive figures of a mode, the slices' statistics are unaffected.

Neither step ever moves a title to a less actionable kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weakspot.features import Condition, condition_mask, rule_mask
from weakspot.modes._kinds import KIND_RANK, rule_kind
from weakspot.stats import wilson_interval

TWIN_JACCARD = 0.95
CORE_INSIDE = 0.8
CORE_COVERAGE = 0.5
MIN_FAILING = 10
INF = float("inf")
MISSING = "\0missing"
# rows, rows inside the title, failing rows, errors per candidate; and the candidate's condition
Counts = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, Callable[[int, str], Condition | None]
]


def actionable_twin(
    rule: Sequence[Condition], features: pd.DataFrame, kinds: dict[str, str]
) -> list[Condition] | None:
    """`rule` with each numeric condition on a less actionable feature swapped for its twin.

    Returns None when no condition has a twin (a feature of a more actionable kind whose
    threshold at the same count selects rows with Jaccard >= `TWIN_JACCARD`).
    """
    out, changed = [], False
    for condition in rule:
        twin = _twin_condition(condition, features, kinds)
        out.append(twin or condition)
        changed |= twin is not None
    return out if changed else None


def _twin_condition(
    condition: Condition, features: pd.DataFrame, kinds: dict[str, str]
) -> Condition | None:
    rank = KIND_RANK.get(kinds.get(condition.feature, "derived"), 3)
    if condition.op != "in" or rank <= 1:
        return None
    selected = condition_mask(condition, features)
    k = int(selected.sum())
    if k == 0 or k == len(selected):
        return None
    best: tuple[float, Condition] | None = None
    for name in _numeric_columns(features, kinds, below=rank):
        for found in _threshold_at_count(features[name], k, name):
            chosen = condition_mask(found, features)
            union = int((chosen | selected).sum())
            jaccard = int((chosen & selected).sum()) / union if union else 0.0
            if jaccard >= TWIN_JACCARD and (best is None or jaccard > best[0]):
                best = (jaccard, found)
    return None if best is None else best[1]


def _threshold_at_count(column: pd.Series, k: int, name: str) -> list[Condition]:
    """``name < t`` selecting the k lowest values and ``name >= t`` the k highest."""
    values = np.sort(pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=float))
    if k >= len(values):
        return []
    low = _between(values[k - 1], values[k])
    high = _between(values[len(values) - k - 1], values[len(values) - k])
    out = []
    if low is not None:
        out.append(Condition(name, "in", [-INF, low]))
    if high is not None:
        out.append(Condition(name, "in", [high, INF]))
    return out


def actionable_core(
    title: dict[str, Any],
    errors: np.ndarray,
    features: pd.DataFrame,
    kinds: dict[str, str],
) -> dict[str, Any] | None:
    """The single-condition core of a more actionable kind for `title`, or None.

    Parameters
    ----------
    title : dict
        ``{title, rule, f1, kind}`` as `choose_title` returns it.
    errors : ndarray of bool, shape (n,)

    Returns
    -------
    dict or None
        ``{title, rule, f1, kind}`` with `f1` against the title's failing examples.
    """
    if not title.get("rule"):
        return None
    rank = KIND_RANK[title["kind"]]
    inside = rule_mask(title["rule"], features)
    failing = inside & errors
    n_failing = int(failing.sum())
    if rank == 0 or n_failing < MIN_FAILING:
        return None
    floor = float(errors[inside].mean())
    found = []
    for name in features.columns:
        if KIND_RANK.get(kinds.get(name, "derived"), 3) >= rank or kinds.get(name) == "label":
            continue
        found.extend(_admissible(features[name], name, inside, failing, errors, floor))
    if not found:
        return None
    f1, _, condition = max(found, key=lambda item: (item[0], item[1]))
    rule = [condition]
    return {"title": condition.describe(), "rule": rule, "f1": f1, "kind": rule_kind(rule, kinds)}


def _admissible(
    column: pd.Series,
    name: str,
    inside: np.ndarray,
    failing: np.ndarray,
    errors: np.ndarray,
    floor: float,
) -> list[tuple[float, str, Condition]]:
    """``(F1, tie-break, condition)`` of the best core on `column`, if it has one.

    Numeric columns: every one-sided threshold at a change of value, counted at once with
    cumulative sums over the sorted values (O(n log n) per column); others: each category.
    """
    values = pd.to_numeric(column, errors="coerce")
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if numeric and values.nunique() > 2:
        counts = _threshold_counts(values.to_numpy(dtype=float), inside, failing, errors)
    else:
        counts = _category_counts(column, inside, failing, errors)
    n, n_inside, hits, wrong, conditions = counts
    n_failing = int(failing.sum())
    # "not below the title's": the core's rate may be lower only by sampling noise (the
    # upper end of its 95% Wilson interval reaches the title's rate)
    _, upper = wilson_interval(wrong, np.maximum(n, 1))
    ok = (
        (n > 0)
        & (n_inside >= CORE_INSIDE * n)
        & (hits >= CORE_COVERAGE * n_failing)
        & (upper >= floor)
    )
    if not ok.any():
        return []
    f1 = np.where(ok, 2 * hits / (n + n_failing), -1.0)
    best = int(np.argmax(f1))
    condition = conditions(best, name)
    return [] if condition is None else [(float(f1[best]), condition.describe(), condition)]


def _threshold_counts(
    values: np.ndarray, inside: np.ndarray, failing: np.ndarray, errors: np.ndarray
) -> Counts:
    """Counts for ``v < t`` (the first half) and ``v >= t`` (the second) at each cut."""
    finite = np.isfinite(values)
    order = np.argsort(values[finite], kind="stable")
    v = values[finite][order]
    ks = np.flatnonzero(v[1:] > v[:-1]) + 1  # the k lowest values, where the value changes
    low = [np.cumsum(m[finite][order].astype(np.int64))[ks - 1] for m in (inside, failing, errors)]
    high = [int(m[finite].sum()) - c for m, c in zip((inside, failing, errors), low, strict=True)]
    n = np.concatenate([ks, len(v) - ks])

    def condition(i: int, name: str) -> Condition | None:
        k = ks[i % len(ks)]
        t = _between(v[k - 1], v[k])
        if t is None:
            return None
        return Condition(name, "in", [-INF, t] if i < len(ks) else [t, INF])

    n_inside, hits, wrong = (np.concatenate([a, b]) for a, b in zip(low, high, strict=True))
    return n, n_inside, hits, wrong, condition


def _category_counts(
    column: pd.Series, inside: np.ndarray, failing: np.ndarray, errors: np.ndarray
) -> Counts:
    text = column.astype("string").fillna(MISSING).to_numpy(dtype=object)
    values = [value for value in pd.unique(text) if value != MISSING]
    masks = [text == value for value in values]
    n, n_inside, hits, wrong = (
        np.array([int((mask & m).sum()) for mask in masks], dtype=np.int64)
        for m in (np.ones_like(inside), inside, failing, errors)
    )

    def condition(i: int, name: str) -> Condition | None:
        return Condition(name, "==", _plain(values[i]))

    return n, n_inside, hits, wrong, condition


def _between(low: float, high: float) -> float | None:
    """The shortest number t with low < t <= high (a threshold a person can read)."""
    if not high > low:
        return None
    for digits in range(1, 8):
        t = float(f"{high:.{digits}g}")
        if low < t <= high:
            return t
    return float(high)


def _numeric_columns(features: pd.DataFrame, kinds: dict[str, str], *, below: int) -> list[str]:
    return [
        name
        for name in features.columns
        if KIND_RANK.get(kinds.get(name, "derived"), 3) < below
        and kinds.get(name) != "label"
        and pd.api.types.is_numeric_dtype(features[name])
        and not pd.api.types.is_bool_dtype(features[name])
    ]


def _plain(value: object) -> object:
    text = str(value)
    return {"True": True, "False": False}.get(text, text)
