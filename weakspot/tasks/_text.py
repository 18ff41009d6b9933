"""Values as text: how class names and ids are written, one rule for every table form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from weakspot.stats import distinct_values


def text_by_value(values: pd.Series) -> np.ndarray:
    """`as_text` of every value, as an object array, converting each distinct value once.

    A label column has a few distinct values in millions of rows: text made row by row held
    one Python string per row for a while (hundreds of MB at 5,000,000 rows); here the rows
    share their class's string. `values` has no missing value (checked before).
    """
    codes, uniques = distinct_values(values)
    return as_text(uniques).to_numpy(dtype=object)[codes]


def as_text(values: pd.Series) -> pd.Series:
    """Values as text; whole floats lose their decimals so 1.0 and 1 are the same class."""
    if pd.api.types.is_float_dtype(values):
        known = values.dropna().to_numpy(dtype=float)
        # whole numbers that an int64 holds exactly (1e300 or inf are written as floats)
        exact = np.isfinite(known) & (np.abs(known) < 2**53)
        if len(known) and np.all(exact) and np.all(np.mod(known, 1) == 0):
            return values.astype("Int64").astype(str)
    return values.astype(str)
