"""McNemar, the paired interval, the unpaired test and Holm against references built from the
standard library alone (binomial and hypergeometric sums with math.comb, z from NormalDist)."""

from __future__ import annotations

from fractions import Fraction
from math import comb, sqrt
from statistics import NormalDist

import pytest

from weakspot.stats import (
    holm,
    mcnemar_p_value,
    paired_difference_interval,
    unpaired_worse_p_value,
)


def _binomial_half(n: int) -> list[Fraction]:
    return [Fraction(comb(n, j), 2**n) for j in range(n + 1)]


def _two_sided_binomial(k: int, n: int) -> float:
    """Two-sided binomial(n, 1/2) p-value: the mass of every outcome no likelier than k."""
    pmf = _binomial_half(n)
    return float(min(Fraction(1), sum(p for p in pmf if p <= pmf[k])))


def _upper_binomial(k: int, n: int) -> float:
    return float(sum(_binomial_half(n)[k:]))


@pytest.mark.parametrize(("b", "c"), [(10, 2), (2, 10), (7, 7), (0, 9), (1, 0), (40, 25)])
def test_mcnemar_is_the_two_sided_binomial_test_on_the_discordant_pairs(b, c):
    assert mcnemar_p_value(b, c) == pytest.approx(_two_sided_binomial(b, b + c), rel=1e-9)
    assert mcnemar_p_value(b, c) == mcnemar_p_value(c, b)


def test_mcnemar_worked_by_hand():
    # binomial(12, 1/2) at 2: 2 * (1 + 12 + 66) / 4096
    assert mcnemar_p_value(10, 2) == pytest.approx(2 * 79 / 4096, rel=1e-12)
    assert mcnemar_p_value(0, 0) == 1.0


@pytest.mark.parametrize(("b", "c"), [(10, 2), (2, 10), (5, 5), (30, 12)])
def test_mcnemar_greater_is_the_upper_binomial_tail(b, c):
    expected = _upper_binomial(b, b + c)
    assert mcnemar_p_value(b, c, alternative="greater") == pytest.approx(expected, rel=1e-9)
    assert mcnemar_p_value(0, 0, alternative="greater") == 1.0


def test_paired_difference_interval_worked_by_hand():
    # 5 became wrong, 1 became right out of 20: delta 0.2, var of the +-1/0 differences
    # (5 + 1) / 20 - 0.2 ** 2 = 0.26, standard error sqrt(0.26 / 20)
    low, high = paired_difference_interval(5, 1, 20)
    half = NormalDist().inv_cdf(0.975) * sqrt(0.26 / 20)
    assert (low, high) == pytest.approx((0.2 - half, 0.2 + half), rel=1e-12)
    assert paired_difference_interval(0, 0, 0) == (-1.0, 1.0)
    # every example worse: no spread, and the interval stays inside [-1, 1]
    assert paired_difference_interval(10, 0, 10) == (1.0, 1.0)


def test_unpaired_worse_is_the_upper_hypergeometric_tail():
    # 9 of 20 new errors against 3 of 20 old: X = new errors among the 12 errors of 40 draws
    new, old, n = 9, 3, 20
    total = new + old
    expected = sum(comb(total, x) * comb(2 * n - total, n - x) for x in range(new, total + 1))
    p = unpaired_worse_p_value(new, old, n)
    assert p == pytest.approx(expected / comb(2 * n, n), rel=1e-9)
    assert 0.0 < p < 0.05


def test_holm_matches_hand_computation():
    # sorted 0.01, 0.025, 0.03, 0.5 times 4, 3, 2, 1 -> 0.04, 0.075, 0.06, 0.5; the running max
    # lifts the third to 0.075, so a larger p-value never gets a smaller adjusted one
    assert holm([0.03, 0.5, 0.01, 0.025]) == pytest.approx([0.075, 0.5, 0.04, 0.075])
    # 0.1 * 3, 0.4 * 2, 0.9 * 1
    assert holm([0.4, 0.1, 0.9]) == pytest.approx([0.8, 0.3, 0.9])
    # 0.6 * 2 is capped at 1, and 0.7 may not fall below it
    assert holm([0.7, 0.6]) == [1.0, 1.0]
    assert holm([]) == []
