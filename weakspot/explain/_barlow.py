"""Pictures for Barlow slices: the images that activate each feature most, with heat maps.

A ``barlow`` slice (see `weakspot.slices`) is a leaf of a per-class tree over embedding
features; its ``details["rule"]`` lists the features and thresholds on the leaf's path. For each
of those features we show the slice's examples that activate it most and, from the backbone's
last convolutional map, where in each image the feature fires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from weakspot._errors import InputError
from weakspot.explain._heatmaps import activation_heatmaps
from weakspot.slices import Slice


@dataclass
class FeaturePictures:
    """The pictures for one embedding feature of a slice.

    Attributes
    ----------
    feature : int
        Index of the embedding feature (channel of the last convolutional map).
    op, threshold : str, float
        The slice's side of the tree split on this feature (``"<="`` or ``">"``).
    rows : ndarray of int, shape (k,)
        Row positions of the slice's examples that activate the feature most, strongest first.
    activations : ndarray of float, shape (k,)
        Their values of the feature.
    heatmaps : ndarray of float32 in [0, 1], shape (k, height, width)
        Where in each image the feature fires, upsampled to the image.
    """

    feature: int
    op: str
    threshold: float
    rows: np.ndarray
    activations: np.ndarray
    heatmaps: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (without the heat maps themselves)."""
        return {
            "feature": self.feature,
            "op": self.op,
            "threshold": self.threshold,
            "rows": [int(r) for r in self.rows],
            "activations": [float(a) for a in self.activations],
        }


def top_activating(
    embeddings: np.ndarray, feature: int, *, k: int = 6, rows: np.ndarray | None = None
) -> np.ndarray:
    """Row positions of the `k` examples (among `rows`, default all) with the largest feature.

    Parameters
    ----------
    embeddings : ndarray of float, shape (n, d)
    feature : int
    rows : ndarray of int, optional

    Returns
    -------
    ndarray of int, shape (min(k, len(rows)),), strongest first (ties: lower row first).
    """
    candidates = np.arange(len(embeddings)) if rows is None else np.asarray(rows, dtype=np.int64)
    values = np.asarray(embeddings, dtype=np.float64)[candidates, feature]
    values = np.where(np.isfinite(values), values, -np.inf)
    order = np.lexsort((candidates, -values))[:k]
    return candidates[order]


def barlow_pictures(
    item: Slice,
    embeddings: np.ndarray,
    load_images: Callable[[np.ndarray], np.ndarray],
    maps: Callable[[np.ndarray], np.ndarray],
    *,
    k: int = 6,
) -> list[FeaturePictures]:
    """Top-activating images and heat maps for every feature on a Barlow slice's path.

    Parameters
    ----------
    item : Slice
        A slice from the ``barlow`` finder (its ``details["rule"]`` names the features).
    embeddings : ndarray of float, shape (n, d)
        The embeddings the finder ran on.
    load_images : callable
        Maps row positions, shape (k,), to their images, uint8 of shape (k, height, width, 3).
    maps : callable
        Maps such images to the backbone's last convolutional maps, shape (k, d, h, w), e.g.
        ``lambda images: feature_maps(backbone, images)``.
    k : int
        Images per feature.
    """
    path = item.details.get("rule")
    if not isinstance(path, list):
        raise InputError(
            f"Slice from {item.method!r} has no tree path in details['rule']; barlow_pictures "
            "draws slices of the 'barlow' finder."
        )
    out = []
    for step in path:
        feature = int(step["feature"])
        rows = top_activating(embeddings, feature, k=k, rows=np.asarray(item.members))
        images = np.asarray(load_images(rows))
        heat = activation_heatmaps(maps(images), feature, images.shape[1:3])
        out.append(
            FeaturePictures(
                feature=feature,
                op=str(step["op"]),
                threshold=float(step["threshold"]),
                rows=rows,
                activations=np.asarray(embeddings, dtype=np.float64)[rows, feature],
                heatmaps=heat,
            )
        )
    return out
