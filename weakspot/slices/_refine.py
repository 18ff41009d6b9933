"""Make predicate slices tidier before they are ranked.

Quantile bins cut numeric features at fixed points, so a failure region such as ``age >= 60``
shows up as two neighbouring slices ``age in [61, 75)`` and ``age in [75, inf)``. Widening an
interval condition over adjacent bins while the evidence grows recovers the region as one
slice. And a search that may add conditions adds some that exclude next to nothing
(``... and is_blurry == False``); dropping those keeps the rule short.
"""

from __future__ import annotations

import numpy as np

from weakspot.features import BinnedFeatures, Condition
from weakspot.slices._slice import Slice
from weakspot.stats import (
    LossPopulation,
    excess_loss_p_value,
    significantly_better,
    significantly_worse,
)

WIDEN_ALPHA = 0.01


def refine_slice(item: Slice, binned: BinnedFeatures, errors: np.ndarray) -> Slice:
    """Drop conditions that do not sharpen the slice, then widen its intervals.

    The slice keeps the q-value of the hypothesis its finder tested; its statistics are
    recomputed on the refined rule.
    """
    return widen_intervals(drop_idle_conditions(item, binned, errors), binned, errors)


def widen_intervals(item: Slice, binned: BinnedFeatures, errors: np.ndarray) -> Slice:
    """Return `item` with each interval condition widened to adjacent bins where that lowers
    the slice's excess-error p-value and the rows the new bin adds fail significantly more
    often than the rows left outside; other conditions are kept as they are.

    The second test keeps widening from swallowing bins at the base error rate, which a
    p-value alone would accept when the slice's own excess is large enough to carry them.

    Parameters
    ----------
    item : Slice
        A predicate slice; member-set slices are returned unchanged.
    binned : BinnedFeatures
    errors : ndarray, shape (n,)
        The loss (0/1 errors: exact tests).
    """
    if not item.conditions or not all(_is_bin_or_interval(c, binned) for c in item.conditions):
        return item
    conditions = list(item.conditions)
    changed = False
    for position, condition in enumerate(conditions):
        if condition.op != "in" or condition.feature not in binned.names:
            continue
        j = binned.names.index(condition.feature)
        edges = [b.value for b in binned.bins[j] if b.op == "in"]
        low = next((i for i, e in enumerate(edges) if e[0] == condition.value[0]), None)
        high = next((i for i, e in enumerate(edges) if e[1] == condition.value[1]), None)
        if low is None or high is None:
            continue
        best = _p_value(binned, conditions, errors)
        improved = True
        while improved:
            improved = False
            for new_low, new_high in ((low - 1, high), (low, high + 1)):
                if new_low < 0 or new_high >= len(edges):
                    continue
                trial = list(conditions)
                trial[position] = Condition(
                    condition.feature, "in", [edges[new_low][0], edges[new_high][1]]
                )
                p = _p_value(binned, trial, errors)
                if p < best and _added_rows_fail_more(binned, conditions, trial, errors):
                    best, low, high, conditions, improved, changed = (
                        p,
                        new_low,
                        new_high,
                        trial,
                        True,
                        True,
                    )
    if not changed:
        return item
    # an interval widened over every bin no longer says anything
    conditions = [
        c
        for c in conditions
        if not (c.op == "in" and c.value[0] == -np.inf and c.value[1] == np.inf)
    ]
    return item.replace(
        members=np.flatnonzero(_mask(binned, conditions)),
        conditions=tuple(conditions),
        refined_from=item.refined_from or item.rule(),
    )


def _added_rows_fail_more(
    binned: BinnedFeatures, current: list[Condition], trial: list[Condition], errors: np.ndarray
) -> bool:
    inside = _mask(binned, current)
    added = _mask(binned, trial) & ~inside
    return significantly_worse(added, ~inside, errors, WIDEN_ALPHA)


def _is_bin_or_interval(condition: Condition, binned: BinnedFeatures) -> bool:
    if condition.feature not in binned.names:
        return False
    return condition.op == "in" or condition in binned.bins[binned.names.index(condition.feature)]


def _mask(
    binned: BinnedFeatures, conditions: list[Condition] | tuple[Condition, ...]
) -> np.ndarray:
    mask = np.ones(binned.codes.shape[0], dtype=bool)
    for c in conditions:
        j = binned.names.index(c.feature)
        if c.op == "in":
            allowed = [
                b
                for b, cond in enumerate(binned.bins[j])
                if cond.op == "in" and cond.value[0] >= c.value[0] and cond.value[1] <= c.value[1]
            ]
        else:
            allowed = [b for b, cond in enumerate(binned.bins[j]) if cond == c]
        mask &= binned.codes_in(j, allowed)
    return mask


def _p_value(
    binned: BinnedFeatures, conditions: list[Condition] | tuple[Condition, ...], errors: np.ndarray
) -> float:
    mask = _mask(binned, conditions)
    # exact for 0/1 errors, the normal screen for a continuous loss
    population = LossPopulation.of(errors)
    return float(excess_loss_p_value([errors[mask].sum()], [mask.sum()], population)[0])


def drop_idle_conditions(
    item: Slice, binned: BinnedFeatures, errors: np.ndarray, *, alpha: float = 0.01
) -> Slice:
    """Return `item` without the conditions that do not sharpen it.

    A condition earns its place when the rows it excludes fail significantly less often than the
    slice does (one-sided exact test at level `alpha` within the slice without the condition).
    Conditions that exclude almost nothing, or only rows as bad as the slice, are dropped, so
    ``clipping < 0.29 and is_blurry == False`` reads ``clipping < 0.29``.
    """
    if not item.conditions or len(item.conditions) < 2:
        return item
    if not all(_is_bin_or_interval(c, binned) for c in item.conditions):
        return item
    conditions = list(item.conditions)
    for condition in list(conditions):
        if len(conditions) < 2:
            break
        mask = _mask(binned, conditions)
        rest = [c for c in conditions if c is not condition]
        wider = _mask(binned, rest)
        excluded = wider & ~mask
        if excluded.sum() == 0 or not significantly_better(excluded, wider, errors, alpha):
            conditions = rest
    if len(conditions) == len(item.conditions):
        return item
    return item.replace(
        members=np.flatnonzero(_mask(binned, conditions)),
        conditions=tuple(conditions),
        refined_from=item.refined_from or item.rule(),
    )
