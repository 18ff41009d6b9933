"""The slice test for any loss: exact for 0/1 errors, normal with the finite-population
correction for a continuous loss, checked against brute-force draws."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weakspot.stats import LossPopulation, excess_error_p_value, excess_loss_p_value


def test_a_binary_loss_gets_the_exact_hypergeometric_test():
    errors = np.array([1, 0, 0, 1, 1, 0, 0, 0, 1, 0] * 10, dtype=np.int8)
    population = LossPopulation.of(errors)
    assert population.binary and population.size == 100 and population.total == 40
    got = excess_loss_p_value([9, 5, 0], [12, 12, 12], population)
    want = excess_error_p_value([9, 5, 0], [12, 12, 12], 40, 100)
    np.testing.assert_array_equal(got, want)


def test_a_float_loss_is_continuous_even_when_it_holds_zeros_and_ones():
    assert not LossPopulation.of(np.array([0.0, 1.0, 0.5])).binary


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(20, 120))
def test_continuous_p_value_matches_the_tail_of_random_draws(seed, k):
    """The p-value of a group's summed loss is the share of random draws of its size that sum
    as high: brute force over 4,000 draws without replacement, within Monte Carlo error."""
    rng = np.random.default_rng(seed)
    loss = rng.gamma(2.0, 1.0, 400)
    population = LossPopulation.of(loss)
    observed = float(np.sort(loss)[::-1][:k].sum() * 0.5 + loss[:k].sum() * 0.5)
    draws = np.array([rng.choice(loss, k, replace=False).sum() for _ in range(4000)])
    brute = float((draws >= observed).mean())
    p = float(excess_loss_p_value([observed], [k], population)[0])
    assert abs(p - brute) < 0.05


def test_continuous_edge_cases_give_one_not_nan():
    population = LossPopulation.of(np.full(50, 2.5))  # constant loss: no group can stand out
    assert excess_loss_p_value([25.0, 0.0], [10, 0], population).tolist() == [1.0, 1.0]


def test_a_group_with_much_more_loss_is_significant_and_one_with_less_is_not():
    loss = np.r_[np.full(30, 5.0), np.full(270, 1.0)] + np.linspace(0, 0.1, 300)
    population = LossPopulation.of(loss)
    high, low = excess_loss_p_value([loss[:30].sum(), loss[-30:].sum()], [30, 30], population)
    assert high < 1e-6 and low > 0.9


@pytest.mark.parametrize("k", [1, 399, 400])
def test_the_finite_population_correction_vanishes_for_the_whole_population(k):
    loss = np.random.default_rng(k).normal(3, 1, 400)
    p = excess_loss_p_value([loss[:k].sum()], [k], LossPopulation.of(loss))[0]
    assert 0.0 <= p <= 1.0
    if k == 400:  # every unit drawn: the sum is the population's, never an excess
        assert p == 1.0


def test_the_finders_tests_follow_the_loss_and_keep_the_exact_test_for_errors():
    from weakspot.stats import held_out_p_value, significantly_better, significantly_worse

    rng = np.random.default_rng(4)
    part = np.zeros(600, dtype=bool)
    part[:60] = True
    everyone = np.ones(600, dtype=bool)
    loss = rng.gamma(2.0, 1.0, 600) + np.where(part, 3.0, 0.0)  # a continuous loss, worse in part
    assert significantly_worse(part, everyone, loss, 0.01)
    assert significantly_better(~part, everyone, loss, 0.01)
    assert held_out_p_value(part, loss, np.arange(600) % 2 == 0) < 1e-6
    errors = (loss > 4).astype(np.int8)  # 0/1: the same answer as the exact test by hand
    held_out = np.arange(600) % 2 == 0
    test = part & held_out
    want = excess_error_p_value(
        [errors[test].sum()], [test.sum()], int(errors[held_out].sum()), int(held_out.sum())
    )[0]
    assert held_out_p_value(part, errors, held_out) == want
    assert held_out_p_value(part, errors.astype(float), held_out) == want  # 0/1 in any dtype
