"""What each built-in pixel property means: the `PropertyDescriptor` of every column the
``pixels`` extractor fills (`PROPERTY_COLUMNS`, same order).

Plain photographic properties (brightness, contrast, sharpness, blur, noise, the border's
contrast and uniformity, the size and shape of the canvas) name a look and say which direction
is the worse picture; the others are derived statistics. Tone properties are set by a shift,
contrast by scaling about the mean, detail by a blur, noise by added noise (a blur lowers it),
the border by painting the ring the properties measure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weakspot.features.images._adjust import (
    add_noise,
    blur,
    even_border,
    paint_border,
    scale_contrast,
    shift,
)
from weakspot.features.images._descriptors import Medians, PropertyDescriptor, PropertySetter
from weakspot.features.images._properties import PROPERTY_COLUMNS

_SHIFT = PropertySetter(shift, (-1.0, 1.0))
_CONTRAST = PropertySetter(scale_contrast, (-1.0, 3.0))
_BLUR = PropertySetter(blur, (0.0, 8.0))  # only degrades: sigma 0 is the image itself
_NOISE = PropertySetter(add_noise, (0.0, 0.5), lowering=_BLUR)


def _tone_towards(medians: Medians) -> list[tuple[str, Any]]:
    """The contrast ratio and the brightness it leaves, and the gamma that maps one
    brightness to the other (read off the mode's medians inside vs outside)."""
    out: list[tuple[str, Any]] = []
    bright, contrast = medians("brightness"), medians("contrast")
    if bright and contrast and contrast[1] > 0:
        c = float(np.clip(contrast[0] / contrast[1] - 1, -0.95, 3.0))
        b = float(np.clip(bright[0] - (1 + c) * bright[1], -1.0, 1.0))
        out.append(("RandomBrightnessContrast", (round(b, 3), round(c, 3))))
    if bright and 0 < bright[0] < 1 and 0 < bright[1] < 1:
        g = float(np.clip(np.log(bright[0]) / np.log(bright[1]), 0.1, 10.0))
        out.append(("RandomGamma", round(g, 3)))
    return out


def _blur_towards(medians: Medians) -> list[tuple[str, Any]]:
    """The blur that lowers the sharpness by its ratio (a Laplacian's variance falls about
    as sigma^-4)."""
    sharp = medians("sharpness")
    if sharp and sharp[0] > 0 and sharp[1] > sharp[0]:
        return [("GaussianBlur", round(float((sharp[1] / sharp[0]) ** 0.25), 3))]
    return []


def _noise_towards(medians: Medians) -> list[tuple[str, Any]]:
    """The noise that adds up to the mode's (independent noises add in variance)."""
    noise = medians("noise")
    if noise and noise[0] > noise[1]:
        return [("GaussNoise", round(float(np.sqrt(noise[0] ** 2 - noise[1] ** 2)), 3))]
    return []


def _pixel(column: str, **meaning: Any) -> PropertyDescriptor:
    return PropertyDescriptor(*PROPERTY_COLUMNS[column], **meaning)


# fmt: off
PIXEL_DESCRIPTORS: dict[str, PropertyDescriptor] = {
    "brightness": _pixel(
        "brightness", kind="photographic", low="dark", high="bright", degraded="either",
        flags=("is_dark", "is_light"), setter=_SHIFT, towards=_tone_towards,
    ),
    "dark_share": _pixel("dark_share", setter=_SHIFT),
    "light_share": _pixel("light_share", setter=_SHIFT),
    "contrast": _pixel(
        "contrast", kind="photographic", low="low in contrast", high="high in contrast",
        degraded="low", setter=_CONTRAST,
    ),
    "shadows": _pixel("shadows", setter=_SHIFT),
    "highlights": _pixel("highlights", setter=_SHIFT),
    "dynamic_range": _pixel("dynamic_range", setter=_CONTRAST),
    "clipping": _pixel("clipping"),
    "entropy": _pixel("entropy"),
    "saturation": _pixel("saturation"),
    "colourfulness": _pixel("colourfulness"),
    "dominant_hue": _pixel("dominant_hue"),
    "grayscale": _pixel("grayscale"),
    "mean_red": _pixel("mean_red"),
    "mean_green": _pixel("mean_green"),
    "mean_blue": _pixel("mean_blue"),
    "sharpness": _pixel(
        "sharpness", kind="photographic", low="blurry", high="sharp", degraded="low",
        flags=("is_blurry",), setter=_BLUR, towards=_blur_towards,
    ),
    "blur": _pixel(
        "blur", kind="photographic", low="sharp", high="blurry", degraded="high", setter=_BLUR,
    ),
    "noise": _pixel(
        "noise", kind="photographic", low="clean", high="noisy", degraded="high",
        setter=_NOISE, towards=_noise_towards,
    ),
    "edge_density": _pixel("edge_density", setter=_BLUR),
    "centre_border_contrast": _pixel(
        "centre_border_contrast", kind="photographic", low="darker at the centre",
        high="brighter at the centre", degraded="either",
        setter=PropertySetter(paint_border, (-1.0, 1.0)),
    ),
    "border_uniformity": _pixel(
        "border_uniformity", kind="photographic", low="busy at the border",
        high="uniform at the border", degraded="either",
        setter=PropertySetter(even_border, (0.0, 1.0)),
    ),
    "transparent_share": _pixel("transparent_share"),
    # facts of the canvas and the file: no pixel transform changes them
    "width": _pixel(
        "width", kind="photographic", low="narrow", high="wide", degraded="low",
        transformable=False,
    ),
    "height": _pixel(
        "height", kind="photographic", low="short", high="tall", degraded="low",
        transformable=False,
    ),
    "megapixels": _pixel("megapixels", transformable=False),
    "aspect_ratio": _pixel(
        "aspect_ratio", kind="photographic", low="tall", high="wide", degraded="either",
        transformable=False,
    ),
    "file_size": _pixel("file_size", transformable=False),
    "jpeg_quality": _pixel("jpeg_quality", transformable=False),
}
# fmt: on
