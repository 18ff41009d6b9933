"""The multi-label task: every input form reads to the same outcomes, every inconsistency is
refused by row with its fix, and the views are each label's misses and false alarms."""

import json

import numpy as np
import pandas as pd
import pytest

from weakspot import InputError
from weakspot.inputs import ColumnOptions, build_examples
from weakspot.tasks import (
    TASKS,
    MultiLabel,
    MultiLabelOutcomes,
    TargetColumns,
    check_multilabel_options,
    get_task,
)

NAMES = ["cat", "dog", "stripes"]
TRUTH = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1], [0, 0, 0]], dtype=bool)
PREDICTED = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 1], [0, 0, 0]], dtype=bool)
PROBA = np.where(PREDICTED, 0.8, 0.2)
HAMMING = np.array([0, 1, 1, 1, 0, 0]) / 3
IDS = np.array([f"r{i}" for i in range(6)], dtype=object)


def _sets(matrix):
    return [[n for n, on in zip(NAMES, row, strict=True) if on] for row in matrix]


def _columns(truth_prefix="label_", pred_prefix="pred_"):
    frame = {f"{truth_prefix}{n}": TRUTH[:, j].astype(int) for j, n in enumerate(NAMES)}
    frame.update({f"{pred_prefix}{n}": PREDICTED[:, j].astype(int) for j, n in enumerate(NAMES)})
    return pd.DataFrame(frame)


def _proba_only():
    frame = {f"label_{n}": TRUTH[:, j].astype(int) for j, n in enumerate(NAMES)}
    frame.update({f"proba_{n}": PROBA[:, j] for j, n in enumerate(NAMES)})
    return pd.DataFrame(frame)


FORMS = {
    "label_/pred_ columns": (_columns, {}),
    "true_/predicted_ columns": (lambda: _columns("true_", "predicted_"), {}),
    "booleans": (lambda: _columns().astype(bool), {}),
    "text true/false": (lambda: _columns().replace({1: "true", 0: "false"}), {}),
    "proba_ thresholded": (_proba_only, {}),
    "JSON lists": (
        lambda: pd.DataFrame(
            {
                "labels": [json.dumps(s) for s in _sets(TRUTH)],
                "predictions": [json.dumps(s) for s in _sets(PREDICTED)],
            }
        ),
        {},
    ),
    "Python lists": (
        lambda: pd.DataFrame({"label": _sets(TRUTH), "prediction": _sets(PREDICTED)}),
        {},
    ),
    "arrays (a Parquet list column)": (
        lambda: pd.DataFrame(
            {
                "labels": [np.array(s, dtype=object) for s in _sets(TRUTH)],
                "predictions": [np.array(s, dtype=object) for s in _sets(PREDICTED)],
            }
        ),
        {},
    ),
    "separator text": (
        lambda: pd.DataFrame(
            {
                "labels": ["|".join(s) or np.nan for s in _sets(TRUTH)],
                "predictions": [" | ".join(s) for s in _sets(PREDICTED)],
            }
        ),
        {"separator": "|"},
    ),
    "truth columns, list predictions": (
        lambda: _columns().filter(like="label_").assign(predictions=_sets(PREDICTED)),
        {},
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_input_form_reads_to_the_same_outcomes(form):
    make, options = FORMS[form]
    outcomes, _ = MultiLabel(**options).read(make(), TargetColumns(), IDS)
    assert outcomes.label_names == NAMES
    np.testing.assert_array_equal(outcomes.truth, TRUTH)
    np.testing.assert_array_equal(outcomes.predicted, PREDICTED)
    np.testing.assert_allclose(outcomes.loss, HAMMING)
    assert outcomes.task == "multilabel" and not outcomes.binary


def test_the_task_is_registered_and_built_with_its_options():
    assert TASKS["multilabel"] is MultiLabel
    task = get_task("multilabel", threshold=0.7, separator=";")
    assert (task.threshold, task.separator) == (0.7, ";")


def test_a_threshold_moves_the_predictions_of_probabilities():
    frame = _proba_only()
    frame["proba_cat"] = [0.9, 0.6, 0.1, 0.0, 0.65, 0.3]
    outcomes, notes = MultiLabel(threshold=0.62).read(frame, TargetColumns(), IDS)
    np.testing.assert_array_equal(outcomes.predicted[:, 0], [1, 0, 0, 0, 1, 0])
    assert outcomes.threshold == 0.62
    np.testing.assert_allclose(outcomes.proba[:, 0], frame["proba_cat"])
    assert any("at or above 0.62" in note for note in notes)


def test_probabilities_beside_0_1_predictions_are_kept():
    frame = _columns().assign(**{f"proba_{n}": PROBA[:, j] for j, n in enumerate(NAMES)})
    outcomes, _ = MultiLabel().read(frame, TargetColumns(), IDS)
    np.testing.assert_array_equal(outcomes.proba, PROBA)
    np.testing.assert_array_equal(outcomes.predicted, PREDICTED)


def test_an_empty_label_set_is_a_valid_example():
    frame = pd.DataFrame({"labels": ["[]", '["a"]'], "predictions": ["[]", "[]"]})
    outcomes, notes = MultiLabel().read(frame, TargetColumns(), IDS[:2])
    np.testing.assert_array_equal(outcomes.truth, [[False], [True]])
    np.testing.assert_array_equal(outcomes.loss, [0.0, 1.0])
    assert notes == []


def test_empty_separator_cells_are_examples_with_no_labels_and_a_note_says_so():
    frame = pd.DataFrame({"labels": ["a|b", np.nan, ""], "predictions": ["a", "b", "a|b"]})
    outcomes, notes = MultiLabel(separator="|").read(frame, TargetColumns(), IDS[:3])
    np.testing.assert_array_equal(outcomes.truth, [[1, 1], [0, 0], [0, 0]])
    assert notes == [
        "2 row(s) of the label column 'labels' are empty: they are read as examples with no labels."
    ]


def test_a_label_only_in_the_predictions_is_kept_with_no_positives():
    frame = _columns().assign(pred_zebra=[0, 1, 0, 0, 0, 0])
    outcomes, notes = MultiLabel().read(frame, TargetColumns(), IDS)
    assert outcomes.label_names == [*NAMES, "zebra"]
    assert not outcomes.truth[:, 3].any()
    np.testing.assert_allclose(outcomes.loss[1], 2 / 4)
    assert notes == [
        "The label(s) ['zebra'] have prediction columns but no truth column (label_<name>): "
        "they are kept as labels no example has, so every prediction of them is a false alarm. "
        "If they have truth columns under other names, rename them."
    ]
    lists = pd.DataFrame({"labels": [["a"], []], "predictions": [["a"], ["b"]]})
    _, notes = MultiLabel().read(lists, TargetColumns(), IDS[:2])
    assert notes[0].startswith("The label(s) ['b'] appear only in the predictions")


# Each inconsistency: the table's change, the options, and what the message must say.
REFUSALS = {
    "truth without prediction": (
        lambda f: f.drop(columns="pred_dog"),
        {},
        r"The label\(s\) \['dog'\] have a truth column but no prediction column \(pred_<label>.*"
        r"Add pred_dog \(0/1 per example\)",
    ),
    "truth without prediction but a probability": (
        lambda f: f.drop(columns="pred_dog").assign(proba_dog=PROBA[:, 1]),
        {},
        r"\['dog'\] have a proba_<label> column: drop every pred_<label> column",
    ),
    "a value that is not 0/1": (
        lambda f: f.assign(label_cat=[1, 0, 2, 0, 1, 0]),
        {},
        r"The truth column 'label_cat' holds values other than 0 and 1 \(\['2'\]\) in 1 row\(s\), "
        r"e\.g\. at ids \['r2'\]\. Give 1 where the example has the label",
    ),
    "a score as a prediction": (
        lambda f: f.assign(pred_cat=[0.9, 0.1, 0.4, 0, 1, 0]),
        {},
        r"'pred_cat' holds values other than 0 and 1.*name the column proba_cat",
    ),
    "a missing 0/1 value": (
        lambda f: f.assign(pred_dog=[0, 1, np.nan, 1, 0, 0]),
        {},
        r"The prediction column 'pred_dog' has 1 missing value\(s\), e\.g\. at ids \['r2'\]\. "
        r"Every example needs 0 or 1",
    ),
    "a probability outside [0, 1]": (
        lambda f: f.drop(columns=[f"pred_{n}" for n in NAMES]).assign(
            proba_cat=[0.5, 1.2, 0, 0, -0.1, 0], proba_dog=0.1, proba_stripes=0.1
        ),
        {},
        r"Probabilities must lie in \[0, 1\]; the column 'proba_cat' has 2 value\(s\) outside "
        r"\(e\.g\. \[1\.2, -0\.1\] at ids \['r1', 'r4'\]\)\. Apply a sigmoid",
    ),
    "a missing probability": (
        lambda f: f.drop(columns=[f"pred_{n}" for n in NAMES]).assign(
            proba_cat=[0.5, np.nan, 0, 0, 0, 0], proba_dog=0.1, proba_stripes=0.1
        ),
        {},
        r"'proba_cat' has 1 missing or infinite value\(s\), e\.g\. at ids \['r1'\]",
    ),
    "probabilities for some labels only": (
        lambda f: f.assign(proba_cat=0.5),
        {},
        r"There are proba_<label> columns for \['cat'\] but not for \['dog', 'stripes'\]",
    ),
    "a label with two truth columns": (
        lambda f: f.assign(true_cat=1),
        {},
        r"The label 'cat' has two truth columns, 'label_cat' and 'true_cat'",
    ),
    "a threshold with 0/1 predictions": (
        lambda f: f,
        {"threshold": 0.3},
        r"threshold=0\.3 was given, but the predictions are read from the columns "
        r"\['pred_cat', 'pred_dog', 'pred_stripes'\]",
    ),
    "a separator with 0/1 columns": (
        lambda f: f,
        {"separator": "|"},
        r"separator='\|' was given, but the table has one 0/1 column per label",
    ),
    "no truth": (
        lambda f: f.drop(columns=[f"label_{n}" for n in NAMES]),
        {},
        r"No truth found for the multi-label task: give one 0/1 column per label",
    ),
    "no predictions": (
        lambda f: f.drop(columns=[f"pred_{n}" for n in NAMES]),
        {},
        r"No predictions found for the multi-label task",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_inconsistency_is_named_with_its_rows_and_fix(case):
    change, options, message = REFUSALS[case]
    with pytest.raises(InputError, match=message):
        MultiLabel(**options).read(change(_columns()), TargetColumns(), IDS)


LIST_REFUSALS = {
    "a missing list": (
        [np.nan, '["a"]'],
        None,
        r"at id r0 holds 'nan': a missing value; write \[\]",
    ),
    "plain text": (
        ["a|b", "a"],
        None,
        r"at id r0 holds 'a\|b': text that is not a JSON list\..*look separated by '\|': pass "
        r"separator='\|'\. For one class per example, use the classification task",
    ),
    "JSON that is no list": (['{"a": 1}', "[]"], None, r"JSON that is not a list"),
    "a nested list": (['[["a"]]', "[]"], None, r"a list with \['a'\] in it, which is not a label"),
    "an empty name": (['["a", ""]', "[]"], None, r"a list with an empty label name in it"),
    "a number": ([3, "[]"], None, r"at id r0 holds '3': not a list of labels"),
}


@pytest.mark.parametrize("case", sorted(LIST_REFUSALS))
def test_each_bad_list_cell_is_named_with_its_id(case):
    cells, separator, message = LIST_REFUSALS[case]
    frame = pd.DataFrame({"labels": cells, "predictions": ["[]", "[]"]})
    with pytest.raises(InputError, match=message):
        MultiLabel(separator=separator).read(frame, TargetColumns(), IDS[:2])


@pytest.mark.parametrize(
    ("threshold", "separator", "message"),
    [
        (1.0, None, r"threshold= must lie strictly between 0 and 1, got 1\.0"),
        (0, None, r"threshold= must lie strictly between 0 and 1, got 0"),
        ("high", None, r"threshold= must be a number between 0 and 1, got 'high'"),
        (None, " ", r"separator= must be a non-blank string such as '\|' or ';', got ' '"),
    ],
)
def test_options_are_refused_before_any_work(threshold, separator, message):
    with pytest.raises(InputError, match=message) as caught:
        check_multilabel_options(threshold, separator)
    assert caught.value.parameter == ("threshold" if threshold is not None else "separator")


def _outcomes():
    outcomes, _ = MultiLabel().read(_columns(), TargetColumns(), IDS)
    return outcomes


def test_views_are_the_hamming_loss_then_each_labels_misses_and_false_alarms():
    views = {view.name: view for view in _outcomes().views()}
    assert list(views) == [
        "error",
        "missed:cat",
        "false_alarm:cat",
        "missed:dog",
        "false_alarm:dog",
        "missed:stripes",
        "false_alarm:stripes",
    ]
    np.testing.assert_allclose(views["error"].loss, HAMMING)
    assert views["error"].covers is None
    missed = views["missed:stripes"]
    np.testing.assert_array_equal(missed.covers, TRUTH[:, 2])
    np.testing.assert_array_equal(missed.loss[missed.covers], [1.0, 0.0])
    assert missed.words == "misses of stripes" and not missed.two_sided
    alarm = views["false_alarm:cat"]
    np.testing.assert_array_equal(alarm.covers, ~TRUTH[:, 0])
    np.testing.assert_array_equal(alarm.loss[alarm.covers], [1.0, 0.0, 0.0])
    assert alarm.words == "false alarms of cat"


def test_a_view_that_covers_no_example_is_left_out():
    frame = pd.DataFrame({"labels": [["a"], ["a"]], "predictions": [["a"], ["a", "b"]]})
    outcomes, _ = MultiLabel().read(frame, TargetColumns(), IDS[:2])
    assert [view.name for view in outcomes.views()] == ["error", "missed:a", "false_alarm:b"]


def test_one_label_makes_a_binary_loss():
    frame = pd.DataFrame({"label_a": [1, 0, 1], "pred_a": [1, 1, 0]})
    outcomes, _ = MultiLabel().read(frame, TargetColumns(), IDS[:3])
    assert outcomes.binary
    np.testing.assert_array_equal(outcomes.errors, np.array([0, 1, 1], dtype=np.int8))


def test_take_keeps_every_field_of_the_chosen_rows():
    rows = np.array([3, 0])
    part = _outcomes().take(rows)
    assert isinstance(part, MultiLabelOutcomes) and part.label_names == NAMES
    np.testing.assert_array_equal(part.truth, TRUTH[rows])
    np.testing.assert_array_equal(part.predicted, PREDICTED[rows])
    np.testing.assert_allclose(part.loss, HAMMING[rows])
    assert part.label_sets() == [("dog", "stripes"), ("cat",)]
    assert part.label_sets("predicted") == [("dog",), ("cat",)]


def test_loss_of_predictions_made_elsewhere_takes_matrices_or_label_sets():
    task = MultiLabel()
    np.testing.assert_allclose(task.loss(TRUTH.astype(int), PREDICTED.astype(int)), HAMMING)
    sets = task.loss([["a", "b"], [], ["c"]], [["a"], [], ["a"]])
    np.testing.assert_allclose(sets, [1 / 3, 0, 2 / 3])
    with pytest.raises(InputError, match=r"must be 0/1 matrices of the same shape"):
        task.loss(TRUTH, PREDICTED[:, :2])


def test_read_targets_gives_each_rows_label_set_without_predictions():
    training = _columns().filter(like="label_")
    targets = MultiLabel().read_targets(training, TargetColumns(), IDS)
    assert targets.shape == (6,)
    assert targets.tolist() == [tuple(s) for s in _sets(TRUTH)]


def test_build_examples_leaves_every_target_column_out_of_the_metadata():
    frame = _proba_only().assign(site=list("AABBCC"))
    examples = build_examples(frame, task="multilabel")
    assert list(examples.metadata.columns) == ["site"]
    assert examples.task == "multilabel"
    with pytest.raises(InputError, match=r"needs a classifier's labels.*'multilabel'"):
        examples.classes  # noqa: B018  (the property raises)


def test_a_taggers_option_given_to_another_task_is_refused():
    frame = pd.DataFrame({"label": ["a", "b"] * 10, "prediction": ["a", "a"] * 10})
    with pytest.raises(InputError, match=r"threshold=0\.4 is a multi-label option, but the task"):
        build_examples(frame, task="classification", threshold=0.4)
    with pytest.raises(InputError, match=r"separator='\|' is a multi-label option, but task="):
        ColumnOptions(task="regression", separator="|").check()
    with pytest.raises(InputError, match=r"threshold= must lie strictly between 0 and 1"):
        ColumnOptions(task="multilabel", threshold=1.5).check()
    ColumnOptions(task="multilabel", threshold=0.3, separator="|").check()
