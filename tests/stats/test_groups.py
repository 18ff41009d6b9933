from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from weakspot.stats import unique_inverse


@given(st.lists(st.text(max_size=3), min_size=1, max_size=60))
def test_unique_inverse_equals_numpys_unique_on_text(values):
    array = np.array(values, dtype=object)
    expected_values, expected_codes = np.unique(array, return_inverse=True)
    values_, codes = unique_inverse(array)
    assert values_.tolist() == expected_values.tolist()
    assert codes.tolist() == expected_codes.tolist()


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=60))
def test_unique_inverse_equals_numpys_unique_on_integers(values):
    array = np.array(values)
    expected_values, expected_codes = np.unique(array, return_inverse=True)
    values_, codes = unique_inverse(array)
    assert values_.tolist() == expected_values.tolist() and values_.dtype == expected_values.dtype
    assert codes.tolist() == expected_codes.tolist()
