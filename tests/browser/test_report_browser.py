"""The report in a real browser (Debian's chromium, headless, no network)."""

from __future__ import annotations

import copy
import json

import pytest

from tests.browser._browser import element_screenshot, screenshot, visit
from tests.report.fixtures import PAYLOADS, hostile_analysis, image_analysis, with_later_stages
from weakspot.report import render_html


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    doc = image_analysis(out, n=1500)
    doc, verification = with_later_stages(doc)
    path = out / "report.html"
    path.write_text(render_html(doc, verification=verification), encoding="utf-8")
    return path, doc


def _clean(seen):
    assert seen.console_errors == [] and seen.page_errors == []
    assert seen.requests == []


def test_report_loads_offline_without_errors(chromium, report):
    path, doc = report
    with visit(chromium, path) as seen:
        page = seen.page
        assert page.title() == "weakspot report"
        assert page.locator("svg[aria-label='confusion matrix heat map'] rect").count() == 4
        assert page.locator("details.card").count() == len(doc["slices"]) + 1
        assert (
            page.inner_text("#slice-count")
            == f"{len(doc['slices'])} of {len(doc['slices'])} slices"
        )
        page.wait_for_function(
            "() => [...document.querySelectorAll('#quality img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        assert page.locator("#quality img").count() >= 8
        screenshot(page, "report-top", full_page=False)
        _clean(seen)


def test_sort_and_filter_the_slice_list(chromium, report):
    path, doc = report
    slices = doc["slices"]
    with visit(chromium, path) as seen:
        page = seen.page
        order = lambda: page.eval_on_selector_all(  # noqa: E731
            "#slice-list > details.card", "els => els.map(e => e.id)"
        )
        assert order() == [f"slice-{s['id']}" for s in slices]
        page.select_option("#sort-by", "size")
        by_size = sorted(slices, key=lambda s: (-s["size"], s["rank"]))
        assert order() == [f"slice-{s['id']}" for s in by_size]
        page.select_option("#sort-by", "q")
        by_q = sorted(slices, key=lambda s: (s["q_value"], s["rank"]))
        assert order() == [f"slice-{s['id']}" for s in by_q]
        page.fill("#filter-text", "no such words anywhere")
        assert page.inner_text("#slice-count") == f"0 of {len(slices)} slices"
        word = slices[-1]["title"].split()[0].lower()
        page.fill("#filter-text", word)
        expected = [s for s in slices if word in json.dumps(s).lower()]
        assert page.locator("#slice-list > details.card:visible").count() <= len(expected)
        assert page.locator("#slice-list > details.card:visible").count() >= 1
        page.fill("#filter-text", "")
        finder = slices[0]["method"]
        page.select_option("#filter-finder", finder)
        visible = page.locator("#slice-list > details.card:visible").count()
        assert visible == sum(s["method"] == finder for s in slices)
        _clean(seen)


def test_open_a_card_and_see_its_thumbnails(chromium, report):
    path, doc = report
    with visit(chromium, path) as seen:
        page = seen.page
        card = page.locator("#slice-S1")
        assert card.locator("img").first.get_attribute("src") is None  # filled in on opening
        page.locator("#slice-S1 > summary").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#slice-S1 img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        shown = card.locator("img").count()
        ex = doc["slices"][0]["examples"]
        assert shown == len(ex["inside"]) + len(ex["successes_inside"]) + len(ex["errors_outside"])
        assert card.locator("svg[aria-label$='inside vs outside']").count() == len(
            doc["slices"][0]["histograms"]
        )
        card.scroll_into_view_if_needed()
        element_screenshot(card, "slice-card")
        page.locator("#mode-M1 > summary").scroll_into_view_if_needed()
        element_screenshot(page.locator("#modes"), "failure-modes")
        element_screenshot(page.locator("#quality"), "data-quality")
        _clean(seen)


def test_print_opens_every_card(chromium, report):
    path, _ = report
    with visit(chromium, path) as seen:
        page = seen.page
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.locator("details:not([open])").count() == 0
        assert not page.locator("header.top").is_visible()
        pdf = page.pdf()
        assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
        _clean(seen)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injected_scripts_never_run(chromium, tmp_path, payload):
    made = copy.deepcopy(hostile_analysis(payload))
    path = tmp_path / "hostile.html"
    path.write_text(render_html(made["doc"], verification=made["verification"]), encoding="utf-8")
    with visit(chromium, path) as seen:
        page = seen.page
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        for link in page.locator("a[href]:not([href^='#'])").all():
            link.click(modifiers=["Alt"], no_wait_after=True)
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert seen.dialogs == [] and seen.page_errors == []
        assert page.locator("#filter-feature option").count() >= 1
        assert payload in page.inner_text("#subgroups")  # shown as text
