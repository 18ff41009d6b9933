"""The protocol every slice finder follows, and the registry of finders.

A finder receives the analysis context (binned features, raw features, embeddings, the error
indicator) and returns a `FinderOutput`: the slices it proposes, and the p-values of the whole
family of hypotheses it looked at, so that false-discovery control accounts for the search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from weakspot.features._binning import BinnedFeatures
from weakspot.slices._slice import Slice


@dataclass(frozen=True)
class SearchContext:
    """Everything a finder may use.

    Attributes
    ----------
    binned : BinnedFeatures
        Bin codes of every slicing feature, shape (n, n_features).
    features : DataFrame, shape (n, n_features)
        The same features before binning (metadata, image properties, ...).
    errors : ndarray of {0, 1}, shape (n,)
        1 where the model's prediction is wrong.
    labels, predictions : ndarray of str, shape (n,)
    proba : ndarray of float, shape (n, n_classes), or None
    classes : list of str
    embeddings : ndarray of float, shape (n, d), or None
    min_support : int
        Smallest slice worth reporting.
    random_state : int
    engine : Engine or None
        Where row-touching kernels run (`weakspot.engine`); None for this process.
    """

    binned: BinnedFeatures
    features: pd.DataFrame
    errors: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    proba: np.ndarray | None
    classes: list[str]
    embeddings: np.ndarray | None
    min_support: int
    random_state: int = 0
    engine: Any = None


@dataclass
class FinderOutput:
    """What a finder returns.

    Attributes
    ----------
    slices : list of Slice
        Proposed slices (members set; stats filled later).
    family_p_values : ndarray of float, shape (m,)
        p-values of every hypothesis the finder examined (including the proposed ones),
        over which Benjamini-Hochberg is taken.
    proposed_p_values : ndarray of float, shape (len(slices),)
        The p-value of each proposed slice, computed the way the family's were (for
        split-sample finders: on the held-out half only).
    notes : list of str
    """

    slices: list[Slice]
    family_p_values: np.ndarray
    proposed_p_values: np.ndarray
    notes: list[str] = field(default_factory=list)


class SliceFinder(Protocol):
    """A slice finder: a name, options in the constructor, and `find`."""

    name: ClassVar[str]

    def find(self, context: SearchContext) -> FinderOutput: ...


FINDERS: dict[str, type[Any]] = {}


def register_finder(cls: type[Any]) -> type[Any]:
    """Class decorator that adds a finder to the registry under ``cls.name``."""
    FINDERS[cls.name] = cls
    return cls
