"""Quality flags with per-dataset robust thresholds.

A property flags an image when it lies beyond ``median +/- k * scale`` of the property over the
images of the same class (when labels are given and the class has at least `MIN_GROUP` images)
or over the whole set, where ``scale = max(1.4826 * MAD, floor)``. The floor keeps a
property that barely varies (every image 28 x 28) from flagging tiny differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.fft
import scipy.linalg
from threadpoolctl import threadpool_limits

from weakspot.engine import get_engine
from weakspot.features.images._descriptors import PropertyDescriptor

MIN_GROUP = 30
_BLOCK_VALUES = 1 << 19  # distances per block of the neighbour search
_TASK_VALUES = 1 << 24  # distances per task when the search runs on a cluster
FLAG_COLUMNS = (
    "is_dark",
    "is_light",
    "is_blurry",
    "is_low_information",
    "is_odd_size",
    "is_odd_aspect_ratio",
    "is_grayscale",
    "is_exact_duplicate",
    "is_near_duplicate",
    "is_outlier",
)
# the word for a flagged image, as a failure mode's mechanism says it ("97% flagged dark")
_FLAG_WORDS = {
    "is_dark": "dark",
    "is_light": "light",
    "is_blurry": "blurry",
    "is_low_information": "low-information",
    "is_odd_size": "odd-sized",
    "is_odd_aspect_ratio": "odd aspect ratio",
    "is_grayscale": "grayscale",
    "is_exact_duplicate": "exact duplicate",
    "is_near_duplicate": "near duplicate",
    "is_outlier": "outlier",
}
FLAG_DESCRIPTORS: dict[str, PropertyDescriptor] = {
    name: PropertyDescriptor(
        name.removeprefix("is_").replace("_", " ").capitalize(),
        "flag",
        kind="quality",
        high=_FLAG_WORDS[name],
        transformable=False,
    )
    for name in FLAG_COLUMNS
}


def robust_side(
    values: np.ndarray, groups: np.ndarray, *, k: float, floor: float, side: str
) -> np.ndarray:
    """Boolean mask of values beyond the robust limit on `side` ("low", "high" or "both").

    Parameters
    ----------
    values : ndarray of float, shape (n,)
        NaN never flags.
    groups : ndarray, shape (n,)
        Group of each value (class label, or all equal).
    """
    flags = np.zeros(len(values), dtype=bool)
    finite = np.isfinite(values)
    if finite.sum() < 2:
        return flags
    overall = _centre_scale(values[finite], floor)
    for group in pd.unique(groups):
        rows = (groups == group) & finite
        centre, scale = _centre_scale(values[rows], floor) if rows.sum() >= MIN_GROUP else overall
        low = values[rows] < centre - k * scale
        high = values[rows] > centre + k * scale
        flags[rows] = {"low": low, "high": high, "both": low | high}[side]
    return flags


def _centre_scale(values: np.ndarray, floor: float) -> tuple[float, float]:
    centre = float(np.median(values))
    return centre, max(1.4826 * float(np.median(np.abs(values - centre))), floor)


def perceptual_hash(grey: np.ndarray) -> np.ndarray:
    """64-bit DCT perceptual hash (as in imagehash.phash) of 32 x 32 grey images.

    Parameters
    ----------
    grey : ndarray of float, shape (n, 32, 32)

    Returns
    -------
    ndarray of uint64, shape (n,)
    """
    dct = scipy.fft.dct(scipy.fft.dct(grey, axis=1, norm="ortho"), axis=2, norm="ortho")
    low = dct[:, :8, :8].reshape(len(grey), 64)
    bits = low > np.median(low, axis=1, keepdims=True)
    weights = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
    return (bits.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


def duplicate_flags(thumb_hash: np.ndarray, phash: np.ndarray, valid: np.ndarray):
    """Exact (same thumbnail pixels and size) and near (same perceptual hash) duplicates.

    Returns
    -------
    exact, near : ndarray of bool, shape (n,)
        `near` marks images whose perceptual hash is shared by an image that is not an exact
        copy of them.
    """
    frame = pd.DataFrame({"exact": thumb_hash, "near": phash})[valid]
    exact = np.zeros(len(valid), dtype=bool)
    near = np.zeros(len(valid), dtype=bool)
    exact[frame.index[frame.duplicated("exact", keep=False)]] = True
    distinct = frame.drop_duplicates("exact").groupby("near")["exact"].transform("size")
    near_keys = set(frame.loc[distinct.index[distinct > 1], "near"])
    near[frame.index[frame["near"].isin(near_keys)]] = True
    return exact, near


def knn_distances(
    points: np.ndarray, k: int, *, max_reference: int = 4_000, engine: Any = None
) -> np.ndarray:
    """Euclidean distances to the `k` nearest other points, shape (n, k), chunked.

    Points are first reduced to at most 64 principal components. Neighbours are searched among
    all points when there are at most `max_reference`, else among a fixed random sample of that
    many (seed 0), so that 100,000 points take seconds rather than minutes. The blocks of
    points are searched through `engine` (`weakspot.engine.get_engine`; a Dask cluster
    searches them on its workers), each task over whole blocks, so the distances are the
    same on every engine.

    BLAS runs on one thread here, whatever the machine: the distances (and so the flags) are
    then the same on every machine, and OpenBLAS's spinning threads, on a busy 2-core machine,
    made the SVD of 3,000 x 1280 embeddings take 7 s instead of 2.3 s (docs/images.md).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        x, ref = _search_space(points, max_reference)
        search = _NearestBlocks(x[ref], min(k, len(ref) - 1))
        position = np.full(len(x), -1)
        position[ref] = np.arange(len(ref))
        # a task holds 32 whole blocks: about 64 MiB of distances, worth a round trip to a
        # cluster's worker; the blocks, and so the distances, are the same on every engine
        per_task = search.step * max(1, _TASK_VALUES // _BLOCK_VALUES)
        pieces = _pieces(x, position, per_task)
        found = get_engine(engine).map_chunks(search, pieces, workers=1, lookahead=4)
        return np.concatenate(list(found))


def _search_space(points: np.ndarray, max_reference: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred points in at most 64 principal components, float32, and the reference rows."""
    x = points - points.mean(axis=0)
    if x.shape[1] > 64 and len(x) > 64:
        x = x @ _top_components(x[:: max(1, len(x) // 5000)], 64).T
    x = x.astype(np.float32)
    ref = np.arange(len(x))
    if len(x) > max_reference:
        ref = np.sort(np.random.default_rng(0).choice(len(x), max_reference, replace=False))
    return x, ref


def _pieces(x: np.ndarray, position: np.ndarray, rows: int):
    """(points, their reference positions), `rows` rows at a time."""
    for start in range(0, len(x), rows):
        yield x[start : start + rows], position[start : start + rows]


@dataclass(frozen=True)
class _NearestBlocks:
    """Distances from points to their `k` nearest reference points, block by block: the
    function that a remote engine runs on its workers (it pickles with its reference)."""

    reference: np.ndarray  # (m, d) float32
    k: int

    @property
    def step(self) -> int:
        """Rows per block: about 2 MiB of distances, which stay in the CPU's cache."""
        return max(1, _BLOCK_VALUES // len(self.reference))

    def __call__(self, piece: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        x, position = piece
        with threadpool_limits(limits=1, user_api="blas"):
            xr = self.reference
            sq, sq_ref = (x * x).sum(axis=1), (xr * xr).sum(axis=1)
            out = np.empty((len(x), self.k), dtype=np.float32)
            for start in range(0, len(x), self.step):
                rows = np.arange(start, min(start + self.step, len(x)))
                out[rows] = self._block(x[rows], sq[rows], sq_ref, position[rows])
            return out

    def _block(self, x, sq, sq_ref, position) -> np.ndarray:
        # sq + sq_ref - 2 x.xr in place: the same float operations in the same order, without
        # three of the five block-sized temporaries (their page faults cost more than the sums)
        dot = x @ self.reference.T
        dot *= 2
        d2 = np.add(sq[:, None], sq_ref[None, :])
        np.subtract(d2, dot, out=d2)
        del dot
        own = position >= 0
        d2[np.flatnonzero(own), position[own]] = np.inf  # a point is not its neighbour
        d2.partition(self.k - 1, axis=1)
        return np.sqrt(np.maximum(np.sort(d2[:, : self.k], axis=1), 0))


def compute_flags(
    props: pd.DataFrame,
    *,
    thumb_hash: np.ndarray,
    phash: np.ndarray,
    embeddings: np.ndarray | None,
    labels: Sequence[object] | np.ndarray | pd.Series | None,
    k: float = 3.0,
    engine: Any = None,
) -> pd.DataFrame:
    """All quality flags; one boolean row per image (False for skipped images).

    `engine` (an `Engine`, default this process) runs the outliers' neighbour search, the
    costliest step (4,000 distances per image); the medians and the duplicate hashes are
    computed here.
    """
    n = len(props)
    valid = props["width"].notna().to_numpy()
    groups = np.asarray(labels, dtype=object) if labels is not None else np.zeros(n, dtype=object)
    flags = pd.DataFrame(index=props.index)

    def col(name: str) -> np.ndarray:
        return props[name].to_numpy(dtype=np.float64)

    brightness = col("brightness")
    flags["is_dark"] = robust_side(col("highlights"), groups, k=k, floor=0.02, side="low") | (
        robust_side(brightness, groups, k=k, floor=0.02, side="low")
    )
    flags["is_light"] = robust_side(col("shadows"), groups, k=k, floor=0.02, side="high") | (
        robust_side(brightness, groups, k=k, floor=0.02, side="high")
    )
    # `blur` rather than `sharpness`: the Laplacian's variance also falls with contrast, so a
    # darkened image would read as blurry.
    detail = np.log(1.0 - col("blur") + 1e-4)  # log of the high-frequency share
    flags["is_blurry"] = robust_side(detail, groups, k=k, floor=0.05, side="low")
    flags["is_low_information"] = robust_side(col("entropy"), groups, k=k, floor=0.1, side="low")
    size = np.log(col("megapixels"))
    flags["is_odd_size"] = robust_side(size, groups, k=k, floor=0.1, side="both")
    aspect = np.log(col("aspect_ratio"))
    flags["is_odd_aspect_ratio"] = robust_side(aspect, groups, k=k, floor=0.05, side="both")
    grey = col("grayscale") >= 0.99
    colour_set = grey[valid].mean() < 0.5 if valid.any() else False
    flags["is_grayscale"] = grey & valid & bool(colour_set)
    exact, near = duplicate_flags(thumb_hash, phash, valid)
    flags["is_exact_duplicate"] = exact
    flags["is_near_duplicate"] = near
    _neighbour_flags(flags, props, embeddings, valid, groups, k, engine)
    return flags.astype(bool)


def _neighbour_flags(flags, props, embeddings, valid, groups, k, engine) -> None:
    """Outliers (and embedding near duplicates) from k-nearest-neighbour distances.

    Without embeddings the space is the robust-standardised pixel properties.
    """
    n_valid = int(valid.sum())
    flags["is_outlier"] = False
    if n_valid < 12:
        return
    if embeddings is not None:
        points = np.asarray(embeddings, dtype=np.float64)[valid]
        points = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
    else:
        points = _standardised(props[valid])
    dist = knn_distances(points, 10, engine=engine)
    score = np.full(len(valid), np.nan)
    score[valid] = np.log(dist.mean(axis=1) + 1e-9)
    flags["is_outlier"] = robust_side(score, groups, k=k, floor=0.05, side="high")
    if embeddings is not None:
        nearest = np.full(len(valid), np.inf)
        nearest[valid] = dist[:, 0]
        typical = float(np.median(dist[:, 0]))
        flags["is_near_duplicate"] = flags["is_near_duplicate"] | (nearest < 0.1 * typical)


def _top_components(sample: np.ndarray, k: int) -> np.ndarray:
    """The `k` leading principal axes of centred rows, shape (k, d), largest first.

    With at least as many rows as columns they are the top eigenvectors of the d x d Gram
    matrix: on the demo's 3,000 x 1280 embeddings 0.25 s against 1.5 s for the full SVD of
    the rows, which also computes the 3,000 x 1280 left vectors that are never used. The axes
    agree with the SVD's to 1e-13 and their signs do not matter (a distance is the same on a
    flipped axis, bit for bit); `test_top_components_give_the_svds_distances` compares both.
    """
    m, d = sample.shape
    if m < d:  # few rows: the SVD of the rows is the cheaper one
        return np.linalg.svd(sample, full_matrices=False)[2][:k]
    _, vectors = scipy.linalg.eigh(sample.T @ sample, subset_by_index=[d - k, d - 1])
    return np.ascontiguousarray(vectors[:, ::-1].T)


def _standardised(props: pd.DataFrame) -> np.ndarray:
    from weakspot.features.images._properties import PROPERTY_COLUMNS

    pixel = [c for c in PROPERTY_COLUMNS if c not in ("file_size", "jpeg_quality", "dominant_hue")]
    x = props[pixel].to_numpy(dtype=np.float64)
    centre = np.nanmedian(x, axis=0)
    scale = 1.4826 * np.nanmedian(np.abs(x - centre), axis=0)
    scale = np.where(scale > 0, scale, np.nanstd(x, axis=0))
    z = (x - centre) / np.where(scale > 0, scale, 1.0)
    return np.nan_to_num(np.clip(z, -20, 20))
