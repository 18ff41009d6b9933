"""The permutation test of a continuous loss's finalists and its effect sizes: the Monte
Carlo p-value matches the exact one from every subset of a small population, is seeded, and
never falls below 1 / (draws + 1); the loss ratio's bootstrap interval is seeded and covers
the ratio; the shift ratio ignores a shift of the loss and says which side a slice is on."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from weakspot.stats import (
    bootstrap_intervals,
    loss_ratio,
    permutation_draws,
    permutation_p_values,
    shift_ratio,
)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 9))
def test_the_monte_carlo_p_value_matches_every_subset(seed, k):
    rng = np.random.default_rng(seed)
    loss = rng.exponential(size=10).round(2)  # ties included
    group = rng.choice(10, size=k, replace=False)
    observed = loss[group].sum()
    sums = np.array([loss[list(c)].sum() for c in itertools.combinations(range(10), k)])
    exact = float(np.mean(sums >= observed - 1e-9))
    draws = 40_000
    p = permutation_p_values(loss, [observed], [k], draws=draws, random_state=seed)[0]
    # binomial sampling error of 40,000 draws: at most 0.0025 standard deviations
    assert abs(p - exact) < 0.012


def test_the_p_value_is_seeded_floored_and_one_for_the_whole_population():
    rng = np.random.default_rng(0)
    loss = rng.normal(size=200)
    members = np.arange(40)
    totals, sizes = [loss[members].sum() + 30, 0.0, loss.sum()], [40, 0, 200]
    first = permutation_p_values(loss, totals, sizes, draws=999, random_state=[1, 2])
    again = permutation_p_values(loss, totals, sizes, draws=999, random_state=[1, 2])
    assert np.array_equal(first, again)
    assert first[0] == 1 / 1000  # no draw reaches it: the smallest p-value 999 draws can give
    assert first[1] == 1.0 and first[2] == 1.0


def test_a_group_over_half_the_units_is_tested_through_its_complement():
    rng = np.random.default_rng(5)
    loss = rng.exponential(size=60)
    big = np.argsort(loss)[10:]  # the 50 largest: a clear excess
    small = rng.choice(60, 50, replace=False)  # a random group: no excess
    p = permutation_p_values(
        loss, [loss[big].sum(), loss[small].sum()], [50, 50], draws=5_000, random_state=0
    )
    assert p[0] < 0.001 and p[1] > 0.01


def test_draws_follow_the_level_within_the_budget():
    assert permutation_draws(1_000, 0.05) == 999  # the minimum
    assert permutation_draws(1_000, 1e-4) == 20_000  # 20 / 1e-4, within 20M units
    assert permutation_draws(10_000_000, 1e-6) == 999  # too many units: the minimum still


def test_the_bootstrap_intervals_are_seeded_and_cover_the_estimates():
    rng = np.random.default_rng(3)
    inside, outside = rng.exponential(2.0, 80), rng.exponential(1.0, 900)
    mean_ci, ratio_ci = bootstrap_intervals(inside, outside, loss_ratio, random_state=7)
    assert (mean_ci, ratio_ci) == bootstrap_intervals(inside, outside, loss_ratio, random_state=7)
    assert mean_ci[0] < inside.mean() < mean_ci[1]
    assert ratio_ci[0] < loss_ratio(inside, outside) < ratio_ci[1]
    assert ratio_ci[0] > 1.2


def test_the_shift_ratio_ignores_a_shift_and_knows_the_side():
    rng = np.random.default_rng(4)
    outside = rng.normal(size=500)
    above = rng.normal(size=50) + 1.0
    assert np.isclose(shift_ratio(above, outside), shift_ratio(above + 7, outside + 7))
    assert np.isclose(shift_ratio(above, outside, 1), shift_ratio(-above, -outside, -1))
    assert shift_ratio(above, outside, -1) == 1.0  # not a deficit
    # below a rest that over-estimates, yet over-estimating itself: no under-estimate
    assert shift_ratio(above + 2, outside + 5, -1) == 1.0
