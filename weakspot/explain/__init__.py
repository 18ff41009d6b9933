"""Explain slices: short rules and effect sizes in words, feature pictures and heat maps."""

from weakspot.explain._barlow import FeaturePictures, barlow_pictures, top_activating
from weakspot.explain._describe import (
    MemberDescription,
    describe_members,
    distinguishing_features,
    rule_candidates,
)
from weakspot.explain._heatmaps import activation_heatmaps, feature_maps, overlay_heatmap

__all__ = [
    "FeaturePictures",
    "MemberDescription",
    "activation_heatmaps",
    "barlow_pictures",
    "describe_members",
    "distinguishing_features",
    "feature_maps",
    "overlay_heatmap",
    "rule_candidates",
    "top_activating",
]
