"""Put a numeric threshold where the failure starts, not at a quantile bin edge.

Quantile bins cut ``age`` at 63 although the failure starts at 70, so the lattice reports
``age >= 63`` (F1 0.87 against the planted slice). `place_cutpoints` moves each finite end
of each interval condition to the value, between the neighbouring bin edges on either side,
where the slice's excess errors are most significant (one-sided exact test), searching on
the rows that did not choose the slice; the cut moves only when the rows it adds fail
significantly more often than those outside, and the rows it drops significantly less often
than those kept (level `MOVE_ALPHA`). The search uses the rows that did not choose the slice: the held-out half of the error tree (the same random
half, from the same seed), which for the lattice is simply a random half. The slice keeps its
finder's q-value; its members follow the new rule on all rows.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from weakspot.features import BinnedFeatures, Condition
from weakspot.slices._slice import Slice
from weakspot.stats import (
    LossPopulation,
    excess_loss_p_value,
    random_half,
    significantly_better,
    significantly_worse,
)

MAX_CANDIDATES = 40
MOVE_ALPHA = 0.01


def held_out_half(n: int, random_state: int) -> np.ndarray:
    """The rows split-sample finders did not fit on, bool of shape (n,) (`random_half`)."""
    return ~random_half(n, random_state)


def place_cutpoints(
    item: Slice,
    binned: BinnedFeatures,
    features: pd.DataFrame,
    errors: np.ndarray,
    search_rows: np.ndarray,
) -> Slice:
    """Return `item` with each finite interval end moved to where the failure starts.

    Parameters
    ----------
    item : Slice
        Member-set slices and slices without interval conditions come back unchanged.
    binned : BinnedFeatures
    features : DataFrame, shape (n, f)
        Raw values of the binned features.
    errors : ndarray, shape (n,)
        The loss (0/1 errors: exact tests).
    search_rows : ndarray of bool, shape (n,)
        The rows to choose cut points on (see `held_out_half`).
    """
    if not item.conditions or not any(c.op == "in" for c in item.conditions):
        return item
    conditions = list(item.conditions)
    for position, condition in enumerate(conditions):
        if condition.op != "in" or condition.feature not in features.columns:
            continue
        for end in (0, 1):
            if np.isfinite(condition.value[end]):
                condition = _best_cut(
                    conditions, position, end, binned, features, errors, search_rows
                )
                conditions[position] = condition
    if conditions == list(item.conditions):
        return item
    mask = rows_of(conditions, binned, features)
    return replace(
        item,
        members=np.flatnonzero(mask),
        conditions=tuple(conditions),
        refined_from=item.refined_from or item.rule(),
    )


def _best_cut(conditions, position, end, binned, features, errors, search_rows) -> Condition:
    condition = conditions[position]
    values = pd.to_numeric(features[condition.feature], errors="coerce").to_numpy(float)
    low_limit, high_limit = _neighbour_edges(binned, condition, end)
    others = rows_of([c for i, c in enumerate(conditions) if i != position], binned, features)
    span = values[(values >= low_limit) & (values <= high_limit) & search_rows & others]
    grid = np.linspace(0, 1, MAX_CANDIDATES)
    candidates: np.ndarray = np.unique(np.quantile(span, grid)) if len(span) else np.zeros(0)
    base = others & search_rows
    population = LossPopulation.of(errors[search_rows])  # exact test for 0/1 errors
    best, best_p = condition, _p(condition, values, base, errors, population)
    for cut in candidates:
        value = list(condition.value)
        value[end] = float(_round(cut))
        if value[0] >= value[1]:
            continue
        trial = Condition(condition.feature, "in", value)
        p = _p(trial, values, base, errors, population)
        if p < best_p:
            best, best_p = trial, p
    if best is not condition and not _moved_rows_differ(condition, best, values, base, errors):
        return condition
    return best


def _moved_rows_differ(old, new, values, base, errors, alpha: float = MOVE_ALPHA) -> bool:
    """Whether the rows the new cut adds fail more than the rows outside, or the rows it
    drops fail less than the rows it keeps (one-sided exact tests on the search rows)."""
    inside_old = base & (values >= old.value[0]) & (values < old.value[1])
    inside_new = base & (values >= new.value[0]) & (values < new.value[1])
    added, dropped = inside_new & ~inside_old, inside_old & ~inside_new
    if added.any() and not significantly_worse(added, base & ~inside_old, errors, alpha):
        return False
    return not dropped.any() or significantly_better(dropped, inside_old, errors, alpha)


def _p(condition, values, base, errors, population: LossPopulation) -> float:
    low, high = condition.value
    inside = base & (values >= low) & (values < high)
    if inside.sum() == 0:
        return 1.0
    return float(excess_loss_p_value([errors[inside].sum()], [inside.sum()], population)[0])


def _neighbour_edges(binned: BinnedFeatures, condition: Condition, end: int) -> tuple[float, float]:
    """The bin edges on either side of the interval's `end` (its search range)."""
    edges = sorted(
        {
            e
            for b in binned.bins[binned.names.index(condition.feature)]
            if b.op == "in"
            for e in b.value
        }
        if condition.feature in binned.names
        else set()
    )
    finite = [e for e in edges if np.isfinite(e)]
    at = condition.value[end]
    below = [e for e in finite if e < at]
    above = [e for e in finite if e > at]
    return (below[-1] if below else -np.inf, above[0] if above else np.inf)


def rows_of(
    conditions: list[Condition], binned: BinnedFeatures, features: pd.DataFrame
) -> np.ndarray:
    """Rows satisfying `conditions`, bool of shape (n,): intervals on raw values, others by bin."""
    mask = np.ones(binned.codes.shape[0], dtype=bool)
    for c in conditions:
        if c.op == "in" and c.feature in features.columns:
            values = pd.to_numeric(features[c.feature], errors="coerce").to_numpy(float)
            mask &= (values >= c.value[0]) & (values < c.value[1])
        else:
            j = binned.names.index(c.feature)
            allowed = [b for b, cond in enumerate(binned.bins[j]) if cond == c]
            if not allowed and c.op in ("!=", "not in range", "in set", "is not missing"):
                positive = [b for b, cond in enumerate(binned.bins[j]) if cond.negated() == c]
                mask &= ~binned.codes_in(j, positive)
                continue
            mask &= binned.codes_in(j, allowed)
    return mask


def _round(x: float) -> float:
    """Two significant digits more than the bin edges carry: readable, still precise."""
    if x == 0 or not np.isfinite(x):
        return float(x)
    digits = 3 - 1 - int(np.floor(np.log10(abs(x))))
    return float(round(x, digits))
