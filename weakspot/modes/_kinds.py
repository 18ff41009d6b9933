"""What kind of thing each slicing feature is, and the order in which a title prefers them.

A failure mode's title names what its reader can act on. Among descriptions of near-equal
fidelity the title takes, in this order (`KIND_ORDER`, lowest first):

0. ``metadata``: a column the user gave (``camera == C``): a camera, a site, an annotator;
1. ``quality`` / ``photographic``: a quality flag (``is_dark``) or a plain photographic
   property (brightness, contrast, sharpness, blur, noise, the border, the canvas's size),
   which a person can see and an augmentation can reproduce;
2. ``label``: the true class alone;
3. ``derived``: derived image statistics (clipping, entropy, file size, dark share, mean
   channel values and the like), faithful but one step removed from what a person sees;
4. ``concept``: an embedding concept tag, or an embedding group read through its rule.

An image column's kind is the one its extractor declares in its `PropertyDescriptor`
(``weakspot.features.images``); a ``content`` property (what the picture shows: an object's
size, a rotation) reads as a photographic one, and a column without a descriptor as derived.
A rule's kind is that of its least actionable condition; a condition on the label adds no
kind of its own unless the rule is only about the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from weakspot.features import Condition
from weakspot.features.images import PropertyDescriptor, property_descriptors

KIND_ORDER = ("metadata", "quality", "photographic", "label", "derived", "concept")
# quality flags and plain photographic properties share one level of preference
KIND_RANK = {
    "metadata": 0,
    "quality": 1,
    "photographic": 1,
    "label": 2,
    "derived": 3,
    "concept": 4,
}
# a descriptor's kind -> the kind of `KIND_ORDER` it takes
_DESCRIBED = {
    "photographic": "photographic",
    "content": "photographic",
    "derived": "derived",
    "quality": "quality",
}


def feature_kinds(
    columns: Iterable[str],
    *,
    metadata: Iterable[str] = (),
    image_columns: Iterable[str] = (),
    descriptors: Mapping[str, PropertyDescriptor] | None = None,
) -> dict[str, str]:
    """The kind of each slicing feature.

    Parameters
    ----------
    columns : iterable of str
        Every slicing feature.
    metadata : iterable of str
        Columns of the user's table (metadata). ``label`` is the true class.
    image_columns : iterable of str
        Columns computed from the images (properties, flags, concept tags); a property that
        was renamed ``image_<name>`` because a metadata column had its name keeps its kind.
    descriptors : mapping of str to PropertyDescriptor, optional
        What each image column means (`FeatureTable.descriptors`); default every registered
        extractor's columns and the quality flags (`property_descriptors`).

    Returns
    -------
    dict of str to str
        Feature -> one of `KIND_ORDER`. Columns in neither list count as metadata, unless
        their name is that of a quality flag or of a photographic or content property.
    """
    described = property_descriptors() if descriptors is None else descriptors
    meta, images = set(metadata), set(image_columns)
    kinds = {}
    for name in columns:
        base = name[len("image_") :] if name.startswith("image_") and name in images else name
        descriptor = described.get(name, described.get(base))
        if name == "label":
            kinds[name] = "label"
        elif name in images or (name not in meta and _is_image_name(base, descriptor)):
            kinds[name] = _image_kind(base, descriptor)
        else:
            kinds[name] = "metadata"
    return kinds


def _is_image_name(name: str, descriptor: PropertyDescriptor | None) -> bool:
    if descriptor is not None:
        return _DESCRIBED[descriptor.kind] != "derived"
    return name == "concept"


def _image_kind(name: str, descriptor: PropertyDescriptor | None) -> str:
    if descriptor is not None:
        return _DESCRIBED[descriptor.kind]
    if name == "concept" or name.startswith("phrase_"):
        return "concept"
    return "derived"


def rule_kind(conditions: Sequence[Condition], kinds: dict[str, str]) -> str:
    """The kind of a rule: that of its least actionable condition (see the module docstring)."""
    found = [kinds.get(c.feature, "derived") for c in conditions]
    non_label = [k for k in found if k != "label"]
    if not non_label:
        return "label" if found else "concept"
    return max(non_label, key=lambda k: KIND_RANK[k])
