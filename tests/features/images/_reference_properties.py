"""The first, plain float32 implementation of the pixel properties: the oracle for the tests.

A copy of ``stack_properties`` as first written (commit 6fa3c91); the fast implementation must
give the same values, to float32 rounding.

Interpretable image properties, computed on stacks of same-shape thumbnails.

Pixel values are scaled to [0, 1]; luminance is Rec. 601 luma ``0.299 R + 0.587 G + 0.114 B``.
Each function takes a stack of thumbnails of one shape, so that numpy's per-call overhead is
paid once per stack rather than once per image. Formulas, units and ranges are in
``docs/images.md``.
"""

from __future__ import annotations

import math

import numpy as np

from weakspot.features.images._decode import DecodedImage

# column -> (human name, unit); the order is the column order of ``properties``.
PROPERTY_COLUMNS: dict[str, tuple[str, str]] = {
    "brightness": ("Brightness", "mean luminance, 0-1"),
    "dark_share": ("Dark pixels", "share of pixels with luminance < 0.1, 0-1"),
    "light_share": ("Light pixels", "share of pixels with luminance > 0.9, 0-1"),
    "contrast": ("Contrast", "RMS contrast: std of luminance, 0-0.5"),
    "shadows": ("Shadows", "1st percentile of luminance, 0-1"),
    "highlights": ("Highlights", "99th percentile of luminance, 0-1"),
    "dynamic_range": ("Dynamic range", "highlights minus shadows, 0-1"),
    "clipping": ("Clipping", "share of pixels at luminance 0 or 255, 0-1"),
    "entropy": ("Entropy", "Shannon entropy of the 256-bin luminance histogram, bits, 0-8"),
    "saturation": ("Saturation", "mean HSV saturation, 0-1"),
    "colourfulness": ("Colourfulness", "Hasler-Suesstrunk M on 0-1 channels, 0-~0.6"),
    "dominant_hue": ("Dominant hue", "centre of the fullest 30-degree hue bin, degrees"),
    "grayscale": ("Grayscale-ness", "share of pixels with max-min channel <= 2/255, 0-1"),
    "mean_red": ("Mean red", "mean red channel, 0-1"),
    "mean_green": ("Mean green", "mean green channel, 0-1"),
    "mean_blue": ("Mean blue", "mean blue channel, 0-1"),
    "sharpness": ("Sharpness", "variance of the 4-neighbour Laplacian of the thumbnail, 0-1"),
    "blur": ("Blur", "1 - high-frequency share of luminance variance, 0-1"),
    "noise": ("Noise", "Immerkaer noise sigma of luminance, 0-1"),
    "edge_density": ("Edge density", "share of pixels with gradient magnitude > 0.1, 0-1"),
    "centre_border_contrast": ("Centre-border contrast", "centre minus border luminance, -1-1"),
    "border_uniformity": ("Border uniformity", "1 - 2 * std of border luminance, 0-1"),
    "transparent_share": ("Transparent pixels", "share of pixels with alpha < 128, 0-1"),
    "width": ("Width", "pixels"),
    "height": ("Height", "pixels"),
    "megapixels": ("Megapixels", "width * height / 1e6"),
    "aspect_ratio": ("Aspect ratio", "width / height"),
    "file_size": ("File size", "bytes (NaN for arrays)"),
    "jpeg_quality": ("JPEG quality", "estimated IJG quality 1-100 (NaN if not JPEG)"),
}
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def compute_properties(decoded: list[DecodedImage]) -> np.ndarray:
    """Properties of decoded images.

    Parameters
    ----------
    decoded : list of DecodedImage, length n

    Returns
    -------
    ndarray of float64, shape (n, len(PROPERTY_COLUMNS))
        Columns in the order of `PROPERTY_COLUMNS`.
    """
    names = list(PROPERTY_COLUMNS)
    out = np.full((len(decoded), len(names)), np.nan)
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, d in enumerate(decoded):
        groups.setdefault(d.thumb.shape, []).append(i)
    for rows in groups.values():
        values = stack_properties(np.stack([decoded[i].thumb for i in rows]))
        for name, column in values.items():
            out[rows, names.index(name)] = column
    for i, d in enumerate(decoded):
        for name, value in _meta_properties(d.meta).items():
            out[i, names.index(name)] = value
    return out


def _meta_properties(meta: dict[str, float]) -> dict[str, float]:
    width, height = meta["width"], meta["height"]
    return {
        "transparent_share": meta["transparent_share"],
        "width": width,
        "height": height,
        "megapixels": width * height / 1e6,
        "aspect_ratio": width / height if height else math.nan,
        "file_size": meta["file_size"],
        "jpeg_quality": meta["jpeg_quality"],
    }


def stack_properties(stack: np.ndarray) -> dict[str, np.ndarray]:
    """Pixel properties of a stack of thumbnails.

    Parameters
    ----------
    stack : ndarray of uint8, shape (n, h, w) for grey or (n, h, w, 3) for colour

    Returns
    -------
    dict of str to ndarray of float64, shape (n,)
    """
    x = stack.astype(np.float32) * np.float32(1 / 255)
    lum = x @ _LUMA if x.ndim == 4 else x
    out = _tone(lum)
    out.update(_colour(x) if x.ndim == 4 else _grey_colour(out["brightness"]))
    out.update(_texture(lum))
    out.update(_layout(lum))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _tone(lum: np.ndarray) -> dict[str, np.ndarray]:
    n = len(lum)
    flat = lum.reshape(n, -1)
    levels = np.rint(flat * 255).astype(np.int64) + 256 * np.arange(n)[:, None]
    hist = np.bincount(levels.ravel(), minlength=256 * n).reshape(n, 256)
    p = hist / flat.shape[1]
    cdf = np.cumsum(p, axis=1)
    p01 = np.argmax(cdf >= 0.01, axis=1) / 255
    p99 = np.argmax(cdf >= 0.99, axis=1) / 255
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(p), 0.0)
    return {
        "brightness": flat.mean(axis=1),
        "dark_share": cdf[:, 25],
        "light_share": 1.0 - cdf[:, 229],
        "contrast": flat.std(axis=1),
        "shadows": p01,
        "highlights": p99,
        "dynamic_range": p99 - p01,
        "clipping": p[:, 0] + p[:, 255],
        "entropy": -plogp.sum(axis=1),
    }


def _colour(rgb: np.ndarray) -> dict[str, np.ndarray]:
    n = len(rgb)
    # One contiguous plane per channel: reductions over a length-3 last axis are slow in numpy.
    r, g, b = np.ascontiguousarray(np.moveaxis(rgb.reshape(n, -1, 3), 2, 0))
    top = np.maximum(np.maximum(r, g), b)
    chroma = top - np.minimum(np.minimum(r, g), b)
    sat = np.divide(chroma, top, out=np.zeros_like(chroma), where=top > 0)
    rg, yb = r - g, 0.5 * (r + g) - b
    colourfulness = np.hypot(rg.std(axis=1), yb.std(axis=1)) + 0.3 * np.hypot(
        rg.mean(axis=1), yb.mean(axis=1)
    )
    return {
        "saturation": sat.mean(axis=1),
        "colourfulness": colourfulness,
        "dominant_hue": _dominant_hue((r, g, b), top, chroma, sat),
        "grayscale": (chroma <= 2.5 / 255).mean(axis=1),
        "mean_red": r.mean(axis=1),
        "mean_green": g.mean(axis=1),
        "mean_blue": b.mean(axis=1),
    }


def _dominant_hue(
    planes: tuple[np.ndarray, ...], top: np.ndarray, chroma: np.ndarray, sat: np.ndarray
) -> np.ndarray:
    """Centre (degrees) of the fullest of 12 hue bins among coloured pixels; NaN if < 1%."""
    r, g, b = planes
    coloured = (sat > 0.2) & (top > 0.1)
    n = len(top)
    rows = np.broadcast_to(np.arange(n)[:, None], top.shape)[coloured]
    r, g, b, top, chroma = r[coloured], g[coloured], b[coloured], top[coloured], chroma[coloured]
    hue = np.where(
        top == r,
        ((g - b) / chroma) % 6,
        np.where(top == g, (b - r) / chroma + 2, (r - g) / chroma + 4),
    )
    bins = np.clip((hue * 2).astype(np.int64), 0, 11)  # 6 sextants x 2 = 12 bins of 30 deg
    counts = np.bincount(bins + 12 * rows, minlength=12 * n).reshape(n, 12)
    hue_deg = counts.argmax(axis=1) * 30.0 + 15.0
    return np.where(coloured.mean(axis=1) >= 0.01, hue_deg, np.nan)


def _grey_colour(brightness: np.ndarray) -> dict[str, np.ndarray]:
    zeros = np.zeros_like(brightness)
    return {
        "saturation": zeros,
        "colourfulness": zeros,
        "dominant_hue": np.full_like(brightness, np.nan),
        "grayscale": np.ones_like(brightness),
        "mean_red": brightness,
        "mean_green": brightness,
        "mean_blue": brightness,
    }


def _texture(lum: np.ndarray) -> dict[str, np.ndarray]:
    n, h, w = lum.shape
    if h < 3 or w < 3:
        nan = np.full(n, np.nan)
        return {"sharpness": nan, "blur": nan, "noise": nan, "edge_density": nan}
    centre = lum[:, 1:-1, 1:-1]
    lap = lum[:, :-2, 1:-1] + lum[:, 2:, 1:-1] + lum[:, 1:-1, :-2] + lum[:, 1:-1, 2:] - 4 * centre
    rows = lum[:, :, :-2] + lum[:, :, 1:-1] + lum[:, :, 2:]
    box = (rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]) / 9
    total = centre.reshape(n, -1).var(axis=1)
    high = (centre - box).reshape(n, -1).var(axis=1)
    blur = 1.0 - np.clip(np.divide(high, total, out=np.zeros_like(high), where=total > 0), 0, 1)
    # Immerkaer (1996): the kernel [[1,-2,1],[-2,4,-2],[1,-2,1]] is [1,-2,1] (x) [1,-2,1].
    second = lum[:, :, :-2] - 2 * lum[:, :, 1:-1] + lum[:, :, 2:]
    mixed = second[:, :-2] - 2 * second[:, 1:-1] + second[:, 2:]
    noise = math.sqrt(math.pi / 2) * np.abs(mixed).reshape(n, -1).mean(axis=1) / 6
    gx = (lum[:, 1:-1, 2:] - lum[:, 1:-1, :-2]) / 2
    gy = (lum[:, 2:, 1:-1] - lum[:, :-2, 1:-1]) / 2
    edges = (gx * gx + gy * gy) > 0.01
    return {
        "sharpness": lap.reshape(n, -1).var(axis=1),
        "blur": blur,
        "noise": noise,
        "edge_density": edges.reshape(n, -1).mean(axis=1),
    }


def _layout(lum: np.ndarray) -> dict[str, np.ndarray]:
    n, h, w = lum.shape
    bh, bw = max(1, round(0.1 * h)), max(1, round(0.1 * w))
    border = np.zeros((h, w), dtype=bool)
    border[:bh], border[-bh:], border[:, :bw], border[:, -bw:] = True, True, True, True
    ring = lum[:, border]
    centre = lum[:, h // 4 : max(h // 4 + 1, 3 * h // 4), w // 4 : max(w // 4 + 1, 3 * w // 4)]
    return {
        "centre_border_contrast": centre.reshape(n, -1).mean(axis=1) - ring.mean(axis=1),
        "border_uniformity": np.clip(1.0 - 2.0 * ring.std(axis=1), 0.0, 1.0),
    }
