"""Which augmentation reproduces a failure mode's look? Measured on the images, not assumed.

An augmentation only helps a failing look if its copies *have* that look. So each candidate
transform (`candidates`: brightness and contrast, gamma, blur, noise, inversion, a frame, low
resolution, each at a few strengths, and `matched` ones whose strength is read off the mode's
own medians) is applied to evaluation images from outside the mode (of the mode's classes); the
copies are measured by the image stage's own property code and placed among the evaluation
images in a property space where each property weighs by how well it separates the mode from
the rest (``|2 AUC - 1|``, at least `WEIGHT_FLOOR`). A copy counts by the share of mode members
among its `K` nearest images, discounted beyond the mode's own reach (`LookSpace`); a
candidate's **reproduction** is the copies' mean share rescaled from 0 (the untransformed
images) to 1 (the mode's own members). The properties are those of the registered extractors
that a pixel transform can change (`PropertyDescriptor.transformable`), and the `matched`
candidates are those the properties' descriptors propose (`PropertyDescriptor.towards`). The
best candidates are refined a step at a time
(`_climb`); the best makes the spec if its reproduction reaches `MIN_REPRODUCTION`, and a second
transform joins it when the pair gains at least `MIN_SECOND_GAIN`.

Why nearest neighbours, not a classifier: a linear score would reward transforms that overshoot
(a mode of dim images would prefer pitch black); neighbours reward landing where the mode's
images are. Why measured: a frame brightens an image's mean, so comparing property means would
propose brightening (it did, and the retrain lost 18 points on the framed images)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from weakspot._errors import InputError
from weakspot.actions.augment import (
    brightness_contrast,
    downscale,
    frame,
    gamma,
    gaussian_blur,
    gaussian_noise,
    invert,
)
from weakspot.diagnoses import DiagnosisContext, mode_mask
from weakspot.features.images import (
    READ_ERRORS,
    as_uint8,
    measure_images,
    normalise_mode,
    property_descriptors,
    read_file,
)
from weakspot.modes import FailureMode

K = 15  # neighbours per measured copy
N_IMAGES = 60  # images from outside the mode that each candidate transforms
WORK_SIDE = 256  # images are searched at most this large (the properties see 64 px anyway)
MIN_REPRODUCTION = 0.5
MIN_SECOND_GAIN = 0.1
TOP_REFINED = 3  # the best first candidates, each refined by up to `CLIMB_STEPS` nudges
CLIMB_STEPS = 4
MIN_SEPARATION = 0.4  # |2 AUC - 1| of the best property: below it the mode has no look of its own
REACH_PERCENTILE = 50  # of the members' k-th neighbour distance (see `LookSpace`)
WEIGHT_FLOOR = 0.25  # the least weight of a property that varies (see `LookSpace`)
MIN_REFERENCE = 20  # outside images of the mode's classes left untransformed, to compare with
MIN_LOOK_GAP = 0.05  # members' own share over the untransformed images': less, no look to reach


@dataclass(frozen=True)
class Candidate:
    """One transform at one strength: its Albumentations name and parameter."""

    name: str  # an Albumentations transform's name, or "Frame" (two CropAndPad)
    value: Any

    def apply(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The transformed copy of a uint8 image (H, W) or (H, W, 3)."""
        return _APPLY[self.name](image, self.value, rng)

    def serialise(self, pixel_scale: float) -> list[dict[str, Any]]:
        """The transform in Albumentations' serialisation (a frame takes two), a band around
        this strength; pixel lengths (the blur's sigma) are multiplied by `pixel_scale`
        (native / searched size)."""
        if self.name == "Frame":
            share, fill = self.value
            crop = {"percent": -share, "keep_size": False}
            pad = {"percent": round(share / (1 - 2 * share), 4), "keep_size": False, "fill": fill}
            return [
                {"__class_fullname__": "CropAndPad", **crop, "p": 1.0},
                {"__class_fullname__": "CropAndPad", **pad, "border_mode": 0, "p": 1.0},
            ]
        return [{"__class_fullname__": self.name, **_SERIALISE[self.name](self.value, pixel_scale)}]

    def describe(self) -> str:
        return _DESCRIBE[self.name](self.value)

    def nudged(self) -> list[Candidate]:
        """The same transform a step weaker and a step stronger in each parameter."""
        return [Candidate(self.name, v) for v in _NUDGE[self.name](self.value)]


def _band(centre: float, spread: float = 0.25) -> list[float]:
    a, b = sorted((centre * (1 - spread), centre * (1 + spread)))
    return [round(a, 3), round(b, 3)]


_APPLY: dict[str, Callable[[np.ndarray, Any, np.random.Generator], np.ndarray]] = {
    "RandomBrightnessContrast": lambda im, v, rng: brightness_contrast(im, v[0], v[1]),
    "RandomGamma": lambda im, v, rng: gamma(im, v),
    "GaussianBlur": lambda im, v, rng: gaussian_blur(im, v),
    "GaussNoise": lambda im, v, rng: gaussian_noise(im, v, rng),
    "InvertImg": lambda im, v, rng: invert(im),
    "Frame": lambda im, v, rng: frame(im, v[0], v[1]),
    "Downscale": lambda im, v, rng: downscale(im, v),
}
_SERIALISE: dict[str, Callable[[Any, float], dict[str, Any]]] = {
    "RandomBrightnessContrast": lambda v, s: {
        "brightness_limit": _band(v[0]),
        "contrast_limit": _band(v[1]) if v[1] else [0.0, 0.0],
        "brightness_by_max": True,
        "p": 0.5,
    },
    "RandomGamma": lambda v, s: {"gamma_limit": _band(100 * v, 0.15), "p": 0.5},
    "GaussianBlur": lambda v, s: {"blur_limit": [0, 0], "sigma_limit": _band(v * s), "p": 0.5},
    "GaussNoise": lambda v, s: {"std_range": _band(v), "p": 0.5},
    "InvertImg": lambda v, s: {"p": 0.5},
    "Downscale": lambda v, s: {
        "scale_range": _band(v, 0.15),
        "interpolation_pair": {"downscale": 0, "upscale": 1},
        "p": 0.5,
    },
}


def _tone(v: tuple[float, float]) -> str:
    b, c = v
    parts = []
    if abs(c) >= 0.05:
        parts.append(f"{'lower' if c < 0 else 'higher'} in contrast (x{1 + c:.2f})")
    if abs(b) >= 0.02:
        parts.append(f"{'darker' if b < 0 else 'brighter'} ({b:+.2f})")
    return " and ".join(parts) or "unchanged in tone"


# how a copy looks, in words a person uses (the figures in brackets)
_DESCRIBE: dict[str, Callable[[Any], str]] = {
    "RandomBrightnessContrast": _tone,
    "RandomGamma": lambda v: f"{'darker' if v > 1 else 'lighter'} in the mid-tones (gamma {v:.1f})",
    "GaussianBlur": lambda v: f"blurred (Gaussian, sigma {v:.1f} px)",
    "GaussNoise": lambda v: f"noisy (Gaussian, std {v:.2f})",
    "InvertImg": lambda v: "inverted (a negative)",
    "Frame": lambda v: f"framed in {'white' if v[1] else 'black'} ({v[0]:.0%} per side)",
    "Downscale": lambda v: f"low in resolution (x{v:.2f})",
}


def _scaled(v: float, low: float, high: float) -> list[float]:
    return [round(min(high, max(low, v * f)), 3) for f in (0.75, 1.33)]


_NUDGE: dict[str, Callable[[Any], list[Any]]] = {
    "RandomBrightnessContrast": lambda v: [
        *((round(min(0.8, max(-0.8, v[0] + d)), 3), v[1]) for d in (-0.07, 0.07)),
        *((v[0], round(min(2.0, max(-0.9, v[1] + d)), 3)) for d in (-0.15, 0.15)),
    ],
    "RandomGamma": lambda v: _scaled(v, 0.1, 10.0),
    "GaussianBlur": lambda v: _scaled(v, 0.3, 20.0),
    "GaussNoise": lambda v: _scaled(v, 0.01, 0.6),
    "InvertImg": lambda v: [],
    "Frame": lambda v: [(s, v[1]) for s in _scaled(v[0], 0.02, 0.3)],
    "Downscale": lambda v: _scaled(v, 0.1, 0.9),
}


def candidates() -> list[Candidate]:
    """Every transform tried first, at a few strengths each (43 in all); the best are then
    refined a step at a time (`Candidate.nudged`)."""
    out = [
        Candidate("RandomBrightnessContrast", (b, c))
        for b in (-0.3, -0.15, 0.0, 0.15, 0.3)
        for c in (-0.6, -0.3, 0.0, 0.4)
        if b or c
    ]
    out += [Candidate("RandomGamma", g) for g in (0.4, 0.6, 1.6, 2.5, 4.0)]
    out += [Candidate("GaussianBlur", s) for s in (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)]
    out += [Candidate("GaussNoise", s) for s in (0.03, 0.08, 0.15, 0.25)]
    out += [Candidate("InvertImg", None)]
    out += [Candidate("Frame", (s, fill)) for s in (0.05, 0.1, 0.15) for fill in (0, 255)]
    out += [Candidate("Downscale", s) for s in (0.25, 0.5)]
    return out


@dataclass(frozen=True)
class Reproduction:
    """The transforms that reproduce a mode's look, and how well.

    Attributes
    ----------
    transforms : list of Candidate
        One or two, applied in order.
    reproduction : float
        0 (copies land among mode members as often as the originals) to 1 (as often as
        the members themselves); may exceed 1.
    shares : dict
        ``{copies, originals, members}``: the mean share of mode members among the `K` nearest
        evaluation images of each.
    n_images : int
        Images transformed per candidate.
    pixel_scale : float
        Native over searched image size (1 unless the images exceed `WORK_SIDE`).
    """

    transforms: tuple[Candidate, ...]
    reproduction: float
    shares: dict[str, float]
    n_images: int
    pixel_scale: float

    def serialised(self) -> list[dict[str, Any]]:
        return [entry for t in self.transforms for entry in t.serialise(self.pixel_scale)]

    def describe(self) -> str:
        return ", then ".join(t.describe() for t in self.transforms)


def load_pixels(source: np.ndarray | Sequence[str], index: int) -> tuple[np.ndarray, float] | None:
    """Image `index` as uint8 (H, W) or (H, W, 3), at most `WORK_SIDE` on its long side, and
    its native long side over that; None when it cannot be read.

    Modes are brought to "L" or "RGB" by the image stage's own `normalise_mode` (16-bit data
    scaled by its bit depth, alpha dropped), so a copy is measured as the stage measured it."""
    try:
        if isinstance(source, np.ndarray):
            im = Image.fromarray(as_uint8(np.asarray(source[index])))
        else:
            im = Image.open(io.BytesIO(read_file(source[index])))
            if im.format == "JPEG":
                im.draft(None, (WORK_SIDE, WORK_SIDE))
            im = ImageOps.exif_transpose(im)
        native = max(im.size)
        im, _ = normalise_mode(im)
        im.thumbnail((WORK_SIDE, WORK_SIDE))
        return np.asarray(im), native / max(im.size)
    except READ_ERRORS:
        return None  # an unreadable image is one fewer to transform, no more


class LookSpace:
    """The evaluation images in a property space weighted by how each separates the mode.

    Parameters
    ----------
    values : ndarray of float, shape (n, p)
        Pixel properties of the reference images (columns `columns`).
    members : ndarray of bool, shape (n,)
        Which reference images are in the mode.
    columns : list of str
    """

    def __init__(self, values: np.ndarray, members: np.ndarray, columns: list[str]) -> None:
        from scipy.stats import rankdata
        from sklearn.neighbors import NearestNeighbors

        self.columns = columns
        self.centre = np.nanmedian(values, axis=0)
        q75, q25 = np.nanpercentile(values, [75, 25], axis=0)
        spread = np.where(q75 - q25 > 0, q75 - q25, np.nanstd(values, axis=0))
        self.scale = np.where(spread > 0, spread, 1.0)
        n1, n0 = members.sum(), (~members).sum()
        ranks = rankdata(np.nan_to_num(values, nan=0.0), axis=0)
        auc = (ranks[members].sum(axis=0) - n1 * (n1 + 1) / 2) / (n1 * n0)
        separation = np.where(spread > 0, np.abs(2 * auc - 1), 0.0)
        self.separation = float(separation.max()) if len(separation) else 0.0
        # every varying property counts a little, so that a transform which changes what the
        # mode does not differ in (a frame adds edges; an inversion keeps them) lands farther
        self.weight = np.where(spread > 0, np.maximum(separation, WEIGHT_FLOOR), 0.0)
        self.values, self.members = values, members
        self.k = int(min(K, max(1, n1 // 2)))
        self.index = NearestNeighbors(n_neighbors=self.k + 1).fit(self.embed(values))
        distance, _ = self.index.kneighbors(self.embed(values[members]))
        # the mode's own reach: half of its members have their k-th neighbour this close
        self.radius = float(np.percentile(distance[:, self.k], REACH_PERCENTILE))

    def own_share(self) -> float:
        """The mean member share of the mode's own members (each without itself)."""
        return self.member_share(self.values[self.members], own=True)

    def embed(self, values: np.ndarray) -> np.ndarray:
        """Weighted robust z-scores, shape (m, p)."""
        z = (np.nan_to_num(values, nan=0.0) - np.nan_to_num(self.centre)) / self.scale
        return np.clip(z, -20, 20) * self.weight

    def member_share(self, values: np.ndarray, *, own: bool = False) -> float:
        """Mean share of mode members among the neighbours of each row of `values` (m, p),
        discounted beyond the mode's reach (`radius`) by ``(radius / distance) ** 2`` of the
        k-th neighbour: a copy pushed past every image, whose few far neighbours happen to be
        members, has not the mode's look, and a copy nearly there counts for nearly as much
        (which lets the refinement climb towards the look).
        `own`: the rows are reference images, so their first neighbour (themselves) is dropped.
        """
        distance, found = self.index.kneighbors(self.embed(values))
        if own:
            distance, found = distance[:, 1:], found[:, 1:]
        distance, found = distance[:, : self.k], found[:, : self.k]
        reach = np.minimum(1.0, self.radius / np.maximum(distance[:, -1], 1e-12)) ** 2
        return float((self.members[found].mean(axis=1) * reach).mean())


def transformable_columns() -> list[str]:
    """The registered extractors' columns that a pixel transform can change, in registration
    order (`PropertyDescriptor.transformable`; quality flags are not among them)."""
    return [c for c, d in property_descriptors().items() if d.transformable]


def pixel_columns(features: pd.DataFrame, kinds: dict[str, str]) -> list[str]:
    """The evaluation's image-property columns that a pixel transform can change (a user's
    metadata column of the same name is not one: the image stage renames its own)."""
    return [
        c
        for c in transformable_columns()
        if c in features.columns and kinds.get(c, "metadata") != "metadata"
    ]


def _measure(images: list[np.ndarray], columns: list[str]) -> np.ndarray:
    """Properties (columns `columns`) of uint8 images, measured as the image stage does."""
    return measure_images(images, columns)


def _reference_space(
    values: np.ndarray, columns: list[str], mask: np.ndarray, reference: np.ndarray
) -> tuple[LookSpace, np.ndarray] | None:
    """The mode's `LookSpace` over the `reference` rows of `values` (n, p), on the columns
    measured in some row (a colour statistic of grey images is NaN), and that column mask;
    None when no property sets the mode apart (`MIN_SEPARATION`)."""
    measured = np.isfinite(values).any(axis=0)
    kept = [c for c, m in zip(columns, measured, strict=True) if m]
    space = LookSpace(values[reference][:, measured], mask[reference], kept)
    return None if space.separation < MIN_SEPARATION else (space, measured)


def measure_pixels(images: Sequence[np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """The pixel properties of uint8 images as the image stage measures them.

    Returns
    -------
    values : ndarray of float, shape (n, p)
    columns : list of str
        The property columns a pixel transform can change (`transformable_columns`).
    """
    columns = transformable_columns()
    return _measure(list(images), columns), columns


def copies_reproduction(
    values: np.ndarray,
    labels: np.ndarray,
    members: np.ndarray,
    sample: np.ndarray,
    copies: np.ndarray,
) -> float | None:
    """How far transformed copies of some outside images land among the mode's images.

    A perturbation test's manipulation check: 0 where the untransformed images lie, 1 where
    the mode's own members do, measured in the mode's `LookSpace` as the search measures its
    candidates.

    Parameters
    ----------
    values : ndarray of float, shape (n, p)
        Pixel properties of every evaluation image (`measure_pixels`).
    labels : ndarray, shape (n,)
    members : ndarray of bool, shape (n,)
    sample : ndarray of int, shape (m,)
        The outside rows that were transformed.
    copies : ndarray of float, shape (m, p)
        The copies' properties, same columns.

    Returns
    -------
    float or None
        None when the mode has no look of its own to compare with (fewer than 20 members or
        outside images of its classes, no property separating it by `MIN_SEPARATION`, or
        members no closer to each other than the untransformed images are to them).
    """
    in_classes = np.isin(labels, np.unique(labels[members]))
    reference = in_classes.copy()
    reference[sample] = False  # the transformed images are not their own neighbours
    kept = in_classes[sample]  # copies of the mode's classes are compared with that space
    few = members[reference].sum() < 20 or (~members[reference]).sum() < MIN_REFERENCE
    if few or kept.sum() < 10:
        return None
    found = _reference_space(values, [str(i) for i in range(values.shape[1])], members, reference)
    if found is None:
        return None
    space, measured = found
    originals = space.member_share(values[sample[kept]][:, measured])
    own = space.own_share()
    if own - originals < MIN_LOOK_GAP:
        return None
    return (space.member_share(copies[kept][:, measured]) - originals) / (own - originals)


@dataclass(frozen=True)
class ModeLook:
    """A mode's look, ready to be compared with: its property space and the outside images.

    Attributes
    ----------
    space : LookSpace
        The evaluation images of the mode's classes, but the outside images below.
    columns : list of str
        The pixel properties of the space.
    images : list of ndarray
        Up to `N_IMAGES` evaluation images from outside the mode (of its classes), as
        `load_pixels` reads them.
    scales : list of float
        Their native over searched size.
    originals, members : float
        The mean member share of the untransformed `images`, and of the members themselves.
    """

    space: LookSpace
    columns: list[str]
    images: list[np.ndarray]
    scales: list[float]
    originals: float
    members: float

    def reproduction(self, share: float) -> float:
        """`share` rescaled: 0 for the untransformed images' own, 1 for the members'."""
        return (share - self.originals) / (self.members - self.originals)

    def share_of(self, features: pd.DataFrame) -> float | None:
        """The mean member share of other images measured by the same stage (training rows,
        say), or None when they lack the space's properties."""
        if not set(self.columns) <= set(features.columns) or not len(features):
            return None
        return self.space.member_share(features[self.columns].to_numpy(dtype=np.float64))


def mode_look(
    source: np.ndarray | Sequence[str] | None,
    features: pd.DataFrame,
    kinds: dict[str, str],
    labels: np.ndarray,
    mask: np.ndarray,
    *,
    unread: set[int] | frozenset[int] = frozenset(),
    random_state: int = 0,
) -> ModeLook | None:
    """The mode's `ModeLook`, or None when it has none to compare with.

    Parameters
    ----------
    source : ndarray (n, H, W[, C]), list of n image paths, or None
        The evaluation images; None: nothing to compare.
    features : DataFrame, shape (n, f)
        The evaluation's features (the image properties among them).
    kinds : dict of str to str
        Feature -> kind.
    labels : ndarray, shape (n,)
    mask : ndarray of bool, shape (n,)
        The mode's members.
    unread : set of int
        Rows whose image must not be opened (skipped or refused by the image stage).
    random_state : int

    Returns
    -------
    ModeLook or None
        None without images or property columns, with fewer than 20 members or fewer than
        10 + `MIN_REFERENCE` outside images of the mode's classes, or when no property sets
        the mode apart (`MIN_SEPARATION`).
    """
    columns = pixel_columns(features, kinds)
    if source is None or not columns:
        return None
    rng = np.random.default_rng(random_state)
    pool = np.isin(labels, np.unique(labels[mask])) & ~np.isin(np.arange(len(mask)), list(unread))
    outside = np.flatnonzero(pool & ~mask)
    if mask[pool].sum() < 20 or len(outside) < 10 + MIN_REFERENCE:
        return None
    # the images to transform leave `MIN_REFERENCE` outside images to compare with
    count = min(N_IMAGES, len(outside) - MIN_REFERENCE)
    chosen = np.sort(rng.choice(outside, count, replace=False))
    reference = pool.copy()
    reference[chosen] = False  # the images to transform are not their own neighbours
    found = _reference_space(features[columns].to_numpy(dtype=np.float64), columns, mask, reference)
    if found is None:
        return None
    space = found[0]
    loaded = [p for p in (load_pixels(source, int(i)) for i in chosen) if p is not None]
    if len(loaded) < 10:
        return None
    images = [im for im, _ in loaded]
    look = ModeLook(
        space,
        space.columns,
        images,
        [scale for _, scale in loaded],
        originals=space.member_share(_measure(images, space.columns)),
        members=space.own_share(),
    )
    return look if look.members - look.originals >= MIN_LOOK_GAP else None


def look_of(mode: FailureMode, context: DiagnosisContext) -> ModeLook | None:
    """The mode's look in the evaluation's property space, built once per mode (cached)."""
    key = f"look:{mode.id}"
    if key not in context.cache:
        ev = context.evaluation
        context.cache[key] = mode_look(
            ev.images,
            ev.features,
            context.kinds,
            ev.labels,
            mode_mask(mode, len(ev)),
            unread=ev.unread,
            random_state=context.random_state,
        )
    return context.cache[key]


def reproduction_of(mode: FailureMode, context: DiagnosisContext) -> Reproduction | None:
    """The mode's best reproducing transforms, searched once per mode (cached)."""
    key = f"reproduction:{mode.id}"
    if key not in context.cache:
        look = look_of(mode, context)
        context.cache[key] = find_reproduction(look, random_state=context.random_state)
    return context.cache[key]


def find_reproduction(look: ModeLook | None, *, random_state: int = 0) -> Reproduction | None:
    """The transforms whose copies of the outside images best land among the mode's images.

    Returns None without a look, or when no candidate reaches `MIN_REPRODUCTION`.
    """
    if look is None:
        return None
    space, columns = look.space, look.columns

    def score(chain: tuple[Candidate, ...]) -> float:
        step = np.random.default_rng(random_state)
        copies = []
        for im in look.images:
            for c in chain:
                im = c.apply(im, step)
            copies.append(im)
        return space.member_share(_measure(copies, columns))

    tried = [*candidates(), *matched(space.values, space.members, columns)]
    singles = sorted(((score((c,)), (c,)) for c in tried), key=lambda t: -t[0])
    refined = [_climb(score, share, chain[0]) for share, chain in singles[:TOP_REFINED]]
    best_share, best = max(refined, key=lambda t: t[0])
    if look.reproduction(best_share) < MIN_REPRODUCTION:
        return None
    families = {best[0].name}
    for _, (c,) in singles[1:]:
        if c.name in families or len(families) > 4:
            continue
        families.add(c.name)
        pair = score((*best, c))
        if look.reproduction(pair) - look.reproduction(best_share) >= MIN_SECOND_GAIN:
            best_share, best = pair, (*best, c)
            break
    shares = {"copies": best_share, "originals": look.originals, "members": look.members}
    return Reproduction(
        transforms=tuple(best),
        reproduction=round(look.reproduction(best_share), 3),
        shares={k: round(v, 3) for k, v in shares.items()},
        n_images=len(look.images),
        pixel_scale=float(np.median(look.scales)),
    )


def matched(values: np.ndarray, members: np.ndarray, columns: list[str]) -> list[Candidate]:
    """Candidates whose strength is read off the mode's own figures (medians inside vs
    outside, values of shape (n, p) in `columns`), as each property's descriptor proposes
    them (`PropertyDescriptor.towards`): for the built-in ones the contrast ratio and the
    brightness it leaves, the gamma that maps one brightness to the other, the blur that
    lowers the sharpness by its ratio and the noise that adds up to the mode's. They join the
    fixed grid, which cannot hold every strength."""
    at = {c: j for j, c in enumerate(columns)}

    def medians(name: str) -> tuple[float, float] | None:
        if name not in at:
            return None
        column = values[:, at[name]]
        inside, outside = np.nanmedian(column[members]), np.nanmedian(column[~members])
        return (float(inside), float(outside)) if np.isfinite([inside, outside]).all() else None

    described = property_descriptors()
    out = []
    for column in columns:
        towards = described[column].towards if column in described else None
        for name, value in towards(medians) if towards is not None else []:
            if name not in _APPLY:
                raise InputError(
                    f"The descriptor of property {column!r} proposes transform {name!r}, which "
                    f"the augmentation search cannot apply; propose one of {sorted(_APPLY)}."
                )
            out.append(Candidate(name, value))
    return out


def _climb(
    score: Callable[[tuple[Candidate, ...]], float], share: float, start: Candidate
) -> tuple[float, tuple[Candidate, ...]]:
    """Hill-climb from `start` by nudging its parameters while the score improves."""
    best = start
    for _ in range(CLIMB_STEPS):
        tried = [(score((c,)), c) for c in best.nudged()]
        if not tried or max(t[0] for t in tried) <= share:
            break
        share, best = max(tried, key=lambda t: t[0])
    return share, (best,)
