"""The detection report in a real browser (Debian's chromium, headless, no network).

A scene of 40 drawn images whose dark objects are missed, with a class named like a script and
image files named like an HTML tag: the page loads with no console error, request or dialog,
its tables have the right rows, the precision-recall curves and the example images render, and
each drawn box lies on its picture."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.browser._browser import element_screenshot, screenshot, visit
from tests.tasks.detection.scenes import make_scene
from weakspot import find_box_slices

HOSTILE_CLASS = "<script>alert(1)</script>"
HOSTILE_FILE = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("detection-browser")
    folder = root / "img"
    scene = make_scene(3, n_images=40, dark_share=0.3, planted_miss_rate=0.8, folder=folder)
    gt = scene.ground_truth
    names = []
    for name in gt.images.file_names:
        hostile = f"{HOSTILE_FILE}{name}"
        (folder / str(name)).rename(folder / hostile)
        names.append(hostile)
    images = replace(gt.images, file_names=gt.images.file_names.copy())
    images.file_names[:] = names
    gt = replace(gt, images=images, categories={**gt.categories, 1: HOSTILE_CLASS})
    result = find_box_slices(gt, scene.detections, scene.metadata, images=folder)
    return result.write(root / "out")["report"], result


def test_the_detection_report_renders_offline_without_errors(chromium, report):
    path, result = report
    with visit(chromium, path, height=1400) as seen:
        page = seen.page
        assert page.title() == "weakspot detection report"
        assert page.locator("#summary tbody tr").count() == 12
        assert page.locator("#sizes tbody tr").count() == 3
        assert page.locator("#classes tbody tr").count() == 4
        assert page.locator("#errors tbody tr").count() == 6
        assert page.locator("#slices table").first.locator("tbody tr").count() == len(result.slices)
        # the class named like a script is shown as text, and ran nowhere
        assert HOSTILE_CLASS in page.inner_text("#classes")
        curves = page.locator("svg[aria-label='precision-recall curves, all objects'] polyline")
        assert curves.count() == 2
        sizes = page.locator("svg[aria-label='precision-recall curves per size'] polyline")
        assert sizes.count() == 3
        widths = page.eval_on_selector_all("polyline.pr", "els => els.map(e => e.getBBox().width)")
        assert len(widths) == 5 and min(widths) > 50
        screenshot(page, "detection-report-top", full_page=False)
        element_screenshot(page.locator("#curves"), "detection-report-curves")
        assert seen.console_errors == [] and seen.page_errors == []
        assert seen.requests == [] and seen.dialogs == []


def test_example_images_render_with_their_boxes_on_them(chromium, report):
    path, result = report
    n_pictures = sum(len(e) for e in result.examples)
    n_boxes = sum(len(p["boxes"]) for e in result.examples for p in e)
    assert n_pictures == 3 * len(result.slices) >= 3
    with visit(chromium, path, height=1400) as seen:
        page = seen.page
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.example')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        assert page.locator("img.example").count() == n_pictures
        assert page.locator("svg.boxes rect").count() == n_boxes
        assert page.locator("svg.boxes rect.b-missed").count() == sum(
            b["kind"] == "missed" for e in result.examples for p in e for b in p["boxes"]
        )
        # the boxes' layer covers its picture exactly, and every box lies inside it
        frames = page.eval_on_selector_all(
            ".det .frame",
            """els => els.map(f => {
                const i = f.querySelector('img').getBoundingClientRect();
                const s = f.querySelector('svg').getBoundingClientRect();
                const inside = [...f.querySelectorAll('rect')].every(r => {
                    const b = r.getBoundingClientRect();
                    return b.left >= i.left - 2 && b.right <= i.right + 2 &&
                        b.top >= i.top - 2 && b.bottom <= i.bottom + 2 && b.width > 0;
                });
                return [i.width, i.height, s.width, s.height, inside];
            })""",
        )
        for width, height, layer_w, layer_h, inside in frames:
            assert width == pytest.approx(320, abs=1) and height == pytest.approx(240, abs=1)
            assert (layer_w, layer_h) == (pytest.approx(width), pytest.approx(height))
            assert inside
        # a file named like a tag is a caption, not an element
        assert HOSTILE_FILE in page.inner_text(".det figcaption >> nth=0")
        element_screenshot(page.locator(".slice").first, "detection-report-examples")
        assert seen.console_errors == [] and seen.page_errors == []
        assert seen.requests == [] and seen.dialogs == []
