"""analysis.json against the JSON Schema kept in the package, and against docs/schema.md."""

from __future__ import annotations

import json
import pkgutil
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from jsonschema import Draft202012Validator

import weakspot
import weakspot.actions
import weakspot.diagnoses
from tests.conftest import planted_table
from weakspot.actions import ACTIONS
from weakspot.diagnoses import CAUSES, DIAGNOSES
from weakspot.report import analysis_schema

SCHEMA = Path(weakspot.__file__).parent / "report" / "analysis.schema.json"
DOCS = Path(__file__).parents[2] / "docs" / "schema.md"


def _validator() -> Draft202012Validator:
    schema = analysis_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _images_analysis(sample=None):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(240, 16, 16), dtype=np.uint8)
    images[:60] //= 6  # a dark quarter that fails more often
    labels = rng.choice(["a", "b"], 240)
    wrong = rng.random(240) < np.where(np.arange(240) < 60, 0.5, 0.05)
    predictions = np.where(wrong, np.where(labels == "a", "b", "a"), labels)
    frame = {"label": labels, "prediction": predictions, "site": rng.choice(list("xy"), 240)}
    import pandas as pd

    return weakspot.analyze(pd.DataFrame(frame), images=images, embed=None, sample=sample)


@pytest.mark.parametrize(
    "make", ["tabular", "tabular_with_probabilities", "images", "tabular_sample", "images_sample"]
)
def test_analysis_json_follows_the_schema(make):
    if make == "images":
        analysis = _images_analysis()
    elif make == "tabular_sample":  # the whole input's figures beside the sample's
        analysis = weakspot.analyze(planted_table(1, n=8000), sample=3000)
    elif make == "images_sample":  # rules over image features: not counted, with the reason
        analysis = _images_analysis(sample=200)
    else:
        frame = planted_table(1)
        if make == "tabular_with_probabilities":
            frame["proba_dog"] = np.where(frame.prediction == "dog", 0.7, 0.3)
            frame["proba_cat"] = 1 - frame["proba_dog"]
        analysis = weakspot.analyze(frame, sensitive=["site", "device"])
    doc = json.loads(json.dumps(analysis.to_dict(), allow_nan=False))
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert doc["slices"], "the planted failure must be reported"


def test_an_unknown_top_level_field_breaks_the_schema():
    doc = weakspot.analyze(planted_table(0)).to_dict()
    doc["surprise"] = 1
    assert any("surprise" in e.message for e in _validator().iter_errors(doc))


def test_docs_describe_every_field_of_the_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    documented = set(re.findall(r"^\| `(\w+)`", DOCS.read_text(encoding="utf-8"), re.M))
    documented |= {
        name
        for cell in re.findall(
            r"^\| (`\w+`(?:, `\w+`)+) \|", DOCS.read_text(encoding="utf-8"), re.M
        )
        for name in re.findall(r"`(\w+)`", cell)
    }
    top = set(schema["properties"])
    per_slice = set(schema["$defs"]["slice"]["properties"])
    assert top - documented == set()
    assert per_slice - documented == set()


def test_the_cause_and_action_kind_enums_are_the_registries():
    defs = analysis_schema()["$defs"]
    assert defs["cause"]["enum"] == sorted(DIAGNOSES) == sorted(CAUSES)
    assert defs["action_kind"]["enum"] == sorted(ACTIONS)
    # every module of both packages was imported, so every built-in plug-in is registered
    for package in (weakspot.diagnoses, weakspot.actions):
        for module in pkgutil.iter_modules(package.__path__):
            assert f"{package.__name__}.{module.name}" in sys.modules
    # the shipped file leaves both open, and every cause and kind in it points at them
    shipped = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert "enum" not in shipped["$defs"]["cause"] and "enum" not in shipped["$defs"]["action_kind"]
    assert shipped["$defs"]["diagnosis"]["properties"]["cause"] == {"$ref": "#/$defs/cause"}
    assert shipped["$defs"]["action"]["properties"]["kind"] == {"$ref": "#/$defs/action_kind"}
    # and no enum of the file lists them again
    registered = set(DIAGNOSES) | set(ACTIONS)
    assert [e for e in _enums(shipped) if registered & set(map(str, e))] == []


def _enums(node) -> list[list]:
    """Every enum in a JSON document, depth first."""
    if isinstance(node, dict):
        own = [node["enum"]] if "enum" in node else []
        return own + [e for value in node.values() for e in _enums(value)]
    if isinstance(node, list):
        return [e for value in node for e in _enums(value)]
    return []


def test_a_cause_or_action_kind_nobody_registered_breaks_the_schema():
    doc = weakspot.analyze(planted_table(0)).to_dict()
    (action,) = [a for a in doc["actions"] if a["kind"] == "gate"]
    action["kind"] = "pray"
    doc["failure_modes"][0]["diagnoses"][0]["cause"] = "bad_luck"
    messages = [e.message for e in _validator().iter_errors(doc)]
    assert any("'pray' is not one of" in m for m in messages)
    assert any("'bad_luck' is not one of" in m for m in messages)
