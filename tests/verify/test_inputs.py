"""A results folder gives `verify` and `perturb` the same failure modes as the analysis."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import weakspot
from tests.conftest import planted_table
from weakspot.report._members import read_members, write_large_members
from weakspot.verify._inputs import problem_from_analysis, problem_from_results


def test_modes_read_from_a_results_folder_are_the_analysis_modes(tmp_path):
    table = planted_table(0)
    analysis = weakspot.analyze(table)
    assert analysis.failure_modes
    weakspot.write_results(analysis, tmp_path)
    doc = json.loads((tmp_path / "analysis.json").read_text())
    mode = analysis.failure_modes[0]
    assert doc["failure_modes"][0]["members"] == [str(i) for i in table["id"][mode.members]]
    from_folder = problem_from_results(tmp_path, train=table, data=table)
    in_memory = problem_from_analysis(analysis, train=table, data=table, out=tmp_path)
    for a, b in zip(from_folder.modes, in_memory.modes, strict=True):
        assert a.id == b.id and np.array_equal(a.members, b.members)
        assert a.rule == b.rule and a.title == b.title
        assert [d.to_dict() for d in a.diagnoses] == [d.to_dict() for d in b.diagnoses]
    for a, b in zip(from_folder.actions, in_memory.actions, strict=True):
        assert a.to_dict() == b.to_dict() and a.text == b.text


def test_a_large_modes_members_go_to_parquet_and_come_back(tmp_path):
    doc = {
        "slices": [{"id": "S1", "members": ["a", "b", "c"]}],
        "failure_modes": [{"id": "F1", "members": ["a", "b", "c"]}],
    }
    moved = write_large_members(doc, tmp_path, max_inline=2)
    assert moved["failure_modes"][0]["members"] == {"parquet": "members/F1.parquet", "count": 3}
    assert read_members(moved["failure_modes"][0], tmp_path) == ["a", "b", "c"]
    assert doc["failure_modes"][0]["members"] == ["a", "b", "c"]  # the input is not modified


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame({"id": [], "label": []}), r"The train table \(train=\) has no rows"),
        (
            pd.DataFrame({"id": ["a", "b", "c"], "label": ["x", None, "y"]}),
            r"the label column 'label' has 1 missing value\(s\) \(rows \[1\]\)",
        ),
        (
            pd.DataFrame({"id": ["a", "a", "b"], "label": ["x", "y", "y"]}),
            r"1 id\(s\) of 'id' name more than one row \('a' x2\)",
        ),
    ],
)
def test_a_training_table_that_cannot_be_verified_with_is_named(table, message):
    from weakspot._errors import InputError
    from weakspot.verify._inputs import read_labelled

    with pytest.raises(InputError, match=message):
        read_labelled(table, role="train")


def test_an_artifact_outside_the_results_folder_is_never_read(tmp_path):
    from weakspot.report import read_findings

    (tmp_path / "secret.txt").write_text("not for weakspot")
    results = tmp_path / "results"
    results.mkdir()
    doc = {
        "dataset": {"n_examples": 2, "classes": ["a", "b"]},
        "failure_modes": [],
        "actions": [{"id": "A1", "kind": "gate", "failure_mode": "F1", "cause": "regression",
                     "expected_gain": {}, "steps": "", "artifact": "../secret.txt"}],
    }  # fmt: skip
    (results / "analysis.json").write_text(json.dumps(doc))
    with pytest.raises(weakspot.InputError, match=r"artifact '\.\./secret\.txt' leads outside"):
        read_findings(results, ["0", "1"])


def test_a_mode_from_an_older_file_is_the_examples_of_half_its_slices(tmp_path):
    from weakspot.report import read_findings

    doc = {
        "dataset": {"n_examples": 4, "classes": ["a", "b"]},
        "slices": [{"id": "S1", "members": ["p", "q"]}, {"id": "S2", "members": ["q", "r"]}],
        "failure_modes": [{"id": "F1", "title": "t", "slices": ["S1", "S2"], "rule": None}],
    }
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    found = read_findings(tmp_path, ["p", "q", "r", "s"])
    assert found.modes[0].members.tolist() == [0, 1, 2] and found.actions == []


def test_a_sampled_analysis_is_verified_on_the_rows_it_analysed(tmp_path):
    table = planted_table(1)
    analysis = weakspot.analyze(table, sample=300)
    weakspot.write_results(analysis, tmp_path)
    from_folder = problem_from_results(tmp_path, train=table, data=table)
    in_memory = problem_from_analysis(analysis, train=table, data=table, out=tmp_path)
    for problem in (from_folder, in_memory):
        assert problem.evaluate.ids.tolist() == analysis.examples.ids.tolist()
        assert len(problem.evaluate.frame) == 300
    other = table.assign(id=[f"other{i}" for i in range(len(table))])
    with pytest.raises(weakspot.InputError, match=r"data= lacks 300 id\(s\) the analysis"):
        problem_from_results(tmp_path, train=table, data=other)
