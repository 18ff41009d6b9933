from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact

from weakspot.slices import (
    benjamini_hochberg,
    excess_error_p_value,
    slice_statistics,
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


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 100_000), rate=st.floats(0.01, 0.9))
def test_slice_statistics_equal_a_recount(seed, rate):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    errors = (rng.random(n) < rate).astype(np.int8)
    mask = rng.random(n) < rng.uniform(0.05, 0.95)
    if mask.sum() == 0 or mask.sum() == n:
        mask[0], mask[-1] = True, False
    s = slice_statistics(mask, errors)
    assert s["size"] == sum(1 for i in range(n) if mask[i])
    assert s["errors"] == sum(int(errors[i]) for i in range(n) if mask[i])
    assert s["error_rate"] == pytest.approx(s["errors"] / s["size"])
    rest_rate = (errors.sum() - s["errors"]) / (n - s["size"])
    assert s["rest_error_rate"] == pytest.approx(rest_rate)
    assert s["ci"][0] <= s["error_rate"] <= s["ci"][1]
    if rest_rate > 0:
        assert s["lift"] == pytest.approx(s["error_rate"] / rest_rate)
    assert s["excess_errors"] == pytest.approx(s["errors"] - s["size"] * errors.mean())
