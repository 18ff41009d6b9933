"""Synthetic evaluation and training splits built to have (or not have) one cause each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from weakspot.diagnoses import DiagnosisContext, Split
from weakspot.features._condition import Condition
from weakspot.modes import FailureMode

CLASSES = ["bag", "coat", "shirt"]
KINDS = {
    "label": "label",
    "site": "metadata",
    "annotator": "metadata",
    "brightness": "photographic",
    "contrast": "photographic",
    "is_dark": "quality",
    "marker": "quality",
}


def frame(rng, n, *, site=None, dark=None, marker=None, annotator=None):
    labels = rng.choice(CLASSES, n)
    dark = np.zeros(n, bool) if dark is None else dark
    features = pd.DataFrame(
        {
            "label": labels,
            "site": site if site is not None else rng.choice(["A", "B", "C"], n),
            "annotator": annotator if annotator is not None else rng.choice(["a1", "a2"], n),
            "brightness": np.where(dark, rng.normal(0.1, 0.03, n), rng.normal(0.45, 0.08, n)),
            "contrast": rng.normal(0.3, 0.05, n),
            "is_dark": dark,
            "marker": np.zeros(n, bool) if marker is None else marker,
        }
    )
    return features, labels


def embed(rng, labels, shift=None, nudge=None):
    """Class-separated 8-d embeddings; rows in `shift` moved far away, in `nudge` a little."""
    fixed = np.random.default_rng(123)  # the same class centres in every split
    centres = {c: fixed.normal(0, 3, 8) for c in CLASSES}
    x = np.stack([centres[y] for y in labels]) + rng.normal(0, 1, (len(labels), 8))
    if shift is not None:
        x[shift] += 12.0
    if nudge is not None:
        x[nudge, :4] += 4.0
    return x


def proba_for(rng, labels, predictions, confidence=0.85):
    """Probabilities whose top class is the prediction, with the given top probability."""
    top = np.broadcast_to(np.asarray(confidence, dtype=float).ravel(), (len(labels),))
    p = np.repeat(((1 - top) / (len(CLASSES) - 1))[:, None], len(CLASSES), axis=1)
    p[np.arange(len(labels)), [CLASSES.index(c) for c in predictions]] = top
    return p


def wrong_class(rng, labels):
    return np.array([rng.choice([c for c in CLASSES if c != y]) for y in labels])


def mode_of(mask, errors, rule=None, mode_id="F1"):
    members = np.flatnonzero(mask)
    return FailureMode(
        id=mode_id,
        title=" and ".join(c.describe() for c in rule) if rule else "group",
        rule=tuple(rule) if rule else None,
        kind="metadata",
        f1=1.0,
        mechanism="",
        slices=("S1",),
        members=members,
        errors=int(errors[mask].sum()),
        error_rate=float(errors[mask].mean()),
        rest_error_rate=float(errors[~mask].mean()),
    )


def context(ev_features, labels, predictions, proba=None, embeddings=None, train=None):
    return DiagnosisContext(
        Split(ev_features, labels, predictions, proba, None, embeddings),
        CLASSES,
        KINDS,
        {},
        train=train,
    )


SITE_S = [Condition("site", "==", "S")]
