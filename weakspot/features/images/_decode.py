"""Decode one image, once, into everything the later stages read.

Every image (a file's bytes or an array) is opened with Pillow a single time. JPEG files are
decoded at reduced size with ``draft`` when the backbone and the thumbnail allow it, the EXIF
orientation is applied, and the decoded picture is reduced to

- a *thumbnail* (long side at most ``THUMB_SIDE`` pixels; smaller images keep their own
  pixels), from which every pixel property and, with `hash_inputs`, the 32 x 32 grey copy for
  the perceptual hash are computed, a stack of same-shape thumbnails at a time,
- and, when a backbone is used, its RGB input (``net_size`` x ``net_size``).

A file that cannot be decoded raises `DecodeFailure` with a short reason; the caller skips it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from weakspot.inputs import MAX_IMAGE_BYTES
from weakspot.inputs import content_hash as content_hash

THUMB_SIDE = 64
HASH_SIDE = 32
MAX_PIXELS = 89_478_485  # Pillow's default decompression-bomb limit (1024 * 1024 * 1024 // 4 // 3)
MAX_FILE_BYTES = MAX_IMAGE_BYTES  # the same bound on a file and on image bytes in a table
# A stack of thumbnails is measured (`stack_properties`, `hash_inputs`) in pieces of at most
# this many uint8 values, as each image's values depend on its own pixels only: the
# temporaries (int64 / float copies, 4-12 bytes a value) then stay under about 3 MiB, which
# glibc's allocator reuses, while larger ones are returned to the system and page-faulted
# back in on every call. On 64 colour 64 x 48 thumbnails, the properties took 235 us per
# image in one piece and 138 us in these pieces (load 4.3; bench_images.py --sections
# parts); the hash inputs 18 page faults per image in one piece, none in pieces.
PIECE_VALUES = 1 << 18

# IJG standard luminance quantisation table (JPEG Annex K), quality 50.
_STD_LUMA = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69]
    + [56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81]
    + [104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float64,
)
_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


class DecodeFailure(Exception):
    """An image could not be decoded; ``str(error)`` is the reason shown to the user."""


# what opening, decoding or converting one image file can raise (Pillow's and ours): a caller
# that reads images outside the image stage skips the image on these and on nothing else
READ_ERRORS = (
    DecodeFailure, Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError,
    IndexError, TypeError,
)  # fmt: skip


@dataclass
class DecodedImage:
    """What one decode of one image leaves for the later stages.

    Attributes
    ----------
    thumb : ndarray of uint8, shape (h, w) for grey images or (h, w, 3) for colour
        Thumbnail, long side at most ``THUMB_SIDE``.
    net : ndarray of uint8, shape (net_size, net_size, 3), or None
        Backbone input, RGB, when a backbone is used.
    meta : dict of str to float
        ``width``, ``height`` (after EXIF orientation), ``file_size`` (bytes, NaN for arrays),
        ``jpeg_quality`` (NaN unless JPEG), ``transparent_share``.
    """

    thumb: np.ndarray
    net: np.ndarray | None
    meta: dict[str, float]


def array_hash(arr: np.ndarray) -> str:
    """Hex digest of an image array's values, shape and dtype."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{arr.shape}{arr.dtype}".encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def read_file(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read an image file's bytes, raising `DecodeFailure` with the reason when it cannot be.

    Only a regular file is read, and at most `max_bytes` of it: a device (``/dev/zero``), a
    named pipe or a socket is refused before a byte is read (the file is opened non-blocking,
    so a pipe without a writer cannot hang the run), and so is a file above the size bound.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise DecodeFailure("missing file") from None
    except IsADirectoryError:
        raise DecodeFailure("is a directory, not an image file") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise DecodeFailure(f"unreadable file: {reason}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DecodeFailure("is a directory, not an image file")
        if not stat.S_ISREG(info.st_mode):
            raise DecodeFailure("not a regular file (a device, pipe or socket); it is not opened")
        raise DecodeFailure(
            f"file of {info.st_size} bytes is above the {max_bytes}-byte limit on image files"
        )
    try:
        data = _read_fd(fd, info.st_size, max_bytes + 1)
    except OSError as exc:
        raise DecodeFailure(f"read failed: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise DecodeFailure(f"file grew above the {max_bytes}-byte limit while it was read")
    if not data:
        raise DecodeFailure("empty file (0 bytes)")
    return data


def _read_fd(fd: int, size: int, limit: int) -> bytes:
    """Up to `limit` bytes of an open file whose size was `size` when it was opened.

    The first read asks for one byte more than `size`, so that a file that has not changed is
    read in one call and its end seen in a second; a buffered ``read(limit)`` would allocate
    `limit` bytes (256 MiB) for every file, which cost more than decoding a small PNG.
    """
    blocks, total = [], 0
    want = min(size + 1, limit)
    while total < limit:
        block = os.read(fd, min(want, limit - total))
        if not block:
            break
        blocks.append(block)
        total += len(block)
        want = 1 << 20  # the file grew while it was read: the rest, a MiB at a time
    return blocks[0] if len(blocks) == 1 else b"".join(blocks)


def decode_bytes(data: bytes, *, net_size: int | None) -> DecodedImage:
    """Decode an encoded image file's bytes; see the module docstring."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return _decode_open(im, file_size=float(len(data)), net_size=net_size)
    except DecodeFailure:
        raise
    except Image.DecompressionBombError as exc:
        raise DecodeFailure(f"decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise DecodeFailure("not an image (format not recognised)") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        raise DecodeFailure(f"truncated or corrupt image: {exc}") from None


def decode_array(arr: np.ndarray, *, net_size: int | None) -> DecodedImage:
    """Decode one image array, shape (H, W) or (H, W, C) with C in 1, 3, 4, uint8 or float."""
    im = Image.fromarray(as_uint8(arr))
    return _decode_open(im, file_size=math.nan, net_size=net_size)


def as_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    values = np.nan_to_num(arr.astype(np.float32))
    if values.size and values.max() <= 1.0:
        values = values * 255.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _decode_open(im: Image.Image, *, file_size: float, net_size: int | None) -> DecodedImage:
    width, height = im.size
    if width * height > MAX_PIXELS:
        raise DecodeFailure(
            f"decompression bomb: {width} x {height} pixels is above the {MAX_PIXELS} limit"
        )
    quality = jpeg_quality(im)
    orientation = _orientation(im)
    need = max(THUMB_SIDE, net_size or 0)
    if im.format == "JPEG" and min(width // need, height // need) >= 2:  # else draft is a no-op
        im.draft(im.mode if im.mode in ("L", "RGB") else None, (need, need))
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    im.load()
    for method in _TRANSPOSE.get(orientation, []):
        im = im.transpose(method)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    im, transparent = normalise_mode(im)
    meta = {
        "width": float(width),
        "height": float(height),
        "file_size": file_size,
        "jpeg_quality": quality,
        "transparent_share": transparent,
    }
    return _reduce(im, meta, net_size)


def _orientation(im: Image.Image) -> int:
    if im.format != "TIFF" and "exif" not in im.info:
        return 1  # parsing an absent EXIF block costs as much as decoding a small PNG
    try:
        return int(im.getexif().get(0x0112, 1))
    except (ValueError, TypeError, OSError, SyntaxError):
        return 1


def normalise_mode(im: Image.Image) -> tuple[Image.Image, float]:
    """Bring any Pillow mode to "L" or "RGB"; also return the share of transparent pixels."""
    transparent = 0.0
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = np.asarray(im.getchannel("A"))
        transparent = float((alpha < 128).mean())
        im = im.convert("L" if im.mode in ("LA", "La") else "RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        im = Image.fromarray(_wide_to_uint8(np.asarray(im), im.mode))
    elif im.mode == "1":
        im = im.convert("L")
    elif im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    return im, transparent


def _wide_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """Scale 16-bit, 32-bit integer or float pixels to 0-255, by the bit depth, not the image.

    Integer modes ("I;16...", and "I", which is how Pillow holds 16-bit PNG and TIFF data) are
    16-bit data: 0-65535 maps to 0-255 whatever the image's own maximum, so that two flat images
    of 250 and 300 get nearly the same brightness. Float images ("F") in 0-1 are scaled by 255;
    other floats are read as 0-65535 too.
    """
    values = values.astype(np.float64)
    if mode == "F" and (float(np.nanmax(values)) if values.size else 0.0) <= 1.0:
        scale = 255.0
    else:
        scale = 255.0 / 65535.0
    return np.clip(np.rint(np.nan_to_num(values) * scale), 0, 255).astype(np.uint8)


def _reduce(im: Image.Image, meta: dict[str, float], net_size: int | None) -> DecodedImage:
    w, h = im.size
    scale = THUMB_SIDE / max(w, h)
    thumb_im = im
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        thumb_im = im.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    net = None
    if net_size:
        rgb = im if im.mode == "RGB" else im.convert("RGB")
        net = np.asarray(rgb.resize((net_size, net_size), Image.Resampling.BILINEAR))
    return DecodedImage(np.asarray(thumb_im), net, meta)


def jpeg_quality(im: Image.Image) -> float:
    """Estimate the IJG quality (1-100) a JPEG was saved with, from its luminance table.

    Both the file's table and the standard table are sorted, so that the estimate does not
    depend on zig-zag or natural order; the median of ``100 * q / q_std`` is the IJG scale
    factor ``s``, and quality is ``(200 - s) / 2`` for ``s <= 100``, else ``5000 / s``.
    Returns NaN when the image is not a JPEG.
    """
    tables = getattr(im, "quantization", None)
    if im.format != "JPEG" or not tables:
        return math.nan
    return _table_quality(tuple(tables[min(tables)]))


@functools.lru_cache(maxsize=256)
def _table_quality(values: tuple[int, ...]) -> float:
    """`jpeg_quality` of one luminance table; cached, as a data set has few distinct tables."""
    table = np.sort(np.asarray(values, dtype=np.float64))
    if table.size != 64:
        return math.nan
    std = np.sort(_STD_LUMA)
    keep = (table > 1) & (table < 255)
    if not keep.any():
        return 100.0 if table.max() <= 1 else 1.0
    scale = float(np.median(100.0 * table[keep] / std[keep]))
    quality = (200.0 - scale) / 2.0 if scale <= 100 else 5000.0 / scale
    return float(np.clip(round(quality), 1, 100))


def hash_inputs(thumbs: np.ndarray) -> np.ndarray:
    """The 32 x 32 grey copies for the perceptual hash of a stack of same-shape thumbnails.

    The same pixels as Pillow's ``thumb.convert("L").resize((32, 32), BILINEAR)``: Pillow's
    integer luma and its fixed-point two-pass resampling are reproduced on the whole stack.
    Pillow resamples horizontally first, except when only the vertical pass shrinks; for
    thumbnails larger than 32 pixels on both sides it picks the order by a rule of its own
    (with Pillow 13, vertically first when ``2 * w < h + 32``), so the order is read off
    Pillow itself, once per shape (`_pillow_pass_order`), and in the unlikely case that neither
    order reproduces it, Pillow resizes each thumbnail.

    Parameters
    ----------
    thumbs : ndarray of uint8, shape (n, h, w) or (n, h, w, 3)

    Returns
    -------
    ndarray of float32, shape (n, 32, 32)
    """
    step = max(1, PIECE_VALUES // max(1, thumbs[0].size)) if len(thumbs) else 1
    pieces = [_hash_piece(thumbs[i : i + step]) for i in range(0, max(1, len(thumbs)), step)]
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _hash_piece(thumbs: np.ndarray) -> np.ndarray:
    """`hash_inputs` of a stack of at most `PIECE_VALUES` uint8 values."""
    grey = thumbs if thumbs.ndim == 3 else _pillow_luma(thumbs)
    _, h, w = grey.shape
    if h > HASH_SIDE and w > HASH_SIDE:
        vertical_first = _pillow_pass_order(h, w)
        if vertical_first is None:
            return _pillow_hash_inputs(grey)
    else:
        vertical_first = h > HASH_SIDE
    return _two_passes(grey.astype(np.float64), vertical_first).astype(np.float32)


def _two_passes(values: np.ndarray, vertical_first: bool) -> np.ndarray:
    """Pillow's bilinear resize of a stack (n, h, w) of levels to 32 x 32, in the given order."""
    _, h, w = values.shape
    if vertical_first and h != HASH_SIDE:
        values = _resample_rows(values.swapaxes(1, 2), h).swapaxes(1, 2)
    if w != HASH_SIDE:
        values = _resample_rows(values, w)
    if not vertical_first and h != HASH_SIDE:
        values = _resample_rows(values.swapaxes(1, 2), h).swapaxes(1, 2)
    return values


def _pillow_hash_inputs(grey: np.ndarray) -> np.ndarray:
    """`hash_inputs` of grey thumbnails (n, h, w), by Pillow, one thumbnail at a time."""
    size = (HASH_SIDE, HASH_SIDE)
    pixels = [Image.fromarray(g).resize(size, Image.Resampling.BILINEAR) for g in grey]
    return np.stack([np.asarray(p) for p in pixels]).astype(np.float32)


@functools.lru_cache(maxsize=4096)
def _pillow_pass_order(h: int, w: int) -> bool | None:
    """Whether Pillow's 32 x 32 bilinear resize of an h x w grey image makes its vertical pass
    first (True) or its horizontal one (False); None when neither order gives Pillow's pixels.

    Read off Pillow on two fixed random probes of that shape: the two orders round their
    intermediate pixels differently, so that on random pixels they disagree almost everywhere.
    """
    probe = np.random.default_rng(h * 4096 + w).integers(0, 256, (2, h, w), dtype=np.uint8)
    expected = _pillow_hash_inputs(probe)
    for vertical_first in (False, True):
        if np.array_equal(_two_passes(probe.astype(np.float64), vertical_first), expected):
            return vertical_first
    return None


_PRECISION_BITS = 22  # Pillow's fixed point for 8-bit resampling: 32 - 8 - 2 bits


def _pillow_luma(rgb: np.ndarray) -> np.ndarray:
    """Pillow's RGB -> "L" conversion, (R 19595 + G 38470 + B 7471 + 2^15) >> 16."""
    wide = rgb.astype(np.int32)
    luma = wide[..., 0] * 19595 + wide[..., 1] * 38470 + wide[..., 2] * 7471 + 0x8000
    return (luma >> 16).astype(np.uint8)


def _resample_rows(values: np.ndarray, size: int) -> np.ndarray:
    """One Pillow bilinear pass along the last axis, `size` -> ``HASH_SIDE``, rounded to 0-255.

    The fixed-point sums are integers below 2^53, so float64 matrix products hold them exactly.
    """
    total = values @ _bilinear_taps(size, HASH_SIDE) + (1 << (_PRECISION_BITS - 1))
    return np.clip(np.floor(total / (1 << _PRECISION_BITS)), 0, 255)


@functools.lru_cache(maxsize=256)
def _bilinear_taps(in_size: int, out_size: int) -> np.ndarray:
    """Pillow's fixed-point bilinear weights (``precompute_coeffs``), shape (in_size, out_size)."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    step = 1.0 / filterscale
    taps = np.zeros((in_size, out_size))
    for xx in range(out_size):
        centre = (xx + 0.5) * scale
        xmin = max(int(centre - filterscale + 0.5), 0)
        xmax = min(int(centre + filterscale + 0.5), in_size)
        weights = [max(0.0, 1.0 - abs((x - centre + 0.5) * step)) for x in range(xmin, xmax)]
        total = 0.0
        for weight in weights:  # in order, as Pillow adds them
            total += weight
        for x, weight in enumerate(weights, start=xmin):
            share = weight / total if total != 0.0 else weight
            taps[x, xx] = int(share * (1 << _PRECISION_BITS) + 0.5)  # shares are >= 0
    taps.setflags(write=False)
    return taps
