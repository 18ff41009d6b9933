"""The diagnosis of docs/architecture.md, registered by a user and run through analyze()."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from jsonschema import Draft202012Validator

import weakspot
from tests.conftest import planted_table
from weakspot.diagnoses import CAUSES, DIAGNOSES, Diagnosis, DiagnosisContext, register_diagnosis
from weakspot.modes import FailureMode
from weakspot.report import analysis_schema

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"


class OneSite:
    """The mode's errors come from one site: the most frequent site's share of them."""

    cause: ClassVar[str] = "one_site"
    served_by: ClassVar[tuple[str, ...]] = ("group_file",)  # besides actions that serve it

    def applies(self, context: DiagnosisContext) -> bool:
        return "site" in context.evaluation.features

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        split = context.evaluation  # a failure mode always holds errors
        wrong = mode.members[np.asarray(split.errors)[mode.members] == 1]
        names, counts = np.unique(split.features["site"].to_numpy()[wrong], return_counts=True)
        share, site = float(counts.max() / len(wrong)), str(names[counts.argmax()])
        evidence = {"site": site, "errors": int(counts.max()), "share": round(share, 4)}
        return Diagnosis(self.cause, share, f"{share:.0%} of its errors are at {site}.", evidence)


@pytest.fixture
def one_site():
    register_diagnosis(OneSite)
    yield
    DIAGNOSES.pop("one_site")


def _planted_with_training():
    frame = planted_table(0, n=2000)
    return frame, weakspot.analyze(frame, train=planted_table(1, n=2000).drop(columns="prediction"))


def test_a_users_diagnosis_is_run_served_and_valid_in_the_schema(one_site):
    frame, analysis = _planted_with_training()
    (mode,) = analysis.failure_modes
    found = {d.cause: d for d in mode.diagnoses}["one_site"]
    wrong = (frame.label != frame.prediction).to_numpy()[mode.members]
    assert found.evidence == {"site": "B", "errors": int(wrong.sum()), "share": 1.0}
    assert (found.confidence, found.tested) == (1.0, True)
    assert found.summary == "100% of its errors are at B."
    # served_by: group_file, written for spurious correlations, serves the new cause too
    (served,) = [a for a in analysis.actions if a.cause == "one_site"]
    assert served.kind == "group_file" and served.id in mode.actions
    assert served.artifact == "actions/F1-groups.csv" and served.expected_gain["errors"] > 0
    # the registration is the whole schema entry: the cause enum now lists it
    assert "one_site" in CAUSES
    doc = json.loads(json.dumps(analysis.to_dict()))
    assert list(Draft202012Validator(analysis_schema()).iter_errors(doc)) == []


def test_once_unregistered_the_cause_is_gone_everywhere(one_site):
    _, analysis = _planted_with_training()
    doc = json.loads(json.dumps(analysis.to_dict()))
    DIAGNOSES.pop("one_site")
    try:
        assert (
            "one_site" not in CAUSES
            and "one_site" not in analysis_schema()["$defs"]["cause"]["enum"]
        )
        messages = [e.message for e in Draft202012Validator(analysis_schema()).iter_errors(doc)]
        assert any("'one_site' is not one of" in m for m in messages)
    finally:
        register_diagnosis(OneSite)  # the fixture removes it


def test_the_example_in_docs_architecture_is_this_one():
    source = inspect.getsource(OneSite)
    assert f"@register_diagnosis\n{source}" in ARCHITECTURE.read_text(encoding="utf-8")
