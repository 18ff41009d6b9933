"""Group codes of a column of values, by hashing rather than sorting every value."""

from __future__ import annotations

import numpy as np
import pandas as pd


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values and each value's index among them.

    The same two arrays as ``np.unique(values, return_inverse=True)``, from `pandas.factorize`
    (a hash table) and a sort of the distinct values only: np.unique sorts every value, which
    on 2,000,000 strings took about 0.75 s per call (docs/scaling.md).

    Parameters
    ----------
    values : ndarray, shape (n,)
        Without missing values (callers fill them with a text of their own).

    Returns
    -------
    uniques : ndarray, shape (k,)
    inverse : ndarray of intp, shape (n,)
    """
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def distinct_values(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's distinct value (-1 where missing) and the distinct values, shape (n,), (k,).

    `pandas.factorize`, except that Python objects are made text first: hashing takes 1, 1.0
    and True for one value, but they are three texts, and weakspot's classes and categories
    are texts. For work done once per distinct value rather than once per row.
    """
    if values.dtype == object:
        values = values.astype("string")
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(uniques)
