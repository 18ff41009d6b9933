"""The finalists' test and effect size for a continuous loss: random draws, not a formula.

Inside the search, a group's summed loss is screened with the normal tail and the
finite-population correction (`excess_loss_p_value`): thousands of hypotheses, one formula
each. The normal tail is an approximation, and a skewed loss (a squared error, a few huge
residuals) makes it too small for a small group. The few groups that pass the screen get a
permutation test instead: the group's summed loss against the sums of random groups of its
size, drawn without replacement from the same units, which needs no assumption on the loss.

One set of random permutations serves every group of a population: the first `k` units of a
uniformly random permutation are a uniformly random `k`-subset, so one cumulative sum per
permutation gives a draw for every size at once. A group larger than half the population is
tested through its complement (the same event, fewer units to sum).

The effect size of a continuous loss is the loss ratio (mean loss inside over mean loss
elsewhere), with a percentile bootstrap interval that resamples the group and the rest apart.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import norm

# Work (units drawn, summed over draws) a permutation test or a bootstrap may spend: 20M
# units take about a second here; past it, fewer draws (never under the minimum).
DRAW_BUDGET = 20_000_000
MIN_PERMUTATIONS = 999
MAX_PERMUTATIONS = 199_999
BOOTSTRAP_DRAWS = 1_000
MIN_BOOTSTRAP_DRAWS = 200


def permutation_draws(population_size: int, resolution: float) -> int:
    """How many random permutations a test of groups from `population_size` units gets.

    Enough that the smallest p-value the draws can show, ``1 / (draws + 1)``, is at most a
    twentieth of `resolution` (the level the p-value will be compared with), between
    `MIN_PERMUTATIONS` and `MAX_PERMUTATIONS`, and within `DRAW_BUDGET` units drawn.
    """
    wanted = int(np.ceil(20.0 / max(resolution, 1e-12)))
    affordable = DRAW_BUDGET // max(population_size, 1)
    return int(max(MIN_PERMUTATIONS, min(wanted, MAX_PERMUTATIONS, affordable)))


def permutation_p_values(
    loss: np.ndarray,
    group_totals,
    group_sizes,
    *,
    draws: int,
    random_state: int | list[int],
) -> np.ndarray:
    """One-sided Monte Carlo permutation p-values that each group holds more loss than a
    random group of its size.

    ``p = (1 + #{draws whose sum >= the group's}) / (1 + draws)``, a valid p-value for any
    number of draws (it counts the observed group as one of the draws). The same seed gives
    the same p-values.

    Parameters
    ----------
    loss : ndarray of float, shape (N,)
        The population's loss (a signed loss is tested as it is: the test is on sums).
    group_totals, group_sizes : array-like, shape (m,)
        Each group's summed loss and its number of units (0 <= size <= N).
    draws : int
        Number of random permutations.
    random_state : int or list of int
        Seed of `numpy.random.default_rng`.

    Returns
    -------
    ndarray of float, shape (m,), in (0, 1]; 1 for an empty group or the whole population
    (its sum is the only possible one).
    """
    x = np.asarray(loss, dtype=np.float64)
    n = x.shape[0]
    totals = np.asarray(group_totals, dtype=np.float64).reshape(-1)
    sizes = np.asarray(group_sizes, dtype=np.int64).reshape(-1)
    p = np.ones(totals.shape[0])
    testable = (sizes > 0) & (sizes < n)
    if not testable.any() or draws < 1:
        return p
    total = float(x.sum())
    # a group over half the units is tested through its complement: sum(group) >= t exactly
    # when sum(complement) <= total - t, and the complement is a uniform draw of N - k units
    complement = sizes > n // 2
    length = np.where(complement, n - sizes, sizes)[testable]
    target = np.where(complement, total - totals, totals)[testable]
    upper = ~complement[testable]
    # the group's sum and a draw's add the same numbers in another order: allow for rounding
    slack = 1e-9 * (float(np.abs(x).sum()) + 1.0)
    longest = int(length.max())
    rng = np.random.default_rng(random_state)
    batch = int(max(1, min(draws, 4_000_000 // max(n, 1))))
    hits = np.zeros(length.shape[0], dtype=np.int64)
    done = 0
    while done < draws:
        size = min(batch, draws - done)
        order = rng.permuted(np.broadcast_to(np.arange(n), (size, n)), axis=1)[:, :longest]
        sums = np.cumsum(x[order], axis=1)[:, length - 1]
        reached = np.where(upper, sums >= target - slack, sums <= target + slack)
        hits += reached.sum(axis=0)
        done += size
    p[testable] = (1.0 + hits) / (1.0 + draws)
    return p


def mean_interval(values: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float]:
    """Normal interval of the mean of `values` (shape (k,)): mean +- z * sd / sqrt(k); the
    mean alone for fewer than two values. What a candidate slice carries until a reported
    one gets its bootstrap interval (`bootstrap_intervals`)."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean()) if values.size else 0.0
    if values.size < 2:
        return mean, mean
    half = float(norm.ppf(0.5 + confidence / 2)) * float(values.std(ddof=1)) / np.sqrt(values.size)
    return mean - half, mean + half


def loss_ratio(inside: np.ndarray, outside: np.ndarray) -> float:
    """Mean loss inside over mean loss outside (inf when the outside has none, 1 when neither
    has any): the effect size of a non-negative loss."""
    mean_in = float(inside.mean()) if inside.size else 0.0
    mean_out = float(outside.mean()) if outside.size else 0.0
    if mean_out > 0:
        return mean_in / mean_out
    return float("inf") if mean_in > 0 else 1.0


def shift_ratio(inside: np.ndarray, outside: np.ndarray, direction: int = 0) -> float:
    """``1 + gap / (mean absolute deviation outside)``: the effect size of a signed loss (a
    residual), whose mean may be near 0 or negative, so that a ratio of means says nothing.

    With ``direction=0`` the gap is ``|mean inside - mean outside|``. With ``direction=+1``
    (an excess: a model that over-estimates) or ``-1`` (a deficit) it is the difference of
    the means in that direction, counted only as far as the slice's own mean lies beyond 0 on
    that side: a slice is said to over-estimate only when it does, not merely less badly than
    a rest that under-estimates (0 is no bias).

    It is the loss ratio the slice would have on the absolute deviation from the rest's mean
    if its values were the rest's shifted by the gap: 2 when a slice's residuals are off by as
    much as the rest's typical scatter. inf when the rest does not vary and there is a gap.
    """
    mean_in = float(inside.mean()) if inside.size else 0.0
    mean_out = float(outside.mean()) if outside.size else 0.0
    if direction == 0:
        gap = abs(mean_in - mean_out)
    else:
        gap = max(0.0, min(direction * (mean_in - mean_out), direction * mean_in))
    scatter = float(np.abs(outside - mean_out).mean()) if outside.size else 0.0
    if scatter > 0:
        return 1.0 + gap / scatter
    return float("inf") if gap > 0 else 1.0


def bootstrap_intervals(
    inside: np.ndarray,
    outside: np.ndarray,
    effect: Callable[[np.ndarray, np.ndarray], float],
    *,
    random_state: int | list[int],
    confidence: float = 0.95,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Percentile bootstrap intervals of the mean inside and of ``effect(inside, outside)``.

    The group and the rest are resampled apart (with replacement, each at its own size), as
    a two-sample statistic needs. `BOOTSTRAP_DRAWS` resamples, fewer (never under
    `MIN_BOOTSTRAP_DRAWS`) where they would exceed `DRAW_BUDGET` units.

    Parameters
    ----------
    inside, outside : ndarray of float, shape (k,), (N - k,)
    effect : callable
        The effect size of two samples (`loss_ratio` or `shift_ratio`).
    random_state : int or list of int
        Seed of `numpy.random.default_rng`; the same seed gives the same intervals.
    confidence : float

    Returns
    -------
    (low, high) of the mean inside, (low, high) of the effect; inf stays inf.
    """
    inside = np.asarray(inside, dtype=np.float64)
    outside = np.asarray(outside, dtype=np.float64)
    if inside.size == 0 or outside.size == 0:
        value = effect(inside, outside)
        mean = float(inside.mean()) if inside.size else 0.0
        return (mean, mean), (value, value)
    units = inside.size + outside.size
    draws = int(max(MIN_BOOTSTRAP_DRAWS, min(BOOTSTRAP_DRAWS, DRAW_BUDGET // units)))
    rng = np.random.default_rng(random_state)
    means = np.empty(draws)
    effects = np.empty(draws)
    for b in range(draws):
        a = inside[rng.integers(0, inside.size, inside.size)]
        o = outside[rng.integers(0, outside.size, outside.size)]
        means[b] = a.mean()
        effects[b] = effect(a, o)
    tail = (1.0 - confidence) / 2 * 100
    return _percentiles(means, tail), _percentiles(effects, tail)


def _percentiles(values: np.ndarray, tail: float) -> tuple[float, float]:
    """The (tail, 100 - tail) percentiles, inf kept (a resample whose rest has no loss)."""
    finite = np.isfinite(values)
    if finite.all():
        low, high = np.percentile(values, [tail, 100 - tail])
        return float(low), float(high)
    # np.percentile interpolates inf into nan: rank the values instead
    ordered = np.sort(np.where(finite, values, np.inf))
    pick = np.clip(np.round(np.array([tail, 100 - tail]) / 100 * (len(ordered) - 1)), 0, None)
    return float(ordered[int(pick[0])]), float(ordered[int(pick[1])])
