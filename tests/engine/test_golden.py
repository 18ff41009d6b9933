"""The engine seam changes no result: ``analysis.json`` equals the one written before it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.golden_cases import GOLDEN, demo_analysis, document, tabular_analysis


def _assert_same(text: str, name: str) -> None:
    golden = (GOLDEN / name).read_text(encoding="utf-8")
    if text != golden:  # show which part moved before failing on the bytes
        assert json.loads(text) == json.loads(golden)
    assert text == golden


def test_tabular_analysis_is_byte_identical_to_golden() -> None:
    _assert_same(document(tabular_analysis()), "tabular.json")


@pytest.mark.slow
def test_demo_analysis_is_byte_identical_to_golden(demo_table: Path) -> None:
    _assert_same(document(demo_analysis(demo_table)), "demo.json")


def test_golden_documents_hold_real_findings() -> None:
    tabular = json.loads((GOLDEN / "tabular.json").read_text(encoding="utf-8"))
    demo = json.loads((GOLDEN / "demo.json").read_text(encoding="utf-8"))
    assert tabular["dataset"]["n_examples"] == 3000
    assert tabular["slices"][0]["rule"] == "site == B and age >= 61"
    assert demo["dataset"]["n_examples"] == 400
    assert demo["search"]["tested"] > 100
