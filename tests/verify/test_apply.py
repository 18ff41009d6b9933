"""Each action kind applied to the training table, with every change listed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from weakspot._errors import InputError
from weakspot.actions import Action
from weakspot.modes import FailureMode
from weakspot.verify._apply import apply_action, jtt_weights, relabel_bound
from weakspot.verify._inputs import Problem, read_labelled


def _problem(tmp_path, train: pd.DataFrame, evaluate: pd.DataFrame, members=None) -> Problem:
    tr = read_labelled(train, label=None, id_column=None, image_column=None, role="train")
    ev = read_labelled(evaluate, label=None, id_column=None, image_column=None, role="data")
    mask = np.zeros(len(evaluate), bool) if members is None else members
    mode = FailureMode("F1", "t", None, "metadata", 1.0, "", (), np.flatnonzero(mask), 0, 0, 0)
    return Problem(tr, ev, ["cat", "dog"], [mode], [], tmp_path)


TRAIN = pd.DataFrame({"id": ["a", "b", "c", "d"], "label": ["cat", "cat", "cat", "dog"]})
EVAL = pd.DataFrame(
    {"id": ["x", "y", "z"], "label": ["cat", "dog", "dog"], "prediction": ["cat", "cat", "dog"]}
)


def _action(kind: str, text: str | None, artifact: str | None = None) -> Action:
    artifact = artifact or f"actions/F1-{kind}.csv"
    files = {} if text is None else {artifact: text}
    return Action("A1", kind, "F1", "cause", {}, "", artifact, files)


def test_weights_by_id_and_unknown_ids_reported(tmp_path):
    text = "id,weight\nb,4.0\nd,2.5\nzz,9\n"
    applied = apply_action(_problem(tmp_path, TRAIN, EVAL), _action("reweight", text))
    assert applied.weight.tolist() == [1.0, 4.0, 1.0, 2.5]
    assert applied.changes == [
        "2 training rows weigh 2.5-4 instead of 1",
        "1 ids of the file are not in the training table (ignored)",
    ]


def test_groups_become_inverse_frequency_weights(tmp_path):
    text = "id,group\na,g1\nb,g1\nc,g1\nd,g2\n"
    applied = apply_action(_problem(tmp_path, TRAIN, EVAL), _action("group_file", text))
    # n / (n_groups * n_group): 4 / (2 * 3) and 4 / (2 * 1); each group weighs 2 in total
    assert np.allclose(applied.weight, [2 / 3, 2 / 3, 2 / 3, 2.0])
    assert applied.changes == ["group 'g1' (3 rows) weighs 0.667", "group 'g2' (1 rows) weighs 2"]


def test_relabel_changes_training_labels_above_the_confidence(tmp_path):
    text = (
        "id,split,given_label,suggested_label,confidence\n"
        "c,train,cat,dog,0.9\nb,train,cat,dog,0.2\ny,evaluation,dog,cat,0.8\n"
    )
    problem = _problem(tmp_path, TRAIN, EVAL)
    applied = apply_action(problem, _action("relabel", text), min_confidence=0.5)
    assert applied.train["label"].tolist() == ["cat", "cat", "dog", "dog"]
    assert applied.changes == ["training row c: cat -> dog"]
    assert TRAIN["label"].tolist() == ["cat", "cat", "cat", "dog"]  # the user's table is untouched


def test_an_evaluation_queue_is_not_verifiable_and_gets_a_bound(tmp_path):
    text = "id,split,given_label,suggested_label,confidence\ny,evaluation,dog,cat,0.8\n"
    problem = _problem(tmp_path, TRAIN, EVAL, members=np.array([False, True, True]))
    applied = apply_action(problem, _action("relabel", text))
    assert not applied.retrainable and "changes the measurement, not the model" in applied.reason
    bound = relabel_bound(
        problem, _action("relabel", text), np.array(["cat", "cat", "dog"], dtype=object), 0.5
    )
    assert bound["relabelled"] == 1
    assert bound["overall"] == {"accuracy_now": 0.6667, "accuracy_if_right": 1.0}
    assert bound["F1"] == {"accuracy_now": 0.5, "accuracy_if_right": 1.0}


def test_a_missing_artifact_is_named(tmp_path):
    with pytest.raises(InputError, match="file 'actions/F1-reweight.csv' is missing"):
        apply_action(_problem(tmp_path, TRAIN, EVAL), _action("reweight", None))


def _grey_images(folder, n: int) -> list[str]:
    """`n` flat 8 x 8 grey PNG files (level 200) in `folder`; their paths."""
    paths = []
    for i in range(n):
        path = folder / f"im{i}.png"
        Image.fromarray(np.full((8, 8), 200, np.uint8)).save(path)
        paths.append(str(path))
    return paths


def test_augmentation_writes_transformed_copies_and_adds_rows(tmp_path):
    paths = _grey_images(tmp_path, 4)
    train = TRAIN.assign(image=paths)
    evaluate = EVAL.assign(image=paths[:3])
    problem = _problem(tmp_path, train, evaluate, members=np.array([True, False, False]))  # a cat
    spec = {
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": [
                {
                    "__class_fullname__": "RandomBrightnessContrast",
                    "brightness_limit": [-0.5, -0.5],
                    "contrast_limit": [0, 0],
                    "p": 1.0,
                }
            ],
        }
    }
    action = _action("augment", json.dumps(spec), "actions/F1-augment.json")
    applied = apply_action(problem, action)
    assert len(applied.train) == 8  # a copy of every training image, whatever its class
    assert applied.train["label"].tolist()[4:] == ["cat", "cat", "cat", "dog"]
    written = applied.train["image"].iloc[4]
    assert "verify/augmented/A1" in written
    assert np.asarray(Image.open(written)).max() == 200 - 128  # 200 + (-0.5 * 255), truncated
    assert applied.changes[0].startswith(
        "4 transformed copies (RandomBrightnessContrast) of training images of every class"
    )


def test_unreadable_training_images_are_not_copied_and_are_listed(tmp_path):
    paths = _grey_images(tmp_path, 4)
    (tmp_path / "im1.png").write_bytes(b"not a png")
    paths[2] = str(tmp_path / "gone.png")
    problem = _problem(
        tmp_path, TRAIN.assign(image=paths), EVAL.assign(image=paths[:3]),
        members=np.array([True, False, False]),
    )  # fmt: skip
    darken = {"__class_fullname__": "RandomBrightnessContrast", "brightness_limit": [-0.5, -0.5],
              "contrast_limit": [0, 0], "p": 1.0}  # fmt: skip
    spec = {"transform": {"__class_fullname__": "Compose", "p": 1.0, "transforms": [darken]}}
    action = _action("augment", json.dumps(spec), "actions/F1-augment.json")
    applied = apply_action(problem, action)
    assert len(applied.train) == 6  # two copies: of im0 and im3
    assert applied.changes[0].startswith("2 transformed copies")
    assert applied.changes[1].startswith("2 training images could not be read, not copied:")
    assert "im1.png" in applied.changes[1] and "gone.png" in applied.changes[1]
    none = _problem(
        tmp_path, TRAIN.assign(image=[paths[1], paths[2]] * 2), EVAL.assign(image=paths[:3]),
        members=np.array([True, False, False]),
    )  # fmt: skip
    with pytest.raises(InputError, match="none of the 4 training images chosen to copy"):
        apply_action(none, action)


def test_just_train_twice_upweights_training_errors():
    weight, changes = jtt_weights(np.array(["a", "b", "a"]) != np.array(["a", "a", "b"]))
    assert weight.tolist() == [1.0, 5.0, 5.0] and changes == [
        "2 training rows the baseline gets wrong weigh 5"
    ]
