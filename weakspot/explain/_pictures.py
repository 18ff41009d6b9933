"""Example images for the report: inside and outside each slice, and Barlow feature pictures.

Pictures travel inside ``analysis.json`` as small PNG data URIs, so that the HTML report,
which reads only that JSON, stays one self-contained file.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Collection
from typing import Any

import numpy as np
from PIL import Image

from weakspot.features.images import MAX_PIXELS, read_file
from weakspot.slices import Slice

THUMBNAIL = 64


def load_rgb(
    source: Any,
    rows: np.ndarray,
    *,
    size: int | None = THUMBNAIL,
    unread: Collection[int] = (),
) -> np.ndarray:
    """Images of `rows` as uint8 RGB, shape (k, size, size, 3) (or their own size if None).

    A row in `unread` (an image the extraction skipped: unreadable, too large, outside the image
    root) is never opened again; it and any image that fails now get a grey placeholder.

    Parameters
    ----------
    source : list of str (paths) or ndarray (n, H, W[, C])
    rows : ndarray of int, shape (k,)
    unread : collection of int
        Row indices not to open.
    """
    out = []
    for row in rows:
        if int(row) in unread:
            image = _placeholder(size)
        elif isinstance(source, np.ndarray):
            image = _array_image(np.asarray(source[int(row)]))
        else:
            image = _file_image(str(source[int(row)]), size)
        image = image.convert("RGB")
        if size is not None:
            image = image.resize((size, size), Image.Resampling.BILINEAR)
        out.append(np.asarray(image))
    return np.stack(out) if out else np.zeros((0, size or 1, size or 1, 3), np.uint8)


def _placeholder(size: int | None) -> Image.Image:
    return Image.new("RGB", (size or 32, size or 32), (200, 200, 200))


def _array_image(pixels: np.ndarray) -> Image.Image:
    if pixels.dtype != np.uint8:
        values = np.nan_to_num(pixels.astype(np.float64))
        top = values.max() if values.size else 0.0
        pixels = (np.clip(values, 0, 1) * 255 if top <= 1.0 else np.clip(values, 0, 255)).astype(
            np.uint8
        )
    return Image.fromarray(pixels.squeeze())


def _file_image(path: str, size: int | None) -> Image.Image:
    """One image file through the same guards as the extraction: a regular file under the size
    bound, at most ``MAX_PIXELS`` pixels; a failure of any kind gives the placeholder, since a
    picture only illustrates the report."""
    try:
        data = read_file(path)
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                return _placeholder(size)
            opened.draft("RGB", (size or 224, size or 224))
            return opened.convert("RGB")
    except Exception:  # noqa: BLE001 - Pillow raises many types on hostile files
        return _placeholder(size)


def png_data_uri(pixels: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of an image array."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def slice_examples(
    item: Slice,
    source: Any,
    *,
    ids: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    errors: np.ndarray,
    rng: np.random.Generator,
    k: int = 6,
    unread: Collection[int] = (),
    strata: np.ndarray | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Up to `k` failing examples from inside the slice and `k` examples from outside it.

    Outside examples are drawn from the same classes as the inside ones (the same `strata`,
    default the labels; a task without classes has one), so the contrast shows what the
    slice has that its classes' other images do not. Rows in `unread` (images the extraction
    skipped) are never chosen.
    """
    strata = labels if strata is None else strata
    n = len(labels)
    readable = np.ones(n, dtype=bool)
    readable[np.fromiter((int(i) for i in unread), dtype=np.int64, count=len(unread))] = False
    inside = item.mask(n)
    wrong = np.asarray(errors) > 0  # the task's loss, never a comparison of our own
    pool_in = np.flatnonzero(inside & wrong & readable)
    if len(pool_in) == 0:
        pool_in = np.flatnonzero(inside & readable)
    chosen_in = np.sort(rng.choice(pool_in, size=min(k, len(pool_in)), replace=False))
    same_class = np.isin(strata, strata[chosen_in]) & ~inside & readable
    pool_out = (
        np.flatnonzero(same_class) if same_class.any() else np.flatnonzero(~inside & readable)
    )
    chosen_out = np.sort(rng.choice(pool_out, size=min(k, len(pool_out)), replace=False))

    def records(rows: np.ndarray) -> list[dict[str, Any]]:
        pictures = load_rgb(source, rows)
        return [
            {
                "id": str(ids[r]),
                "label": str(labels[r]),
                "prediction": str(predictions[r]),
                "image": png_data_uri(p),
            }
            for r, p in zip(rows, pictures, strict=True)
        ]

    return {"inside": records(chosen_in), "outside": records(chosen_out)}


def barlow_feature_pictures(
    item: Slice,
    source: Any,
    embeddings: np.ndarray,
    backbone: Any,
    *,
    k: int = 4,
    unread: Collection[int] = (),
) -> list[dict[str, Any]]:
    """For a ``barlow`` slice: per embedding feature on its path, the slice's images that
    activate it most, overlaid with the heat map of where the feature fires."""
    from weakspot.explain._barlow import barlow_pictures
    from weakspot.explain._heatmaps import feature_maps, overlay_heatmap

    pictures = barlow_pictures(
        item,
        embeddings,
        load_images=lambda rows: load_rgb(source, rows, size=128, unread=unread),
        maps=lambda images: feature_maps(backbone, images),
        k=k,
    )
    out = []
    for feature in pictures:
        images = load_rgb(source, feature.rows, size=128, unread=unread)
        overlays = [
            png_data_uri(overlay_heatmap(im, hm))
            for im, hm in zip(images, feature.heatmaps, strict=True)
        ]
        out.append({**feature.to_dict(), "images": overlays})
    return out
