"""The scenario generator of bench/scenarios/ (issue 24) draws consistent ground truth.

Three fixed seeds whose draws are tabular and fast (a planted label noise, a spurious flag
column, random errors): the planted causes have members that fail more than the rest and words
that are columns of the table; "none" has neither; the same seed draws the same table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "scenarios"))
generate = pytest.importorskip("generate")
score = pytest.importorskip("score")


@pytest.fixture(scope="module")
def drawn():
    # seeds found by replaying the first draws (cause, data, model) of the generator
    return {seed: generate.draw(seed) for seed in (120, 46, 66)}


def test_every_weakspot_diagnosis_is_a_cause_drawn():
    from weakspot.diagnoses import DIAGNOSES

    drawn, missing = generate.causes()
    assert missing == []
    assert set(DIAGNOSES) <= set(drawn)
    assert {"boundary", "none"} <= set(drawn)


@pytest.mark.parametrize(
    ("seed", "cause", "word"),
    [(120, "label_noise", "annotator"), (46, "spurious_correlation", "flag")],
)
def test_planted_causes_have_members_words_and_a_fix(drawn, seed, cause, word):
    s = drawn[seed]
    t = s.truth
    assert (s.cause, t.cause, s.data) == (cause, cause, "tabular")
    assert t.fixable and t.fix_kinds and t.fix
    assert word in t.words and word in s.evaluation.columns
    n = len(s.evaluation)
    assert 0 < len(t.members) < n and t.members.max() < n
    errors = (s.evaluation["label"] != s.evaluation["prediction"]).to_numpy()
    inside = np.zeros(n, dtype=bool)
    inside[t.members] = True
    assert errors[inside].mean() > errors[~inside].mean()


def test_label_noise_records_its_flipped_labels_among_the_members(drawn):
    s = drawn[120]
    ids = s.evaluation["id"].to_numpy()
    assert len(s.truth.flipped) > 0
    assert set(s.truth.flipped) <= set(ids[s.truth.members])
    annotator = s.evaluation["annotator"].to_numpy()
    assert len(set(annotator[s.truth.members])) == 1


def test_none_has_no_members_no_words_and_needs_no_fix(drawn):
    t = drawn[66].truth
    assert drawn[66].cause == "none"
    assert len(t.members) == 0 and t.words == set() and not t.fixable and t.fix_kinds == ()


def test_the_same_seed_draws_the_same_scenario(drawn):
    again = generate.draw(120)
    assert again.evaluation.equals(drawn[120].evaluation)
    assert np.array_equal(again.truth.members, drawn[120].truth.members)


def test_reliability_table_and_mode_check():
    ece, rows = score.reliability([[0.9, True], [0.9, False], [0.1, False]], bins=5)
    # bin [0.8, 1.0]: confidence 0.9, half right (gap 0.4, two points); bin [0.0, 0.2): 0.1
    assert ece == pytest.approx((2 * 0.4 + 0.1) / 3)
    assert [r["n"] for r in rows] == [1, 0, 0, 0, 2]
    errors = np.zeros(100, dtype=bool)
    errors[:10] = errors[50:55] = True
    strong = score.mode_check(np.arange(20), errors, 1.1)  # 10/20 wrong against 5/80
    assert strong["lift"] == pytest.approx(8.0)
    assert strong["sound"] and strong["p"] < 1e-4
    weak = score.mode_check(np.arange(50, 60), errors, 1.1)  # 5/10 against 10/90
    assert weak["lift"] == pytest.approx(4.5) and weak["sound"]
    small = score.mode_check(np.arange(53, 57), errors, 1.1)  # 2/4 against 13/96
    assert not small["sound"] and small["p"] > 0.05
