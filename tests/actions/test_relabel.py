"""The relabel queue: the mode's suspected labels with the class to use instead, the likeliest
wrong first, the same file for the same inputs."""

import io
import sys

import numpy as np
import pandas as pd
import pytest

from tests.diagnoses.test_label_noise import _annotated
from weakspot.actions import ACTIONS
from weakspot.diagnoses import diagnose_mode


def _queue(seed, **options):
    mode, ctx, flip = _annotated(np.random.default_rng(seed), flip_rate=0.4, **options)
    diagnosis = next(d for d in diagnose_mode(mode, ctx) if d.cause == "label_noise")
    action = ACTIONS["relabel"]().propose(mode, diagnosis, ctx)
    return action, ctx, flip


@pytest.mark.parametrize("shift", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_queue_holds_the_flipped_labels_and_their_true_class(seed, shift):
    action, ctx, flip = _queue(seed, shift=shift)
    assert action is not None and action.artifact == "actions/F1-relabel.csv"
    queue = pd.read_csv(io.StringIO(action.files[action.artifact]), dtype={"id": str})
    assert list(queue.columns) == ["id", "split", "given_label", "suggested_label", "confidence"]
    rows = queue["id"].astype(int).to_numpy()  # the fixtures' ids are row numbers
    assert (queue["split"] == "evaluation").all()
    assert flip[rows].mean() > 0.85  # precision against the flipped labels
    # recall: a3's shifted images have a3's own, 40% mislabelled, images for neighbours
    assert flip[rows].sum() / flip.sum() > (0.6 if shift else 0.75)
    assert (queue["given_label"] == np.asarray(ctx.evaluation.labels)[rows]).all()
    assert (queue["given_label"] != queue["suggested_label"]).all()
    # the suggestion is the class the label was flipped from (the model's 94% right class)
    truth = np.asarray(ctx.evaluation.predictions)[rows]
    assert (queue["suggested_label"] == truth).mean() > 0.9
    assert queue["confidence"].between(0.5, 1.0).all()
    assert action.expected_gain["errors"] == len(queue)  # each suspected row is an error


def test_the_queue_is_sorted_and_the_same_for_the_same_inputs():
    first, _, _ = _queue(0, shift=True)
    again, _, _ = _queue(0, shift=True)
    assert first is not None and again is not None
    assert first.files == again.files
    queue = pd.read_csv(io.StringIO(first.files[first.artifact]), dtype={"id": str})
    key = list(zip(-queue["confidence"], queue["split"], queue["id"], strict=True))
    assert key == sorted(key)


def test_no_queue_without_cleanlab(monkeypatch):
    mode, ctx, _ = _annotated(np.random.default_rng(0), flip_rate=0.4, shift=False)
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    assert ACTIONS["relabel"]().propose(mode, None, ctx) is None


def test_no_queue_when_nothing_is_suspected():
    mode, ctx, _ = _annotated(np.random.default_rng(0), flip_rate=0.0, shift=False)
    assert ACTIONS["relabel"]().propose(mode, None, ctx) is None
