"""Statistics that make a slice worth trusting: intervals, tests, false-discovery control.

Every finder proposes candidate slices and declares the family of hypotheses it looked at;
this module computes, for every candidate, the Wilson interval of its error rate, a one-sided
exact test of "the slice's error rate is higher than the rest's" (hypergeometric, i.e. Fisher's
exact test), and Benjamini-Hochberg q-values over the whole family.
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


def slice_statistics(
    member_mask: np.ndarray, errors: np.ndarray, *, confidence: float = 0.95
) -> dict[str, object]:
    """Size, errors, error rate with interval, lift and excess errors of one slice.

    Parameters
    ----------
    member_mask : ndarray of bool, shape (n,)
    errors : ndarray of {0, 1}, shape (n,)
    """
    size = int(member_mask.sum())
    n = errors.shape[0]
    slice_errors = int(errors[member_mask].sum())
    total_errors = int(errors.sum())
    rest_size = n - size
    rest_errors = total_errors - slice_errors
    rate = slice_errors / size if size else 0.0
    rest_rate = rest_errors / rest_size if rest_size else 0.0
    low, high = wilson_interval(slice_errors, size, confidence=confidence)
    lift = rate / rest_rate if rest_rate > 0 else float("inf") if rate > 0 else 1.0
    return {
        "size": size,
        "errors": slice_errors,
        "error_rate": rate,
        "ci": [float(low), float(high)],
        "rest_error_rate": rest_rate,
        "lift": lift,
        "excess_errors": slice_errors - size * total_errors / n,
        "p_value": float(excess_error_p_value([slice_errors], [size], total_errors, n)[0]),
    }
