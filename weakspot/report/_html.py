"""``report.html``: kept as the import path of `render_html`; the page lives in ``report/html/``."""

from __future__ import annotations

from weakspot.report.html import render_html

__all__ = ["render_html"]
