"""Interval widening and idle-condition dropping on hand-built bins whose answer is known.

Most tests use a full grid: 5 age bins x 2 sites x 2 devices, 50 rows per cell (1,000 rows),
where in every cell the first ``k`` rows fail, ``k`` chosen per test; one uses a single age
feature with bins of chosen sizes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from weakspot.features._binning import BinnedFeatures
from weakspot.features._condition import Condition
from weakspot.slices._refine import drop_idle_conditions, refine_slice, widen_intervals
from weakspot.slices._slice import Slice
from weakspot.stats import excess_error_p_value

INF = float("inf")
AGE_EDGES = [-INF, 20.0, 40.0, 60.0, 80.0, INF]
AGE = [Condition("age", "in", [AGE_EDGES[i], AGE_EDGES[i + 1]]) for i in range(5)]
SITE_A, SITE_B = Condition("site", "==", "A"), Condition("site", "==", "B")
PHONE, TABLET = Condition("device", "==", "phone"), Condition("device", "==", "tablet")
CELL = 50


def grid(fails: Callable[[int, int, int], int]) -> tuple[BinnedFeatures, np.ndarray]:
    """Bin codes of the grid and its errors: ``fails(age, site, device)`` of each cell fail."""
    codes, errors = [], []
    for age in range(5):
        for site in range(2):
            for device in range(2):
                codes += [(age, site, device)] * CELL
                errors += [1] * fails(age, site, device) + [0] * (CELL - fails(age, site, device))
    binned = BinnedFeatures(
        codes=np.array(codes, dtype=np.uint8),
        names=["age", "site", "device"],
        bins=[AGE, [SITE_A, SITE_B], [PHONE, TABLET]],
    )
    return binned, np.array(errors, dtype=np.int8)


def rows(binned: BinnedFeatures, *, age=range(5), site=(0, 1), device=(0, 1)) -> np.ndarray:
    """Positions of the rows in the given bins, sorted."""
    codes = binned.codes
    mask = np.isin(codes[:, 0], list(age)) & np.isin(codes[:, 1], site)
    return np.flatnonzero(mask & np.isin(codes[:, 2], device))


def proposed(binned: BinnedFeatures, *conditions: Condition, **where) -> Slice:
    return Slice(rows(binned, **where), "lattice", tuple(conditions))


def p_value(members: np.ndarray, errors: np.ndarray) -> float:
    return float(
        excess_error_p_value([errors[members].sum()], [len(members)], errors.sum(), len(errors))[0]
    )


def test_an_interval_widens_over_the_failing_bin_and_not_into_the_base_rate_one():
    # age >= 60 fails at 0.5; every other cell at 0.06
    binned, errors = grid(lambda age, site, device: 25 if age >= 3 else 3)
    item = proposed(binned, AGE[3], age=[3])
    widened = widen_intervals(item, binned, errors)
    assert widened.conditions == (Condition("age", "in", [60.0, INF]),)
    assert widened.rule() == "age >= 60"
    np.testing.assert_array_equal(widened.members, rows(binned, age=[3, 4]))
    assert widened.refined_from == "age in [60, 80)"
    assert (widened.method, item.conditions) == ("lattice", (AGE[3],))  # the input is untouched


def age_only(sizes: list[int], fails: list[int]) -> tuple[BinnedFeatures, np.ndarray]:
    """One age feature: bin ``b`` holds ``sizes[b]`` rows, of which the first ``fails[b]`` fail."""
    codes = np.repeat(np.arange(5), sizes).astype(np.uint8)[:, None]
    errors = np.concatenate([[1] * f + [0] * (s - f) for s, f in zip(sizes, fails, strict=True)])
    return BinnedFeatures(codes, ["age"], [AGE]), errors.astype(np.int8)


@pytest.mark.parametrize(
    ("fails_40_60", "rule", "first_member"),
    [(26, "age in [60, 80)", 900), (28, "age in [40, 80)", 600)],
)
def test_widening_needs_the_added_bin_to_fail_significantly_more_than_the_rest(
    fails_40_60, rule, first_member
):
    # [60, 80) fails at 0.15, the rest at 0.05; [40, 60) at 26/300 lowers the slice's p-value
    # when taken in, yet fails not significantly (at 0.01) more than the rows left outside:
    # the p-value alone would widen. At 28/300 it is significantly worse, and is taken in.
    binned, errors = age_only([300, 300, 300, 100, 300], [15, 15, fails_40_60, 15, 15])
    item = Slice(np.arange(900, 1000), "lattice", (AGE[3],))
    assert p_value(np.arange(600, 1000), errors) < p_value(item.members, errors)
    widened = widen_intervals(item, binned, errors)
    assert widened.rule() == rule
    np.testing.assert_array_equal(widened.members, np.arange(first_member, 1000))


def test_an_interval_widened_over_every_bin_drops_out():
    # site B fails at 0.5 at every age, site A at 0.06: age says nothing
    binned, errors = grid(lambda age, site, device: 25 if site == 1 else 3)
    item = proposed(binned, SITE_B, AGE[2], site=[1], age=[2])
    widened = widen_intervals(item, binned, errors)
    assert widened.conditions == (SITE_B,)
    np.testing.assert_array_equal(widened.members, rows(binned, site=[1]))
    assert widened.refined_from == "site == B and age in [40, 60)"


def test_a_condition_that_excludes_only_rows_as_bad_as_the_slice_is_dropped():
    binned, errors = grid(lambda age, site, device: 25 if site == 1 else 3)
    item = proposed(binned, SITE_B, PHONE, site=[1], device=[0])
    tidied = drop_idle_conditions(item, binned, errors)
    assert tidied.conditions == (SITE_B,)
    np.testing.assert_array_equal(tidied.members, rows(binned, site=[1]))
    assert tidied.refined_from == "site == B and device == phone"


def test_a_condition_that_excludes_nothing_is_dropped():
    binned, errors = grid(lambda age, site, device: 25 if site == 1 else 3)
    everything = Condition("age", "in", [-INF, INF])
    tidied = drop_idle_conditions(proposed(binned, SITE_B, everything, site=[1]), binned, errors)
    assert tidied.conditions == (SITE_B,)
    np.testing.assert_array_equal(tidied.members, rows(binned, site=[1]))


def test_conditions_that_exclude_significantly_better_rows_are_kept():
    # only site B at age >= 60 fails (0.5); both conditions carry the slice
    binned, errors = grid(lambda age, site, device: 25 if site == 1 and age >= 3 else 3)
    item = proposed(binned, SITE_B, Condition("age", "in", [60.0, INF]), site=[1], age=[3, 4])
    assert drop_idle_conditions(item, binned, errors) is item
    assert widen_intervals(item, binned, errors) is item


def test_refining_drops_then_widens_and_remembers_the_finders_rule():
    binned, errors = grid(lambda age, site, device: 25 if site == 1 and age >= 3 else 3)
    item = proposed(binned, SITE_B, PHONE, AGE[3], site=[1], device=[0], age=[3])
    refined = refine_slice(item, binned, errors)
    assert refined.conditions == (SITE_B, Condition("age", "in", [60.0, INF]))
    np.testing.assert_array_equal(refined.members, rows(binned, site=[1], age=[3, 4]))
    assert refined.refined_from == "site == B and device == phone and age in [60, 80)"
    # a slice refined before keeps the rule its finder proposed
    again = widen_intervals(
        item.replace(conditions=(SITE_B, AGE[3]), refined_from="the finder's rule"), binned, errors
    )
    assert again.refined_from == "the finder's rule"


@pytest.mark.parametrize("refine", [widen_intervals, drop_idle_conditions, refine_slice])
def test_member_sets_and_foreign_conditions_are_returned_unchanged(refine):
    binned, errors = grid(lambda age, site, device: 25 if site == 1 else 3)
    member_set = Slice(rows(binned, site=[1], age=[2]), "domino", None, label="cluster 3")
    assert refine(member_set, binned, errors) is member_set
    # a condition on a column that was not binned (so not one of these bins) stops refinement
    foreign = proposed(
        binned, SITE_B, AGE[2], Condition("brightness", "in", [0.0, 0.5]), site=[1], age=[2]
    )
    assert refine(foreign, binned, errors) is foreign
