"""Image property extractors: plug-ins that measure each decoded image, and their registry.

An extractor has a `name`, a `version` (part of the feature cache's key, so changing what it
measures never reuses stale values), the `columns` it fills, each with a `PropertyDescriptor`
(what the column means to the later stages), and `measure`, which turns a batch of decoded
images into one value per image and column. The columns become slicing features like any
metadata column, and the descriptor is all the later stages know of them: its kind and words
name a failure mode's look, its degraded direction counts for the ``image_quality``
diagnosis, and its setter lets ``perturb`` set it on an image::

    def tint_red(image, strength, rng):
        rgb = image if image.ndim == 3 else np.stack([image] * 3, axis=-1)
        out = rgb.astype(np.float32)
        out[..., 0] += strength * (255 - out[..., 0])
        return out.astype(np.uint8)

    @register_property_extractor
    class Redness:
        name = "redness"
        version = "1"
        columns = {
            "red_share": PropertyDescriptor(
                "Share of red pixels", "share of pixels", kind="photographic",
                low="not red", high="red", degraded="high",
                setter=PropertySetter(tint_red, (0.0, 1.0)),
            )
        }

        def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
            out = np.empty(len(batch))
            for i, d in enumerate(batch.decoded):
                rgb = (d.thumb if d.thumb.ndim == 3 else np.stack([d.thumb] * 3, -1)).astype(int)
                out[i] = np.mean(rgb[..., 0] > rgb[..., 1:].max(axis=-1) + 40)
            return {"red_share": out}

A bare ``(name, unit)`` pair still describes a column: a derived statistic, which slices but
names no look, counts for no diagnosis and cannot be set.

The built-in ``pixels`` extractor measures the 29 properties of docs/images.md on stacks of
same-shape thumbnails, so its per-image cost is little more than the decode.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from weakspot._errors import InputError
from weakspot.features.images._decode import DecodedImage, as_uint8, decode_array
from weakspot.features.images._descriptors import PropertyDescriptor, check_descriptor
from weakspot.features.images._flags import FLAG_DESCRIPTORS
from weakspot.features.images._pixel_descriptors import PIXEL_DESCRIPTORS
from weakspot.features.images._properties import (
    PROPERTY_COLUMNS,
    compute_properties,
    thumbnail_stacks,
)


class ImageBatch:
    """Decoded images measured together; `stacks` groups same-shape thumbnails (computed once).

    Attributes
    ----------
    decoded : list of DecodedImage, length n
        Thumbnails (long side at most 64 px, uint8) and file metadata.
    """

    def __init__(self, decoded: list[DecodedImage]) -> None:
        self.decoded = decoded

    def __len__(self) -> int:
        return len(self.decoded)

    @functools.cached_property
    def stacks(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(rows, stack)]``: row positions and their thumbnails stacked, shape (k, h, w[, 3])."""
        return thumbnail_stacks(self.decoded)


class PropertyExtractor(Protocol):
    """A plug-in that measures images: name, version, the columns it fills (each with its
    `PropertyDescriptor`, or a ``(name, unit)`` pair), and `measure`."""

    name: ClassVar[str]
    version: ClassVar[str]
    columns: ClassVar[Mapping[str, PropertyDescriptor | tuple[str, str]]]

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        """One float per image of `batch` for each of `columns`: ``{column: shape (n,)}``."""
        ...


PROPERTY_EXTRACTORS: dict[str, type[Any]] = {}


def register_property_extractor(cls: type[Any]) -> type[Any]:
    """Class decorator that adds an extractor to the registry under ``cls.name``.

    Its columns must not clash with another extractor's or a quality flag's, and each must be
    described by a valid `PropertyDescriptor` (or a ``(name, unit)`` pair).
    """
    for column, descriptor in cls.columns.items():
        check_descriptor(cls.name, column, descriptor)
    taken = {
        c: f"extractor {n!r}" for n, other in PROPERTY_EXTRACTORS.items() for c in other.columns
    }
    taken.update({flag: "the image stage's quality flags" for flag in FLAG_DESCRIPTORS})
    own = f"extractor {cls.name!r}"
    clash = sorted(c for c in cls.columns if taken.get(c, own) != own)
    if clash:
        raise InputError(
            f"Extractor {cls.name!r} fills column(s) {clash} that {taken[clash[0]]} already "
            "fills; give the columns other names."
        )
    PROPERTY_EXTRACTORS[cls.name] = cls
    return cls


@register_property_extractor
class PixelProperties:
    """The built-in 29 properties: tone, colour, texture, layout and file facts."""

    name: ClassVar[str] = "pixels"
    version: ClassVar[str] = "1"
    columns: ClassVar[Mapping[str, PropertyDescriptor]] = PIXEL_DESCRIPTORS

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        values = compute_properties(batch.decoded, batch.stacks)
        return {name: values[:, j] for j, name in enumerate(PROPERTY_COLUMNS)}


def extractor_descriptors() -> dict[str, PropertyDescriptor]:
    """Every registered extractor's columns, in registration order: column -> descriptor."""
    return {
        column: check_descriptor(name, column, descriptor)
        for name, cls in PROPERTY_EXTRACTORS.items()
        for column, descriptor in cls.columns.items()
    }


def property_descriptors() -> dict[str, PropertyDescriptor]:
    """What every image column means: the registered extractors' columns, then the quality
    flags (`FLAG_COLUMNS`), each with its `PropertyDescriptor`.

    A stage without a `FeatureTable` (``perturb``, reading an analysis back) looks the
    columns up here; the extractors a user registered must be registered in that process too.
    """
    return {**extractor_descriptors(), **FLAG_DESCRIPTORS}


def extractor_columns() -> dict[str, tuple[str, str]]:
    """Every registered extractor's columns, in registration order: column -> (name, unit)."""
    return {c: (d.name, d.unit) for c, d in extractor_descriptors().items()}


def extractors_key() -> str:
    """Names and versions of the registered extractors, for the feature cache's key."""
    return ",".join(f"{name}:{cls.version}" for name, cls in PROPERTY_EXTRACTORS.items())


def measure_properties(batch: ImageBatch) -> np.ndarray:
    """Every registered extractor's columns for `batch`, shape (n, len(extractor_columns()))."""
    columns = extractor_columns()
    out = np.full((len(batch), len(columns)), np.nan)
    position = {c: j for j, c in enumerate(columns)}
    for name, cls in PROPERTY_EXTRACTORS.items():
        for column, values in _measured(name, cls, batch, list(cls.columns)).items():
            out[:, position[column]] = values
    return out


def measure_images(
    images: Sequence[np.ndarray], columns: Sequence[str], *, full_size: bool = False
) -> np.ndarray:
    """Columns of the registered extractors measured on images, by the extractors that own them.

    Parameters
    ----------
    images : sequence of ndarray, length n
        Each of shape (H, W) or (H, W, 3), uint8 (or float in 0-1).
    columns : sequence of str
        Property columns of registered extractors (`extractor_columns`).
    full_size : bool
        False: measured as the image stage measures them, on each image's thumbnail (long side
        at most 64 px). True: on each image at its own size (as ``perturb`` sets a property);
        file facts (file size, JPEG quality) are then NaN.

    Returns
    -------
    ndarray of float64, shape (n, len(columns))
    """
    owner = {c: name for name, cls in PROPERTY_EXTRACTORS.items() for c in cls.columns}
    unknown = [c for c in columns if c not in owner]
    if unknown:
        raise InputError(
            f"No registered property extractor fills column(s) {unknown}; the extractors fill "
            f"{sorted(owner)}. Register the extractor (register_property_extractor) first."
        )
    batch = ImageBatch(
        [_as_is(im) if full_size else decode_array(im, net_size=None) for im in images]
    )
    out = np.full((len(batch), len(columns)), np.nan)
    for name, cls in PROPERTY_EXTRACTORS.items():
        wanted = [c for c in columns if owner[c] == name]
        if wanted:
            found = _measured(name, cls, batch, wanted)
            for j, column in enumerate(columns):
                if column in found:
                    out[:, j] = found[column]
    return out


def _as_is(image: np.ndarray) -> DecodedImage:
    """An image in memory as a decoded image whose thumbnail is the image itself."""
    pixels = as_uint8(np.asarray(image))
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = np.ascontiguousarray(pixels[..., :3])  # the properties read colour, not alpha
    h, w = pixels.shape[:2]
    meta = {
        "width": float(w),
        "height": float(h),
        "file_size": math.nan,
        "jpeg_quality": math.nan,
        "transparent_share": 0.0,
    }
    return DecodedImage(pixels, None, meta)


def _measured(
    name: str, cls: type[Any], batch: ImageBatch, columns: list[str]
) -> dict[str, np.ndarray]:
    """Extractor `cls`'s values for `columns` on `batch`, each checked to be shape (n,)."""
    values = cls().measure(batch)
    missing = sorted(set(columns) - set(values))
    if missing:
        raise InputError(
            f"Extractor {name!r} returned no values for column(s) {missing}; its measure() "
            "must return one array of shape (n,) per declared column."
        )
    out = {}
    for column in columns:
        column_values = np.asarray(values[column], dtype=np.float64)
        if column_values.shape != (len(batch),):
            raise InputError(
                f"Extractor {name!r} returned shape {column_values.shape} for column "
                f"{column!r}; expected ({len(batch)},), one value per image."
            )
        out[column] = column_values
    return out
