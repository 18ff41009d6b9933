"""More errors than each row's own probability of error predicts? (a Poisson-binomial tail)

When every row carries its probability of failing (a classifier's ``1 - P(predicted class)``),
the errors of a group are a sum of independent Bernoulli draws with those probabilities, of
mean ``sum p`` and variance ``sum p (1 - p)``. The one-sided tail is taken as normal with a
continuity correction: the groups it serves (failure modes) hold tens of rows or more.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def beyond_expected_p_value(observed: float, probabilities: np.ndarray) -> float:
    """One-sided p-value that `observed` errors exceed what `probabilities` predict.

    Parameters
    ----------
    observed : float
        The group's error count.
    probabilities : ndarray of float, shape (m,)
        Each member's probability of an error, in [0, 1].

    Returns
    -------
    float
        1.0 when `observed` is not above the expected count; 0.0 when the expected count has
        no variance (every probability 0 or 1) and is exceeded.
    """
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    expected = float(p.sum())
    if observed <= expected:
        return 1.0
    variance = float((p * (1 - p)).sum())
    if variance <= 0:
        return 0.0
    return float(norm.sf((observed - expected - 0.5) / np.sqrt(variance)))
