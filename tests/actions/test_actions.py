import json
import tomllib

import numpy as np
import pandas as pd
import pytest

import weakspot
from tests.actions.test_reproduce import planted_analysis
from tests.diagnoses.test_diagnoses import SCENARIOS
from weakspot.actions import ACTIONS, is_verifiable, plan_actions, write_actions
from weakspot.actions._calibration import fit_temperature, scaled
from weakspot.actions.augment import apply_spec, brightness_contrast, gaussian_blur
from weakspot.diagnoses import diagnose


def _planned(cause, tmp_path, seed=0):
    mode, ctx = SCENARIOS[cause](np.random.default_rng(seed), True)
    modes, actions = plan_actions(diagnose([mode], ctx), ctx)
    write_actions(modes, actions, tmp_path)
    return modes[0], actions, ctx


def test_registry_has_every_action_kind():
    assert sorted(ACTIONS) == [
        "augment",
        "collect",
        "gate",
        "group_file",
        "recalibrate",
        "relabel",
        "reweight",
        "threshold",
    ]


def test_actions_are_ranked_by_expected_gain_and_name_their_mode(tmp_path):
    mode, actions, _ = _planned("under_representation", tmp_path)
    checked = [a for a in actions if is_verifiable(a.kind)]
    assert actions[: len(checked)] == checked  # what verify can test comes first
    for group in (checked, actions[len(checked) :]):
        gains = [a.expected_gain["errors"] for a in group]
        assert gains == sorted(gains, reverse=True)
    assert [a.id for a in actions] == [f"A{i}" for i in range(1, len(actions) + 1)]
    assert set(mode.actions) == {a.id for a in actions}
    assert {a.kind for a in actions} >= {"reweight", "collect", "gate"}
    top = actions[0]
    assert top.failure_mode == "F1" and top.cause == "under_representation"
    assert top.expected_gain["errors"] > 10 and "confidence" in top.expected_gain["how"]
    for a in actions:
        assert (tmp_path / a.artifact).is_file()
        assert set(a.to_dict()) == {
            "id",
            "kind",
            "failure_mode",
            "cause",
            "expected_gain",
            "steps",
            "artifact",
        }


def test_the_verifiable_kinds_are_the_ones_verify_retrains_with():
    from weakspot.verify._apply import NOT_RETRAINABLE

    assert {k for k in ACTIONS if is_verifiable(k)} == {
        "augment",
        "group_file",
        "relabel",
        "reweight",
    }
    assert {k for k in ACTIONS if not is_verifiable(k)} == set(NOT_RETRAINABLE)


def test_a_verifiable_action_outranks_a_larger_unverifiable_one(tmp_path):
    mode, actions, _ = _planned("under_representation", tmp_path)
    kinds = [a.kind for a in actions]
    collect = next(a for a in actions if a.kind == "collect")
    reweight = next(a for a in actions if a.kind == "reweight")
    assert kinds.index("reweight") < kinds.index("collect")
    assert actions[0].kind != "gate" and is_verifiable(actions[0].kind)
    # collect promises more here, but nothing can check it before new data exists
    assert collect.expected_gain["errors"] > reweight.expected_gain["errors"]


def test_sample_weights_upweight_the_rare_group(tmp_path):
    _, actions, ctx = _planned("under_representation", tmp_path)
    weights = pd.read_csv(tmp_path / next(a for a in actions if a.kind == "reweight").artifact)
    assert list(weights.columns) == ["id", "weight"] and len(weights) == len(ctx.train)
    rare = (ctx.train.features["site"] == "S").to_numpy()
    assert weights["weight"][~rare].eq(1.0).all()
    assert weights["weight"][rare].min() == pytest.approx(10.0)  # 15% / 1%, capped at 10


def test_collection_spec_has_rule_examples_and_learning_curve(tmp_path):
    _, actions, ctx = _planned("under_representation", tmp_path)
    spec = json.loads(
        (tmp_path / next(a for a in actions if a.kind == "collect").artifact).read_text()
    )
    assert spec["rule"] == "site == S"
    assert len(spec["nearest_training_examples"]) == 20
    assert len(spec["learning_curve"]) == 3
    assert spec["more_examples_needed"] == "unknown" or spec["more_examples_needed"] > 0


def test_relabel_queue_lists_likely_label_errors(tmp_path):
    _, actions, ctx = _planned("label_noise", tmp_path)
    relabel = next(a for a in actions if a.kind == "relabel")
    assert actions[0].kind == "relabel"
    queue = pd.read_csv(tmp_path / relabel.artifact)
    assert list(queue.columns) == ["id", "split", "given_label", "suggested_label", "confidence"]
    assert (queue["given_label"] != queue["suggested_label"]).mean() > 0.9
    assert queue["confidence"].is_monotonic_decreasing
    assert relabel.expected_gain["errors"] >= 0.5 * len(queue)


def test_gate_check_in_the_gate_toml_form(tmp_path):
    mode, actions, ctx = _planned("image_quality", tmp_path)
    gate = next(a for a in actions if a.kind == "gate")
    config = tomllib.loads((tmp_path / gate.artifact).read_text())
    check = config["slices"][0]
    assert check["name"] == "F1: is_dark == True"
    assert check["members"] == "F1-members.csv"
    assert mode.error_rate < check["max_error_rate"] <= mode.error_rate + 0.1
    members = pd.read_csv(tmp_path / "actions" / check["members"])
    assert len(members) == len(mode.members)
    combined = tomllib.loads((tmp_path / "actions" / "gate.toml").read_text())
    assert combined["slices"] == config["slices"]


def test_augmentation_spec_is_albumentations_serialisation(tmp_path):
    analysis = planted_analysis(lambda image: (image * 0.3).astype(np.uint8))
    weakspot.write_results(analysis, tmp_path)
    augment = next(a for a in analysis.actions if a.kind == "augment")
    spec = json.loads((tmp_path / augment.artifact).read_text())
    assert set(spec) == {"__version__", "transform"}
    compose = spec["transform"]
    assert compose["__class_fullname__"] == "Compose" and compose["p"] == 1.0
    first = compose["transforms"][0]
    assert first["__class_fullname__"] in ("RandomBrightnessContrast", "RandomGamma")
    image = np.full((8, 8), 150, dtype=np.uint8)
    out = apply_spec(
        {**spec, "transform": {**compose, "transforms": [{**first, "p": 1.0}]}},
        image,
        np.random.default_rng(0),
    )
    assert out.mean() < 120  # the copies are darker, as the mode's images are


def test_reference_transforms_follow_albumentations_semantics():
    image = np.full((16, 16), 100, dtype=np.uint8)
    assert brightness_contrast(image, -0.2, 0.0).mean() == pytest.approx(100 - 51, abs=1)
    assert brightness_contrast(image, 0.0, -0.5).mean() == pytest.approx(50, abs=1)
    edge = np.zeros((16, 16), dtype=np.uint8)
    edge[:, 8:] = 255
    blurred = gaussian_blur(edge, 2.0)
    assert 0 < blurred[8, 7] < 255 and blurred[8, 0] < 10


def test_temperature_fit_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (4000, 3))
    truth = scaled(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), 1.0)
    labels = np.array([rng.choice(3, p=p) for p in truth])
    overconfident = scaled(truth, 0.5)  # probabilities sharpened by T = 0.5
    assert fit_temperature(overconfident, labels) == pytest.approx(2.0, rel=0.15)


def test_threshold_and_temperature_files(tmp_path):
    _, actions, _ = _planned("threshold", tmp_path)
    threshold = next(a for a in actions if a.kind == "threshold")
    spec = json.loads((tmp_path / threshold.artifact).read_text())
    assert 0.2 <= spec["threshold"] < 0.5 and spec["positive_class"] == "pos"
    assert threshold.expected_gain["errors"] > 10
    _, actions, _ = _planned("miscalibration", tmp_path)
    recal = json.loads(
        (tmp_path / next(a for a in actions if a.kind == "recalibrate").artifact).read_text()
    )
    assert recal["temperature"] > 2 and recal["ece_after"] < recal["ece_before"]
