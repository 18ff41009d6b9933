from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from weakspot.features._binning import BinnedFeatures


@given(st.lists(st.integers(0, 6), max_size=7), st.sampled_from([np.uint8, np.uint16]))
def test_codes_in_equals_isin(allowed, dtype):
    codes = np.random.default_rng(len(allowed)).integers(0, 7, (200, 2)).astype(dtype)
    binned = BinnedFeatures(codes=codes, names=["a", "b"], bins=[[], []])
    for j in (0, 1):
        assert (binned.codes_in(j, allowed) == np.isin(codes[:, j], allowed)).all()
