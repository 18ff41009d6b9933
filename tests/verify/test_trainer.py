"""Loading trainers from a spec, and every way a trainer can break its contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weakspot.verify._trainer import (
    TrainerError,
    as_labels,
    call_trainer,
    check_trainer,
    load_callable,
)

GOOD = "def fit(train, sample_weight, evaluate, random_state=0):\n    return evaluate['label']\n"


def _file(tmp_path, text: str) -> str:
    path = tmp_path / "train_mod.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_loads_a_function_from_a_file_and_from_a_module(tmp_path):
    fn = load_callable(_file(tmp_path, GOOD) + ":fit")
    assert check_trainer(fn) is True
    assert load_callable("json:dumps", role="predict")([1]) == "[1]"


@pytest.mark.parametrize(
    ("text", "spec_tail", "match"),
    [
        (GOOD, "", "names no function"),
        ("import no_such_module_xyz\n", ":fit", "does not import: ModuleNotFoundError"),
        (GOOD, ":fitt", "has no attribute 'fitt'; its functions are \\['fit'\\]"),
        ("fit = 3\n", ":fit", "'fit' is a int, not callable"),
    ],
)
def test_load_errors_name_the_problem(tmp_path, text, spec_tail, match):
    spec = _file(tmp_path, text) + spec_tail
    with pytest.raises(TrainerError, match=match):
        load_callable(spec)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(TrainerError, match="the file .*nope.py' does not exist"):
        load_callable(str(tmp_path / "nope.py") + ":fit")


def test_wrong_signatures_are_refused():
    with pytest.raises(TrainerError, match=r"takes \['train'\]; it must take"):
        check_trainer(lambda train: None)
    with pytest.raises(TrainerError, match=r"\['extra'\] have no default"):
        check_trainer(lambda train, w, ev, extra: None)
    assert check_trainer(lambda train, w, ev: None) is False


def _call(fn, n=3):
    frame = pd.DataFrame({"label": ["a", "b", "a"][:n]})
    return call_trainer(
        fn, frame, np.ones(n), frame, classes=["a", "b"], random_state=None, what="baseline"
    )


def test_a_trainer_that_raises_wrong_length_or_unknown_labels():
    def boom(train, w, ev):
        raise RuntimeError("out of memory")

    with pytest.raises(
        TrainerError, match="raised RuntimeError while training baseline: out of memory"
    ):
        _call(boom)
    with pytest.raises(TrainerError, match=r"returned shape \(2,\); expected .* shape \(3,\)"):
        _call(lambda t, w, e: np.array(["a", "b"]))
    with pytest.raises(TrainerError, match=r"not classes of the analysis: \['zebra'\]"):
        _call(lambda t, w, e: np.array(["a", "zebra", "a"]))
    with pytest.raises(TrainerError, match=r"returned 2 missing labels \(NaN or None\) of 3"):
        _call(lambda t, w, e: np.array([np.nan, 1.0, np.nan]))
    with pytest.raises(TrainerError, match=r"missing or infinite values in 1 of 3 rows"):
        _call(lambda t, w, e: np.array([[0.2, 0.8], [np.inf, 0.0], [0.5, 0.5]]))


def test_outputs_as_frames_probabilities_and_numbers():
    assert list(as_labels(pd.DataFrame({"prediction": [1.0, 0.0]}), 2, ["0", "1"], source="t")) == [
        "1",
        "0",
    ]
    proba = pd.DataFrame({"proba_0": [0.9, 0.2], "proba_1": [0.1, 0.8]})
    assert list(as_labels(proba, 2, ["0", "1"], source="t")) == ["0", "1"]
    assert list(as_labels(np.array([[0.3, 0.7]]), 1, ["0", "1"], source="t")) == ["1"]
    with pytest.raises(TrainerError, match="without a 'prediction' column"):
        as_labels(pd.DataFrame({"score": [1]}), 1, ["0", "1"], source="t")
