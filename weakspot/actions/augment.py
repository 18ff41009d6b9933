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
  (a share of 255).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageFilter

ALBUMENTATIONS_VERSION = "2.0.8"


def brightness_contrast(image: np.ndarray, brightness: float, contrast: float) -> np.ndarray:
    """``(1 + contrast) * image + brightness * 255``, clipped; uint8 in, uint8 out, any shape."""
    out = (1.0 + contrast) * image.astype(np.float32) + brightness * 255.0
    return np.clip(out, 0, 255).astype(np.uint8)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a uint8 image of shape (H, W) or (H, W, C), sigma in pixels."""
    return np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(sigma)))


def gaussian_noise(image: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian noise of standard deviation ``std * 255``, clipped to uint8."""
    noisy = image.astype(np.float32) + rng.normal(0.0, std * 255.0, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


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
