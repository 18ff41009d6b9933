from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import fisher_exact

from weakspot.stats import (
    benjamini_hochberg,
    excess_error_p_value,
    member_mask,
    random_half,
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
