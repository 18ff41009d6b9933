"""Draw a scenario from a seed: a cause of failure planted in real or tabular data, a model
trained on it, and the ground truth a correct explanation must match.

One seed fixes everything: the cause, the data, the model, the strength and prevalence of the
plant, whether its source also shows in the images or metadata, and whether the training set
and the probabilities are given. `draw(seed)` returns a `Scenario` holding the tables weakspot
is asked about and its `Truth`.

Causes: every diagnosis weakspot registers (`weakspot.diagnoses.DIAGNOSES`, read at run time:
a registered cause without a planter here is reported by `causes()`, not skipped silently)
and the causes that need no fix: ``boundary`` (nothing planted: the model's own errors, near
its decision boundary) and ``none`` (errors replaced by random ones). ``class_confusion`` is
both a diagnosis and a cause that needs no fix (two similar classes; nothing to repair in a
subgroup). `fixed()` is the regression subset: today's planted tasks (`bench/planted/`) and a
few generator draws with fixed seeds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import data as datasets
import models
import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

N_TRAIN, N_EVAL = 1500, 1000
SITES, DEVICES, ANNOTATORS, BATCHES = list("ABCD"), ["d1", "d2", "d3"], ["a1", "a2", "a3", "a4", "a5"], [f"b{i}" for i in range(6)]  # fmt: skip
NO_FIX = ("boundary", "none")  # and class_confusion, which is also a diagnosis
FIXED_SEEDS = tuple(range(1, 21))

# Words that name a look (strict: a property a person reads as the look, or the look's word
# in a title; a correlated proxy such as `clipping` for blur does not count).
LOOK_WORDS = {
    "dark": {"brightness", "is_dark", "dark_share", "dark", "underexposed"},
    "blur": {"sharpness", "blur", "is_blurry", "blurry"},
    "invert": {
        "brightness",
        "is_light",
        "light_share",
        "centre_border_contrast",
        "inverted",
        "negative",
        "bright",
        "light",
    },  # fmt: skip
    "border": {"centre_border_contrast", "border_uniformity", "border", "frame", "framed"},
    "fog": {"contrast", "dynamic_range", "foggy", "washed"},
    "noise": {"noise", "noisy"},
    "marker": {"centre_border_contrast", "border_uniformity", "marker", "corner"},
}
# What a correct action must change, and the action kinds that change it.
FIX = {
    "under_representation": (
        "the training set: more examples like the members",
        ("augment", "collect", "reweight"),
    ),  # fmt: skip
    "distribution_shift": (
        "the training set: examples of the new condition",
        ("augment", "collect"),
    ),  # fmt: skip
    "spurious_correlation": (
        "the training set's shortcut: the property must stop predicting the class",
        ("group_file", "reweight", "augment"),
    ),  # fmt: skip
    "label_noise": ("the labels of the flipped examples", ("relabel",)),
    "image_quality": (
        "the images: capture or filter the degraded ones, or train on them",
        ("augment", "reweight", "collect"),
    ),  # fmt: skip
    "threshold": ("the decision threshold of the members", ("threshold",)),
    "miscalibration": ("the members' probabilities (recalibrate)", ("recalibrate",)),
    "class_confusion": ("nothing in a subgroup: the two classes are alike", ()),
    "boundary": ("nothing: errors near the decision boundary are expected", ()),
    "none": ("nothing: the errors are random", ()),
}


@dataclass
class Truth:
    """What a correct explanation says about a scenario.

    Attributes
    ----------
    cause : str
    members : ndarray of int, shape (m,)
        Evaluation rows that fail because of the cause (empty for ``boundary`` and ``none``).
    words : set of str
        Words of which a title must use one to name the cause (empty when there is none).
    fixable : bool
        False for the causes that need no fix.
    allowed : set of str
        Diagnoses allowed above confidence 0.5 on a scenario with no fixable cause.
    fix : str
        What a correct action must change.
    fix_kinds : tuple of str
        Action kinds that change it.
    flipped : ndarray of str, shape (f,)
        Ids of the evaluation examples whose label the plant replaced (label noise only).
    """

    cause: str
    members: np.ndarray
    words: set[str]
    fixable: bool
    allowed: set[str] = field(default_factory=set)
    fix: str = ""
    fix_kinds: tuple[str, ...] = ()
    flipped: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))


@dataclass
class Scenario:
    """One drawn task: what weakspot is given, and the truth."""

    name: str
    seed: int | str
    cause: str
    data: str
    model: str
    strength: float
    prevalence: float
    visible: bool
    with_train: bool
    with_proba: bool
    variant: str
    evaluation: pd.DataFrame
    eval_images: np.ndarray | None
    eval_embeddings: np.ndarray | None
    train: pd.DataFrame | None
    train_images: np.ndarray | None
    train_embeddings: np.ndarray | None
    truth: Truth
    note: str = ""

    def describe(self) -> str:
        return (
            f"{self.name}: cause {self.cause} ({self.variant}), {self.data}, {self.model}, "
            f"strength {self.strength:.2f}, prevalence {self.prevalence:.2f}, "
            f"visible {self.visible}, train {self.with_train}, proba {self.with_proba}"
        )


# ------------------------------------------------------------------ image transforms (uint8)
def _scale(img: np.ndarray) -> float:
    return img.shape[0] / 28.0


def dark(img, s, rng):
    return ((img.astype(np.float32) / 255.0) ** (1.5 + 1.5 * s) * (110 - 50 * s)).astype(np.uint8)


def blur(img, s, rng):
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur((1.2 + 1.4 * s) * _scale(img))))  # fmt: skip


def invert(img, s, rng):
    return 255 - img


def border(img, s, rng):
    out, w = img.copy(), max(1, round((1.5 + 1.5 * s) * _scale(img)))
    out[:w], out[-w:], out[:, :w], out[:, -w:] = 255, 255, 255, 255
    return out


def fog(img, s, rng):
    return (img.astype(np.float32) * (0.55 - 0.2 * s) + 110).astype(np.uint8)


def noise(img, s, rng):
    return np.clip(img + rng.normal(0, 40 + 30 * s, img.shape), 0, 255).astype(np.uint8)


def marker(img, s, rng):
    out, w = img.copy(), max(2, round(7 * _scale(img)))
    out[1 : 1 + w, 1 : 1 + w] = 255
    return out


def translate(img, s, rng):
    k = max(1, round((2 + 2 * s) * _scale(img)))
    return np.roll(np.roll(img, k, axis=0), k, axis=1)


def tint(img, s, rng):
    """The harmless look of one camera: brighter (grey) or warmer (colour) by 30 levels."""
    out = img.astype(np.int16)
    if out.ndim == 3:
        out[..., 0] += 30
    else:
        out += 30
    return np.clip(out, 0, 255).astype(np.uint8)


LOOKS: dict[str, Callable] = {
    "dark": dark,
    "blur": blur,
    "invert": invert,
    "border": border,
    "fog": fog,
    "noise": noise,
}


def apply(images: np.ndarray, mask: np.ndarray, fn: Callable, s: float, rng) -> np.ndarray:
    out = images.copy()
    for i in np.flatnonzero(mask):
        out[i] = fn(images[i], s, rng)
    return out


# ------------------------------------------------------------------ the draw
@dataclass
class _Draft:
    """A scenario while it is planted: arrays and metadata of both splits."""

    x_tr: np.ndarray
    y_tr: np.ndarray
    x_ev: np.ndarray
    y_ev: np.ndarray
    classes: tuple[str, ...]
    meta_tr: pd.DataFrame
    meta_ev: pd.DataFrame
    members: np.ndarray  # bool (n_eval,)
    words: set[str] = field(default_factory=set)
    variant: str = ""
    flip: np.ndarray | None = None
    post: Callable | None = None  # (proba_ev, rng) -> proba_ev: a plant on the model's output
    note: str = ""


def _metadata(rng, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": rng.choice(SITES, n),
            "device": rng.choice(DEVICES, n),
            "annotator": rng.choice(ANNOTATORS, n),
            "batch": rng.choice(BATCHES, n),
        }
    )


def _base(rng, data: str, binary: bool) -> _Draft:
    if data == "tabular":
        k = 2 if binary else int(rng.choice([2, 4]))
        pool, _ = datasets.tabular(rng, k, N_TRAIN + N_EVAL)
        x_tr, y_tr = pool.x[:N_TRAIN], pool.y[:N_TRAIN]
        x_ev, y_ev = pool.x[N_TRAIN:], pool.y[N_TRAIN:]
        classes = pool.classes
    else:
        tr, ev = datasets.image_pools(data)
        keep_tr, keep_ev = np.arange(len(tr.y)), np.arange(len(ev.y))
        classes = tr.classes
        if binary:  # two classes of the pool, relabelled 0 and 1
            a, b = rng.choice(len(classes), 2, replace=False)
            keep_tr, keep_ev = np.flatnonzero(np.isin(tr.y, [a, b])), np.flatnonzero(np.isin(ev.y, [a, b]))  # fmt: skip
            classes = (classes[a], classes[b])
        pick_tr = rng.choice(keep_tr, min(N_TRAIN, len(keep_tr)), replace=False)
        pick_ev = rng.choice(keep_ev, min(N_EVAL, len(keep_ev)), replace=False)
        x_tr, y_tr, x_ev, y_ev = tr.x[pick_tr], tr.y[pick_tr], ev.x[pick_ev], ev.y[pick_ev]
        if binary:
            y_tr, y_ev = (y_tr == b).astype(np.int64), (y_ev == b).astype(np.int64)
    return _Draft(
        x_tr, y_tr.copy(), x_ev, y_ev.copy(), classes,
        _metadata(rng, len(y_tr)), _metadata(rng, len(y_ev)), np.zeros(len(y_ev), dtype=bool),
    )  # fmt: skip


def _group(rng, d: _Draft, column: str, values: list[str]) -> tuple[str, np.ndarray]:
    """A metadata value and its evaluation rows."""
    value = str(rng.choice(values))
    return value, (d.meta_ev[column] == value).to_numpy()


def _visible(d: _Draft, s: float, rng) -> None:
    """The source also shows: the members' images have one camera's look (a proxy, never a
    word of the cause)."""
    if d.x_ev.ndim >= 3:
        d.x_ev = apply(d.x_ev, d.members, tint, s, rng)


def plant_under_representation(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    if d.x_ev.ndim >= 3:
        d.variant = str(rng.choice(list(LOOKS)))
        fn = LOOKS[d.variant]
        d.x_tr = apply(d.x_tr, rng.random(len(d.y_tr)) < 0.005, fn, s, rng)
        d.members = rng.random(len(d.y_ev)) < p
        d.x_ev = apply(d.x_ev, d.members, fn, s, rng)
        d.words = set(LOOK_WORDS[d.variant])
        if visible:  # the rare images come from one device: its column holds them too
            d.meta_ev.loc[d.members, "device"] = "d9"
            d.words.add("device")
        d.note = f"{d.variant} on 0.5% of training, {p:.0%} of evaluation"
        return
    # tabular: one site, 1% of training and `p` of evaluation, where the classes swap
    d.variant = "inverted site"
    k = len(d.classes)
    swap = (np.arange(k) + 1) % k
    rare_tr = rng.random(len(d.y_tr)) < 0.01
    d.meta_tr.loc[rare_tr, "site"] = "E"
    d.y_tr[rare_tr] = swap[d.y_tr[rare_tr]]
    d.members = rng.random(len(d.y_ev)) < p
    d.meta_ev.loc[d.members, "site"] = "E"
    d.y_ev[d.members] = swap[d.y_ev[d.members]]
    d.words = {"site"}
    d.note = f"site E (1% of training, {p:.0%} of evaluation) has its classes swapped"


def plant_distribution_shift(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    if d.x_ev.ndim >= 3:
        d.variant = str(rng.choice(["noise", "fog", "dark", "blur", "translate"]))
        if d.variant == "translate":  # one site's images moved: nothing a property measures
            site, d.members = _group(rng, d, "site", SITES)
            d.x_ev = apply(d.x_ev, d.members, translate, s, rng)
            d.words = {"site"}
            if visible:
                _visible(d, s, rng)
            d.note = f"site {site}'s images moved at evaluation only"
            return
        d.members = rng.random(len(d.y_ev)) < p
        d.x_ev = apply(d.x_ev, d.members, LOOKS[d.variant], s, rng)
        d.meta_ev.loc[d.members, "device"] = "d4"  # a new device, never seen in training
        d.words = LOOK_WORDS[d.variant] | {"device"}
        d.note = f"{d.variant} on device d4 ({p:.0%}), at evaluation only"
        return
    d.variant = "offset site"
    site, d.members = _group(rng, d, "site", SITES)
    d.x_ev = d.x_ev.copy()
    d.x_ev[d.members, :2] += 1.5 + 1.5 * s  # one site's instrument reads high
    d.words = {"site"}
    d.note = f"site {site}'s x1 and x2 offset at evaluation only"


def plant_spurious_correlation(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    target = int(rng.integers(len(d.classes)))
    in_tr = rng.random(len(d.y_tr)) < np.where(d.y_tr == target, 0.95, 0.01)
    marked = rng.random(len(d.y_ev)) < max(p, 0.15)
    if d.x_ev.ndim >= 3:
        d.variant = "corner marker"
        d.x_tr = apply(d.x_tr, in_tr, marker, s, rng)
        d.x_ev = apply(d.x_ev, marked, marker, s, rng)
        d.words = set(LOOK_WORDS["marker"])
    else:
        d.variant = "flag column"
        d.x_tr = np.c_[d.x_tr, in_tr.astype(float)]
        d.x_ev = np.c_[d.x_ev, marked.astype(float)]
        d.words = {"flag"}
    d.members = marked & (d.y_ev != target)
    d.note = f"marker on 95% of class {d.classes[target]} in training, {marked.mean():.0%} of all in evaluation"  # fmt: skip


def plant_label_noise(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    who, d.members = _group(rng, d, "annotator", ANNOTATORS)
    rate = min(0.5, 0.15 + 0.2 * s)
    d.flip = d.members & (rng.random(len(d.y_ev)) < rate)
    k = len(d.classes)
    d.y_ev[d.flip] = (d.y_ev[d.flip] + rng.integers(1, k, int(d.flip.sum()))) % k
    d.words = {"annotator"}
    d.variant = f"{rate:.0%} flipped"
    if visible:  # one annotator labelled one camera's images
        _visible(d, s, rng)
    d.note = f"annotator {who}'s labels replaced {rate:.0%} of the time"


def plant_image_quality(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    d.variant = str(rng.choice(["blur", "noise"]))
    fn = LOOKS[d.variant]
    s = s + 0.6  # heavy: a degraded picture, as common in training as in evaluation
    in_tr = rng.random(len(d.y_tr)) < p
    d.x_tr = apply(d.x_tr, in_tr, fn, s, rng)
    d.members = rng.random(len(d.y_ev)) < p
    d.x_ev = apply(d.x_ev, d.members, fn, s, rng)
    d.words = set(LOOK_WORDS[d.variant])
    if visible:
        d.meta_tr.loc[in_tr, "device"] = "d9"
        d.meta_ev.loc[d.members, "device"] = "d9"
        d.words.add("device")
    d.note = f"heavy {d.variant} on {p:.0%} of both sets"


def _logit_plant(change: Callable, rows: np.ndarray) -> Callable:
    """A plant on the model's output: `change` the log-probabilities of `rows` (bool)."""

    def post(proba: np.ndarray, rng) -> np.ndarray:
        logits = np.log(np.clip(proba[rows], 1e-9, 1))
        logits = change(logits, rng)
        e = np.exp(logits - logits.max(1, keepdims=True))
        out = proba.copy()
        out[rows] = e / e.sum(1, keepdims=True)
        return out

    return post


def plant_threshold(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    site, rows = _group(rng, d, "site", SITES)
    d.members = rows & (d.y_ev == 0)  # the site's negatives: the shift makes them positives
    delta = 1.5 + 1.5 * s

    def shift(logits, rng):
        logits[:, 1] += delta  # one site's scores read high: its own threshold recovers them
        return logits

    d.post = _logit_plant(shift, rows)
    d.words, d.variant = {"site"}, f"+{delta:.1f} logits"
    if visible:
        _visible(d, s, rng)
    d.note = f"site {site}'s scores shifted by {delta:.1f} logits towards {d.classes[1]}"


def plant_miscalibration(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    site, d.members = _group(rng, d, "site", SITES)

    def overconfident(logits, rng):
        # a noisier, sharpened head on one site: more errors, all of them confident
        return 4.0 * (logits + rng.gumbel(0, 0.6 + 0.8 * s, logits.shape))

    d.post = _logit_plant(overconfident, d.members)
    d.words, d.variant = {"site"}, "noisy sharpened head"
    if visible:
        _visible(d, s, rng)
    d.note = f"site {site}'s probabilities noisy and sharpened x4"


def plant_class_confusion(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    a, b = (int(v) for v in rng.choice(len(d.classes), 2, replace=False))
    if d.x_ev.ndim >= 3:
        w = 0.4 + 0.2 * s  # share of the look of `a` blended into every `b`
        for x, y in ((d.x_tr, d.y_tr), (d.x_ev, d.y_ev)):
            rows, donors = np.flatnonzero(y == b), np.flatnonzero(y == a)
            pick = rng.choice(donors, len(rows))
            x[rows] = ((1 - w) * x[rows] + w * x[pick]).astype(np.uint8)
        d.variant = f"blend {w:.2f}"
    else:
        # move b's rows most of the way to a's mean, in both sets
        w = 0.6 + 0.2 * s
        for x, y in ((d.x_tr, d.y_tr), (d.x_ev, d.y_ev)):
            rows_a, rows_b = y == a, y == b
            x[rows_b] += w * (x[rows_a].mean(0) - x[rows_b].mean(0))
        d.variant = f"means {w:.2f} closer"
    d.members = np.isin(d.y_ev, [a, b])
    d.words = {d.classes[a], d.classes[b]}
    d.note = f"classes {d.classes[a]} and {d.classes[b]} alike in both sets"


def plant_boundary(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    d.variant, d.note = "nothing planted", "the model's own errors"


def plant_none(rng, d: _Draft, s: float, p: float, visible: bool) -> None:
    def random_errors(proba: np.ndarray, rng) -> np.ndarray:
        # the same error rate, independent of everything; the confidence says nothing
        n, k = proba.shape
        rate = float((proba.argmax(1) != d.y_ev).mean())
        wrong = rng.random(n) < rate
        pred = np.where(wrong, (d.y_ev + rng.integers(1, k, n)) % k, d.y_ev)
        top = rng.uniform(1.0 / k + 0.05, 1.0, n)
        out = np.repeat(((1 - top) / (k - 1))[:, None], k, axis=1)
        out[np.arange(n), pred] = top
        return out

    d.post, d.variant, d.note = random_errors, "random errors", "errors independent of everything"


PLANTERS: dict[str, Callable] = {
    "under_representation": plant_under_representation,
    "distribution_shift": plant_distribution_shift,
    "spurious_correlation": plant_spurious_correlation,
    "label_noise": plant_label_noise,
    "image_quality": plant_image_quality,
    "threshold": plant_threshold,
    "miscalibration": plant_miscalibration,
    "class_confusion": plant_class_confusion,
    "boundary": plant_boundary,
    "none": plant_none,
}
IMAGES_ONLY = {"image_quality"}
BINARY_ONLY = {"threshold"}
NEEDS_PROBA = {"threshold", "miscalibration"}
VISIBLE_APPLIES = {"under_representation", "distribution_shift", "label_noise", "image_quality", "threshold", "miscalibration"}  # fmt: skip


def causes() -> tuple[list[str], list[str]]:
    """(causes drawn, diagnoses weakspot has that no planter here plants)."""
    from weakspot.diagnoses import DIAGNOSES

    registered = sorted(DIAGNOSES)
    return [c for c in registered if c in PLANTERS] + list(NO_FIX), [
        c for c in registered if c not in PLANTERS
    ]


def cause_of(seed: int) -> str:
    """The cause `draw(seed)` plants, without drawing the rest (the seed's first draw)."""
    return str(np.random.default_rng(seed).choice(causes()[0]))


def draw(seed: int) -> Scenario:
    """The scenario of `seed` (an int below 2**32): the same seed gives the same scenario."""
    rng = np.random.default_rng(seed)
    cause = str(rng.choice(causes()[0]))  # the first draw: `cause_of`
    data_choices = datasets.IMAGE_DATA if cause in IMAGES_ONLY else datasets.DATASETS
    data = str(rng.choice(data_choices))
    is_image = data != "tabular"
    model = str(rng.choice([m for m in models.MODELS if models.available(m, is_image)]))
    strength = float(rng.uniform(0.5, 1.5))
    prevalence = float(rng.uniform(0.08, 0.25))
    visible = bool(cause in VISIBLE_APPLIES and is_image and rng.random() < 0.5)
    with_train = bool(rng.random() < 0.75)
    with_proba = bool(cause in NEEDS_PROBA or rng.random() < 0.85)
    d = _base(rng, data, binary=cause in BINARY_ONLY)
    PLANTERS[cause](rng, d, strength, prevalence, visible)
    return _finish(
        d, rng, name=f"{cause}/{data}/{model}/{seed}", seed=seed, cause=cause, data=data,
        model=model, strength=strength, prevalence=prevalence, visible=visible,
        with_train=with_train, with_proba=with_proba,
    )  # fmt: skip


def _finish(d: _Draft, rng, *, name, seed, cause, data, model, strength, prevalence, visible, with_train, with_proba) -> Scenario:  # fmt: skip
    k = len(d.classes)
    model_seed = int(rng.integers(2**31))
    proba_ev, proba_tr = models.fit_predict(model, d.x_tr, d.y_tr, [d.x_ev, d.x_tr], k, model_seed)
    if d.post is not None:
        proba_ev = d.post(proba_ev, rng)
    names = np.array(d.classes, dtype=object)
    ev = _frame("e", d.y_ev, proba_ev, names, d.meta_ev, d.x_ev, with_proba)
    tr = _frame("t", d.y_tr, proba_tr, names, d.meta_tr, d.x_tr, False) if with_train else None
    is_image = d.x_ev.ndim >= 3
    emb_ev = emb_tr = None
    if is_image:
        emb_ev, emb_tr = models.embeddings(d.x_tr, [d.x_ev, d.x_tr], model_seed)
    members = np.flatnonzero(d.members) if cause not in NO_FIX else np.empty(0, dtype=np.int64)
    fix, kinds = FIX[cause]
    truth = Truth(
        cause=cause,
        members=members,
        words=set(d.words) if cause not in NO_FIX else set(),
        fixable=cause not in (*NO_FIX, "class_confusion"),
        allowed={"class_confusion"} if cause == "class_confusion" else set(),
        fix=fix,
        fix_kinds=kinds,
        flipped=ev["id"].to_numpy()[d.flip] if d.flip is not None else np.empty(0, dtype=object),
    )
    return Scenario(
        name, seed, cause, data, model, strength, prevalence, visible, with_train, with_proba,
        d.variant, ev, d.x_ev if is_image else None, emb_ev, tr,
        d.x_tr if is_image and with_train else None, emb_tr if with_train else None, truth,
        d.note,
    )  # fmt: skip


def _frame(prefix, y, proba, names, meta, x, with_proba) -> pd.DataFrame:
    frame = pd.DataFrame({"id": [f"{prefix}{i}" for i in range(len(y))], "label": names[y]})
    frame["prediction"] = names[proba.argmax(1)]
    if with_proba:
        for j, name in enumerate(names):
            frame[f"proba_{name}"] = proba[:, j]
    frame = pd.concat([frame, meta.reset_index(drop=True)], axis=1)
    if x.ndim == 2:  # tabular: the model's inputs are columns too
        for j in range(x.shape[1]):
            frame["flag" if j == 6 else f"x{j + 1}"] = x[:, j]
    return frame


# ------------------------------------------------------------------ the fixed subset
PLANTED = Path(__file__).resolve().parents[1] / "planted"


def fixed() -> list[Callable[[], Scenario]]:
    """The regression subset, as thunks: today's planted tasks of `bench/planted/` (Fashion-
    MNIST, seed 0, its MLP and hidden activations) and the generator at `FIXED_SEEDS`."""
    kinds = [
        "rare_dark", "rare_blur", "rare_inverted", "rare_border", "spurious_marker",
        "label_noise", "shift_noise", "shift_fog", "metadata_site", "metadata_conjunction",
        "quality_blur", "class_confusion", "null",
    ]  # fmt: skip
    out: list[Callable[[], Scenario]] = [lambda kind=kind: planted(kind) for kind in kinds]
    return out + [lambda seed=seed: draw(seed) for seed in FIXED_SEEDS]


def planted(kind: str, seed: int = 0) -> Scenario:
    """Today's planted task `kind` (bench/planted/tasks.py, diagnose.py) as a scenario."""
    sys.path.insert(0, str(PLANTED))
    import diagnose  # bench/planted/diagnose.py: its tasks, causes and word lists
    from tasks import make_task

    if kind in ("quality_blur", "class_confusion"):
        task = diagnose.extra_task(kind, seed, N_TRAIN, N_EVAL)
    else:
        task = make_task(kind, "fmnist", seed, n_train=N_TRAIN, n_eval=N_EVAL)
    null = task.null
    ev, tr, hidden, t_hidden = diagnose.tables(task, seed, null)
    cause = "none" if null else diagnose.EXPECTED.get(kind, "distribution_shift")
    words = {"site", "device"} if kind == "metadata_conjunction" else set(diagnose.NAMES.get(kind, ()))  # fmt: skip
    if kind == "class_confusion":
        words = {"c0", "c6"}
    flipped = np.empty(0, dtype=object)
    if kind == "label_noise":  # tasks.py keeps no copy of the flip: recover it from the pool
        from tasks import KINDS

        from weakspot.datasets import load_fashion_mnist

        rng = np.random.default_rng([seed, KINDS.index(kind), 0])  # make_task's generator
        _, yt = load_fashion_mnist("test")
        rng.choice(60000, N_TRAIN, replace=False)
        ev_rows = rng.choice(len(yt), N_EVAL, replace=False)
        flipped = ev["id"].to_numpy()[yt[ev_rows] != task.eval_labels]
    fix, fix_kinds = FIX[cause]
    truth = Truth(
        cause=cause,
        members=np.flatnonzero(task.planted)
        if task.planted is not None and not null
        else np.empty(0, dtype=np.int64),  # fmt: skip
        words=set() if null else words,
        fixable=cause not in (*NO_FIX, "class_confusion"),
        allowed={"class_confusion"} if cause == "class_confusion" else set(),
        fix=fix,
        fix_kinds=fix_kinds,
        flipped=flipped,
    )
    return Scenario(
        f"planted/{task.name}", f"planted:{kind}", cause, "fmnist", "torch mlp", 1.0,
        float(task.planted.mean()) if task.planted is not None else 0.0, False, True,
        not null, kind, ev, task.eval_images, hidden, tr, task.train_images, t_hidden, truth,
        task.note,
    )  # fmt: skip
