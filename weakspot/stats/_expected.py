"""More errors than each row's own probability of error predicts? (a Poisson-binomial tail)

When every row carries its probability of failing (a classifier's ``1 - P(predicted class)``),
the errors of a group are a sum of independent Bernoulli draws with those probabilities, of
mean ``sum p`` and variance ``sum p (1 - p)``. The one-sided tail is taken as normal with a
continuity correction: the groups it serves (failure modes) hold tens of rows or more.
`ModelConfidence` turns a classifier's probabilities into those per-row probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ModelConfidence:
    """A classifier's probabilities as the errors they predict, for every evaluation row.

    Attributes
    ----------
    proba : ndarray of float, shape (n, n_classes)
        Class probabilities, multiplied by `scale` (clipped to [0, 1]).
    predicted : ndarray of int, shape (n,)
        Column of each row's prediction (-1 for a class outside the probabilities' columns).
    scale : float
        The observed errors over the errors the raw probabilities predict, on all rows: a model
        over- or under-confident everywhere is judged by how it ranks its rows.
    """

    proba: np.ndarray
    predicted: np.ndarray
    scale: float

    @classmethod
    def of(
        cls,
        proba: np.ndarray,
        predictions: Sequence[object] | np.ndarray,
        classes: Sequence[str],
        errors: np.ndarray,
    ) -> ModelConfidence:
        """From probabilities (shape (n, n_classes), columns in the order of `classes`), the
        predicted classes (shape (n,)) and the observed 0/1 errors (shape (n,))."""
        values = np.asarray(proba, dtype=np.float64)
        column = {str(c): j for j, c in enumerate(classes)}
        predicted = np.array([column.get(str(p), -1) for p in predictions], dtype=np.int64)
        raw = cls(values, predicted, 1.0).expected(np.ones(values.shape[1], dtype=bool))
        total = float(raw.sum())
        observed = float(np.asarray(errors, dtype=np.float64).sum())
        scale = observed / total if total > 0 else 1.0
        return cls(np.clip(values * scale, 0.0, 1.0), predicted, scale)

    def expected(self, allowed: np.ndarray) -> np.ndarray:
        """Each row's probability of an error whose true class is in `allowed` (bool, shape
        (n_classes,)): the probability of those classes other than the predicted one, shape
        (n,). With every class allowed, ``1 - P(predicted class)`` (times `scale`)."""
        rows = np.arange(len(self.predicted))
        at = np.maximum(self.predicted, 0)
        own = np.where((self.predicted >= 0) & allowed[at], self.proba[rows, at], 0.0)
        return np.clip(self.proba[:, allowed].sum(axis=1) - own, 0.0, 1.0)
