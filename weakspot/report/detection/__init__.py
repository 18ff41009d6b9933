"""The detection report, gate and comparison: ``report.html`` from ``detection.json`` with the
drawn example images, limits on AP and per-slice recall, and two runs compared box by box."""

from weakspot.report.detection._compare import compare_detections
from weakspot.report.detection._examples import BOX_KINDS, slice_examples
from weakspot.report.detection._gate import (
    detection_limit_checks,
    detection_regression_checks,
    load_detection_gate,
)
from weakspot.report.detection._page import pr_chart, render_detection_report
from weakspot.report.detection._results import (
    DetectionResults,
    read_detection_results,
    rule_rates,
)

__all__ = [
    "BOX_KINDS",
    "DetectionResults",
    "compare_detections",
    "detection_limit_checks",
    "detection_regression_checks",
    "load_detection_gate",
    "pr_chart",
    "read_detection_results",
    "render_detection_report",
    "rule_rates",
    "slice_examples",
]
