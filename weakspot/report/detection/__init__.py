"""The detection report, gate and comparison: ``report.html`` from ``detection.json`` with the
drawn example images, limits on AP and per-slice recall, and two runs compared box by box."""

from weakspot.report.detection._examples import BOX_KINDS, slice_examples
from weakspot.report.detection._page import pr_chart, render_detection_report

__all__ = ["BOX_KINDS", "pr_chart", "render_detection_report", "slice_examples"]
