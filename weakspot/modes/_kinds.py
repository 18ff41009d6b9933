"""What kind of thing each slicing feature is, and the order in which a title prefers them.

A failure mode's title names what its reader can act on. Among descriptions of near-equal
fidelity the title takes, in this order (`KIND_ORDER`, lowest first):

0. ``metadata``: a column the user gave (``camera == C``): a camera, a site, an annotator;
1. ``quality`` / ``photographic``: a quality flag (``is_dark``) or a plain photographic
   property (brightness, contrast, sharpness, blur, noise, object size, rotation, border),
   which a person can see and an augmentation can reproduce;
2. ``label``: the true class alone;
3. ``derived``: derived image statistics (clipping, entropy, file size, dark share, mean
   channel values and the like), faithful but one step removed from what a person sees;
4. ``concept``: an embedding concept tag, or an embedding group read through its rule.

A rule's kind is that of its least actionable condition; a condition on the label adds no
kind of its own unless the rule is only about the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from weakspot.features._condition import Condition
from weakspot.features.images import FLAG_COLUMNS

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
QUALITY_FLAGS = frozenset(FLAG_COLUMNS)  # the quality flags the image stage computes
PHOTOGRAPHIC = frozenset(
    {
        "brightness",
        "contrast",
        "sharpness",
        "blur",
        "noise",
        "object_size",
        "rotation",
        "centre_border_contrast",
        "border_uniformity",
        "aspect_ratio",
        "width",
        "height",
    }
)


def feature_kinds(
    columns: Iterable[str],
    *,
    metadata: Iterable[str] = (),
    image_columns: Iterable[str] = (),
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

    Returns
    -------
    dict of str to str
        Feature -> one of `KIND_ORDER`. Columns in neither list count as metadata.
    """
    meta, images = set(metadata), set(image_columns)
    kinds = {}
    for name in columns:
        base = name[len("image_") :] if name.startswith("image_") and name in images else name
        if name == "label":
            kinds[name] = "label"
        elif name in images or (name not in meta and _is_image_name(base)):
            kinds[name] = _image_kind(base)
        else:
            kinds[name] = "metadata"
    return kinds


def _is_image_name(name: str) -> bool:
    return name in QUALITY_FLAGS or name in PHOTOGRAPHIC or name == "concept"


def _image_kind(name: str) -> str:
    if name in QUALITY_FLAGS:
        return "quality"
    if name in PHOTOGRAPHIC:
        return "photographic"
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
