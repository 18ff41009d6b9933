"""Image property extractors: plug-ins that measure each decoded image, and their registry.

An extractor has a `name`, a `version` (part of the feature cache's key, so changing what it
measures never reuses stale values), the `columns` it fills with a human name and unit each,
and `measure`, which turns a batch of decoded images into one value per image and column. The
columns become slicing features like any metadata column::

    @register_property_extractor
    class Redness:
        name = "redness"
        version = "1"
        columns = {"red_share": ("Share of red pixels", "share of pixels")}

        def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
            out = np.empty(len(batch))
            for i, d in enumerate(batch.decoded):
                rgb = d.thumb if d.thumb.ndim == 3 else np.stack([d.thumb] * 3, axis=-1)
                out[i] = np.mean(rgb[..., 0] > rgb[..., 1:].max(axis=-1) + 40)
            return {"red_share": out}

The built-in ``pixels`` extractor measures the 29 properties of docs/images.md on stacks of
same-shape thumbnails, so its per-image cost is little more than the decode.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import numpy as np

from weakspot._errors import InputError
from weakspot.features.images._decode import DecodedImage
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
    """A plug-in that measures images: name, version, the columns it fills, and `measure`."""

    name: ClassVar[str]
    version: ClassVar[str]
    columns: ClassVar[Mapping[str, tuple[str, str]]]

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        """One float per image of `batch` for each of `columns`: ``{column: shape (n,)}``."""
        ...


PROPERTY_EXTRACTORS: dict[str, type[Any]] = {}


def register_property_extractor(cls: type[Any]) -> type[Any]:
    """Class decorator that adds an extractor to the registry under ``cls.name``.

    Its columns must not clash with another extractor's.
    """
    taken = {c: n for n, other in PROPERTY_EXTRACTORS.items() for c in other.columns}
    clash = sorted(c for c in cls.columns if taken.get(c, cls.name) != cls.name)
    if clash:
        raise InputError(
            f"Extractor {cls.name!r} fills column(s) {clash} that extractor "
            f"{taken[clash[0]]!r} already fills; give the columns other names."
        )
    PROPERTY_EXTRACTORS[cls.name] = cls
    return cls


@register_property_extractor
class PixelProperties:
    """The built-in 29 properties: tone, colour, texture, layout and file facts."""

    name: ClassVar[str] = "pixels"
    version: ClassVar[str] = "1"
    columns: ClassVar[Mapping[str, tuple[str, str]]] = PROPERTY_COLUMNS

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        values = compute_properties(batch.decoded, batch.stacks)
        return {name: values[:, j] for j, name in enumerate(PROPERTY_COLUMNS)}


def extractor_columns() -> dict[str, tuple[str, str]]:
    """Every registered extractor's columns, in registration order: column -> (name, unit)."""
    return {c: v for cls in PROPERTY_EXTRACTORS.values() for c, v in cls.columns.items()}


def extractors_key() -> str:
    """Names and versions of the registered extractors, for the feature cache's key."""
    return ",".join(f"{name}:{cls.version}" for name, cls in PROPERTY_EXTRACTORS.items())


def measure_properties(batch: ImageBatch) -> np.ndarray:
    """Every registered extractor's columns for `batch`, shape (n, len(extractor_columns()))."""
    columns = extractor_columns()
    out = np.full((len(batch), len(columns)), np.nan)
    position = {c: j for j, c in enumerate(columns)}
    for name, cls in PROPERTY_EXTRACTORS.items():
        values = cls().measure(batch)
        missing = sorted(set(cls.columns) - set(values))
        if missing:
            raise InputError(
                f"Extractor {name!r} returned no values for column(s) {missing}; its measure() "
                "must return one array of shape (n,) per declared column."
            )
        for column in cls.columns:
            column_values = np.asarray(values[column], dtype=np.float64)
            if column_values.shape != (len(batch),):
                raise InputError(
                    f"Extractor {name!r} returned shape {column_values.shape} for column "
                    f"{column!r}; expected ({len(batch)},), one value per image."
                )
            out[:, position[column]] = column_values
    return out
