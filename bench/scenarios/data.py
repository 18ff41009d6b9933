"""The data a scenario draws from: real images that ship offline, and a tabular generator.

- ``fmnist``: Fashion-MNIST (Debian's `dataset-fashion-mnist`, read by
  `weakspot.datasets.load_fashion_mnist`), 28 x 28 grey, 10 classes.
- ``digits``: scikit-learn's `load_digits` (1,797 8 x 8 digits, 17 grey levels), scaled to
  16 x 16 uint8 so that the image properties have pixels to measure, 10 classes.
- ``photos``: 24 x 24 colour patches cut from the photographs that scikit-learn
  (`load_sample_images`: china, flower) and scikit-image ship (read as files from the wheel,
  installed with ``pip install --no-deps --target bench/.envs/skimage scikit-image`` on first
  use and never imported); the class is the photograph a patch comes from.
- ``tabular``: Gaussian classes in 6 numeric features (``x1`` ... ``x6``), drawn per scenario.

Every loader returns a `Pool`: images (uint8, (n, H, W) or (n, H, W, 3)) or a feature matrix,
labels, and class names.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SKIMAGE_ENV = REPO / "bench" / ".envs" / "skimage"
# colour photographs inside scikit-image's wheel (no download needed), plus scikit-learn's two
SKIMAGE_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png")
SKLEARN_PHOTOS = ("china.jpg", "flower.jpg")
PATCH = 24

IMAGE_DATA = ("fmnist", "digits", "photos")
DATASETS = (*IMAGE_DATA, "tabular")
FMNIST_NAMES = (
    "tshirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "boot",
)


@dataclass(frozen=True)
class Pool:
    """Labelled examples to draw a scenario's splits from.

    Attributes
    ----------
    x : ndarray, shape (n, H, W), (n, H, W, 3) uint8, or (n, 6) float for tabular
    y : ndarray of int, shape (n,)
    classes : tuple of str
        Class names, indexed by `y`.
    """

    x: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]

    @property
    def is_image(self) -> bool:
        return self.x.ndim >= 3


@cache
def fmnist() -> tuple[Pool, Pool]:
    """(training pool, evaluation pool): Fashion-MNIST's train and test splits."""
    from weakspot.datasets import load_fashion_mnist

    x, y = load_fashion_mnist("train")
    xt, yt = load_fashion_mnist("test")
    return Pool(x, y, FMNIST_NAMES), Pool(xt, yt, FMNIST_NAMES)


@cache
def digits() -> tuple[Pool, Pool]:
    """(training pool, evaluation pool): a fixed random 60/40 split of `load_digits`."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # 0..16 -> 0..255, then 8 -> 16 px (bilinear): properties such as sharpness need pixels
    small = (bunch.images * (255.0 / 16.0)).astype(np.uint8)
    x = np.stack([np.asarray(Image.fromarray(im).resize((16, 16), Image.BILINEAR)) for im in small])
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    cut = int(0.6 * len(x))
    names = tuple(f"digit{k}" for k in range(10))
    tr, ev = order[:cut], order[cut:]
    return Pool(x[tr], y[tr], names), Pool(x[ev], y[ev], names)


def _skimage_data() -> Path:
    folder = SKIMAGE_ENV / "skimage" / "data"
    if not (folder / SKIMAGE_PHOTOS[0]).exists():
        # the wheel ships its photographs as files: install it aside, never import it
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
             str(SKIMAGE_ENV), "scikit-image"],
            check=True,
        )  # fmt: skip
    return folder


@cache
def photographs() -> tuple[tuple[str, np.ndarray], ...]:
    """The colour photographs, (name, uint8 (H, W, 3)) each, downscaled to about 256 px."""
    from sklearn.datasets import load_sample_image

    found = [(name.split(".")[0], load_sample_image(name)) for name in SKLEARN_PHOTOS]
    folder = _skimage_data()
    for name in SKIMAGE_PHOTOS:
        found.append((name.split(".")[0], np.asarray(Image.open(folder / name).convert("RGB"))))
    out = []
    for name, image in found:
        pil = Image.fromarray(image)
        scale = 256 / max(pil.size)
        pil = pil.resize((round(pil.size[0] * scale), round(pil.size[1] * scale)), Image.BILINEAR)
        out.append((name, np.asarray(pil)))
    return tuple(out)


@cache
def photos() -> tuple[Pool, Pool]:
    """(training pool, evaluation pool) of 24 x 24 patches: 6,000 and 3,000, the class is the
    photograph (the left 60% of each photograph trains, the right 40% evaluates, so that no
    evaluation patch overlaps a training one)."""
    rng = np.random.default_rng(0)
    names = tuple(name for name, _ in photographs())
    pools = []
    for lo, hi, n in ((0.0, 0.6, 6000), (0.6, 1.0, 3000)):
        xs, ys = [], []
        for k, (_, image) in enumerate(photographs()):
            h, w = image.shape[:2]
            left, right = int(lo * w), int(hi * w) - PATCH
            for _ in range(n // len(names)):
                r, c = rng.integers(0, h - PATCH), rng.integers(left, right)
                xs.append(image[r : r + PATCH, c : c + PATCH])
                ys.append(k)
        pools.append(Pool(np.stack(xs), np.asarray(ys, dtype=np.int64), names))
    return pools[0], pools[1]


def tabular(rng: np.random.Generator, n_classes: int, n: int) -> tuple[Pool, np.ndarray]:
    """A Gaussian-class table of `n` rows: class means drawn about 2 SD apart in 6 numeric
    features; returns the pool and the class means (n_classes, 6), so a plant can move them."""
    means = rng.normal(0, 0.6, (n_classes, 6))
    y = rng.integers(0, n_classes, n)
    x = means[y] + rng.normal(0, 1, (n, 6))
    return Pool(x, y, tuple(f"class{k}" for k in range(n_classes))), means


def image_pools(name: str) -> tuple[Pool, Pool]:
    return {"fmnist": fmnist, "digits": digits, "photos": photos}[name]()
