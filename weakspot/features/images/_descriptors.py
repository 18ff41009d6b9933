"""What an image property means, declared once by the extractor that measures it.

A `PropertyDescriptor` carries everything the later stages read about a column: its kind
(which ranks it in failure-mode titles), the words for a low and a high value (the mechanism
sentence), the direction in which it means a worse picture (the ``image_quality``
diagnosis), the quality flags that threshold it, and optionally how to set it on an image
(``perturb``) and how to move images towards a level (the augmentation search)::

    PropertyDescriptor(
        "Brightness", "mean luminance, 0-1", kind="photographic", low="dark", high="bright",
        degraded="either", flags=("is_dark", "is_light"), setter=PropertySetter(shift, (-1, 1)),
    )

No stage keeps a table keyed by property names: each reads the descriptors, from the
`FeatureTable` of an analysis or from `property_descriptors` (every registered extractor's
columns and the quality flags).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

#: What a column is to a person: a plain photographic property (brightness, sharpness), what
#: the picture shows (object size, rotation), a statistic one step removed from what a person
#: sees (clipping, entropy), or a quality flag (``is_dark``). Titles rank photographic and
#: content properties with the quality flags, derived statistics after the label.
PropertyKind = Literal["photographic", "content", "derived", "quality"]
PROPERTY_KINDS: tuple[PropertyKind, ...] = ("photographic", "content", "derived", "quality")
#: The direction in which a property means a worse picture: lower, higher, or either way.
Degraded = Literal["low", "high", "either"]
DEGRADED_DIRECTIONS: dict[Degraded, int] = {"low": -1, "high": 1, "either": 0}
#: ``medians(column)``: the column's median in a failure mode and outside it, or None when
#: the column is not measured there.
Medians = Callable[[str], tuple[float, float] | None]
#: ``towards(medians)``: transforms whose copies move images towards the mode's level, as
#: (Albumentations transform name, strength) pairs among those the augmentation search applies.
Towards = Callable[[Medians], list[tuple[str, Any]]]


@dataclass(frozen=True)
class PropertySetter:
    """How to move one property of one image: ``apply(image, strength, rng)``.

    ``perturb`` searches `strengths` by bisection for the strength at which the changed image
    measures the target level, so `apply` must move the property monotonically with the
    strength (either way).

    Attributes
    ----------
    apply : callable (image, strength, rng) -> image
        Takes and returns a uint8 image of shape (H, W) or (H, W, 3); `rng` is a
        ``numpy.random.Generator`` for transforms that draw (noise).
    strengths : (float, float)
        The strength range searched, lowest first.
    lowering : PropertySetter or None
        Used instead when the target lies below the image's own level, for a transform that
        moves the property one way only (added noise never lowers the noise; a blur does).
    """

    apply: Callable[[np.ndarray, float, np.random.Generator], np.ndarray]
    strengths: tuple[float, float]
    lowering: PropertySetter | None = None


@dataclass(frozen=True)
class PropertyDescriptor:
    """What one image column means, for every stage after the features.

    Attributes
    ----------
    name : str
        Human name ("Brightness").
    unit : str
        Unit and range ("mean luminance, 0-1"), or ``"flag"``.
    kind : {"photographic", "content", "derived", "quality"}
        See `PropertyKind`; an undeclared column is ``"derived"``.
    low, high : str or None
        The words for images whose value is low or high ("dark", "bright"): a failure mode's
        mechanism names them as its look. For a quality flag `high` is the word of a flagged
        image ("dark"). None: "low in <name>" / "high in <name>".
    degraded : {"low", "high", "either"} or None
        The direction in which the property means a worse picture; None when neither does
        (the ``image_quality`` diagnosis then does not count it).
    flags : tuple of str
        The quality flags that threshold this property (``is_dark`` for brightness): a mode
        defined by one of them is tested by ``perturb`` through this property, and a flag that
        thresholds a photographic property names a look.
    setter : PropertySetter or None
        How ``perturb`` sets the property on an image; None: it cannot.
    towards : callable or None
        ``towards(medians) -> [(transform, strength), ...]``: candidates whose strength is
        read off a mode's medians for the augmentation search (see `Towards`).
    transformable : bool
        Whether a pixel transform can change it (False for facts of the file or the canvas:
        width, file size); only such properties place images in the augmentation search.
    """

    name: str
    unit: str
    kind: PropertyKind = "derived"
    low: str | None = None
    high: str | None = None
    degraded: Degraded | None = None
    flags: tuple[str, ...] = ()
    setter: PropertySetter | None = None
    towards: Towards | None = None
    transformable: bool = True

    def word(self, higher: bool) -> str:
        """The word for a higher (or lower) value: `high` / `low`, else "high in <name>"."""
        word = self.high if higher else self.low
        return word or f"{'high' if higher else 'low'} in {self.name.lower()}"


def check_descriptor(owner: str, column: str, descriptor: Any) -> PropertyDescriptor:
    """`descriptor` as a `PropertyDescriptor`; a bare ``(name, unit)`` pair reads as a derived
    property. Raises `InputError` naming `owner` (an extractor) and the column otherwise."""
    from weakspot._errors import InputError

    if isinstance(descriptor, tuple) and len(descriptor) == 2:
        descriptor = PropertyDescriptor(str(descriptor[0]), str(descriptor[1]))
    if not isinstance(descriptor, PropertyDescriptor):
        raise InputError(
            f"Extractor {owner!r} describes column {column!r} by {descriptor!r}; give a "
            "weakspot.features.images.PropertyDescriptor (or a (name, unit) pair)."
        )
    problems = []
    if descriptor.kind not in PROPERTY_KINDS:
        problems.append(f"kind {descriptor.kind!r} is not one of {list(PROPERTY_KINDS)}")
    if descriptor.degraded is not None and descriptor.degraded not in DEGRADED_DIRECTIONS:
        problems.append(
            f"degraded {descriptor.degraded!r} is not one of {list(DEGRADED_DIRECTIONS)} or None"
        )
    if descriptor.setter is not None and not _valid_range(descriptor.setter.strengths):
        problems.append(
            f"the setter's strengths {descriptor.setter.strengths!r} are not (low, high) numbers"
        )
    if problems:
        raise InputError(f"Extractor {owner!r}, column {column!r}: {'; '.join(problems)}.")
    return descriptor


def _valid_range(strengths: Sequence[Any]) -> bool:
    try:
        low, high = (float(s) for s in strengths)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite([low, high]).all() and low < high)
