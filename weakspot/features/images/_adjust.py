"""Pixel transforms that move one image property: the built-in properties' setters.

The first three are also the reference transforms of the augmentation specs
(`weakspot.actions.augment`), with Albumentations' semantics; the others exist to set one
property (`PropertySetter`). Every function takes and returns a uint8 image of shape (H, W) or
(H, W, C).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from weakspot.features.images._properties import _border


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


def shift(image: np.ndarray, b: float, rng: np.random.Generator) -> np.ndarray:
    """Every pixel shifted by ``b * 255`` (brightness_contrast without contrast)."""
    return brightness_contrast(image, b, 0.0)


def scale_contrast(image: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    """Contrast scaled by ``1 + c`` about the image's own mean, so the brightness stays."""
    mean = float(image.mean())
    out = mean + (1.0 + c) * (image.astype(np.float32) - mean)
    return np.clip(out, 0, 255).astype(np.uint8)


def blur(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian blur of `sigma` pixels; sigma 0 leaves the image as it is."""
    return gaussian_blur(image, sigma) if sigma > 0 else image


def add_noise(image: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of ``std * 255``; std 0 leaves the image as it is."""
    return gaussian_noise(image, std, rng) if std > 0 else image


def paint_border(image: np.ndarray, q: float, rng: np.random.Generator) -> np.ndarray:
    """The border ring the properties measure, blended towards white (q > 0) or black (q < 0)
    by |q|: a frame of that brightness, which moves the centre-border contrast."""
    out = image.astype(np.float32)
    ring = _border(*image.shape[:2])
    target = 255.0 if q > 0 else 0.0
    out[ring] = (1 - abs(q)) * out[ring] + abs(q) * target
    return np.clip(out, 0, 255).astype(np.uint8)


def even_border(image: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """The border ring blended by p towards its own mean: a more uniform border."""
    out = image.astype(np.float32)
    ring = _border(*image.shape[:2])
    out[ring] = (1 - p) * out[ring] + p * out[ring].mean(axis=0)
    return np.clip(out, 0, 255).astype(np.uint8)
