from __future__ import annotations

from math import comb, sqrt
from statistics import NormalDist

import numpy as np
import pytest
from scipy.stats import fisher_exact

from weakspot.stats import (
    benjamini_hochberg,
    excess_error_p_value,
    fewer_errors_p_value,
    member_mask,
    random_half,
    significantly_better,
    significantly_worse,
    wilson_interval,
)


def test_wilson_interval_known_values():
    # 8 successes out of 10: the textbook Wilson interval is [0.490, 0.943]
    low, high = wilson_interval(8, 10)
    assert (float(low), float(high)) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    low, high = wilson_interval(0, 0)
    assert (float(low), float(high)) == (0.0, 1.0)


def test_p_value_equals_one_sided_fisher_exact():
    for errors_in, size, total_errors, n in [(12, 40, 50, 500), (3, 30, 60, 400), (0, 10, 5, 100)]:
        table = [
            [errors_in, size - errors_in],
            [total_errors - errors_in, n - size - total_errors + errors_in],
        ]
        expected = fisher_exact(table, alternative="greater").pvalue
        got = excess_error_p_value([errors_in], [size], total_errors, n)[0]
        assert got == pytest.approx(expected, rel=1e-9)


def test_benjamini_hochberg_matches_hand_computation():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # sorted: 0.01, 0.03, 0.04, 0.20 -> 0.04, 0.06, 0.0533, 0.20 -> monotone: 0.04, 0.0533, 0.0533, 0.2
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.16 / 3, 0.16 / 3, 0.20])


def test_member_mask_marks_exactly_the_members():
    mask = member_mask(np.array([0, 3, 4]), 6)
    assert mask.tolist() == [True, False, False, True, True, False]


@pytest.mark.parametrize("n", [0, 1, 7, 100])
def test_random_half_is_half_and_the_same_for_a_seed(n):
    half = random_half(n, 3)
    assert half.sum() == n // 2
    assert np.array_equal(half, random_half(n, 3))
    # the draw every split-sample finder made before this helper existed
    legacy = np.zeros(n, dtype=bool)
    legacy[np.random.default_rng(3).permutation(n)[: n // 2]] = True
    assert np.array_equal(half, legacy)


def test_wilson_interval_equals_the_closed_form():
    # Wilson (1927): (p + z^2 / 2n +- z sqrt(p(1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)
    z = NormalDist().inv_cdf(0.95)
    for k, n in [(3, 17), (50, 60), (1, 1000)]:
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        low, high = wilson_interval(k, n, confidence=0.90)
        assert (float(low), float(high)) == pytest.approx((centre - half, centre + half), rel=1e-12)
    # the bounds at k = 0 and k = n are exactly 0 and 1
    assert [float(b) for b in wilson_interval([0, 5], [5, 5])[0]] == [
        0.0,
        pytest.approx(0.5655, abs=1e-4),
    ]
    assert float(wilson_interval(5, 5)[1]) == 1.0


def test_fewer_errors_p_value_is_the_lower_hypergeometric_tail():
    # 2 errors among 30 rows drawn from 400 rows holding 60 errors: P(X <= 2)
    expected = sum(comb(60, x) * comb(340, 30 - x) for x in range(3)) / comb(400, 30)
    got = fewer_errors_p_value([2, 30], [30, 30], 60, 400)
    assert got[0] == pytest.approx(expected, rel=1e-9)
    assert got[1] == pytest.approx(1.0)


def test_significantly_better_and_worse_are_the_two_tails():
    errors = np.zeros(400, dtype=int)
    errors[:60] = 1
    population = np.ones(400, dtype=bool)
    few = np.zeros(400, dtype=bool)
    few[[0, 1, *range(100, 128)]] = True  # 30 rows, 2 errors: expected 4.5
    many = np.zeros(400, dtype=bool)
    many[:20] = True  # 20 rows, all errors
    assert significantly_better(few, population, errors, 0.2)
    assert not significantly_better(few, population, errors, 0.01)
    assert significantly_worse(many, population, errors, 0.001)
    assert not significantly_worse(few, population, errors, 0.5)
