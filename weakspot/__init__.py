"""weakspot: where a classifier fails, why, and what to do about it.

>>> import weakspot
>>> analysis = weakspot.analyze(frame, sensitive=["sex"])   # doctest: +SKIP
>>> analysis.slices[0].description                           # doctest: +SKIP
"""

from weakspot._analysis import Analysis, analyze
from weakspot._detection import BoxSlice, BoxSlices, find_box_slices
from weakspot._errors import ImageError, InputError, MissingDependency, WeakspotError
from weakspot._version import __version__
from weakspot.report import write_results
from weakspot.slices import FINDERS, Condition, Slice
from weakspot.verify import perturb, verify

__all__ = [
    "Analysis",
    "BoxSlice",
    "BoxSlices",
    "Condition",
    "FINDERS",
    "ImageError",
    "InputError",
    "MissingDependency",
    "Slice",
    "WeakspotError",
    "__version__",
    "analyze",
    "find_box_slices",
    "perturb",
    "verify",
    "write_results",
]
