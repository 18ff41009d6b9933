"""Example images for the report: inside and outside each slice, and Barlow feature pictures.

Pictures travel inside ``analysis.json`` as small PNG data URIs, so that the HTML report,
which reads only that JSON, stays one self-contained file.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from weakspot.slices._slice import Slice

THUMBNAIL = 64


def load_rgb(source: Any, rows: np.ndarray, *, size: int | None = THUMBNAIL) -> np.ndarray:
    """Images of `rows` as uint8 RGB, shape (k, size, size, 3) (or their own size if None).

    Parameters
    ----------
    source : list of str (paths) or ndarray (n, H, W[, C])
    rows : ndarray of int, shape (k,)
    """
    out = []
    for row in rows:
        if isinstance(source, np.ndarray):
            pixels = np.asarray(source[int(row)])
            if pixels.dtype != np.uint8:
                pixels = (
                    np.clip(pixels, 0, 1) * 255 if pixels.max() <= 1.0 else np.clip(pixels, 0, 255)
                ).astype(np.uint8)
            image = Image.fromarray(pixels.squeeze())
        else:
            try:
                with Image.open(source[int(row)]) as opened:
                    opened.draft("RGB", (size or 224, size or 224))
                    image = opened.convert("RGB")
            except OSError:
                image = Image.new("RGB", (size or 32, size or 32), (200, 200, 200))
        image = image.convert("RGB")
        if size is not None:
            image = image.resize((size, size), Image.Resampling.BILINEAR)
        out.append(np.asarray(image))
    return np.stack(out) if out else np.zeros((0, size or 1, size or 1, 3), np.uint8)


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
    rng: np.random.Generator,
    k: int = 6,
) -> dict[str, list[dict[str, Any]]]:
    """Up to `k` failing examples from inside the slice and `k` examples from outside it.

    Outside examples are drawn from the same classes as the inside ones, so the contrast shows
    what the slice has that its classes' other images do not.
    """
    inside = item.mask(len(labels))
    wrong = labels != predictions
    pool_in = np.flatnonzero(inside & wrong)
    if len(pool_in) == 0:
        pool_in = np.flatnonzero(inside)
    chosen_in = np.sort(rng.choice(pool_in, size=min(k, len(pool_in)), replace=False))
    same_class = np.isin(labels, labels[chosen_in]) & ~inside
    pool_out = np.flatnonzero(same_class) if same_class.any() else np.flatnonzero(~inside)
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
    item: Slice, source: Any, embeddings: np.ndarray, backbone: Any, *, k: int = 4
) -> list[dict[str, Any]]:
    """For a ``barlow`` slice: per embedding feature on its path, the slice's images that
    activate it most, overlaid with the heat map of where the feature fires."""
    from weakspot.explain._barlow import barlow_pictures
    from weakspot.explain._heatmaps import feature_maps, overlay_heatmap

    pictures = barlow_pictures(
        item,
        embeddings,
        load_images=lambda rows: load_rgb(source, rows, size=128),
        maps=lambda images: feature_maps(backbone, images),
        k=k,
    )
    out = []
    for feature in pictures:
        images = load_rgb(source, feature.rows, size=128)
        overlays = [
            png_data_uri(overlay_heatmap(im, hm))
            for im, hm in zip(images, feature.heatmaps, strict=True)
        ]
        out.append({**feature.to_dict(), "images": overlays})
    return out
