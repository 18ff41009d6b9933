"""Reports: analysis.json, report.html and summary.md, all rendered from the JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weakspot.report._html import render_html
from weakspot.report._json import Document, write_json
from weakspot.report._markdown import render_markdown
from weakspot.report._members import read_members
from weakspot.report._notebook import analysis_html, failure_mode_html, slice_html
from weakspot.report._outcomes import (
    OUTCOMES,
    read_analysis,
    read_run,
    read_verification,
    write_outcomes,
)

__all__ = [
    "Document",
    "analysis_html",
    "failure_mode_html",
    "read_members",
    "rebuild_report",
    "render_html",
    "render_markdown",
    "slice_html",
    "write_json",
    "write_results",
]


def write_results(analysis: Document | dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write ``analysis.json``, ``report.html`` and ``summary.md`` into `out_dir`, and, for an
    `Analysis`, ``examples.csv`` (one row per example, for the gate and the comparison)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = write_json(analysis, out / "analysis.json")
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    html_path = out / "report.html"
    html_path.write_text(
        render_html(doc, verification=read_verification(out), run=read_run(out)), encoding="utf-8"
    )
    md_path = out / "summary.md"
    md_path.write_text(render_markdown(doc), encoding="utf-8")
    paths = {"json": json_path, "html": html_path, "markdown": md_path}
    if hasattr(analysis, "examples"):
        paths["examples"] = write_outcomes(analysis.examples, out / OUTCOMES)
    return paths


def rebuild_report(results: str | Path) -> Path:
    """Write ``report.html`` again from a results folder's analysis.json (and verification)."""
    doc = read_analysis(results)
    out = Path(results) if Path(results).is_dir() else Path(results).parent
    path = out / "report.html"
    path.write_text(
        render_html(doc, verification=read_verification(out), run=read_run(out)), encoding="utf-8"
    )
    return path
