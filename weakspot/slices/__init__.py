"""Slice finders, their statistics and the selection of slices worth reporting."""

from weakspot.slices import (
    _directions,  # noqa: F401  (failure_direction, barlow)
    _domino,  # noqa: F401  (registers the domino finder)
    _finders,  # noqa: F401  (registers the built-in finders)
)
from weakspot.slices._base import FINDERS, FinderOutput, SearchContext, SliceFinder, register_finder
from weakspot.slices._lattice import LatticeResult, lattice_search, sliceline_score
from weakspot.slices._select import select_slices
from weakspot.slices._slice import Condition, Slice
from weakspot.slices._stats import (
    benjamini_hochberg,
    excess_error_p_value,
    slice_statistics,
    wilson_interval,
)

__all__ = [
    "FINDERS",
    "Condition",
    "FinderOutput",
    "LatticeResult",
    "SearchContext",
    "Slice",
    "SliceFinder",
    "benjamini_hochberg",
    "excess_error_p_value",
    "lattice_search",
    "register_finder",
    "select_slices",
    "slice_statistics",
    "sliceline_score",
    "wilson_interval",
]
