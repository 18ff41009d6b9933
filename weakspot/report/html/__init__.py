"""The HTML report, its charts and the components the notebook display reuses."""

from __future__ import annotations

from weakspot.report.html._compare_page import render_comparison
from weakspot.report.html._modes import mode_card
from weakspot.report.html._page import page, render_html
from weakspot.report.html._parts import Thumbs
from weakspot.report.html._slices import slice_card

__all__ = ["Thumbs", "mode_card", "page", "render_comparison", "render_html", "slice_card"]
