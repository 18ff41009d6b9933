import numpy as np
import pandas as pd

from weakspot.features import bin_features
from weakspot.features._condition import Condition
from weakspot.slices._cutpoints import held_out_half, place_cutpoints
from weakspot.slices._slice import Slice


def _planted(seed: int):
    rng = np.random.default_rng(seed)
    n = 6000
    age = rng.integers(18, 90, n).astype(float)
    errors = (rng.random(n) < np.where(age >= 70, 0.45, 0.08)).astype(np.int8)
    frame = pd.DataFrame({"age": age, "site": rng.choice(list("ABC"), n)})
    return frame, bin_features(frame), errors


def test_cut_moves_from_the_bin_edge_to_where_failure_starts():
    for seed in (0, 1, 2):
        frame, binned, errors = _planted(seed)
        edge = next(b for b in binned.bins[0] if b.value[1] == np.inf)
        start = edge.value[0]
        assert abs(start - 70) >= 3  # the quantile edge is not at 70
        item = Slice(np.flatnonzero(frame["age"] >= start), "lattice", [edge])
        cut = place_cutpoints(item, binned, frame, errors, held_out_half(len(frame), seed))
        low = cut.conditions[0].value[0]
        assert 68 <= low <= 71, (start, low)
        assert cut.refined_from == edge.describe()
        assert len(cut.members) == int((frame["age"] >= low).sum())


def test_categorical_and_member_set_slices_are_unchanged():
    frame, binned, errors = _planted(0)
    item = Slice(np.flatnonzero(frame["site"] == "A"), "lattice", [Condition("site", "==", "A")])
    assert place_cutpoints(item, binned, frame, errors, np.ones(len(frame), bool)) is item
    members = Slice(np.arange(10), "domino")
    assert place_cutpoints(members, binned, frame, errors, np.ones(len(frame), bool)) is members
