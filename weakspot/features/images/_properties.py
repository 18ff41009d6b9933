"""Interpretable image properties, computed on stacks of same-shape thumbnails.

Pixel values are scaled to [0, 1]; luminance is Rec. 601 luma ``0.299 R + 0.587 G + 0.114 B``.
Each function takes a stack of thumbnails of one shape, so that numpy's per-call overhead is
paid once per stack rather than once per image. Formulas, units and ranges are in
``docs/images.md``.
"""

from __future__ import annotations

import math

import numpy as np

from weakspot.features.images._decode import PIECE_VALUES, DecodedImage

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
_SCALE = np.float32(1 / 255)
_LEVEL = np.arange(256, dtype=np.float32) * _SCALE  # what each uint8 level reads as
_LEVEL64 = _LEVEL.astype(np.float64)


def _saturation_table() -> np.ndarray:
    """HSV saturation of each (max, min) channel pair, shape (65536,), float32.

    Computed with the float32 operations of the formula, so that looking it up with
    ``max * 256 + min`` gives the very values the formula gives per pixel.
    """
    top, low = _LEVEL[:, None], _LEVEL[None, :]
    chroma = top - low
    return np.divide(chroma, top, out=np.zeros_like(chroma), where=top > 0).ravel()


_SAT = _saturation_table()
# A pixel is coloured when its saturation > 0.2 and its largest channel > 0.1, i.e. a level
# of at least this one.
_COLOURED_TOP = int(np.flatnonzero(_LEVEL > 0.1)[0])


def thumbnail_stacks(decoded: list[DecodedImage]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The thumbnails grouped by shape: ``(rows, stack)`` with the rows' thumbnails stacked."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, d in enumerate(decoded):
        groups.setdefault(d.thumb.shape, []).append(i)
    return [
        (np.array(rows), np.stack([decoded[i].thumb for i in rows])) for rows in groups.values()
    ]


def compute_properties(
    decoded: list[DecodedImage], stacks: list[tuple[np.ndarray, np.ndarray]] | None = None
) -> np.ndarray:
    """Properties of decoded images.

    Parameters
    ----------
    decoded : list of DecodedImage, length n
    stacks : list of (rows, stack), or None
        `thumbnail_stacks` of `decoded`, when the caller has them already.

    Returns
    -------
    ndarray of float64, shape (n, len(PROPERTY_COLUMNS))
        Columns in the order of `PROPERTY_COLUMNS`.
    """
    position = {name: j for j, name in enumerate(PROPERTY_COLUMNS)}
    out = np.empty((len(decoded), len(position)))
    for rows, stack in thumbnail_stacks(decoded) if stacks is None else stacks:
        for name, column in stack_properties(stack).items():
            out[rows, position[name]] = column
    for name, column in _meta_properties(decoded).items():
        out[:, position[name]] = column
    return out


def _meta_properties(decoded: list[DecodedImage]) -> dict[str, np.ndarray]:
    def meta(key: str) -> np.ndarray:
        return np.array([d.meta[key] for d in decoded], dtype=np.float64)

    width, height = meta("width"), meta("height")
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.where(height > 0, width / height, np.nan)
    return {
        "transparent_share": meta("transparent_share"),
        "width": width,
        "height": height,
        "megapixels": width * height / 1e6,
        "aspect_ratio": aspect,
        "file_size": meta("file_size"),
        "jpeg_quality": meta("jpeg_quality"),
    }


def stack_properties(stack: np.ndarray) -> dict[str, np.ndarray]:
    """Pixel properties of a stack of thumbnails.

    A grey stack is measured in exact integer arithmetic on its pixel levels; a colour stack on
    its float32 luminance, with the colour properties summed or looked up from the uint8
    channels. Both give the values of the formulas in ``docs/images.md`` to float rounding.

    Parameters
    ----------
    stack : ndarray of uint8, shape (n, h, w) for grey or (n, h, w, 3) for colour

    Returns
    -------
    dict of str to ndarray of float64, shape (n,)
    """
    stack = np.asarray(stack, dtype=np.uint8)
    measure = _grey_stack if stack.ndim == 3 else _colour_stack
    step = max(1, PIECE_VALUES // max(1, stack[0].size)) if len(stack) else 1
    parts = [measure(stack[i : i + step]) for i in range(0, max(1, len(stack)), step)]
    return {
        k: np.concatenate([np.asarray(p[k], dtype=np.float64) for p in parts]) for k in parts[0]
    }


def _grey_stack(stack: np.ndarray) -> dict[str, np.ndarray]:
    n = len(stack)
    hist = _histogram(stack.reshape(n, -1))
    # A grey pixel's luminance is its level, so mean and spread follow from the histogram.
    size = hist.sum(axis=1)
    brightness = hist @ _LEVEL64 / size
    spread = hist * np.square(_LEVEL64[None, :] - brightness[:, None])
    out = _tone(hist, brightness, np.sqrt(spread.sum(axis=1) / size))
    out.update(_grey_colour(brightness))
    levels = stack.astype(np.int16)
    out.update(_int_texture(levels))
    out.update(_int_layout(levels))
    return out


def _colour_stack(stack: np.ndarray) -> dict[str, np.ndarray]:
    n = len(stack)
    lum = np.multiply(stack, _SCALE, dtype=np.float32) @ _LUMA  # one pass: cast, then scale
    flat = lum.reshape(n, -1)
    levels = flat * 255
    hist = _histogram(np.rint(levels, out=levels).astype(np.intp))
    out = _tone(hist, flat.mean(axis=1), flat.std(axis=1))
    out.update(_colour(stack))
    out.update(_texture(lum))
    out.update(_layout(lum))
    return out


def _histogram(levels: np.ndarray) -> np.ndarray:
    """256-bin histogram of each row of integer levels 0-255, shape (n, 256)."""
    n = len(levels)
    offset = np.arange(0, 256 * n, 256, dtype=np.intp)[:, None]
    return np.bincount((levels + offset).ravel(), minlength=256 * n).reshape(n, 256)


def _tone(hist: np.ndarray, brightness: np.ndarray, contrast: np.ndarray) -> dict[str, np.ndarray]:
    p = hist / hist.sum(axis=1, keepdims=True)
    cdf = np.cumsum(p, axis=1)
    p01 = np.argmax(cdf >= 0.01, axis=1) / 255
    p99 = np.argmax(cdf >= 0.99, axis=1) / 255
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(p), 0.0)
    return {
        "brightness": brightness,
        "dark_share": cdf[:, 25],
        "light_share": 1.0 - cdf[:, 229],
        "contrast": contrast,
        "shadows": p01,
        "highlights": p99,
        "dynamic_range": p99 - p01,
        "clipping": p[:, 0] + p[:, 255],
        "entropy": -plogp.sum(axis=1),
    }


def _colour(stack: np.ndarray) -> dict[str, np.ndarray]:
    n = len(stack)
    # One contiguous uint8 plane per channel: reductions over a length-3 last axis are slow.
    r, g, b = np.ascontiguousarray(np.moveaxis(stack.reshape(n, -1, 3), 2, 0))
    top = np.maximum(np.maximum(r, g), b)
    low = np.minimum(np.minimum(r, g), b)
    pair = (top.astype(np.intp) << 8) | low
    size = r.shape[1]
    # Exact channel sums (at most 4096 * 255, as uint32); those of r - g and r + g - 2b follow.
    sr, sg, sb = (c.sum(axis=1, dtype=np.uint32).astype(np.int64) for c in (r, g, b))
    r16 = r.astype(np.int16)
    rg, yb2 = r16 - g, r16 + g - 2 * b.astype(np.int16)  # yb2 = 2 * 255 * yb
    var_rg = _int_var(rg, sr - sg, bound=255)
    var_yb2 = _int_var(yb2, sr + sg - 2 * sb, bound=510)
    spread = np.hypot(np.sqrt(var_rg) / 255, np.sqrt(var_yb2) / 510)
    centre = np.hypot((sr - sg) / size / 255, (sr + sg - 2 * sb) / size / 510)
    sat = _SAT[pair]
    coloured = (sat > 0.2) & (top >= _COLOURED_TOP)
    return {
        "saturation": sat.mean(axis=1),
        "colourfulness": spread + 0.3 * centre,
        "dominant_hue": _dominant_hue((r, g, b), top, low, coloured),
        "grayscale": (top - low <= 2).mean(axis=1),  # max - min <= 2.5/255
        "mean_red": sr / size / 255,
        "mean_green": sg / size / 255,
        "mean_blue": sb / size / 255,
    }


def _dominant_hue(
    planes: tuple[np.ndarray, ...], top: np.ndarray, low: np.ndarray, coloured: np.ndarray
) -> np.ndarray:
    """Centre (degrees) of the fullest of 12 hue bins among coloured pixels; NaN if < 1%."""
    n, size = top.shape
    at = np.flatnonzero(coloured)
    counts = np.bincount(
        _hue_bins(*(a.ravel()[at] for a in (*planes, top, low))) + 12 * (at // size),
        minlength=12 * n,
    ).reshape(n, 12)
    hue_deg = counts.argmax(axis=1) * 30.0 + 15.0
    return np.where(coloured.mean(axis=1) >= 0.01, hue_deg, np.nan)


def _hue_bins(
    r: np.ndarray, g: np.ndarray, b: np.ndarray, top: np.ndarray, low: np.ndarray
) -> np.ndarray:
    """30-degree hue bin (0-11) of coloured pixels' uint8 channels, each shape (m,), as int16.

    The bin of the float32 formula ``hue = ((g - b) / chroma) % 6`` (red the largest channel;
    ``(b - r) / chroma + 2`` green, ``(r - g) / chroma + 4`` blue), ``int(2 * hue)``, is
    ``sector + floor(2 * num / chroma)`` on the integer levels, where ``num`` is the level
    difference of that formula. The float32 formula can round across a bin edge only where the
    exact value lies on it, i.e. where ``2 * |num| == chroma`` (where ``|num| == chroma``, the
    two float differences are the same numbers and their ratio is exactly +-1): those few
    pixels are evaluated with it. Checked on all 2^24 colours by the tests.
    """
    red, green = top == r, top == g
    r16, g16, b16 = r.astype(np.int16), g.astype(np.int16), b.astype(np.int16)
    num = np.where(red, g16 - b16, np.where(green, b16 - r16, r16 - g16))
    chroma = top - low
    # Integers below 2^24 divide exactly in float32, and a non-integer quotient is at least
    # 1 / chroma away from the next integer, so the floor is the exact one.
    bins = np.floor((2 * num) / chroma.astype(np.float32)).astype(np.int16)
    bins += np.where(red, np.int16(0), np.where(green, np.int16(4), np.int16(8)))
    bins[bins < 0] += 12  # a red hue below 0 degrees wraps to 330-360
    edge = np.flatnonzero(2 * np.abs(num) == chroma)
    if edge.size:
        rf, gf, bf, top_f, low_f = (_LEVEL[a[edge]] for a in (r, g, b, top, low))
        c = top_f - low_f
        hue = np.where(
            top_f == rf,
            ((gf - bf) / c) % 6,
            np.where(top_f == gf, (bf - rf) / c + 2, (rf - gf) / c + 4),
        )
        bins[edge] = (hue * 2).astype(np.int16)
    return np.clip(bins, 0, 11, out=bins)


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
    # The sums below are the formulas' float32 operations in their order, accumulated in place
    # (fewer temporaries, same values).
    up, down = lum[:, :-2, 1:-1], lum[:, 2:, 1:-1]
    left, right = lum[:, 1:-1, :-2], lum[:, 1:-1, 2:]
    centre = lum[:, 1:-1, 1:-1]
    lap = up + down
    lap += left
    lap += right
    lap -= 4 * centre
    rows = lum[:, :, :-2] + lum[:, :, 1:-1]
    rows += lum[:, :, 2:]
    box = rows[:, :-2] + rows[:, 1:-1]
    box += rows[:, 2:]
    box /= 9
    total = centre.reshape(n, -1).var(axis=1)
    high = np.subtract(centre, box, out=box).reshape(n, -1).var(axis=1)
    blur = 1.0 - np.clip(np.divide(high, total, out=np.zeros_like(high), where=total > 0), 0, 1)
    # Immerkaer (1996): the kernel [[1,-2,1],[-2,4,-2],[1,-2,1]] is [1,-2,1] (x) [1,-2,1].
    second = np.subtract(lum[:, :, :-2], 2 * lum[:, :, 1:-1])
    second += lum[:, :, 2:]
    mixed = np.subtract(second[:, :-2], 2 * second[:, 1:-1])
    mixed += second[:, 2:]
    noise = math.sqrt(math.pi / 2) * np.abs(mixed, out=mixed).reshape(n, -1).mean(axis=1) / 6
    # |gradient| > 0.1 with gx = (right - left) / 2: halving is exact in float32, so
    # gx^2 + gy^2 > 0.01 is dx^2 + dy^2 > 4 * 0.01 with the same roundings.
    dx, dy = right - left, down - up
    dx *= dx
    dy *= dy
    dx += dy
    edges = dx > np.float32(0.01) * np.float32(4)
    return {
        "sharpness": lap.reshape(n, -1).var(axis=1),
        "blur": blur,
        "noise": noise,
        "edge_density": edges.reshape(n, -1).mean(axis=1),
    }


def _layout(lum: np.ndarray) -> dict[str, np.ndarray]:
    n, h, w = lum.shape
    ring = lum[:, _border(h, w)]
    centre = lum[:, h // 4 : max(h // 4 + 1, 3 * h // 4), w // 4 : max(w // 4 + 1, 3 * w // 4)]
    return {
        "centre_border_contrast": centre.reshape(n, -1).mean(axis=1) - ring.mean(axis=1),
        "border_uniformity": np.clip(1.0 - 2.0 * ring.std(axis=1), 0.0, 1.0),
    }


def _int_mean(values: np.ndarray) -> np.ndarray:
    """Mean of each row of an integer array, shape (n, m) -> (n,); the sums are exact."""
    return values.sum(axis=1, dtype=np.int64) / values.shape[1]


def _int_var(
    values: np.ndarray, total: np.ndarray | None = None, *, bound: int | None = None
) -> np.ndarray:
    """Population variance of each row of an integer array, from exact integer sums.

    `total` is each row's sum when the caller has it; `bound`, the largest magnitude the values
    can have, when known: if every row's sum of squares then stays below 2^31, they are summed
    in int32, which is faster than int64 and as exact.
    """
    flat = values.reshape(len(values), -1)
    size = flat.shape[1]
    narrow = bound is not None and size * bound * bound < 2**31
    flat = flat.astype(np.int32 if narrow else np.int64)
    s1 = flat.sum(axis=1, dtype=np.int64) if total is None else total
    s2 = np.einsum("ij,ij->i", flat, flat).astype(np.int64)
    return (size * s2 - s1 * s1) / (size * size)


def _int_texture(levels: np.ndarray) -> dict[str, np.ndarray]:
    """`_texture` of grey levels (int16, shape (n, h, w)), in integer arithmetic."""
    n, h, w = levels.shape
    if h < 3 or w < 3:
        nan = np.full(n, np.nan)
        return {"sharpness": nan, "blur": nan, "noise": nan, "edge_density": nan}
    u, d = levels[:, :-2, 1:-1], levels[:, 2:, 1:-1]
    left, right = levels[:, 1:-1, :-2], levels[:, 1:-1, 2:]
    centre = levels[:, 1:-1, 1:-1]
    sharpness = _int_var(u + d + left + right - 4 * centre) / 255**2
    rows = levels[:, :, :-2] + levels[:, :, 1:-1] + levels[:, :, 2:]
    box9 = rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]
    total = _int_var(centre) / 255**2
    high = _int_var(9 * centre - box9) / (81 * 255**2)
    blur = 1.0 - np.clip(np.divide(high, total, out=np.zeros_like(high), where=total > 0), 0, 1)
    second = levels[:, :, :-2] - 2 * levels[:, :, 1:-1] + levels[:, :, 2:]
    mixed = second[:, :-2] - 2 * second[:, 1:-1] + second[:, 2:]
    absolute = np.abs(mixed).reshape(n, -1)
    noise = math.sqrt(math.pi / 2) * _int_mean(absolute) / (6 * 255)
    return {
        "sharpness": sharpness,
        "blur": blur,
        "noise": noise,
        "edge_density": _int_edges(left, right, u, d).mean(axis=1),
    }


def _int_edges(left: np.ndarray, right: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Gradient magnitude > 0.1 from the neighbours' levels, shape (n, m) of bool.

    ``((right - left) / 510)^2 + ((down - up) / 510)^2 > 0.01`` is ``dx^2 + dy^2 > 2601``; at
    exactly 2601 the float32 formula of `_texture` can go either way, so those few pixels are
    evaluated with it.
    """
    n = len(left)
    dx = (right - left).reshape(n, -1).astype(np.int32)
    dy = (down - up).reshape(n, -1).astype(np.int32)
    square = dx * dx + dy * dy
    edges = square > 2601
    tie = np.flatnonzero(square == 2601)
    if tie.size:
        l_, r_, u_, d_ = (_LEVEL[a.reshape(n, -1).ravel()[tie]] for a in (left, right, up, down))
        gx, gy = (r_ - l_) / 2, (d_ - u_) / 2
        edges.ravel()[tie] = (gx * gx + gy * gy) > 0.01
    return edges


def _int_layout(levels: np.ndarray) -> dict[str, np.ndarray]:
    """`_layout` of grey levels (int16, shape (n, h, w)), from exact integer sums."""
    n, h, w = levels.shape
    ring = levels[:, _border(h, w)]
    centre = levels[:, h // 4 : max(h // 4 + 1, 3 * h // 4), w // 4 : max(w // 4 + 1, 3 * w // 4)]
    centre_mean = _int_mean(centre.reshape(n, -1)) / 255
    return {
        "centre_border_contrast": centre_mean - _int_mean(ring) / 255,
        "border_uniformity": np.clip(1.0 - 2.0 * np.sqrt(_int_var(ring)) / 255, 0.0, 1.0),
    }


def _border(h: int, w: int) -> np.ndarray:
    """Mask of the 10% border ring of an h x w image, shape (h, w) of bool."""
    bh, bw = max(1, round(0.1 * h)), max(1, round(0.1 * w))
    border = np.zeros((h, w), dtype=bool)
    border[:bh], border[-bh:], border[:, :bw], border[:, -bw:] = True, True, True, True
    return border
