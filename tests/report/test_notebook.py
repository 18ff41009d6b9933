from __future__ import annotations

import pytest

import weakspot
from tests.conftest import planted_table
from tests.report.fixtures import with_later_stages
from weakspot.report import failure_mode_html, slice_html
from weakspot.report._notebook import _scoped_css


@pytest.fixture(scope="module")
def analysis():
    return weakspot.analyze(planted_table(0), sensitive=["site"])


def test_analysis_displays_itself_in_a_notebook(analysis):
    html = analysis._repr_html_()
    assert html.startswith("<div class='ws-nb'><style>")
    assert "<b>88.8%</b>" in html and "site == B and age &gt;= 60" in html
    assert "<script" not in html and "data-t=" not in html


def test_slice_and_failure_mode_cards(analysis):
    doc, _ = with_later_stages(analysis.to_dict())
    card = slice_html(doc["slices"][0])
    assert "<details class='card' id='slice-S1'" in card and " open>" in card
    mode = failure_mode_html(doc["failure_modes"][0])
    assert "image_quality" in mode and "images from site B are dark" in mode


def test_notebook_styles_stay_inside_the_output():
    css = _scoped_css()
    rules = [r.split("{")[0] for r in css.split("}") if r.strip()]
    assert rules and all(sel.strip().startswith(".ws-nb") for r in rules for sel in r.split(","))
    assert "@media" not in css
