from __future__ import annotations

import json
import re

import weakspot
from tests.conftest import planted_table

SLICE_KEYS = {
    "id",
    "rank",
    "description",
    "predicate",
    "method",
    "size",
    "errors",
    "error_rate",
    "ci",
    "lift",
    "p_value",
    "q_value",
    "members",
}


def test_json_has_the_documented_fields(tmp_path):
    frame = planted_table(0)
    paths = weakspot.write_results(weakspot.analyze(frame), tmp_path)
    doc = json.loads(paths["json"].read_text())
    assert doc["schema_version"] == "1.0"
    assert doc["slices"] and set(doc["slices"][0]) >= SLICE_KEYS
    top = doc["slices"][0]
    assert top["id"] == "S1" and top["rank"] == 1
    assert all(set(c) == {"feature", "op", "value"} for c in top["predicate"])
    assert len(top["members"]) == top["size"] and top["members"][0].startswith("ex")
    assert top["ci"][0] <= top["error_rate"] <= top["ci"][1]


def test_same_inputs_and_seed_give_identical_bytes(tmp_path):
    frame = planted_table(1)
    a = weakspot.write_results(weakspot.analyze(frame, random_state=3), tmp_path / "a")
    b = weakspot.write_results(weakspot.analyze(frame.copy(), random_state=3), tmp_path / "b")
    for kind in ("json", "html", "markdown"):
        assert a[kind].read_bytes() == b[kind].read_bytes()


def test_html_is_self_contained(tmp_path):
    paths = weakspot.write_results(weakspot.analyze(planted_table(2)), tmp_path)
    html = paths["html"].read_text()
    assert "<table>" in html and "site == B" in html
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", html)
    assert "@import" not in html


def test_markdown_says_when_nothing_is_found(tmp_path):
    paths = weakspot.write_results(weakspot.analyze(planted_table(3, null=True)), tmp_path)
    text = paths["markdown"].read_text()
    assert "No slice has an error rate significantly above the rest" in text
