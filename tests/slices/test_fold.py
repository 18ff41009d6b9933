"""`select_slices` on hand-built finder outputs: folding, q-values, filters and ranking.

Every table here is built row by row, so each slice's errors are known: a failing region of
rows ``[a, b)`` at rate 0.6 has its errors where ``(row - a) % 5 < 3``.
"""

from __future__ import annotations

import numpy as np
import pytest

from weakspot.features._condition import Condition
from weakspot.slices._base import FinderOutput
from weakspot.slices._select import select_slices
from weakspot.slices._slice import Alias, Slice

INF = float("inf")
SITE_B = Condition("site", "==", "B")
OLD = Condition("age", "in", [60.0, INF])
PHONE = Condition("device", "==", "phone")
DARK = Condition("clipping", "in", [-INF, 0.51])
NOISY = Condition("noise", "in", [0.065, INF])


def fail(errors: np.ndarray, start: int, stop: int, every: int, of: int = 1) -> None:
    """Set ``of`` errors in every ``every`` rows of ``[start, stop)``, first rows first."""
    rows = np.arange(start, stop)
    errors[rows[(rows - start) % every < of]] = 1


def output(*proposals: tuple[Slice, float], others: tuple[float, ...] = ()) -> FinderOutput:
    """A finder's output proposing each ``(slice, p)``; `others` are p-values it only tested."""
    slices = [s for s, _ in proposals]
    proposed = np.array([p for _, p in proposals], dtype=float)
    return FinderOutput(slices, np.concatenate([proposed, others]), proposed)


def rows(start: int, stop: int) -> np.ndarray:
    return np.arange(start, stop)


def region_and_base() -> np.ndarray:
    """1,000 rows: ``[0, 100)`` fails at 0.6 (60 errors), the rest at 0.05 (45 errors)."""
    errors = np.zeros(1000, dtype=np.int8)
    fail(errors, 0, 100, 5, 3)
    fail(errors, 100, 1000, 20)
    return errors


def test_near_copies_are_folded_in_once_per_distinct_rule():
    errors = region_and_base()
    lattice = output(
        (Slice(rows(0, 100), "lattice", (SITE_B,)), 1e-12),
        (Slice(rows(0, 85), "lattice", (SITE_B, OLD)), 1e-10),  # Jaccard 0.85
    )
    tree = output(
        (Slice(rows(0, 100), "error_tree", (SITE_B,)), 1e-12),  # the same slice again
        (Slice(rows(0, 85), "error_tree", (SITE_B, OLD)), 1e-10),  # a rule already folded in
    )
    domino = output((Slice(rows(0, 90), "domino", None, label="cluster 3"), 1e-11))
    slices, counts = select_slices([lattice, tree, domino], errors, min_support=20)
    assert len(slices) == 1
    top = slices[0]
    # ties on every statistic are broken by the finder's name: error_tree before lattice
    assert (top.method, top.rule(), top.rank, top.id) == ("error_tree", "site == B", 1, "S1")
    np.testing.assert_array_equal(top.members, rows(0, 100))
    # aliases in rank order: domino's 90 rows (54 errors) before the 85-row rule (51 errors)
    assert top.aliases == (
        Alias("domino", None, "cluster 3", 90),
        Alias("error_tree", "site == B and age >= 60", None, 85),
    )
    assert counts == {"tested": 5, "proposed": 5, "significant": 5, "reported": 1}


def test_a_slice_high_error_only_through_its_overlap_is_folded():
    errors = region_and_base()
    # rows [50, 150): half of the failing region (30 errors), half at the base rate (3 errors)
    overlapping = Slice(rows(50, 150), "error_tree", (PHONE,))
    assert errors[overlapping.members].sum() == 33
    outputs = [
        output((Slice(rows(0, 100), "lattice", (SITE_B,)), 1e-12)),
        output((overlapping, 1e-6)),
    ]
    slices, counts = select_slices(outputs, errors, min_support=20)
    assert [s.rule() for s in slices] == ["site == B"]
    assert slices[0].aliases == (Alias("error_tree", "device == phone", None, 100),)
    assert (counts["significant"], counts["reported"]) == (2, 1)


def test_a_broad_slice_gives_way_to_the_sharper_slice_that_carries_its_errors():
    # 10,000 rows: the sharp slice [0, 100) fails at 0.6; the rest of the broad slice
    # [100, 1000) holds 56 errors in 900 rows, the rows outside 450 in 9,000. The broad slice
    # has more excess errors (59.4 against 54.3), so it ranks first, but its part outside the
    # sharp slice is not significantly worse than the rows outside both.
    errors = np.zeros(10_000, dtype=np.int8)
    fail(errors, 0, 100, 5, 3)
    errors[100 + 16 * np.arange(56)] = 1
    fail(errors, 1000, 10_000, 20)
    broad = Slice(rows(0, 1000), "lattice", (DARK,))
    near_copy_of_broad = Slice(np.r_[rows(0, 100), rows(150, 1000)], "error_tree", (PHONE,))
    sharp = Slice(rows(0, 100), "lattice", (NOISY,))
    lattice = output((broad, 1e-9), (sharp, 1e-30))
    tree = output((near_copy_of_broad, 1e-8))
    slices, counts = select_slices([lattice, tree], errors, min_support=20)
    assert [s.rule() for s in slices] == ["noise >= 0.065"]
    stats = slices[0].stats
    assert stats is not None and (stats.size, stats.errors) == (100, 60)
    # the broad slice becomes an alias, and the near-copy folded into it comes along
    assert slices[0].aliases == (
        Alias("lattice", "clipping < 0.51", None, 1000),
        Alias("error_tree", "device == phone", None, 950),
    )
    assert counts == {"tested": 3, "proposed": 3, "significant": 3, "reported": 1}
    # without the sharp slice, the broad one is reported, with its near-copy folded in
    slices, _ = select_slices([output((broad, 1e-9)), tree], errors, min_support=20)
    assert [(s.rule(), s.aliases) for s in slices] == [
        ("clipping < 0.51", (Alias("error_tree", "device == phone", None, 950),))
    ]


def four_regions() -> np.ndarray:
    """1,000 rows: ``[0, 100)``, ..., ``[300, 400)`` each fail at 0.3, the rest at 0.05."""
    errors = np.zeros(1000, dtype=np.int8)
    for start in range(0, 400, 100):
        fail(errors, start, start + 100, 10, 3)
    fail(errors, 400, 1000, 20)
    return errors


def region(k: int, method: str) -> Slice:
    return Slice(rows(100 * k, 100 * k + 100), method, (Condition("zone", "==", k),))


def test_q_values_are_benjamini_hochberg_over_every_finders_family():
    errors = four_regions()
    lattice = output((region(0, "lattice"), 0.001), (region(1, "lattice"), 0.02))
    tree = output((region(2, "error_tree"), 0.011), (region(3, "error_tree"), 0.012), others=(0.9,))
    # the union, sorted: 0.001, 0.011, 0.012, 0.02, 0.9 (m = 5); p * m / rank is
    # 0.005, 0.0275, 0.02, 0.025, 0.9, and the running minimum from the right gives the q-values
    expected = {"zone == 0": 0.005, "zone == 2": 0.02, "zone == 3": 0.02, "zone == 1": 0.025}
    slices, counts = select_slices([lattice, tree], errors, min_support=20)
    assert {s.rule(): s.stats.q_value for s in slices if s.stats} == pytest.approx(expected)
    assert {s.rule(): s.stats.search_p_value for s in slices if s.stats} == {
        "zone == 0": 0.001,
        "zone == 1": 0.02,
        "zone == 2": 0.011,
        "zone == 3": 0.012,
    }
    assert (counts["tested"], counts["proposed"]) == (5, 4)
    # within the lattice's own family (m = 2) the p = 0.02 slice would have q = 0.02 and
    # pass max_q = 0.022; taken with the error tree's hypotheses, its q-value is 0.025
    alone, _ = select_slices([lattice], errors, min_support=20, max_q=0.022)
    assert sorted(s.rule() for s in alone) == ["zone == 0", "zone == 1"]
    union, _ = select_slices([lattice, tree], errors, min_support=20, max_q=0.022)
    assert sorted(s.rule() for s in union) == ["zone == 0", "zone == 2", "zone == 3"]


def test_min_support_max_q_max_slices_and_lift_filter():
    errors = four_regions()
    proposals = output(
        (region(0, "lattice"), 1e-6),
        (region(1, "lattice"), 1e-6),
        (region(2, "lattice"), 0.04),  # q = 0.04 * 6 / 5 = 0.048
        (Slice(rows(300, 319), "lattice", (PHONE,)), 1e-6),  # 19 rows
        (Slice(rows(400, 1000), "lattice", (SITE_B,)), 1e-6),  # the base rate: lift 1 / 6
        others=(0.5,),
    )
    assert errors[rows(300, 319)].sum() == 6
    slices, counts = select_slices([proposals], errors, min_support=20)
    assert [s.rule() for s in slices] == ["zone == 0", "zone == 1", "zone == 2"]
    assert [s.rank for s in slices] == [1, 2, 3]
    assert counts == {"tested": 6, "proposed": 5, "significant": 3, "reported": 3}
    slices, _ = select_slices([proposals], errors, min_support=19)
    assert "device == phone" in [s.rule() for s in slices]
    slices, _ = select_slices([proposals], errors, min_support=20, max_q=0.045)
    assert [s.rule() for s in slices] == ["zone == 0", "zone == 1"]
    slices, counts = select_slices([proposals], errors, min_support=20, max_slices=2)
    assert [s.rule() for s in slices] == ["zone == 0", "zone == 1"]
    assert (counts["significant"], counts["reported"]) == (3, 2)


def test_ranking_is_by_class_adjusted_excess_not_plain_excess():
    # class "hard" (rows [0, 200)) fails at 0.5; class "easy" at 54 / 800, of which 40 in the
    # cross-class failure [200, 300)
    labels = np.array(["hard"] * 200 + ["easy"] * 800)
    errors = np.zeros(1000, dtype=np.int8)
    fail(errors, 0, 200, 2)
    fail(errors, 200, 300, 5, 2)
    fail(errors, 300, 1000, 50)
    hard_only = Slice(rows(0, 150), "lattice", (Condition("label", "==", "hard"),))
    cross_class = Slice(rows(200, 300), "lattice", (DARK,))
    outputs = [output((hard_only, 1e-12), (cross_class, 1e-9))]
    plain, _ = select_slices(outputs, errors, min_support=20)
    adjusted, _ = select_slices(outputs, errors, min_support=20, labels=labels)
    assert [s.rule() for s in plain] == ["label == hard", "clipping < 0.51"]
    assert [s.rule() for s in adjusted] == ["clipping < 0.51", "label == hard"]
    # without labels every row is expected to fail at the overall rate, 154 / 1000
    excess = {s.rule(): s.stats.class_adjusted_excess for s in plain if s.stats}
    assert excess == pytest.approx({"label == hard": 75 - 150 * 0.154, "clipping < 0.51": 24.6})
    excess = {s.rule(): s.stats.class_adjusted_excess for s in adjusted if s.stats}
    assert excess == pytest.approx({"label == hard": 0.0, "clipping < 0.51": 40 - 100 * 54 / 800})


def test_equal_excess_is_ranked_by_lift():
    # overall rate 0.1: 15 errors in 50 rows and 20 in 100 are both 10 errors beyond it
    errors = np.zeros(1000, dtype=np.int8)
    fail(errors, 0, 50, 10, 3)
    fail(errors, 100, 200, 5)
    errors[300 + 10 * np.arange(65)] = 1
    assert (errors[:50].sum(), errors[100:200].sum(), errors.sum()) == (15, 20, 100)
    small = Slice(rows(0, 50), "lattice", (PHONE,))
    large = Slice(rows(100, 200), "lattice", (SITE_B,))
    slices, _ = select_slices([output((large, 1e-6), (small, 1e-6))], errors, min_support=20)
    assert [s.rule() for s in slices] == ["device == phone", "site == B"]
    assert [s.stats.excess_errors for s in slices if s.stats] == pytest.approx([10.0, 10.0])
    lifts = [s.stats.lift for s in slices if s.stats]
    assert lifts == pytest.approx([0.3 / (85 / 950), 0.2 / (80 / 900)])


def test_no_output_selects_nothing():
    errors = region_and_base()
    assert select_slices([], errors, min_support=20) == (
        [],
        {"tested": 0, "proposed": 0, "significant": 0, "reported": 0},
    )
    assert select_slices([FinderOutput.empty()], errors, min_support=20)[0] == []
