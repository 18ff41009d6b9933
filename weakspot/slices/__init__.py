"""The slices stage: finders behind one protocol, their statistics, refinement and selection.

Finders register themselves on import, in the order below, which is the order they run in.
"""

# isort: off
from weakspot.slices import _lattice_finder  # noqa: F401  (each module registers its finder)
from weakspot.slices import _error_tree  # noqa: F401
from weakspot.slices import _domino  # noqa: F401
from weakspot.slices import _failure_direction  # noqa: F401
from weakspot.slices import _barlow_finder  # noqa: F401

# isort: on
from weakspot.slices._base import (
    FINDERS,
    FinderOutput,
    SearchContext,
    SliceFinder,
    default_methods,
    make_finder,
    register_finder,
)
from weakspot.slices._lattice import LatticeResult, lattice_search, sliceline_score
from weakspot.slices._search import (
    SearchOptions,
    SliceSearch,
    check_finders,
    default_min_support,
    find_slices,
)
from weakspot.slices._select import select_slices
from weakspot.slices._slice import Alias, Condition, Slice, SliceStats, slice_statistics

__all__ = [
    "FINDERS",
    "Alias",
    "Condition",
    "FinderOutput",
    "LatticeResult",
    "SearchContext",
    "SearchOptions",
    "Slice",
    "SliceFinder",
    "SliceSearch",
    "SliceStats",
    "check_finders",
    "default_methods",
    "default_min_support",
    "find_slices",
    "lattice_search",
    "make_finder",
    "register_finder",
    "select_slices",
    "slice_statistics",
    "sliceline_score",
]
