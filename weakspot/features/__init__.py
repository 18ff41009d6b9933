"""The features stage: slicing columns from metadata and images, binned once."""

from weakspot.features._binning import BinnedFeatures, bin_features
from weakspot.features._condition import Condition
from weakspot.features._rules import condition_mask, label_scope, rule_mask
from weakspot.features._table import (
    KINDS,
    FeatureTable,
    ImageOptions,
    build_features,
    slicing_features,
)

__all__ = [
    "KINDS",
    "BinnedFeatures",
    "Condition",
    "FeatureTable",
    "ImageOptions",
    "bin_features",
    "build_features",
    "condition_mask",
    "label_scope",
    "rule_mask",
    "slicing_features",
]
