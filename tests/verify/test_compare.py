"""Wilson intervals, McNemar's exact test and the verdicts, on counts worked by hand."""

from __future__ import annotations

import numpy as np

from weakspot.verify._compare import accuracy, backward_compatibility, compare, mcnemar, verdict


def test_wilson_interval_of_8_of_10():
    # Wilson 95%: centre (8 + 1.92) / 13.84, half-width 1.96 * sqrt(1.6 + 0.96) / 13.84
    assert accuracy(np.array([True] * 8 + [False] * 2)) == {
        "accuracy": 0.8,
        "ci": [0.4902, 0.9433],
        "n": 10,
    }


def test_mcnemar_exact_counts_only_discordant_pairs():
    before = np.array([False] * 10 + [True] * 2 + [True] * 50)
    after = np.array([True] * 10 + [False] * 2 + [True] * 50)
    test = mcnemar(before, after)
    # two-sided binomial(12, 1/2) at 2: 2 * (1 + 12 + 66) / 4096
    assert test == {"fixed": 10, "broken": 2, "p_value": 0.03857}
    assert verdict(test) == "helps"
    assert verdict(mcnemar(after, before)) == "harms"
    assert verdict(mcnemar(before, before)) == "no effect"


def test_compare_uses_the_majority_over_seeds_and_reports_the_spread():
    mask = np.ones(4, dtype=bool)
    base = [
        np.array([1, 0, 0, 1], bool),
        np.array([1, 0, 1, 1], bool),
        np.array([1, 0, 0, 1], bool),
    ]
    new = [np.array([1, 1, 1, 1], bool), np.array([1, 1, 0, 1], bool), np.array([1, 1, 1, 1], bool)]
    out = compare(base, new, mask, 0.05)
    assert out["before"]["accuracy"] == 0.5 and out["after"]["accuracy"] == 1.0
    assert out["spread"]["deltas"] == [0.5, 0.0, 0.5]
    assert out["verdict"] == "no effect"  # 2 discordant pairs cannot reach p < 0.05


def test_backward_compatibility_counts_broken_examples():
    ref = np.array([1, 1, 1, 1, 0], bool)
    new = np.array([1, 1, 0, 1, 1], bool)
    out = backward_compatibility(ref, new, ["F2"], "original predictions")
    assert out == {
        "against": "original predictions",
        "kept_correct": 0.75,
        "new_error_rate": 0.2,
        "worse_modes": ["F2"],
    }
