"""Intervals, exact tests and false-discovery control, shared by every stage.

A group's error count, if its rows were a random draw from a population, is hypergeometric;
the one-sided tail is Fisher's exact test of the group against the rest. Wilson intervals give
proportions their uncertainty; Benjamini-Hochberg turns a family of p-values into q-values.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import hypergeom, norm


def wilson_interval(
    successes, trials, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes, trials : array-like of shape (m,) or scalars

    Returns
    -------
    low, high : ndarray of shape (m,) (or 0-d), in [0, 1]; (0, 1) where trials is 0.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # at k = 0 or k = n the bound is exactly 0 or 1; rounding must not move it off
    low = np.where((n > 0) & (k > 0), np.clip(centre - half, 0, 1), 0.0)
    high = np.where((n > 0) & (k < n), np.clip(centre + half, 0, 1), 1.0)
    return low, high


def excess_error_p_value(
    slice_errors, slice_sizes, total_errors: int, total_size: int
) -> np.ndarray:
    """One-sided exact p-value that a slice holds more errors than chance would put there.

    Under the null, the slice's rows are a random draw of ``size`` rows from the table, so its
    error count is hypergeometric; the p-value is P(X >= errors). Equivalent to a one-sided
    Fisher exact test of the slice's error rate against the rest of the table.

    Parameters
    ----------
    slice_errors, slice_sizes : array-like of int, shape (m,)
    total_errors, total_size : int
    """
    e = np.asarray(slice_errors, dtype=np.int64)
    s = np.asarray(slice_sizes, dtype=np.int64)
    return np.clip(hypergeom.sf(e - 1, total_size, total_errors, s), 0.0, 1.0)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values, shape (m,), of p-values of shape (m,)."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def fewer_errors_p_value(
    slice_errors, slice_sizes, total_errors: int, total_size: int
) -> np.ndarray:
    """One-sided exact p-value that a slice holds fewer errors than chance would put there.

    The lower tail of the same hypergeometric law as `excess_error_p_value`: P(X <= errors).

    Parameters
    ----------
    slice_errors, slice_sizes : array-like of int, shape (m,)
    total_errors, total_size : int

    Returns
    -------
    ndarray of float, shape (m,)
    """
    e = np.asarray(slice_errors, dtype=np.int64)
    s = np.asarray(slice_sizes, dtype=np.int64)
    return np.asarray(hypergeom.cdf(e, total_size, total_errors, s), dtype=float)
