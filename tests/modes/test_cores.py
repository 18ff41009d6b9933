"""A mode whose best-fitting rule is a proxy is named by its actionable twin or core."""

import numpy as np
import pandas as pd
import pytest

from weakspot.features import bin_features
from weakspot.features._condition import Condition
from weakspot.modes import feature_kinds, find_failure_modes
from weakspot.modes._cores import actionable_core, actionable_twin
from weakspot.slices._slice import Slice

INF = float("inf")


def _blur_table(seed: int, hard_rate: float):
    """15% blurred images (sharpness near 0) fail at 40%; `clipping` is low on them and on
    plain shirts (about 10% of rows) that fail at `hard_rate`; everything else fails at 10%."""
    rng = np.random.default_rng(seed)
    n = 3000
    label = rng.choice(["bag", "coat", "shirt", "boot"], n)
    blurred = rng.random(n) < 0.15
    shirt = (label == "shirt") & (rng.random(n) < 0.4)
    sharpness = np.where(blurred, rng.uniform(0, 0.01, n), rng.uniform(0.05, 0.4, n))
    clipping = np.where(blurred | shirt, rng.uniform(0.1, 0.3, n), rng.uniform(0.35, 0.6, n))
    rate = np.where(blurred, 0.4, np.where(shirt, hard_rate, 0.1))
    errors = (rng.random(n) < rate).astype(np.int8)
    frame = pd.DataFrame({"label": label, "sharpness": sharpness, "clipping": clipping})
    kinds = feature_kinds(frame.columns, image_columns=["sharpness", "clipping"])
    return frame, errors, kinds, blurred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_proxy_title_gives_way_to_the_actionable_core_it_contains(seed):
    frame, errors, kinds, blurred = _blur_table(seed, hard_rate=0.4)
    low = Slice(
        np.flatnonzero(frame["clipping"] < 0.32),
        "lattice",
        [Condition("clipping", "in", [-INF, 0.32])],
    )
    (mode,) = find_failure_modes(
        [low], errors=errors, binned=bin_features(frame), features=frame, kinds=kinds
    )
    assert mode.kind == "photographic"
    # the look in words first, from sharpness's descriptor, then the exact rule
    assert mode.title.startswith("blurry images (sharpness < 0.0"), mode.title
    assert mode.rule_text.startswith("sharpness < 0.0")
    # the figures are those of the title's rows: (nearly all) the blurred images, not the proxy
    rows = frame["sharpness"] < mode.rule[0].value[1]
    assert set(mode.members.tolist()) == set(np.flatnonzero(rows).tolist())
    assert blurred[mode.members].all() and len(mode.members) >= 0.9 * blurred.sum()
    assert mode.error_rate == pytest.approx(errors[rows].mean())
    assert "clipping < 0.32" in [d["title"] for d in mode.also_described_as]


def test_no_core_when_the_actionable_part_fails_less_than_the_title():
    # shirts fail at 70%, the blurred at 40%: the blur is not the core of this failure
    frame, errors, kinds, _ = _blur_table(0, hard_rate=0.7)
    title = _below("clipping", 0.32, "derived")
    assert actionable_core(title, errors.astype(bool), frame, kinds) is None


def test_a_core_never_moves_a_title_to_a_less_actionable_kind():
    frame, errors, kinds, _ = _blur_table(0, hard_rate=0.4)
    title = _below("sharpness", 0.02, "photographic")
    assert actionable_core(title, errors.astype(bool), frame, kinds) is None


def _below(feature: str, value: float, kind: str) -> dict:
    """A title ``feature < value`` in the form `choose_title` returns."""
    rule = [Condition(feature, "in", [-INF, value])]
    return {"title": f"{feature} < {value}", "rule": rule, "f1": 0.5, "kind": kind}


def test_a_derived_condition_identical_to_a_plain_property_becomes_its_twin():
    rng = np.random.default_rng(0)
    brightness = rng.uniform(0, 1, 500)
    frame = pd.DataFrame(
        {"brightness": brightness, "mean_blue": brightness, "entropy": rng.uniform(0, 8, 500)}
    )
    kinds = feature_kinds(frame.columns, image_columns=list(frame.columns))
    rule = [
        Condition("mean_blue", "in", [-INF, 0.06]),
        Condition("entropy", "in", [3.0, INF]),
    ]
    twin = actionable_twin(rule, frame, kinds)
    assert twin is not None
    assert twin[0].feature == "brightness"
    assert (frame["brightness"] < twin[0].value[1]).sum() == (frame["mean_blue"] < 0.06).sum()
    assert twin[1] == rule[1]  # entropy has no twin among the plain properties
    assert actionable_twin([rule[1]], frame, kinds) is None
