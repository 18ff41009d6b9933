"""Class names and ids as text, one rule for every table form."""

import pandas as pd
import pytest

from weakspot.tasks import as_text, text_by_value


@pytest.mark.parametrize(
    "values",
    [
        [1.0, 2.0, 1.0, 3.0],  # whole floats lose their decimals
        [0.5, 1.0, 0.5, 2.0],
        [1, 2, 1, 1],
        ["cat", "dog", "cat", "cat"],
        [True, False, True, True],
        [1, True, 1.0, "1", 1],  # one value to hashing, three texts
    ],
)
def test_class_text_made_per_distinct_value_equals_the_text_of_every_row(values):
    column = pd.Series(values, dtype=object if len({type(v) for v in values}) > 1 else None)
    made = text_by_value(column)
    assert made.dtype == object and made.tolist() == as_text(column).tolist()


def test_huge_or_infinite_whole_floats_stay_floats_rather_than_overflowing():
    made = as_text(pd.Series([1.0, 1e20, float("inf")]))
    assert made.tolist() == ["1.0", "1e+20", "inf"]
    assert as_text(pd.Series([3.0, -2.0])).tolist() == ["3", "-2"]
