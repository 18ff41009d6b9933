"""Features for slicing: binning of metadata and image-derived columns."""

from weakspot.features._binning import BinnedFeatures, bin_features
from weakspot.features._condition import Condition

__all__ = ["BinnedFeatures", "Condition", "bin_features"]
