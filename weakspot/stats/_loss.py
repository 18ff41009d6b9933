"""The slice test for any task's loss: more loss in a group than a random draw of its size?

Under the null, a group of `k` units is a random draw without replacement from the `N` units
of the population, and its summed loss is compared with that draw's distribution:

- a 0/1 loss (a classifier's errors) sums to a hypergeometric count, and the one-sided tail is
  exact (`excess_error_p_value`, Fisher's exact test of the group against the rest);
- a continuous loss (a regressor's absolute error) has the draw's mean ``k * mu`` and variance
  ``k * sigma^2 * (N - k) / (N - 1)`` (the finite-population correction), and the one-sided
  tail is the normal one. For a 0/1 loss this is the normal approximation of the exact test.

`LossPopulation.of(loss)` remembers what a population needs (its size, sum and sum of
squares) and whether the loss is binary, so that a finder calls one function whatever the task.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from weakspot.stats._tests import excess_error_p_value, fewer_errors_p_value


@dataclass(frozen=True)
class LossPopulation:
    """The units a group is drawn from, as the slice test needs them.

    Attributes
    ----------
    size : int
        Number of units N.
    total : float
        Summed loss (the error count for a 0/1 loss).
    total_squares : float
        Summed squared loss (equal to `total` for a 0/1 loss).
    binary : bool
        Whether every loss is 0 or 1 (then the exact hypergeometric test applies).
    """

    size: int
    total: float
    total_squares: float
    binary: bool

    @classmethod
    def of(cls, loss: np.ndarray) -> LossPopulation:
        """The population of `loss`, shape (N,); binary when every value is 0 or 1, whatever
        the dtype (then the exact test is the right one)."""
        values = np.asarray(loss, dtype=np.float64)
        binary = bool(np.all((values == 0) | (values == 1)))
        return cls(int(values.shape[0]), float(values.sum()), float(values @ values), binary)


def excess_loss_p_value(group_totals, group_sizes, population: LossPopulation) -> np.ndarray:
    """One-sided p-values that each group holds more loss than a random draw of its size.

    Parameters
    ----------
    group_totals, group_sizes : array-like, shape (m,)
        Each group's summed loss and number of units.
    population : LossPopulation
        The units the groups are drawn from.

    Returns
    -------
    ndarray of float, shape (m,), in [0, 1]: exact for a binary loss, normal with the
    finite-population correction otherwise (1 for an empty group or a constant loss).
    """
    return _tail(group_totals, group_sizes, population, upper=True)


def fewer_loss_p_value(group_totals, group_sizes, population: LossPopulation) -> np.ndarray:
    """One-sided p-values that each group holds less loss than a random draw of its size: the
    lower tail of the law of `excess_loss_p_value` (exact for a binary loss), shape (m,)."""
    return _tail(group_totals, group_sizes, population, upper=False)


def _tail(group_totals, group_sizes, population: LossPopulation, *, upper: bool) -> np.ndarray:
    """The upper or lower one-sided tail: the hypergeometric one for a binary loss (the
    totals are then error counts), the normal one otherwise."""
    if population.binary:
        exact = excess_error_p_value if upper else fewer_errors_p_value
        counts = np.rint(np.asarray(group_totals, dtype=float)).astype(np.int64)
        return exact(counts, group_sizes, int(round(population.total)), population.size)
    z, testable = _standardised(group_totals, group_sizes, population)
    return np.clip(np.where(testable, norm.sf(z) if upper else norm.cdf(z), 1.0), 0.0, 1.0)


def _standardised(
    group_totals, group_sizes, population: LossPopulation
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's summed loss in standard deviations of a random draw of its size (with the
    finite-population correction), and whether it can be tested (a non-empty group drawn from
    a loss that varies), both shape (m,)."""
    totals = np.asarray(group_totals, dtype=float)
    k = np.asarray(group_sizes, dtype=float)
    n = float(population.size)
    mean = population.total / n if n else 0.0
    variance = max(population.total_squares / n - mean * mean, 0.0) if n else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(k * variance * (n - k) / max(n - 1.0, 1.0))
        z = (totals - k * mean) / spread
    return z, (k > 0) & (spread > 0)


def significantly_worse(
    part: np.ndarray, population: np.ndarray, errors: np.ndarray, alpha: float
) -> bool:
    """Whether `part` holds significantly more loss than a random draw from `population`.

    Parameters
    ----------
    part, population : ndarray of bool, shape (n,)
    errors : ndarray, shape (n,)
        The loss (0/1 errors: the exact test).
    alpha : float
        Level of the one-sided test.
    """
    size = int(part.sum())
    if size == 0:
        return False
    drawn_from = LossPopulation.of(errors[population])
    return bool(excess_loss_p_value([errors[part].sum()], [size], drawn_from)[0] <= alpha)


def significantly_better(
    part: np.ndarray, population: np.ndarray, errors: np.ndarray, alpha: float
) -> bool:
    """Whether `part` holds significantly less loss than a random draw from `population`
    (same parameters as `significantly_worse`)."""
    drawn_from = LossPopulation.of(errors[population])
    p = fewer_loss_p_value([errors[part].sum()], [int(part.sum())], drawn_from)[0]
    return bool(p <= alpha)


def held_out_p_value(mask: np.ndarray, errors: np.ndarray, held_out: np.ndarray) -> float:
    """The p-value of `mask`'s excess loss among the `held_out` rows only (exact for 0/1
    errors), for finders that chose `mask` by looking at the other rows."""
    test = mask & held_out
    drawn_from = LossPopulation.of(errors[held_out])
    return float(excess_loss_p_value([errors[test].sum()], [int(test.sum())], drawn_from)[0])
