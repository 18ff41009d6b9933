"""`label_noise`: the mode's errors are wrong labels, found by confident learning (cleanlab).

A label is suspected when two out-of-sample views of the example disagree with it: cleanlab's
`find_label_issues` flags it on the model's probabilities (on the head's where the model gives
none), the model's class is another, and the labels of the nearest examples prefer the model's
class to the given one at least `HEAD_ODDS` to 1 (the head's probability of it is at least
twice that of the label: a neighbourhood of mixed classes confirms nothing). The views:

- *the model*: its probabilities on the split (out of sample: it was trained on another set),
  or, without them, its predicted class;
- *a k-NN head*: out-of-fold class shares of the `K_NEIGHBOURS` nearest other examples of the
  same split (5-fold, stratified), in its embedding space (standardised, reduced to
  `MAX_DIMENSIONS` principal components) or, without embeddings, in its numeric features.
  It reads the split's own labels, so a look the model never saw in training but the split
  labels consistently (a new camera, a rare group, a marker) agrees with its labels, while a
  wrong label disagrees with the labels of the images around it.

Distinct images therefore do not rule label noise out: the head is what tells a model failing
on odd images from a wrong label. Evidence on the evaluation set: the share of the mode's
excess errors (its errors beyond what its classes' error rates elsewhere predict) that are
suspected labels beyond the same classes' suspected share elsewhere, counted when the
suspected errors are concentrated in the mode (one-sided exact hypergeometric test against a
random draw of its size, p <= 0.05; else 0). The confidence is that share: the estimated
probability that one of the mode's excess errors is a wrong label. With the model's
probabilities as the only view (no embeddings and no numeric features, or a head that agrees
with fewer than `MIN_HEAD_AGREEMENT` of the labels), a wrong label cannot be told from a model
failing on images unlike its training set, and the share is weighted by how much the mode's
images look like the rest, ``clip((0.8 - AUC) / 0.25)`` (AUC: how well a linear model tells the
mode's images from the others). The training set, when it has probabilities, predictions or
embeddings, is checked the same way under the mode's rule. Without cleanlab
(``pip install 'weakspot[labels]'``) the cause is reported untested, saying so.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from weakspot._errors import InputError, MissingDependency, missing_dependency
from weakspot.diagnoses._base import (
    Diagnosis,
    DiagnosisContext,
    Split,
    clip01,
    register_diagnosis,
    untested,
)
from weakspot.diagnoses._evidence import interval, mode_mask, separability
from weakspot.modes import FailureMode, rule_mask
from weakspot.stats import excess_error_p_value

K_NEIGHBOURS = 15
HEAD_ODDS = 2.0  # how much more of the head's probability the suggestion needs than the label
MAX_DIMENSIONS = 32  # principal components the head's neighbours are found in
MIN_HEAD_AGREEMENT = 0.5  # a head that predicts fewer of the labels than this is no view
MIN_CLASS_ELSEWHERE = 5  # fewer non-members of a class: its rate elsewhere is the overall one
ALPHA = 0.05
CLEANLAB = "Confident learning (the label_noise diagnosis and the relabel queue)"


@dataclass(frozen=True)
class LabelIssues:
    """Suspected label errors of one split.

    Attributes
    ----------
    issues : ndarray of bool, shape (n,)
        Suspected: cleanlab flags the row on the model's probabilities (else the head's),
        `suggested` differs from the label, and the head's probability of `suggested` is at
        least `HEAD_ODDS` times its probability of the label.
        A row some view does not cover (an unread image has no head) is not suspected.
    suggested : ndarray of str, shape (n,)
        The model's class (its largest probability, or its prediction), the head's without a
        model; the given label on rows no view covers.
    score : ndarray of float, shape (n,)
        The estimated probability that the given label is wrong: 1 minus the mean of the
        views' probabilities of it (0 on rows no view covers).
    views : tuple of str
        What the suspicion rests on, in words.
    """

    issues: np.ndarray
    suggested: np.ndarray
    score: np.ndarray
    views: tuple[str, ...]

    @property
    def model_only(self) -> bool:
        """Whether the model's probabilities were the only view (no head to confirm them)."""
        return len(self.views) == 1 and self.views[0] == MODEL_PROBA


MODEL_PROBA = "the model's probabilities"
MODEL_PREDICTION = "the model's predicted class"


def label_issues(
    split: Split, classes: list[str], context: DiagnosisContext, key: str
) -> LabelIssues | None:
    """Suspected label errors of `split`, cached in `context` under `key`; None when no view
    of it exists (no probabilities, no embeddings, no usable numeric features) or it holds
    fewer than two classes.

    Raises
    ------
    MissingDependency
        When cleanlab is not installed (``pip install 'weakspot[labels]'``).
    """
    cache_key = f"label_issues:{key}"
    if cache_key not in context.cache:
        context.cache[cache_key] = _find(split, classes, context.random_state)
    return context.cache[cache_key]


def _find(split: Split, classes: list[str], seed: int) -> LabelIssues | None:
    labels = np.asarray(split.labels).astype(str)
    index = {c: i for i, c in enumerate(classes)}
    if not all(label in index for label in labels) or len(np.unique(labels)) < 2:
        return None
    y = np.array([index[label] for label in labels])
    everywhere = np.ones(len(y), dtype=bool)
    model: tuple[str, np.ndarray, np.ndarray] | None = None  # (name, proba (n, K), rows)
    if split.proba is not None:
        model = (MODEL_PROBA, _normalised(np.asarray(split.proba, dtype=float)), everywhere)
    elif split.predictions is not None:  # the predicted class: probability 1 on it
        predicted = np.array([index.get(str(p), -1) for p in split.predictions])
        onehot = np.zeros((len(y), len(classes)))
        onehot[predicted >= 0, predicted[predicted >= 0]] = 1.0
        model = (MODEL_PREDICTION, onehot, predicted >= 0)
    head = _head(split, classes, seed)
    # confident learning needs probabilities: the model's, else the head's
    confident = model if model is not None and model[0] == MODEL_PROBA else head
    if confident is None:
        return None
    _, proba, rows = confident
    issues = _flagged(y, proba, rows)
    suggestion = (model or confident)[1].argmax(axis=1)  # the model's class where it has one
    issues &= (model or confident)[2] & (suggestion != y)
    at = np.arange(len(y))
    if head is not None:  # the labels around the example prefer the suggestion HEAD_ODDS to 1
        _, near, covered = head
        issues &= covered & (near[at, suggestion] >= HEAD_ODDS * near[at, y])
    views = [v for v in (model, head) if v is not None]
    given = np.zeros(len(y))
    counted = np.zeros(len(y))
    for _, proba, rows in views:
        given[rows] += proba[rows, y[rows]]
        counted[rows] += 1
    score = np.where(counted > 0, 1.0 - given / np.maximum(counted, 1), 0.0)
    suggestion = np.where(counted > 0, suggestion, y)
    suggested = np.array(classes, dtype=object)[suggestion].astype(str)
    names = tuple(name for name, _, _ in views)
    return LabelIssues(issues, suggested, np.clip(score, 0.0, 1.0), names)


def _normalised(proba: np.ndarray) -> np.ndarray:
    return proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)


def _flagged(y: np.ndarray, proba: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """cleanlab's label issues of the `rows` of one view, shape (n,) bool (False elsewhere),
    over the classes present among them."""
    try:
        from cleanlab.filter import find_label_issues
    except ImportError:
        raise missing_dependency("cleanlab", "labels", CLEANLAB) from None
    present = np.unique(y[rows])
    out = np.zeros(len(y), dtype=bool)
    if len(present) < 2:
        return out
    probs = _normalised(proba[rows][:, present])
    # one process: cleanlab's default forks a pool per CPU, which a daemonic process (a
    # multiprocessing or Celery worker running weakspot) may not do, and which the few
    # thousand rows of a mode's analysis do not need
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab's notes on tiny classes are not the user's
        out[rows] = find_label_issues(
            np.searchsorted(present, y[rows]), probs, filter_by="prune_by_noise_rate", n_jobs=1
        )
    return out


def _head(split: Split, classes: list[str], seed: int) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The k-NN head's out-of-fold probabilities: ``(name, proba (n, K), rows)``, or None
    when the split has nothing to place its rows by, too few rows, or the head agrees with
    fewer than `MIN_HEAD_AGREEMENT` of the labels."""
    if split.embeddings is not None:
        rows = split.readable
        x = np.asarray(split.embeddings, dtype=np.float64)[rows]
        where = "embeddings"
    else:
        x, where = _numeric_features(split), "numeric features"
        rows = np.ones(len(split), dtype=bool)
    if x is None or len(x) <= 2 * K_NEIGHBOURS:
        return None
    labels = np.asarray(split.labels).astype(str)
    y = np.array([classes.index(label) for label in labels[rows]])
    local = _knn_out_of_fold(_space(x, seed), y, len(classes), seed)
    if (local.argmax(axis=1) == y).mean() < MIN_HEAD_AGREEMENT:
        return None
    proba = np.zeros((len(split), len(classes)))
    proba[rows] = local
    return (f"a {K_NEIGHBOURS}-nearest-neighbour head on the {where} (out of fold)", proba, rows)


def _numeric_features(split: Split) -> np.ndarray | None:
    """The split's numeric, non-boolean feature columns (not the label), NaN as the median."""
    columns = []
    for name in split.features.columns:
        column = split.features[name]
        if name == "label" or pd.api.types.is_bool_dtype(column):
            continue
        if pd.api.types.is_numeric_dtype(column):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            if np.isfinite(values).any() and np.nanstd(values) > 0:
                columns.append(np.where(np.isfinite(values), values, np.nanmedian(values)))
    return np.column_stack(columns) if columns else None


def _space(x: np.ndarray, seed: int) -> np.ndarray:
    """Standardised columns, reduced to `MAX_DIMENSIONS` principal components when wider
    (label-free, so fitting on every row leaks nothing into the out-of-fold head)."""
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    if z.shape[1] > MAX_DIMENSIONS:
        from sklearn.decomposition import PCA

        with threadpool_limits(1, "blas"):  # see weakspot.diagnoses._evidence.separability
            z = PCA(MAX_DIMENSIONS, random_state=seed).fit_transform(z)
    return z


def _knn_out_of_fold(x: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """Each row's class shares among its `K_NEIGHBOURS` nearest rows of the other folds,
    shape (n, n_classes), with half a neighbour of each class added (Laplace smoothing: a
    share is never exactly 0 or 1)."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import NearestNeighbors

    counts = np.bincount(y, minlength=n_classes)
    folds = int(max(2, min(5, counts[counts > 0].min())))
    proba = np.zeros((len(y), n_classes))
    with warnings.catch_warnings(), threadpool_limits(1, "blas"):
        warnings.simplefilter("ignore", UserWarning)  # a class with fewer rows than folds
        warnings.simplefilter("ignore", ConvergenceWarning)
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y)
        for fit, held in splits:
            k = min(K_NEIGHBOURS, len(fit))
            _, near = NearestNeighbors(n_neighbors=k).fit(x[fit]).kneighbors(x[held])
            votes = np.zeros((len(held), n_classes))
            np.add.at(votes, (np.repeat(np.arange(len(held)), k), y[fit][near].ravel()), 1.0)
            proba[held] = (votes + 0.5) / (k + 0.5 * n_classes)
    return proba


@register_diagnosis
class LabelNoise:
    cause: ClassVar[str] = "label_noise"

    def applies(self, context: DiagnosisContext) -> bool:
        return True

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        try:
            found = label_issues(context.evaluation, context.classes, context, "evaluation")
        except MissingDependency as error:
            return untested(self.cause, f"whether the mode's labels are wrong. {error}")
        except InputError as error:  # a task without classes has no label to be wrong
            return untested(self.cause, str(error))
        if found is None:
            return untested(
                self.cause,
                (
                    "needs the model's class probabilities, or embeddings or numeric features "
                    "whose nearest neighbours predict at least half of the labels."
                ),
            )
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        errors = np.asarray(ev.errors) == 1
        flagged = found.issues & errors
        labels = np.asarray(ev.labels).astype(str)
        expected_issues = _expected(flagged, mask, labels)
        expected_errors = _expected(errors, mask, labels)
        excess_errors = errors[mask].sum() - expected_errors
        excess_issues = flagged[mask].sum() - expected_issues
        explained = clip01(excess_issues / excess_errors) if excess_errors > 0 else 0.0
        p = float(
            excess_error_p_value([flagged[mask].sum()], [mask.sum()], flagged.sum(), len(ev))[0]
        )
        auc = separability(mask, context, mode.id)
        looks_normal = 1.0 if auc is None else clip01((0.8 - auc) / 0.25)
        weight = looks_normal if found.model_only else 1.0
        share = explained if p <= ALPHA else 0.0
        evidence: dict[str, Any] = {
            "views": list(found.views),
            "issue_share": interval(int(found.issues[mask].sum()), int(mask.sum())),
            "issue_share_elsewhere": round(float(found.issues[~mask].mean()), 4)
            if (~mask).any()
            else 0.0,  # fmt: skip
            "excess_errors_explained": round(explained, 4),
            "concentration_p_value": round(p, 6),
            "image_separability_auc": None if auc is None else round(auc, 4),
        }
        confidence = share * weight
        train_part = self._training(mode, context)
        if train_part is not None:
            evidence["training"] = train_part
            confidence = max(share, train_part["confidence"]) * weight
        return Diagnosis(
            self.cause, confidence, self._summary(evidence, found, p, weight), evidence
        )

    @staticmethod
    def _summary(evidence: dict[str, Any], found: LabelIssues, p: float, weight: float) -> str:
        share, elsewhere = evidence["issue_share"]["value"], evidence["issue_share_elsewhere"]
        explained, auc = evidence["excess_errors_explained"], evidence["image_separability_auc"]
        text = (
            f"{share:.0%} of the mode are likely label errors ({elsewhere:.0%} elsewhere), "
            f"{explained:.0%} of its excess errors"
        )
        if p > ALPHA:
            return text + f", no more than chance would put there (p {p:.2f})."
        if found.model_only and auc is not None:
            if weight > 0.5:
                return text + f"; its images look like the rest (AUC {auc:.2f})."
            return text + (
                f"; but its images differ (AUC {auc:.2f}) and only the model's probabilities "
                "were there to judge the labels by (no embeddings or numeric features)."
            )
        if len(found.views) > 1 or MODEL_PREDICTION in found.views:
            text += "; the model and the labels of the nearest examples agree on another class"
            if auc is not None and auc >= 0.8:
                text += f", although its images differ (AUC {auc:.2f})"
        return text + "."

    def _training(self, mode: FailureMode, context: DiagnosisContext) -> dict[str, Any] | None:
        train = context.train
        if train is None or not mode.rule:
            return None
        found = label_issues(train, context.classes, context, "train")
        if found is None:
            return None
        inside = rule_mask(list(mode.rule), train.features)
        if inside.sum() < 10 or (~inside).sum() < 10:
            return None
        share_in, share_out = (
            float(found.issues[inside].mean()),
            float(found.issues[~inside].mean()),
        )
        return {
            "issue_share": interval(int(found.issues[inside].sum()), int(inside.sum())),
            "issue_share_elsewhere": round(share_out, 4),
            "confidence": round(clip01(2 * (share_in - share_out)), 4),
        }


def _expected(hits: np.ndarray, mask: np.ndarray, labels: np.ndarray) -> float:
    """How many of the mode's rows would be `hits` at their own classes' rate outside it (the
    overall rate outside it for a class with fewer than `MIN_CLASS_ELSEWHERE` such rows)."""
    outside = ~mask
    overall = float(hits[outside].mean()) if outside.any() else 0.0
    total = 0.0
    for c, n in zip(*np.unique(labels[mask], return_counts=True), strict=True):
        rest = outside & (labels == c)
        total += n * (float(hits[rest].mean()) if rest.sum() >= MIN_CLASS_ELSEWHERE else overall)
    return total
