"""Reports: analysis.json, report.html and summary.md, all rendered from the JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weakspot.report._html import render_html
from weakspot.report._json import Document, write_json
from weakspot.report._markdown import render_markdown

__all__ = ["Document", "render_html", "render_markdown", "write_json", "write_results"]


def write_results(analysis: Document | dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write ``analysis.json``, ``report.html`` and ``summary.md`` into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = write_json(analysis, out / "analysis.json")
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    html_path = out / "report.html"
    html_path.write_text(render_html(doc), encoding="utf-8")
    md_path = out / "summary.md"
    md_path.write_text(render_markdown(doc), encoding="utf-8")
    paths = {"json": json_path, "html": html_path, "markdown": md_path}
    actions = getattr(analysis, "actions", None)
    if actions:
        from weakspot.actions import write_actions

        write_actions(getattr(analysis, "failure_modes", []), actions, out)
        paths["actions"] = out / "actions"
    return paths
