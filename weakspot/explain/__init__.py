"""Explain slices: titles and sentences, short rules and effect sizes in words, example images,
feature pictures and heat maps."""

from weakspot.explain._barlow import FeaturePictures, barlow_pictures, top_activating
from weakspot.explain._describe import (
    MemberDescription,
    describe_members,
    distinguishing_features,
    rule_candidates,
)
from weakspot.explain._explanation import (
    ExplainedSlice,
    Explanation,
    add_pictures,
    describe_slice,
    explain_slice,
    explain_slices,
)
from weakspot.explain._heatmaps import activation_heatmaps, feature_maps, overlay_heatmap
from weakspot.explain._pictures import (
    barlow_feature_pictures,
    load_rgb,
    png_data_uri,
    slice_examples,
)

__all__ = [
    "ExplainedSlice",
    "Explanation",
    "FeaturePictures",
    "MemberDescription",
    "activation_heatmaps",
    "add_pictures",
    "barlow_feature_pictures",
    "barlow_pictures",
    "describe_members",
    "describe_slice",
    "distinguishing_features",
    "explain_slice",
    "explain_slices",
    "feature_maps",
    "load_rgb",
    "overlay_heatmap",
    "png_data_uri",
    "rule_candidates",
    "slice_examples",
    "top_activating",
]
