"""describe_members: the short rule behind a member set, its fidelity, and effect sizes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from weakspot import InputError
from weakspot.explain import describe_members, distinguishing_features
from weakspot.features import bin_features


def _table(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site": rng.choice(list("ABCD"), n),
            "age": rng.integers(18, 90, n),
            "device": rng.choice(["phone", "scanner", "tablet"], n),
            "brightness": rng.normal(0.5, 0.1, n),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_slice_defined_by_a_rule_is_described_by_that_rule(seed):
    frame = _table(seed)
    binned = bin_features(frame)
    j = binned.names.index("age")
    cut = next(c.value[0] for c in binned.bins[j][1:] if c.op == "in")
    members = np.flatnonzero(((frame.site == "B") & (frame.age >= cut)).to_numpy())
    described = describe_members(members, binned, frame)
    assert described.rule is not None
    assert {c.feature for c in described.rule} == {"site", "age"}
    assert described.f1 == pytest.approx(1.0)
    assert described.precision == pytest.approx(1.0)
    assert described.recall == pytest.approx(1.0)
    text = " and ".join(c.describe() for c in described.rule)
    assert "site == B" in text
    assert f"age >= {int(cut)}" in text
    assert described.sentence.startswith(f"Mostly examples where {text}")
    assert described.distinguishing[0]["feature"] == "site"
    assert described.distinguishing[0]["value"] == "B"
    assert described.distinguishing[0]["in_slice"] == pytest.approx(1.0)


def test_a_noisy_copy_of_a_rule_reports_its_fidelity():
    frame = _table(5)
    binned = bin_features(frame)
    rng = np.random.default_rng(5)
    rule = (frame.device == "tablet").to_numpy()
    kept = rule & (rng.random(len(frame)) < 0.8)
    extra = ~rule & (rng.random(len(frame)) < 0.05)
    described = describe_members(np.flatnonzero(kept | extra), binned, frame)
    assert [c.describe() for c in described.rule] == ["device == tablet"]
    tp = int(kept.sum())
    assert described.recall == pytest.approx(tp / int((kept | extra).sum()))
    assert described.precision == pytest.approx(tp / int(rule.sum()))


@pytest.mark.parametrize("seed", [0, 1])
def test_random_members_get_no_rule(seed):
    frame = _table(seed)
    binned = bin_features(frame)
    members = np.flatnonzero(np.random.default_rng(seed).random(len(frame)) < 0.1)
    described = describe_members(members, binned, frame)
    assert described.rule is None
    assert described.f1 < 0.5
    assert described.sentence.startswith("No rule of at most 3 conditions")
    assert described.subject == "A group of examples that no short rule describes"
    json.dumps(described.to_dict())


def test_effect_sizes_equal_a_recount():
    frame = _table(3)
    target = (frame.brightness > 0.55).to_numpy() | (frame.site == "A").to_numpy()
    effects = {e["feature"]: e for e in distinguishing_features(target, frame)}
    inside, outside = frame.brightness[target], frame.brightness[~target]
    pooled = np.sqrt((inside.var() + outside.var()) / 2)
    assert effects["brightness"]["kind"] == "numeric"
    assert effects["brightness"]["effect"] == pytest.approx(
        (inside.mean() - outside.mean()) / pooled
    )
    share_in = (frame.site[target] == "A").mean()
    share_out = (frame.site[~target] == "A").mean()
    assert effects["site"]["value"] == "A"
    assert effects["site"]["effect"] == pytest.approx(share_in - share_out)


def test_member_positions_out_of_range_are_refused():
    frame = _table(0, n=100)
    with pytest.raises(InputError, match=r"Member positions must lie in \[0, 100\)"):
        describe_members(np.array([3, 250]), bin_features(frame), frame)


def test_features_of_another_length_are_refused():
    frame = _table(0, n=100)
    with pytest.raises(InputError, match="features has 50 rows"):
        describe_members(np.array([3]), bin_features(frame), frame.iloc[:50])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_column_counts_in_blocks_equal_one_count(seed, monkeypatch):
    from weakspot.explain import _describe

    monkeypatch.setattr(_describe, "_COUNT_BLOCK", 7)  # many blocks, a ragged last one
    rng = np.random.default_rng(seed)
    masks = np.asfortranarray(rng.random((100, 6)) < 0.4)
    rows = rng.random(100) < 0.6
    counts = _describe._column_counts(masks, rows)
    assert counts.dtype == np.float32
    assert counts.tolist() == masks[rows].sum(axis=0).tolist()
    assert _describe._column_counts(masks, np.ones(100, bool)).tolist() == masks.sum(0).tolist()
