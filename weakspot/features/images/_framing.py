"""How much of the frame the object fills: the ``framing`` extractor.

No pixel statistic says that an object is small in its picture: a small item on a plain canvas
reads as ``is_low_information`` or low entropy, which a person does not read as "small". The
object here is what differs from the background, and the background is the median of the
border ring: a pixel whose luminance is more than `FOREGROUND_STEP` from it is foreground, and
the object's box spans the rows and columns where at least `LINE_SHARE` of the pixels are
foreground (so that sensor noise and a stray pixel do not stretch it). ``object_fill`` is the
box's share of the frame: about 0.8 for a Fashion-MNIST item, 1 for a photograph whose
content reaches its edges, 0.05 for a 28-pixel item on a 128-pixel canvas, 0 for a blank
image. ``perturb`` sets it by shrinking the picture about its centre onto its background.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
from PIL import Image

from weakspot.features.images._descriptors import PropertyDescriptor, PropertySetter
from weakspot.features.images._extractors import ImageBatch, register_property_extractor
from weakspot.features.images._properties import _border

# a pixel is the object's when it differs from the background by this share of the image's
# own largest difference, and by at least the floor (luminance, 0-1)
FOREGROUND_SHARE = 0.3
FOREGROUND_FLOOR = 0.06
# a row or column belongs to the object's box when this share of its pixels are foreground
LINE_SHARE = 0.04
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def object_fill(stack: np.ndarray) -> np.ndarray:
    """The share of the frame the object's box covers, for same-shape thumbnails.

    Parameters
    ----------
    stack : ndarray of uint8, shape (k, h, w) or (k, h, w, 3)

    Returns
    -------
    ndarray of float64, shape (k,), in [0, 1]
    """
    luma = stack.astype(np.float32) / 255
    if luma.ndim == 4:
        luma = luma[..., :3] @ _LUMA
    k, h, w = luma.shape
    smooth = _box3(luma)
    background = np.median(smooth[:, _border(h, w)], axis=1)
    difference = np.abs(smooth - background[:, None, None])
    step = np.maximum(
        FOREGROUND_FLOOR, FOREGROUND_SHARE * np.percentile(difference, 99, axis=(1, 2))
    )
    foreground = difference > step[:, None, None]
    rows = foreground.mean(axis=2) >= LINE_SHARE  # (k, h)
    columns = foreground.mean(axis=1) >= LINE_SHARE  # (k, w)
    return _span(rows) / h * (_span(columns) / w)


def _box3(luma: np.ndarray) -> np.ndarray:
    """The 3x3 mean of each image, edges repeated, shape (k, h, w) as given."""
    padded = np.pad(luma, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = luma.shape[1:]
    total = np.zeros_like(luma)
    for i in range(3):
        for j in range(3):
            total += padded[:, i : i + h, j : j + w]
    return total / 9


def _span(lines: np.ndarray) -> np.ndarray:
    """Per image, the number of lines from the first marked to the last, shape (k,)."""
    n = lines.shape[1]
    first = np.argmax(lines, axis=1)
    last = n - 1 - np.argmax(lines[:, ::-1], axis=1)
    return np.where(lines.any(axis=1), last - first + 1, 0).astype(np.float64)


def shrink(image: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """The picture scaled by `scale` (0-1] about its centre onto its own background colour
    (the border ring's median), the canvas kept: the object fills about scale^2 as much."""
    if scale >= 1:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
    fill = np.median(image[_border(h, w)], axis=0)
    out = np.empty_like(image)
    out[...] = fill.astype(image.dtype)
    top, left = (h - size[1]) // 2, (w - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = small
    return out


@register_property_extractor
class ObjectFraming:
    """How much of the frame the object fills (``object_fill``), of kind content."""

    name: ClassVar[str] = "framing"
    version: ClassVar[str] = "1"
    columns: ClassVar[Mapping[str, PropertyDescriptor]] = {
        "object_fill": PropertyDescriptor(
            "Object fill",
            "share of the frame the object's box covers, 0-1",
            kind="content",
            low="small in the frame",
            high="filling the frame",
            degraded="low",
            setter=PropertySetter(shrink, (0.1, 1.0)),
        )
    }

    def measure(self, batch: ImageBatch) -> dict[str, np.ndarray]:
        out = np.full(len(batch), np.nan)
        for rows, stack in batch.stacks:
            out[rows] = object_fill(stack)
        return {"object_fill": out}
