from __future__ import annotations

import numpy as np
import pandas as pd

from weakspot.explain._histograms import distinguishing_histograms


def test_counts_cover_every_member_and_non_member():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=500), "site": rng.choice(list("ABC"), 500)})
    mask = (frame.x > 1).to_numpy()
    entries = [{"feature": "x", "kind": "numeric"}, {"feature": "site", "kind": "categorical"}]
    numeric, categorical = distinguishing_histograms(mask, frame, entries, n_bins=10)
    assert len(numeric["edges"]) == 11 and len(numeric["inside"]) == 10
    assert sum(numeric["inside"]) == mask.sum() and sum(numeric["outside"]) == (~mask).sum()
    edges = np.array(numeric["edges"])
    assert numeric["inside"][: int(np.searchsorted(edges, 1.0)) - 1] == [0] * (
        int(np.searchsorted(edges, 1.0)) - 1
    )
    assert sorted(categorical["values"]) == ["A", "B", "C"]
    assert sum(categorical["inside"]) == mask.sum()


def test_constant_or_missing_features_are_left_out():
    frame = pd.DataFrame({"c": np.ones(50), "n": np.full(50, np.nan)})
    mask = np.arange(50) < 10
    entries = [
        {"feature": "c", "kind": "numeric"},
        {"feature": "n", "kind": "numeric"},
        {"feature": "gone", "kind": "numeric"},
    ]
    assert distinguishing_histograms(mask, frame, entries) == []
