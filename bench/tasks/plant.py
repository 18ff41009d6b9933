"""Planted regression and multi-label tasks on real data (issue 25 item 7).

A task is drawn from one seed: the data's split, the metadata, which subgroup fails, how
strongly and, for the diabetes table, which model. Three families:

- ``diabetes_*``: scikit-learn's `load_diabetes` (442 patients, 10 clinical features, the
  disease progression a year later), a gradient-boosting or ridge regressor, every row
  predicted out of fold (5-fold cross-validation) so that all 442 rows are evaluated.
- ``rotation_*``: Fashion-MNIST items (Debian's `dataset-fashion-mnist`) rotated by a random
  angle in [-40, 40] degrees; a small MLP regressor on PCA(40) of the pixels predicts it.
- ``tags_*``: 56 x 56 canvases of a 2 x 2 grid of Fashion-MNIST items (each cell filled with
  probability 0.6); the tags are the classes that appear. The tagger is a small MLP on PCA(40)
  of a cell's pixels (the ten classes and "empty") applied to the four cells.

Each family has planted tasks and a null:

- ``*_error`` (large errors): diabetes, noise added to the target of one site or of a real
  feature's lower or upper quartile (the model cannot predict noise: errors both ways);
  rotation, one camera's evaluation images underexposed; tags (``tags_dark``), one camera's
  canvases underexposed (every tag is missed more).
- ``*_bias``: one site's targets offset by a constant (its measurements, or its annotation
  tool, read high or low), so the model over- or under-estimates there and errs both ways
  elsewhere.
- ``tags_label``: one label is missed on one site (its items are faded there), the view
  ``missed:<label>``.
- ``*_null``: the model's residuals shuffled across rows (regression), or each label's misses
  and false alarms redrawn at the model's rates (tags): errors independent of everything.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scenarios"))
# The scenario benchmark's data and looks: Fashion-MNIST's pools and class names, the
# underexposure with a strength, the words that name it, the metadata's values.
from data import FMNIST_NAMES, fmnist  # noqa: E402
from generate import BATCHES, LOOK_WORDS, SITES, apply, dark  # noqa: E402

CAMERAS = ["c1", "c2", "c3", "c4"]
FAMILIES = {
    "diabetes": ("diabetes_error", "diabetes_bias", "diabetes_null"),
    "rotation": ("rotation_error", "rotation_bias", "rotation_null"),
    "tags": ("tags_label", "tags_dark", "tags_null"),
}
KINDS = tuple(k for kinds in FAMILIES.values() for k in kinds)
DIABETES_FEATURES = ("age", "bmi", "bp", "s5")  # the ranges a diabetes plant may pick
N_ROT_TRAIN, N_ROT_EVAL = 2000, 1200
N_TAG_ITEMS, N_TAG_EVAL = 3000, 1200


@dataclass
class Task:
    """One drawn task.

    Attributes
    ----------
    name : str
        ``kind/s<seed>``.
    kind : str
        One of `KINDS`.
    seed : int
    task : {"regression", "multilabel"}
    frame : DataFrame, shape (n, m)
        The metadata and tabular features every method is given (no target, no prediction).
    targets, predictions : ndarray
        Regression: float64, shape (n,). Multi-label: bool, shape (n, n_labels).
    label_names : list of str
        The labels' names (multi-label; empty for regression).
    images : ndarray of uint8, shape (n, H, W), or None
    planted : ndarray of bool, shape (n,), or None
        The rows of the planted subgroup (None on a null task).
    view : str
        The loss the plant raises: "error", "bias" or "missed:<label>".
    naming : list of set of str
        A rule names the plant when it uses a word of every group.
    note : str
        What was planted, in words.
    """

    name: str
    kind: str
    seed: int
    task: str
    frame: pd.DataFrame
    targets: np.ndarray
    predictions: np.ndarray
    label_names: list[str] = field(default_factory=list)
    images: np.ndarray | None = None
    planted: np.ndarray | None = None
    view: str = "error"
    naming: list[set[str]] = field(default_factory=list)
    note: str = ""

    @property
    def null(self) -> bool:
        return self.planted is None

    @property
    def residual(self) -> np.ndarray:
        """Prediction minus target, shape (n,) (regression)."""
        return self.predictions - self.targets

    @property
    def loss(self) -> np.ndarray:
        """The per-row error every peer is given, shape (n,): the absolute residual
        (regression) or the Hamming loss, the share of wrong labels (multi-label)."""
        if self.task == "regression":
            return np.abs(self.residual)
        return (self.predictions != self.targets).mean(axis=1)

    def covers(self, view: str) -> np.ndarray:
        """The rows a loss view is defined on, bool (n,): a label's positives for its misses,
        its negatives for its false alarms, every row otherwise."""
        kind, _, label = view.partition(":")
        if kind in ("missed", "false_alarm"):
            truth = self.targets[:, self.label_names.index(label)]
            return truth if kind == "missed" else ~truth
        return np.ones(len(self.frame), dtype=bool)

    def view_loss(self, view: str) -> np.ndarray:
        """The loss a view measures, over its covered rows (float (n,))."""
        kind, _, label = view.partition(":")
        if kind == "bias":
            return self.residual
        if kind in ("missed", "false_alarm"):
            j = self.label_names.index(label)
            return (self.predictions[:, j] != self.targets[:, j]).astype(float)
        return self.loss


def draw(kind: str, seed: int) -> Task:
    """The task `kind` drawn from `seed` (the same pair gives the same task)."""
    if kind not in KINDS:
        raise ValueError(f"unknown task kind {kind!r}; choose among {KINDS}")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    family = kind.split("_")[0]
    return {"diabetes": _diabetes, "rotation": _rotation, "tags": _tags}[family](kind, seed, rng)


def _metadata(rng, n: int, with_camera: bool) -> pd.DataFrame:
    meta = {"site": rng.choice(SITES, n)}
    if with_camera:
        meta["camera"] = rng.choice(CAMERAS, n)
    meta["batch"] = rng.choice(BATCHES, n)
    return pd.DataFrame(meta)


def _shuffled_residuals(targets, predictions, rng) -> np.ndarray:
    """Predictions whose residuals are the model's, shuffled across rows: the same error
    distribution, independent of every feature."""
    return targets + rng.permutation(predictions - targets)


# ------------------------------------------------------------------ diabetes
def _diabetes(kind: str, seed: int, rng) -> Task:
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    bunch = load_diabetes(as_frame=True, scaled=False)
    features = bunch.data.reset_index(drop=True)
    y = bunch.target.to_numpy(float).copy()
    n = len(y)
    meta = _metadata(rng, n, with_camera=False)
    strength = float(rng.uniform(0.8, 1.3))
    planted, naming, note = None, [], ""
    if kind == "diabetes_error":
        if rng.random() < 0.5:
            site = str(rng.choice(SITES))
            planted = (meta["site"] == site).to_numpy()
            naming, note = [{"site"}], f"target noise on site == {site}"
        else:
            col = str(rng.choice(DIABETES_FEATURES))
            x = features[col].to_numpy(float)
            upper = bool(rng.random() < 0.5)
            cut = np.quantile(x, 0.75 if upper else 0.25)
            planted = x > cut if upper else x < cut
            naming = [{col}]
            note = f"target noise on {col} {'>' if upper else '<'} {cut:g}"
        # noise of 1.0-1.6 target SDs: the model cannot learn it, so it errs both ways there
        y[planted] += rng.normal(0, 1.25 * strength * y.std(), planted.sum())
        note += f" (SD {1.25 * strength * y.std():.0f})"
    elif kind == "diabetes_bias":
        site = str(rng.choice(SITES))
        planted = (meta["site"] == site).to_numpy()
        offset = float(rng.choice([-1, 1]) * 0.6 * strength * y.std())
        # the site is no input of the model: it cannot learn the offset
        y[planted] += offset
        naming, note = [{"site"}], f"site == {site} measures {offset:+.0f}"
    use_boosting = bool(rng.random() < 0.5)
    model = (
        GradientBoostingRegressor(n_estimators=150, max_depth=2, learning_rate=0.05, random_state=0)
        if use_boosting
        else make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    )
    folds = KFold(5, shuffle=True, random_state=int(rng.integers(2**31)))
    pred = cross_val_predict(model, features.to_numpy(float), y, cv=folds)
    if kind == "diabetes_null":
        pred = _shuffled_residuals(y, pred, rng)
        note = "residuals shuffled"
    note += f"; {'gradient boosting' if use_boosting else 'ridge'}, out-of-fold predictions"
    return Task(
        name=f"{kind}/s{seed}",
        kind=kind,
        seed=seed,
        task="regression",
        frame=pd.concat([meta, features], axis=1),
        targets=y,
        predictions=pred,
        planted=planted,
        view="bias" if kind == "diabetes_bias" else "error",
        naming=naming,
        note=note,
    )


# ------------------------------------------------------------------ rotation
def _rotate(images: np.ndarray, angles: np.ndarray) -> np.ndarray:
    return np.stack(
        [
            np.asarray(Image.fromarray(im).rotate(float(a), resample=Image.BILINEAR))
            for im, a in zip(images, angles)
        ]
    )


def _pixels(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def _rotation(kind: str, seed: int, rng) -> Task:
    from sklearn.decomposition import PCA
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline

    train, test = fmnist()
    tr = rng.choice(len(train.x), N_ROT_TRAIN, replace=False)
    ev = rng.choice(len(test.x), N_ROT_EVAL, replace=False)
    a_tr = rng.uniform(-40, 40, N_ROT_TRAIN)
    a_ev = rng.uniform(-40, 40, N_ROT_EVAL)
    x_tr, x_ev = _rotate(train.x[tr], a_tr), _rotate(test.x[ev], a_ev)
    meta = _metadata(rng, N_ROT_EVAL, with_camera=True)
    strength = float(rng.uniform(0.7, 1.3))
    planted, naming, note, view = None, [], "", "error"
    if kind == "rotation_error":
        camera = str(rng.choice(CAMERAS))
        planted = (meta["camera"] == camera).to_numpy()
        x_ev = apply(x_ev, planted, dark, strength, rng)
        naming = [{"camera"} | LOOK_WORDS["dark"]]
        note = f"camera == {camera} underexposed (strength {strength:.2f})"
    elif kind == "rotation_bias":
        site = str(rng.choice(SITES))
        planted = (meta["site"] == site).to_numpy()
        offset = float(rng.choice([-1, 1]) * 9.0 * strength)
        a_ev = a_ev.copy()
        a_ev[planted] += offset
        naming, note, view = (
            [{"site"}],
            f"site == {site}'s angles recorded {offset:+.1f} deg",
            "bias",
        )
    model = make_pipeline(
        PCA(40, random_state=0),
        MLPRegressor(hidden_layer_sizes=(64,), max_iter=60, random_state=int(rng.integers(2**31))),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the MLP's iteration cap: a small model on purpose
        model.fit(_pixels(x_tr), a_tr)
    pred = model.predict(_pixels(x_ev)).astype(float)
    if kind == "rotation_null":
        pred = _shuffled_residuals(a_ev, pred, rng)
        note = "residuals shuffled"
    return Task(
        name=f"{kind}/s{seed}",
        kind=kind,
        seed=seed,
        task="regression",
        frame=meta,
        targets=a_ev.astype(float),
        predictions=pred,
        images=x_ev,
        planted=planted,
        view=view,
        naming=naming,
        note=note + "; MLP (64) on PCA(40) of the pixels",
    )


# ------------------------------------------------------------------ tags
def _canvases(pool, n: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(canvases uint8 (n, 56, 56), tags bool (n, 10), cell classes int (n, 4), -1 empty)."""
    cells = np.where(rng.random((n, 4)) < 0.6, rng.integers(0, len(pool.x), (n, 4)), -1)
    images = np.zeros((n, 56, 56), dtype=np.uint8)
    classes = np.full((n, 4), -1)
    for c in range(4):
        r, q = divmod(c, 2)
        filled = cells[:, c] >= 0
        images[filled, r * 28 : (r + 1) * 28, q * 28 : (q + 1) * 28] = pool.x[cells[filled, c]]
        classes[filled, c] = pool.y[cells[filled, c]]
    tags = np.zeros((n, len(FMNIST_NAMES)), dtype=bool)
    for c in range(4):
        filled = classes[:, c] >= 0
        tags[np.flatnonzero(filled), classes[filled, c]] = True
    return images, tags, classes


def _cells(canvases: np.ndarray) -> np.ndarray:
    """The four 28 x 28 cells of each canvas, row-major, shape (4n, 28, 28)."""
    n = len(canvases)
    return canvases.reshape(n, 2, 28, 2, 28).transpose(0, 1, 3, 2, 4).reshape(4 * n, 28, 28)


def _tags(kind: str, seed: int, rng) -> Task:
    from sklearn.decomposition import PCA
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    train, test = fmnist()
    items = rng.choice(len(train.x), N_TAG_ITEMS, replace=False)
    # the tagger's training cells: items, and empty cells (faint sensor noise) as class 10
    n_empty = N_TAG_ITEMS // 6
    empty = np.clip(rng.normal(0, 4, (n_empty, 28, 28)), 0, 255).astype(np.uint8)
    x_cells = np.concatenate([train.x[items], empty])
    y_cells = np.concatenate([train.y[items], np.full(n_empty, 10)])
    canvases, truth, classes = _canvases(test, N_TAG_EVAL, rng)
    meta = _metadata(rng, N_TAG_EVAL, with_camera=True)
    strength = float(rng.uniform(0.7, 1.3))
    planted, naming, note, view = None, [], "", "error"
    if kind == "tags_label":
        site = str(rng.choice(SITES))
        label = int(rng.integers(len(FMNIST_NAMES)))
        planted = (meta["site"] == site).to_numpy()
        # the label's items faded to 17-23% of their intensity on that site's canvases
        keep = float(0.3 - 0.1 * strength)
        cells = _cells(canvases)
        faded = np.repeat(planted, 4) & (classes.reshape(-1) == label)
        cells[faded] = (cells[faded] * keep).astype(np.uint8)
        canvases = cells.reshape(N_TAG_EVAL, 2, 2, 28, 28).transpose(0, 1, 3, 2, 4)
        canvases = np.ascontiguousarray(canvases.reshape(N_TAG_EVAL, 56, 56))
        name = FMNIST_NAMES[label]
        naming, view = [{"site"}, {name}], f"missed:{name}"
        note = f"{name} faded to {keep:.0%} on site == {site}"
    elif kind == "tags_dark":
        camera = str(rng.choice(CAMERAS))
        planted = (meta["camera"] == camera).to_numpy()
        canvases = apply(canvases, planted, dark, strength, rng)
        naming = [{"camera"} | LOOK_WORDS["dark"]]
        note = f"camera == {camera} underexposed (strength {strength:.2f})"
    model = make_pipeline(
        PCA(40, random_state=0),
        MLPClassifier(hidden_layer_sizes=(64,), max_iter=60, random_state=int(rng.integers(2**31))),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(_pixels(x_cells), y_cells)
    cell_pred = model.predict(_pixels(_cells(canvases))).reshape(N_TAG_EVAL, 4)
    pred = np.zeros_like(truth)
    for c in range(4):
        hit = cell_pred[:, c] < 10
        pred[np.flatnonzero(hit), cell_pred[hit, c]] = True
    if kind == "tags_null":
        # each label's misses and false alarms redrawn at the tagger's own rates
        miss = (~pred & truth).sum(0) / np.maximum(truth.sum(0), 1)
        alarm = (pred & ~truth).sum(0) / np.maximum((~truth).sum(0), 1)
        flip = rng.random(truth.shape) < np.where(truth, miss, alarm)
        pred = truth ^ flip
        note = "misses and false alarms redrawn at random"
    return Task(
        name=f"{kind}/s{seed}",
        kind=kind,
        seed=seed,
        task="multilabel",
        frame=meta,
        targets=truth,
        predictions=pred,
        label_names=list(FMNIST_NAMES),
        images=canvases,
        planted=planted,
        view=view,
        naming=naming,
        note=note + "; a cell tagger (MLP (64) on PCA(40), 10 classes and empty)",
    )
