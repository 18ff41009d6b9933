"""beyond_expected_p_value against the exact Poisson-binomial tail and random draws."""

import numpy as np
import pytest

from weakspot.stats import beyond_expected_p_value


def _exact_tail(observed: int, p: np.ndarray) -> float:
    """P(X >= observed) for X a sum of Bernoulli(p), by convolution."""
    distribution = np.array([1.0])
    for q in p:
        distribution = np.convolve(distribution, [1 - q, q])
    return float(distribution[observed:].sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_normal_tail_is_close_to_the_exact_one_for_groups_of_a_hundred(seed):
    rng = np.random.default_rng(seed)
    p = rng.beta(1, 4, 100)
    for observed in (int(p.sum()) + 5, int(p.sum()) + 10, int(p.sum()) + 15):
        exact = _exact_tail(observed, p)
        assert beyond_expected_p_value(observed, p) == pytest.approx(exact, rel=0.35, abs=2e-3)


def test_under_the_null_it_rejects_at_most_its_level():
    rng = np.random.default_rng(7)
    p = rng.beta(1, 3, 200)
    draws = (rng.random((4000, p.size)) < p).sum(axis=1)
    rejected = np.mean([beyond_expected_p_value(k, p) <= 0.05 for k in draws])
    assert rejected <= 0.06


def test_edges():
    assert beyond_expected_p_value(3, np.array([0.5] * 10)) == 1.0  # below the expected 5
    assert beyond_expected_p_value(2, np.zeros(5)) == 0.0  # errors where none can happen
    assert beyond_expected_p_value(40, np.full(50, 0.2)) < 1e-10
