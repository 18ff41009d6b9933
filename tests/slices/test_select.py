from __future__ import annotations

import numpy as np
import pytest

import weakspot
from tests.conftest import planted_table


def _planted_members(frame):
    return set(frame.index[(frame.site == "B") & (frame.age >= 60)])


def _f1(members: set, truth: set) -> float:
    inter = len(members & truth)
    return 2 * inter / (len(members) + len(truth)) if inter else 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_slice_is_ranked_first(seed):
    frame = planted_table(seed)
    analysis = weakspot.analyze(frame)
    assert analysis.slices, "the planted slice must be found"
    top = analysis.slices[0]
    assert _f1(set(top.members.tolist()), _planted_members(frame)) >= 0.8
    assert {c.feature for c in top.conditions} >= {"site", "age"}
    assert top.stats.q_value < 1e-3
    assert top.stats.lift > 3


@pytest.mark.parametrize("seed", range(20))
def test_random_errors_report_no_slice(seed):
    frame = planted_table(seed, null=True)
    assert weakspot.analyze(frame, random_state=seed).slices == []


@pytest.mark.slow
def test_random_errors_report_no_slice_in_95_of_100_seeds():
    with_slices = sum(
        bool(weakspot.analyze(planted_table(s, null=True), random_state=s).slices)
        for s in range(100)
    )
    assert with_slices <= 5


def test_no_near_copies_are_reported():
    frame = planted_table(4)
    analysis = weakspot.analyze(frame)
    masks = [set(s.members.tolist()) for s in analysis.slices]
    for i in range(len(masks)):
        for j in range(i + 1, len(masks)):
            jaccard = len(masks[i] & masks[j]) / len(masks[i] | masks[j])
            assert jaccard < 0.8


def test_prediction_and_label_never_appear_together():
    frame = planted_table(5)
    analysis = weakspot.analyze(frame)
    for s in analysis.slices:
        features = {c.feature for c in s.conditions or []}
        assert "prediction" not in features


def test_every_reported_slice_obeys_the_thresholds():
    frame = planted_table(6)
    analysis = weakspot.analyze(frame, max_q=0.01, min_support=60, max_slices=3)
    assert 1 <= len(analysis.slices) <= 3
    for rank, s in enumerate(analysis.slices, start=1):
        assert s.rank == rank
        assert s.stats.q_value <= 0.01
        assert s.stats.size >= 60
        mask = np.zeros(len(frame), dtype=bool)
        mask[s.members] = True
        errors = (frame.label != frame.prediction).to_numpy()
        assert s.stats.errors == errors[mask].sum()


def test_each_rule_finder_runs_alone():
    frame = planted_table(7)
    for method in ("lattice", "error_tree"):
        analysis = weakspot.analyze(frame, methods=[method])
        assert analysis.slices and all(s.method == method for s in analysis.slices)
