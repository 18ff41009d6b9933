"""verify end to end on a planted task where upweighting provably helps, and failures kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import weakspot.verify._run  # noqa: F401  (the module, not the function of the same name)
from tests.verify import _planted
from weakspot import verify
from weakspot.verify._trainer import TrainerError


@pytest.fixture
def folder(tmp_path):
    train, evaluate = _planted.tables()
    return _planted.results_folder(tmp_path, train, evaluate), train, evaluate


def test_upweighting_the_rare_group_helps_it_against_the_baseline_retrain(folder):
    out, train, evaluate = folder
    found = verify(out, _planted.fit_and_predict, train=train, data=evaluate, repeats=2)
    doc = json.loads((out / "verify" / "verification.json").read_text())
    assert doc == found.doc and doc["seeds"] == [0, 1] and doc["trainer"]["takes_random_state"]
    a1 = next(a for a in doc["actions"] if a["id"] == "A1")
    assert a1["changes"] == ["73 training rows weigh 20 instead of 1"]
    assert a1["target"]["verdict"] == "helps"
    assert (
        a1["target"]["before"]["accuracy"] == 0.9037 and a1["target"]["after"]["accuracy"] == 0.99
    )
    assert a1["target"]["mcnemar"]["fixed"] == 29 and a1["target"]["mcnemar"]["broken"] == 3
    assert a1["backward_compatibility"]["against"] == "baseline retrain"
    assert (
        a1["backward_compatibility"]["kept_correct"] == 0.9969
        and a1["backward_compatibility"]["worse_modes"] == []
    )
    assert doc["actions"][0]["id"] == "A1"  # ranked by measured gain on its mode
    gate = next(a for a in doc["actions"] if a["id"] == "A3")
    assert gate["status"] == "not verifiable" and "regression check" in gate["reason"]
    assert (
        doc["alternatives"][0]["id"] == "JTT"
        and doc["alternatives"][0]["overall"]["verdict"] == "helps"
    )
    assert found.lines()[0].startswith("A1 reweight F1: helps on F1 0.904 -> 0.990")


def test_a_trainer_that_fails_on_one_action_keeps_the_others(folder):
    out, train, evaluate = folder

    def flaky(train, sample_weight, evaluate):
        if sample_weight.max() == 20:
            raise MemoryError("too big")
        return _planted.fit_and_predict(train, sample_weight, evaluate)

    found = verify(out, flaky, train=train, data=evaluate, actions=["A1", "A2"])
    status = {a["id"]: a["status"] for a in found.doc["actions"]}
    assert status == {"A1": "failed", "A2": "verified"}
    assert found.failures[0] == "A1: the trainer raised MemoryError while training A1: too big"
    assert (out / "verify" / "verification.json").is_file()


def test_original_predictions_give_backward_compatibility_against_the_deployed_model(folder):
    out, train, evaluate = folder
    evaluate = evaluate.assign(
        prediction=_planted.fit_and_predict(train, np.ones(len(train)), evaluate)
    )
    found = verify(out, _planted.fit_and_predict, train=train, data=evaluate, actions=["A1"])
    bc = found.doc["actions"][0]["backward_compatibility"]
    assert (
        bc["against"] == "original predictions"
        and bc["vs_baseline_retrain"]["kept_correct"] == bc["kept_correct"]
    )


def test_bad_inputs_are_named(folder, tmp_path):
    out, train, evaluate = folder
    with pytest.raises(Exception, match=r"action\(s\) \['A9'\] are not in the analysis"):
        verify(out, _planted.fit_and_predict, train=train, data=evaluate, actions=["A9"])
    with pytest.raises(Exception, match="needs train="):
        verify(out, _planted.fit_and_predict, data=evaluate)
    with pytest.raises(Exception, match="data= has 10 rows but the analysis"):
        verify(out, _planted.fit_and_predict, train=train, data=evaluate.head(10))
    with pytest.raises(TrainerError, match=r"returned shape \(5,\)"):
        verify(out, lambda t, w, e: np.zeros(5, int), train=train, data=evaluate)
    with pytest.raises(Exception, match="repeats must be a whole number of at least 1, got 0"):
        verify(out, _planted.fit_and_predict, train=train, data=evaluate, repeats=0)
    with pytest.raises(Exception, match=r"min_confidence must lie in \[0, 1\], got 1.5"):
        verify(out, _planted.fit_and_predict, train=train, data=evaluate, min_confidence=1.5)


def test_the_embeddings_proxy_says_it_is_a_proxy(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    rows = []
    for split, n in (("t", 60), ("e", 40)):
        for i in range(n):
            label = int(rng.random() < 0.5)
            path = tmp_path / f"{split}{i}.png"
            Image.fromarray(np.full((4, 4), 40 + 150 * label + rng.integers(0, 30), np.uint8)).save(
                path
            )
            rows.append(
                {
                    "split": split,
                    "id": f"{split}{i}",
                    "image": str(path),
                    "label": label,
                    "group": "A",
                }
            )
    frame = pd.DataFrame(rows)
    train, evaluate = (
        frame[frame.split == "t"].drop(columns="split"),
        frame[frame.split == "e"].drop(columns="split"),
    )
    evaluate = evaluate.reset_index(drop=True)
    out = _planted.results_folder(tmp_path / "res", train.assign(x=0.0), evaluate.assign(x=0.0))

    def pixels(paths):
        return np.stack([np.asarray(Image.open(p), dtype=np.float32).ravel() for p in paths])

    found = verify(out, "embeddings", train=train, data=evaluate, actions=["A1"], embed=pixels)
    assert found.doc["trainer"] == {
        "name": "embeddings (proxy)",
        "proxy": True,
        "takes_random_state": True,
    }
    assert found.doc["notes"][0].startswith("PROXY:")
    assert found.doc["baseline"]["overall"]["accuracy"] == 1.0


def test_without_modes_or_actions_the_lines_say_so_without_empty_fields():
    from weakspot.verify._run import Verification, verdict_line

    comparison = {
        "before": {"accuracy": 0.463},
        "after": {"accuracy": 0.463},
        "mcnemar": {"p_value": 1.0},
        "verdict": "no effect",
    }
    jtt = {
        "id": "JTT",
        "kind": "just_train_twice",
        "failure_mode": None,
        "status": "verified",
        "overall": comparison,
        "modes": {},
        "backward_compatibility": {"kept_correct": 0.452},
    }
    line = verdict_line(jtt)
    assert (
        line
        == "JTT just_train_twice: no effect overall 0.463 -> 0.463 (McNemar p=1); 45.2% of correct kept"
    )
    doc = {"actions": [], "alternatives": [jtt]}
    assert Verification(doc, None, []).lines()[0].startswith("no action to verify")
