"""Reference transforms for weakspot's augmentation specs, for users without Albumentations.

A spec (``actions/F1-augment.json``) is Albumentations' own serialisation: ``{"__version__",
"transform": {"__class_fullname__": "Compose", "p", "transforms": [...]}}``, loadable with
``albumentations.from_dict``. `apply_spec` applies the same spec with these functions, with
Albumentations' semantics for the transforms weakspot writes:

- ``RandomBrightnessContrast``: ``out = alpha * img + beta * 255`` with ``alpha = 1 + c``,
  ``c`` drawn from ``contrast_limit`` and ``beta`` from ``brightness_limit``
  (``brightness_by_max``);
- ``GaussianBlur``: Gaussian blur with sigma drawn from ``sigma_limit`` (pixels);
- ``GaussNoise``: additive Gaussian noise with standard deviation drawn from ``std_range``
  (a share of 255);
- ``RandomGamma``: ``out = 255 * (img / 255) ** g`` with ``g`` drawn from ``gamma_limit / 100``;
- ``InvertImg``: ``255 - img``;
- ``CropAndPad`` with one ``percent``: every side cropped (negative) or padded with the
  constant ``fill`` (positive) by that share of the image; with ``keep_size`` resized back.
  weakspot writes a frame as two of them, a crop by ``s`` and a pad by ``s / (1 - 2 s)``:
  the picture's own border replaced by a band of ``fill``, the size unchanged up to rounding;
- ``Downscale``: resized down by ``scale_range`` (nearest) and back up (bilinear): a
  low-resolution copy at the same size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

# the transforms that also set a property live with the properties (`PropertySetter`)
from weakspot.features.images import brightness_contrast, gaussian_blur, gaussian_noise

__all__ = [
    "ALBUMENTATIONS_VERSION",
    "apply_spec",
    "apply_transform",
    "brightness_contrast",
    "crop_and_pad",
    "downscale",
    "frame",
    "gamma",
    "gaussian_blur",
    "gaussian_noise",
    "invert",
]

ALBUMENTATIONS_VERSION = "2.0.8"


def gamma(image: np.ndarray, g: float) -> np.ndarray:
    """``255 * (image / 255) ** g``; g > 1 darkens the mid-tones (underexposure), g < 1 lifts them."""
    out = 255.0 * (image.astype(np.float32) / 255.0) ** g
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def invert(image: np.ndarray) -> np.ndarray:
    """The negative, ``255 - image``."""
    return (255 - image).astype(np.uint8)


def crop_and_pad(image: np.ndarray, share: float, fill: int, keep_size: bool) -> np.ndarray:
    """Every side cropped (share < 0) or padded with `fill` (share > 0) by ``|share|`` of the
    image's size; with `keep_size`, resized back (bilinear)."""
    h, w = image.shape[:2]
    ph, pw = round(abs(share) * h), round(abs(share) * w)
    if share < 0:
        out = image[ph : h - ph or None, pw : w - pw or None]
    else:
        pad = [(ph, ph), (pw, pw)] + [(0, 0)] * (image.ndim - 2)
        out = np.pad(image, pad, mode="constant", constant_values=fill)
    if keep_size and out.shape[:2] != (h, w):
        out = np.asarray(Image.fromarray(out).resize((w, h), Image.Resampling.BILINEAR))
    return np.ascontiguousarray(out)


def frame(image: np.ndarray, share: float, fill: int) -> np.ndarray:
    """The image's border (`share` of its size on each side) replaced by a band of `fill`."""
    cropped = crop_and_pad(image, -share, fill, keep_size=False)
    return crop_and_pad(cropped, share / (1 - 2 * share), fill, keep_size=False)


def downscale(image: np.ndarray, scale: float) -> np.ndarray:
    """Resized down by `scale` (nearest) and back up (bilinear): a low-resolution copy."""
    h, w = image.shape[:2]
    small = Image.fromarray(image).resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.NEAREST
    )
    return np.asarray(small.resize((w, h), Image.Resampling.BILINEAR))


def _uniform(rng: np.random.Generator, limits: Any) -> float:
    """A draw from ``[low, high]``, or from ``[-limits, limits]`` for one number."""
    if isinstance(limits, int | float):
        low, high = -float(limits), float(limits)
    else:
        low, high = float(limits[0]), float(limits[1])
    return float(rng.uniform(low, high))


def apply_transform(spec: dict[str, Any], image: np.ndarray, rng: np.random.Generator):
    """Apply one serialised transform (a ``transforms`` entry) to `image` (uint8)."""
    name = spec["__class_fullname__"].rsplit(".", 1)[-1]
    if rng.random() >= spec.get("p", 0.5):
        return image
    if name == "RandomBrightnessContrast":
        return brightness_contrast(
            image,
            _uniform(rng, spec.get("brightness_limit", 0.2)),
            _uniform(rng, spec.get("contrast_limit", 0.2)),
        )
    if name == "GaussianBlur":
        return gaussian_blur(image, _uniform(rng, spec.get("sigma_limit", (0.5, 3.0))))
    if name == "GaussNoise":
        return gaussian_noise(image, _uniform(rng, spec.get("std_range", (0.2, 0.44))), rng)
    if name == "RandomGamma":
        return gamma(image, _uniform(rng, spec.get("gamma_limit", (80, 120))) / 100.0)
    if name == "InvertImg":
        return invert(image)
    if name == "CropAndPad" and isinstance(spec.get("percent"), int | float):
        return crop_and_pad(
            image, float(spec["percent"]), int(spec.get("fill", 0)), spec.get("keep_size", True)
        )
    if name == "Downscale":
        return downscale(image, _uniform(rng, spec.get("scale_range", (0.25, 0.25))))
    raise ValueError(
        f"weakspot's reference transforms do not implement {name!r}; "
        "apply this spec with albumentations.from_dict instead."
    )


def apply_spec(spec: dict[str, Any], image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Apply a serialised ``Compose`` spec to one uint8 image, shape (H, W) or (H, W, C)."""
    compose = spec["transform"]
    if rng.random() >= compose.get("p", 1.0):
        return image
    for transform in compose["transforms"]:
        image = apply_transform(transform, image, rng)
    return image
