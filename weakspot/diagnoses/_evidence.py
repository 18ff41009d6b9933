"""Figures several diagnoses share, computed once per context and cached there.

- `interval`: a share with its Wilson 95% interval.
- `training_share`: the mode's share of the training set (its rule applied to the training
  features; for a member-set mode, the share of training points among the members' nearest
  neighbours in the joint embedding space), against its share of the evaluation set.
- `class_matched_effects`: how far the mode's image properties lie from those of other
  images of the same classes (standardised within class), so that a mode that is one class
  does not read as an image-quality problem because the class looks different.
- `extreme_shares`: how much more often the mode's property values are extreme for their
  class (robust z against the whole class), the test of a degraded picture.
- `separability`: cross-validated AUC of a linear model telling the mode's images from the
  rest (embeddings, else image properties): about 0.5 when the images look like the others.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from weakspot.diagnoses._base import DiagnosisContext
from weakspot.modes import FailureMode, rule_mask
from weakspot.stats import wilson_interval

IMAGE_KINDS = ("photographic", "derived", "quality")
MIN_PRESENT = 10  # fewer training examples than this: the group is absent, not rare


def interval(successes: int, trials: int) -> dict[str, Any]:
    """``{value, ci: [low, high], n}`` for a share of `trials`."""
    if trials <= 0:
        return {"value": None, "ci": [None, None], "n": 0}
    low, high = wilson_interval(np.array([successes]), np.array([trials]))
    return {
        "value": round(successes / trials, 4),
        "ci": [round(float(low[0]), 4), round(float(high[0]), 4)],
        "n": int(trials),
    }


def mode_mask(mode: FailureMode, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(mode.members, dtype=np.int64)] = True
    return mask


def non_label_rule(mode: FailureMode) -> list:
    """The mode's rule without conditions on the label (its defining property)."""
    return [c for c in (mode.rule or ()) if c.feature != "label"]


def training_share(mode: FailureMode, context: DiagnosisContext) -> dict[str, Any] | None:
    """The mode's share of training against evaluation, or None when it cannot be measured.

    Of the two routes (the rule on the training features, and the share of training points
    among the members' nearest neighbours in embedding space) the one showing the lower
    training share counts.

    Returns ``{route, train_count, train_share (interval), eval_share, ratio, ratio_high,
    missing_columns}``; `ratio_high` uses the interval's upper end.
    """
    key = f"training_share:{mode.id}"
    if key in context.cache:
        return context.cache[key]
    train, evaluation = context.train, context.evaluation
    out = None
    if train is not None and mode.rule:
        missing = sorted({c.feature for c in mode.rule} - set(train.features.columns))
        inside = rule_mask(list(mode.rule), train.features)
        count = int(inside.sum())
        eval_share = len(mode.members) / len(evaluation)
        out = _share_record("rule", count, len(train), eval_share, missing)
    if train is not None and train.embeddings is not None and evaluation.embeddings is not None:
        # a rule over derived statistics can select ordinary training images too; the
        # members' neighbours show whether images like them were in training
        near = _neighbour_share(mode, context)
        if near is None:  # no member has an embedding: the rule route, if any, stands
            pass
        elif out is None or out["missing_columns"] or near["ratio_high"] < out["ratio_high"]:
            near["rule_route"] = out
            out = near
    context.cache[key] = out
    return out


def _share_record(route, count, n_train, eval_share, missing) -> dict[str, Any]:
    share = interval(count, n_train)
    high = share["ci"][1] if share["ci"][1] is not None else 0.0
    return {
        "route": route,
        "train_count": count,
        "train_share": share,
        "eval_share": round(eval_share, 4),
        "ratio": round((count / n_train) / eval_share, 4) if eval_share else None,
        "ratio_high": round(high / eval_share, 4) if eval_share else None,
        "missing_columns": missing,
    }


def _neighbour_share(
    mode: FailureMode, context: DiagnosisContext, k: int = 10
) -> dict[str, Any] | None:
    """Share of training points among the members' k nearest neighbours (joint space), over
    the rows of both sets that have an embedding; None when no member has one."""
    from sklearn.neighbors import NearestNeighbors

    assert context.train is not None
    evaluation, train = context.evaluation, context.train
    ev = np.asarray(evaluation.embeddings, dtype=np.float32)[evaluation.readable]
    tr = np.asarray(train.embeddings, dtype=np.float32)[train.readable]
    members = mode_mask(mode, len(evaluation))[evaluation.readable]  # positions among `ev`
    if not members.any() or len(ev) + len(tr) <= k:
        return None
    joint = np.vstack([ev, tr])
    is_train = np.r_[np.zeros(len(ev), bool), np.ones(len(tr), bool)]
    index = NearestNeighbors(n_neighbors=k + 1).fit(joint)
    _, found = index.kneighbors(ev[members])
    hits = int(is_train[found[:, 1:]].sum())
    trials = found[:, 1:].size
    expected = len(tr) / (len(joint) - 1)
    record = _share_record("neighbours", hits, trials, expected, [])
    record["eval_share"] = round(expected, 4)
    record["train_count"] = int(round(hits / k))
    return record


def class_matched_effects(
    mask: np.ndarray,
    features: pd.DataFrame,
    labels: np.ndarray,
    kinds: dict[str, str],
    readable: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Standardised differences of image features between the mode and same-class others.

    Each numeric image feature is z-scored within each class (median and MAD-based scale);
    the effect is the mean z of the members minus that of non-members of the members'
    classes. A class with fewer than 5 non-members contributes nothing; so does a row that is
    not `readable` (`Split.readable`: its image could not be read). Strongest first:
    ``{feature, effect}``.
    """
    labels = np.asarray(labels).astype(str)
    classes = np.unique(labels[mask])
    usable = np.isin(labels, [c for c in classes if ((labels == c) & ~mask).sum() >= 5])
    if readable is not None:
        usable &= readable
    out: list[dict[str, Any]] = []
    if not (usable & mask).any():
        return out
    for name in features.columns:
        if kinds.get(name) not in IMAGE_KINDS:
            continue
        values = _numeric(features[name])
        if values is None:
            continue
        z = _within_class_z(values, labels, classes, reference=~mask, robust=False)
        inside, outside = z[usable & mask], z[usable & ~mask]
        inside, outside = inside[np.isfinite(inside)], outside[np.isfinite(outside)]
        if len(inside) >= 5 and len(outside) >= 5:
            out.append({"feature": name, "effect": round(float(inside.mean() - outside.mean()), 3)})
    return sorted(out, key=lambda e: (-abs(e["effect"]), e["feature"]))


Z_EXTREME = 2.5  # robust z beyond which a property value is extreme for its class
MIN_CLASS_ROWS = 20


def extreme_shares(
    mask: np.ndarray,
    features: pd.DataFrame,
    labels: np.ndarray,
    directions: dict[str, int],
    readable: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """How much more often the mode's property values are extreme for their class.

    A value is extreme when its robust z-score within its class (median and 1.4826 x MAD of
    every image of the class, the mode's own included; the standard deviation where the MAD
    is 0) lies beyond `Z_EXTREME` in the property's degraded direction (`directions`: -1
    lower is worse, +1 higher, 0 either). Against the whole class rather than the class's
    non-members: a mode cut out of a class's ordinary range by a threshold
    (``dark_share < 0.64``) lies beyond its non-members by construction, but not beyond
    the class; a blurred or darkened image lies far beyond both. Classes with fewer than
    `MIN_CLASS_ROWS` images contribute nothing, and rows that are not `readable` (images that
    could not be read, `Split.readable`) are in neither share.

    Returns
    -------
    list of dict
        ``{feature, share, share_elsewhere, excess}`` (shares of the mode's rows and of the
        same classes' other rows that are extreme), largest excess first.
    """
    labels = np.asarray(labels).astype(str)
    classes = [c for c in np.unique(labels[mask]) if (labels == c).sum() >= MIN_CLASS_ROWS]
    usable = np.isin(labels, classes)
    if readable is not None:
        usable &= readable
    out: list[dict[str, Any]] = []
    if not (usable & mask).any() or not (usable & ~mask).any():
        return out
    for name, direction in directions.items():
        if name not in features.columns:
            continue
        values = _numeric(features[name])
        if values is None:
            continue
        z = _within_class_z(values, labels, classes, reference=np.ones_like(mask), robust=True)
        signed = np.abs(z) if direction == 0 else direction * z
        extreme = np.nan_to_num(signed, nan=0.0) >= Z_EXTREME
        share = float(extreme[usable & mask].mean())
        elsewhere = float(extreme[usable & ~mask].mean())
        out.append(
            {
                "feature": name,
                "share": round(share, 4),
                "share_elsewhere": round(elsewhere, 4),
                "excess": round(share - elsewhere, 4),
            }
        )
    return sorted(out, key=lambda e: (-e["excess"], e["feature"]))


def _within_class_z(
    values: np.ndarray,
    labels: np.ndarray,
    classes: Any,
    *,
    reference: np.ndarray,
    robust: bool,
) -> np.ndarray:
    """z-scores of `values` (shape (n,)) within each of `classes`, against the class's rows in
    `reference` (bool, shape (n,)): mean and standard deviation, or with `robust` the median
    and 1.4826 x MAD (the standard deviation where the MAD is 0). NaN for other rows and for
    classes with fewer than 5 finite reference values."""
    z = np.full(len(values), np.nan)
    for c in classes:
        rows = labels == c
        ref = values[rows & reference]
        ref = ref[np.isfinite(ref)]
        if len(ref) < 5:
            continue
        if robust:
            centre = float(np.median(ref))
            scale = 1.4826 * float(np.median(np.abs(ref - centre))) or float(np.std(ref))
        else:
            centre, scale = float(np.mean(ref)), float(np.std(ref))
        z[rows] = (values[rows] - centre) / max(scale, 1e-9)
    return z


def _numeric(column: pd.Series) -> np.ndarray | None:
    if pd.api.types.is_bool_dtype(column) or column.dtype == object:
        text = column.astype("string")
        if set(text.dropna().unique()) <= {"True", "False"}:
            return (text == "True").to_numpy(dtype=float, na_value=np.nan)
        return None
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return None


def separability(mask: np.ndarray, context: DiagnosisContext, key: str) -> float | None:
    """Cross-validated AUC of telling the mode's images from the rest, or None without images.

    Uses the embeddings when given, else the numeric image features, of the rows that have
    them (`Split.readable`); a logistic regression with 3-fold cross-validation, classes
    balanced.
    """
    cache_key = f"separability:{key}"
    if cache_key in context.cache:
        return context.cache[cache_key]
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = _image_matrix(context)
    result = None
    readable = context.evaluation.readable
    if x is not None:
        x, mask = x[readable], mask[readable]
    if x is not None and 10 <= mask.sum() <= len(mask) - 10:
        model = make_pipeline(
            StandardScaler(), LogisticRegression(C=0.1, class_weight="balanced", max_iter=300)
        )
        # one BLAS thread (as for the neighbour search, weakspot.features.images._flags): on
        # the demo's 3,000 x 1280 embeddings, a loaded 2-core machine took 5.7 s on
        # OpenBLAS's spinning threads and 0.4 s on one, with the same scores
        with warnings.catch_warnings(), threadpool_limits(1, "blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            score = cross_val_predict(model, x, mask, cv=3, method="decision_function")
        result = float(roc_auc_score(mask, score))
    context.cache[cache_key] = result
    return result


def _image_matrix(context: DiagnosisContext) -> np.ndarray | None:
    if "image_matrix" in context.cache:
        return context.cache["image_matrix"]
    ev = context.evaluation
    x = None
    if ev.embeddings is not None:
        x = np.asarray(ev.embeddings, dtype=np.float64)
    else:
        columns = []
        for name in ev.features.columns:
            if context.kinds.get(name) in IMAGE_KINDS:
                values = _numeric(ev.features[name])
                if values is not None:
                    columns.append(np.nan_to_num(values, nan=float(np.nanmedian(values))))
        x = np.column_stack(columns) if columns else None
    context.cache["image_matrix"] = x
    return x


def nearest_training_distance(context: DiagnosisContext) -> dict[str, np.ndarray] | None:
    """Each evaluation row's distance to its nearest training row (NaN for a row without an
    embedding, `Split.readable`), and the training rows' own leave-one-out nearest distances
    (embeddings, standardised on the training set), over the rows that have one."""
    if "nn_distance" in context.cache:
        return context.cache["nn_distance"]
    from sklearn.neighbors import NearestNeighbors

    train, ev = context.train, context.evaluation
    out = None
    if (
        train is not None
        and train.embeddings is not None
        and ev.embeddings is not None
        and train.readable.sum() >= 2
        and ev.readable.any()
    ):
        tr = np.asarray(train.embeddings, dtype=np.float32)[train.readable]
        rng = np.random.default_rng(context.random_state)
        if len(tr) > 8000:
            tr = tr[np.sort(rng.choice(len(tr), 8000, replace=False))]
        centre, scale = tr.mean(axis=0), tr.std(axis=0) + 1e-6
        tr_z = (tr - centre) / scale
        ev_z = (np.asarray(ev.embeddings, dtype=np.float32)[ev.readable] - centre) / scale
        index = NearestNeighbors(n_neighbors=2).fit(tr_z)
        own, _ = index.kneighbors(tr_z)
        to_train, _ = index.kneighbors(ev_z, n_neighbors=1)
        distance = np.full(len(ev), np.nan)
        distance[ev.readable] = to_train[:, 0]
        out = {"train_own": own[:, 1], "eval": distance}
    context.cache["nn_distance"] = out
    return out
