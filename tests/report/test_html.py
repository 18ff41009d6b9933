from __future__ import annotations

import copy
import json
import re
from html import escape as html_escape
from html.parser import HTMLParser

import pytest

from tests.report.fixtures import PAYLOADS, hostile_analysis, image_analysis, with_later_stages
from weakspot.report import render_html
from weakspot.report.html._safe import data_uri, href, json_script
from weakspot.report.html._svg import heatmap


@pytest.fixture(scope="module")
def image_doc(tmp_path_factory):
    return image_analysis(tmp_path_factory.mktemp("img"))


def test_charts_are_drawn_from_the_document(image_doc):
    html = render_html(image_doc)
    k = len(image_doc["dataset"]["classes"])
    heat = re.search(r'<svg[^>]*aria-label="confusion matrix heat map".*?</svg>', html, re.S)
    assert heat and heat.group(0).count("<rect") == k * k
    matrix = image_doc["overall"]["confusion"]["matrix"]
    assert f">{matrix[0][0]}</text>" in heat.group(0)
    site = [g for g in image_doc["disaggregated"]["groups"] if g["feature"] == "site"]
    assert html.count("<circle") >= len(site)
    top = image_doc["slices"][0]
    assert top["histograms"] and all(
        sum(h["inside"]) <= top["size"] and sum(h["inside"]) > 0 for h in top["histograms"]
    )
    assert (
        html.count('aria-label="' + top["histograms"][0]["feature"] + ': inside vs outside"') == 1
    )


def test_each_thumbnail_is_embedded_once(image_doc):
    doc = json.loads(json.dumps(image_doc))
    uri = doc["slices"][0]["examples"]["inside"][0]["image"]
    doc["quality"][0]["examples"].append(doc["slices"][0]["examples"]["inside"][0])
    html = render_html(doc)
    assert html.count(uri) == 1
    store = json.loads(re.search(r'id="ws-thumbs">(.*?)</script>', html, re.S).group(1))
    key = next(k for k, v in store.items() if v == uri)
    assert html.count(f'data-t="{key}"') == 2


def test_grids_show_errors_inside_successes_inside_and_errors_outside(image_doc):
    ex = image_doc["slices"][0]["examples"]
    assert all(r["label"] != r["prediction"] for r in ex["inside"])
    assert all(r["label"] == r["prediction"] for r in ex["successes_inside"])
    assert all(r["label"] != r["prediction"] for r in ex["errors_outside"])
    members = set(image_doc["slices"][0]["members"])
    assert not {r["id"] for r in ex["errors_outside"]} & members
    html = render_html(image_doc)
    for title in ("Errors inside", "Successes inside", "Errors outside, same classes"):
        assert title in html


def test_quality_section_lists_flags_with_counts(image_doc):
    dark = next(q for q in image_doc["quality"] if q["flag"] == "is_dark")
    assert dark["count"] > 100 and len(dark["examples"]) == 8
    html = render_html(image_doc)
    assert f"is_dark <span class='muted small'>{dark['count']:,} images" in html


def test_later_stages_appear_when_present(image_doc):
    without = {k: v for k, v in image_doc.items() if k not in ("failure_modes", "actions")}
    without["slices"] = [
        {k: v for k, v in s.items() if k != "failure_mode"} for s in image_doc["slices"]
    ]
    assert "id='modes'" not in render_html(without)
    doc, verification = with_later_stages(image_doc)
    html = render_html(doc, verification=verification)
    for anchor in ("modes", "actions", "verification"):
        assert f"<section id='{anchor}'>" in html
    assert "images from site B are dark" in html and "image_quality" in html
    assert "<a href='actions/M1-augment.json'><code>actions/M1-augment.json</code></a>" in html
    assert "<b>helps</b> 0.620 &rarr; 0.810" in html  # A1 on its mode, from verification.json
    assert "the trainer raised ValueError: bad weights" in html and "worse: M1" in html
    assert "id='filter-mode'" in html and 'data-mode="M1"' in html


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, as the browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_strings_never_reach_the_page_raw(tmp_path, payload):
    made = copy.deepcopy(hostile_analysis(payload))
    html = render_html(made["doc"], verification=made["verification"])
    parser = _Elements()
    parser.feed(html)
    tags = parser.tags
    assert [t for t, _ in tags].count("script") == 2  # the thumbnail store and the page's script
    assert not [(t, a) for t, a in tags for name in a if name.startswith("on")]
    assert all(
        (a.get("src") or "data:image/").startswith("data:image/") for t, a in tags if t == "img"
    )
    links = [a["href"] for t, a in tags if t == "a"]
    assert all(
        h.startswith("#") or h == "actions/M1-augment.json" for h in links if "pwned" not in h
    )
    assert not [h for h in links if h.lower().lstrip().startswith("javascript:")]
    if "<" in payload or '"' in payload:
        assert payload not in html
    assert html_escape(payload) in html  # shown, as text


def test_json_script_cannot_be_closed_from_inside():
    block = json_script({"a": "</script><script>x()</script>", "b": "<!--"}, "x")
    assert block.count("</script>") == 1 and "<!--" not in block
    inner = block[block.index(">") + 1 : block.rindex("</script>")]
    assert json.loads(inner) == {"a": "</script><script>x()</script>", "b": "<!--"}


def test_only_image_data_uris_and_relative_links_pass():
    assert data_uri("data:image/png;base64,iVBORw0KGgo=") == "data:image/png;base64,iVBORw0KGgo="
    assert data_uri("javascript:alert(1)") is None
    assert data_uri("data:text/html;base64,PHNjcmlwdD4=") is None
    assert data_uri("data:image/png;base64,AAA' onerror='x") is None
    assert href("actions/a.csv") == "actions/a.csv"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:x",
        "https://evil",
        "/etc/passwd",
        "../x",
        "file:///x",
    ):
        assert href(bad) is None, bad


def test_heatmap_of_many_classes_drops_labels_not_cells():
    classes = [f"c{i}" for i in range(40)]
    svg = heatmap(classes, [[1] * 40 for _ in range(40)])
    assert svg.count("<rect") == 1600 and ">c39<" not in svg
