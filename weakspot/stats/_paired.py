"""Paired and multiple-comparison statistics: McNemar's exact test, a paired interval, Holm.

Two models (or one model before and after a change) judged on the same examples are paired
example by example: only the discordant examples, right under one and wrong under the other,
carry information about a difference, and under no difference they split like fair coin tosses.
Holm's step-down adjustment controls the family-wise error of a handful of such checks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import binomtest, fisher_exact, norm


def mcnemar_p_value(b: int, c: int, *, alternative: str = "two-sided") -> float:
    """Exact McNemar p-value from the two counts of discordant pairs.

    Under no difference each of the ``b + c`` discordant examples is as likely to fall either
    way, so `b` is binomial(b + c, 1/2); the test is that binomial test.

    Parameters
    ----------
    b, c : int
        The discordant pairs, in McNemar's notation: examples that changed one way (for a
        change made worse, those right before and wrong after) and those that changed the other.
    alternative : {"two-sided", "greater", "less"}
        ``greater`` tests one-sidedly that `b` exceeds what chance would give; ``two-sided``
        tests any change, and is symmetric in `b` and `c`.

    Returns
    -------
    float
        The p-value in [0, 1]; 1.0 when there are no discordant pairs.
    """
    discordant = int(b) + int(c)
    if discordant == 0:
        return 1.0
    return float(binomtest(int(b), discordant, 0.5, alternative=alternative).pvalue)


def paired_difference_interval(
    worse: int, better: int, n: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Wald interval of the paired difference of error rates, ``(worse - better) / n``.

    The per-example difference is +1, 0 or -1; its variance is estimated from the discordant
    counts, so the interval is approximate for small `n`.

    Parameters
    ----------
    worse, better : int
        Examples that became wrong, and examples that became right.
    n : int
        Examples compared (concordant ones included).
    confidence : float

    Returns
    -------
    low, high : float
        Clipped to [-1, 1]; (-1.0, 1.0) when `n` is 0.
    """
    if not n:
        return (-1.0, 1.0)
    delta = (worse - better) / n
    se = np.sqrt(max(worse + better - (worse - better) ** 2 / n, 0.0)) / n
    z = norm.ppf(0.5 + confidence / 2)
    return (max(-1.0, delta - z * se), min(1.0, delta + z * se))


def unpaired_worse_p_value(new_errors: int, old_errors: int, n: int) -> float:
    """One-sided Fisher exact p-value that the new error rate exceeds the old one.

    Treats the two runs as independent samples of `n` examples each (the 2 x 2 table of errors
    and non-errors); use `mcnemar_p_value` when the examples are the same.

    Parameters
    ----------
    new_errors, old_errors : int
    n : int
        Examples in each run.
    """
    table = [[new_errors, n - new_errors], [old_errors, n - old_errors]]
    return float(fisher_exact(table, alternative="greater")[1])


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given.

    The i-th smallest p-value is multiplied by ``m - i`` (i from 0) and capped at 1, then made
    non-decreasing along the sorted order, so that rejecting every adjusted p-value at or below
    alpha controls the family-wise error rate at alpha.

    Parameters
    ----------
    p_values : sequence of float, length m

    Returns
    -------
    list of float, length m
    """
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted.tolist()
