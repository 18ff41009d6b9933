"""Reports: analysis.json, report.html and summary.md, all rendered from the JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weakspot.report._html import render_html
from weakspot.report._json import Document, plain, write_json
from weakspot.report._markdown import render_markdown
from weakspot.report._members import MAX_INLINE_MEMBERS, read_members, write_large_members
from weakspot.report._output import claim_output_folder, write_outputs

__all__ = [
    "Document",
    "claim_output_folder",
    "read_members",
    "render_html",
    "render_markdown",
    "write_json",
    "write_results",
]


def write_results(
    analysis: Document | dict[str, Any], out_dir: str | Path, *, overwrite: bool = False
) -> dict[str, Path]:
    """Write ``analysis.json``, ``report.html`` and ``summary.md`` into `out_dir`.

    `out_dir` must be new, empty, or a folder weakspot wrote before (it holds the ``.weakspot``
    marker); a folder of someone else's files is refused unless `overwrite`. Each file is
    written to a temporary name and renamed, so no reader ever sees half a file.
    """
    out = claim_output_folder(out_dir, overwrite=overwrite)
    doc = analysis if isinstance(analysis, dict) else analysis.to_dict()
    doc = write_large_members(plain(doc), out, max_inline=MAX_INLINE_MEMBERS)
    text = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)
    doc = json.loads(text)
    paths = write_outputs(
        out,
        {
            "analysis.json": text + "\n",
            "report.html": render_html(doc),
            "summary.md": render_markdown(doc),
        },
    )
    return {
        "json": paths["analysis.json"],
        "html": paths["report.html"],
        "markdown": paths["summary.md"],
    }
