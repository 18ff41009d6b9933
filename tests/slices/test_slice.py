from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weakspot.features import Condition
from weakspot.slices import Slice, slice_statistics


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 100_000), rate=st.floats(0.01, 0.9))
def test_slice_statistics_equal_a_recount(seed, rate):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    errors = (rng.random(n) < rate).astype(np.int8)
    mask = rng.random(n) < rng.uniform(0.05, 0.95)
    if mask.sum() == 0 or mask.sum() == n:
        mask[0], mask[-1] = True, False
    s = slice_statistics(mask, errors).to_dict()
    assert s["size"] == sum(1 for i in range(n) if mask[i])
    assert s["errors"] == sum(int(errors[i]) for i in range(n) if mask[i])
    assert s["error_rate"] == pytest.approx(s["errors"] / s["size"])
    rest_rate = (errors.sum() - s["errors"]) / (n - s["size"])
    assert s["rest_error_rate"] == pytest.approx(rest_rate)
    assert s["ci"][0] <= s["error_rate"] <= s["ci"][1]
    if rest_rate > 0:
        assert s["lift"] == pytest.approx(s["error_rate"] / rest_rate)
    assert s["excess_errors"] == pytest.approx(s["errors"] - s["size"] * errors.mean())


def test_a_slice_record_is_frozen_and_replace_makes_a_new_one():
    item = Slice(np.array([1, 2]), "lattice", [Condition("site", "==", "B")])
    assert item.conditions == (Condition("site", "==", "B"),)
    with pytest.raises(AttributeError, match="cannot assign"):
        item.method = "other"  # type: ignore[misc]
    ranked = item.replace(rank=2)
    assert (ranked.rank, ranked.id, item.rank) == (2, "S2", 0)
    assert ranked.rule() == "site == B"
    assert ranked.mask(4).tolist() == [False, True, True, False]


def test_member_positions_are_held_as_int32_when_they_fit():
    positions = np.array([0, 3, 2**31 - 1], dtype=np.int64)
    held = Slice(members=positions, method="lattice").members
    assert held.dtype == np.int32 and held.tolist() == positions.tolist()
    far = np.array([5, 2**31], dtype=np.int64)  # a table of more than 2^31 rows
    assert Slice(members=far, method="lattice").members.dtype == np.int64
    assert Slice(members=np.array([], dtype=np.int64), method="lattice").members.size == 0
    assert Slice(members=positions[:2], method="lattice").mask(5).tolist() == [1, 0, 0, 1, 0]
