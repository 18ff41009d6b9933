"""label_noise by confident learning: wrong labels are diagnosed whether or not the mode's images
differ, a model failing on odd images is not, and the views behind it are reported."""

import dataclasses
import sys

import numpy as np
import pytest

from tests.diagnoses._data import context, embed, frame, mode_of, proba_for, wrong_class
from weakspot.diagnoses import Split, diagnose_mode, label_issues
from weakspot.diagnoses._label_noise import K_NEIGHBOURS, _knn_out_of_fold
from weakspot.features._condition import Condition

N = 1500
RULE = [Condition("annotator", "==", "a3")]


def _annotated(rng, *, flip_rate, shift, with_proba=True, fail_in_group=0.0):
    """Annotator a3 (15%) flips `flip_rate` of its labels; its images are `shift`ed in
    embedding space (one annotator on one camera) or not; the model is right on the true
    class 94% of the time, and wrong on `fail_in_group` of a3's images besides."""
    annotator = rng.choice(["a1", "a2", "a3"], N, p=[0.45, 0.4, 0.15])
    ev, truth = frame(rng, N, annotator=annotator)
    group = annotator == "a3"
    flip = group & (rng.random(N) < flip_rate)
    labels = np.where(flip, wrong_class(rng, truth), truth)
    fails = (rng.random(N) < 0.06) | (group & (rng.random(N) < fail_in_group))
    predictions = np.where(fails, wrong_class(rng, truth), truth)
    proba = proba_for(rng, truth, predictions, 0.9) if with_proba else None
    x = embed(rng, truth, shift=group if shift else None)
    ev["label"] = labels
    errors = (predictions != labels).astype(int)
    return mode_of(group, errors, RULE), context(ev, labels, predictions, proba, x), flip


def _label_noise(mode, ctx):
    return next(d for d in diagnose_mode(mode, ctx) if d.cause == "label_noise")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wrong_labels_are_diagnosed_even_when_the_images_differ(seed):
    mode, ctx, _ = _annotated(np.random.default_rng(seed), flip_rate=0.4, shift=True)
    found = _label_noise(mode, ctx)
    # the images of a3 are told apart perfectly, which used to set the confidence to 0; their
    # neighbours are a3's own images, 40% mislabelled, so the head confirms fewer of them
    assert found.evidence["image_separability_auc"] > 0.95
    assert found.confidence >= 0.6, found
    assert len(found.evidence["views"]) == 2
    assert "agree on another class, although its images differ" in found.summary


@pytest.mark.parametrize("seed", [0, 1])
def test_a_model_failing_on_odd_images_is_not_label_noise(seed):
    # the same shifted images, labelled right, and a model that fails on 45% of them: the
    # head reads the split's own labels around each image and agrees with them
    mode, ctx, _ = _annotated(
        np.random.default_rng(seed), flip_rate=0.0, shift=True, fail_in_group=0.45
    )
    found = _label_noise(mode, ctx)
    assert found.tested and found.confidence < 0.1, found
    assert found.evidence["excess_errors_explained"] < 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_the_predicted_class_is_the_model_view_without_probabilities(seed):
    mode, ctx, flip = _annotated(
        np.random.default_rng(seed), flip_rate=0.4, shift=False, with_proba=False
    )
    found = _label_noise(mode, ctx)
    assert found.confidence >= 0.8, found
    assert found.evidence["views"][0] == "the model's predicted class"
    issues = label_issues(ctx.evaluation, ctx.classes, ctx, "evaluation")
    assert issues is not None
    hit = (issues.issues & flip).sum()
    assert hit / issues.issues.sum() > 0.8 and hit / flip.sum() > 0.7


def test_probabilities_alone_are_weighted_by_how_alike_the_images_look():
    # no embeddings and only noise for numeric features: the head agrees with too few labels
    # to be a view, so the model's probabilities stand alone and the shifted mode is discounted
    rng = np.random.default_rng(0)
    mode, ctx, _ = _annotated(rng, flip_rate=0.4, shift=False)
    bare = Split(ctx.evaluation.features, *[getattr(ctx.evaluation, a) for a in _FIELDS])
    ctx_bare = type(ctx)(bare, ctx.classes, ctx.kinds)
    found = _label_noise(mode, ctx_bare)
    assert found.evidence["views"] == ["the model's probabilities"]
    assert found.confidence >= 0.5  # the mode's properties look like the rest's
    assert "its images look like the rest" in found.summary


_FIELDS = ("labels", "predictions", "proba", "ids")


def test_without_cleanlab_the_cause_is_untested_and_says_why(monkeypatch):
    mode, ctx, _ = _annotated(np.random.default_rng(0), flip_rate=0.4, shift=True)
    monkeypatch.setitem(sys.modules, "cleanlab", None)  # `import cleanlab...` raises
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    found = _label_noise(mode, ctx)
    assert not found.tested and found.confidence == 0.0
    assert "pip install 'weakspot[labels]'" in found.summary
    assert found.summary.startswith("Not tested: whether the mode's labels are wrong.")


def test_the_head_is_out_of_fold():
    # two tight clusters; a lone row labelled with the other class is outvoted by its
    # neighbours, and never counts its own label (its class share is the smoothing alone)
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 0.1, (60, 2)), rng.normal(5, 0.1, (60, 2))]
    y = np.r_[np.zeros(60, int), np.ones(60, int)]
    y[0] = 1
    proba = _knn_out_of_fold(x, y, 2, seed=0)
    assert proba[0, 0] == pytest.approx((K_NEIGHBOURS + 0.5) / (K_NEIGHBOURS + 1.0))
    assert proba[0, 1] == pytest.approx(0.5 / (K_NEIGHBOURS + 1.0))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba[1:].argmax(axis=1) == y[1:]).all()


def test_rows_without_an_image_are_in_no_view():
    mode, ctx, flip = _annotated(np.random.default_rng(0), flip_rate=0.4, shift=True)
    unread = np.flatnonzero(flip)[:5]  # five flipped rows whose images could not be read
    x = np.asarray(ctx.evaluation.embeddings).copy()
    x[unread] = np.nan  # never read: a NaN would stop scikit-learn
    ev = dataclasses.replace(ctx.evaluation, embeddings=x, unread=frozenset(unread.tolist()))
    ctx = dataclasses.replace(ctx, evaluation=ev, cache={})
    found = _label_noise(mode, ctx)
    assert found.tested and found.confidence >= 0.6
    assert found.evidence["image_separability_auc"] > 0.95
    issues = label_issues(ev, ctx.classes, ctx, "evaluation")
    assert issues is not None and not issues.issues[unread].any()
    assert issues.issues[flip].sum() >= 0.6 * (flip.sum() - len(unread))
