from __future__ import annotations

import re

import numpy as np
import pytest

import weakspot
from tests.conftest import planted_table
from tests.report.fixtures import with_later_stages
from weakspot import _display
from weakspot._display import html_of, register_html
from weakspot.report import failure_mode_html, slice_html
from weakspot.report._notebook import _scoped_css
from weakspot.slices import Slice


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


def _without_style(html):
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def test_a_reported_slice_displays_its_report_card(analysis):
    item = analysis.slices[0]
    html = item._repr_html_()
    assert html.startswith("<div class='ws-nb'><style>") and " open>" in html
    body = _without_style(html)
    assert "<span class='title'>site == B and age &gt;= 60</span>" in body
    assert "<dd>387 / 141</dd>" in body and "<b>36.4%</b> err" in body
    assert 'aria-label="rate 36.4%, 95% interval 31.8% to 41.3%"' in body
    assert "<code>site == B</code> <span class='muted small'>lattice, 985 examples</span>" in body
    assert "<td>site = B</td>" in body  # what sets it apart


def test_the_slice_card_is_the_analysis_card_without_its_mode_badge(analysis):
    record = analysis.to_dict()["slices"][0]
    assert record["failure_mode"] == "F1"
    assert analysis.slices[0]._repr_html_() == slice_html({**record, "failure_mode": None})


def test_a_failure_mode_displays_its_report_card(analysis):
    mode = analysis.failure_modes[0]
    html = mode._repr_html_()
    assert html == failure_mode_html(analysis.to_dict()["failure_modes"][0])
    body = _without_style(html)
    assert (
        "<span class='rank'>F1</span><span class='title'>site == B and age &gt;= 60</span>" in body
    )
    # mechanism: the rule's own columns are no news, and the table has no image properties
    assert "no other column sets examples where site == B and age &gt;= 60 clearly apart" in body
    assert "<b>class_confusion</b>" in body and "confuse cat and dog" in body
    assert "<a class='jump' href='#action-A1'>A1</a>" in body


def test_a_bare_scored_slice_displays_and_an_unscored_one_falls_back_to_repr(analysis):
    found = analysis.search.slices[0]
    body = _without_style(found._repr_html_())
    assert "<span class='title'>site == B and age &gt;= 60</span>" in body
    assert "Examples where site == B and age &gt;= 60 fail 36% of the time" in body
    assert Slice(np.arange(3), "lattice")._repr_html_() is None


def test_a_type_without_a_renderer_has_no_html(monkeypatch):
    monkeypatch.setattr(_display, "_RENDERERS", dict(_display._RENDERERS))  # leave no renderer

    class Record:
        pass

    assert html_of(Record()) is None
    register_html(Record, lambda record: "<p>record</p>")
    assert html_of(Record()) == "<p>record</p>"
    assert html_of(type("Child", (Record,), {})()) == "<p>record</p>"  # found through the MRO


SITE = "<script>window.__pwned=1</script>"
CLASS = "<img src=x onerror=window.__pwned=5>"


@pytest.fixture(scope="module")
def hostile():
    """A planted analysis with dark images whose site and class names are markup."""
    frame = planted_table(0, n=800)
    rng = np.random.default_rng(0)
    pixels = rng.integers(80, 255, size=(len(frame), 24, 24), dtype=np.uint8)
    dark = (frame.site == "B").to_numpy()
    pixels[dark] = (pixels[dark] * 0.25).astype(np.uint8)
    frame["site"] = frame.site.replace({"B": SITE})
    for column in ("label", "prediction"):
        frame[column] = frame[column].replace({"cat": CLASS})
    return weakspot.analyze(frame, images=pixels, embed=None, sensitive=["site"])


def test_user_strings_are_escaped_in_slice_and_mode_cards(hostile):
    shown = [hostile.slices[0]._repr_html_(), hostile.failure_modes[0]._repr_html_()]
    texts = [_without_style(html) for html in shown]
    assert all(html.count("<script") == 0 and "<img src=x" not in html for html in shown)
    assert all("&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text for text in texts)
    assert any("&lt;img src=x onerror=window.__pwned=5&gt;" in text for text in texts)


def test_a_slice_shows_its_example_pictures_inline(hostile):
    body = _without_style(hostile.slices[0]._repr_html_())
    assert "<h4>Errors inside</h4>" in body
    assert body.count('<img class="thumb" src="data:image/png;base64,') >= 1
    assert "data-t=" not in body  # no page script in a notebook to resolve keyed pictures


@pytest.mark.parametrize(("confidence", "headline"), [(0.8, "class_confusion 0.80"), (0.0, None)])
def test_a_mode_headlines_a_cause_only_when_one_is_diagnosed(analysis, confidence, headline):
    from rich.console import Console

    from weakspot.cli._console import print_failure_modes
    from weakspot.report.html._modes import mode_card

    doc = analysis.to_dict()
    mode = doc["failure_modes"][0]
    top = {**mode["diagnoses"][0], "cause": "class_confusion", "confidence": confidence}
    mode = {**mode, "diagnoses": [top, *mode["diagnoses"][1:]]}
    card = mode_card(mode)
    console = Console(record=True, width=300)
    print_failure_modes({**doc, "failure_modes": [mode]}, console)
    said = console.export_text()
    if headline:
        assert f"<span class='badge'>{headline}</span>" in card
        assert "cause: class_confusion (0.80)" in said
    else:  # every tested cause failed its test: that is not a diagnosis to headline
        assert "<span class='badge muted'>no cause diagnosed</span>" in card
        assert "class_confusion 0.00</span>" not in card
        assert "cause: none diagnosed (every tested cause below 0.30); likeliest: " in said
        assert "class_confusion (0.00) 100% of the mode's errors confuse" in said
