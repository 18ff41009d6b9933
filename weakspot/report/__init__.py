"""Reports: analysis.json, report.html and summary.md, all rendered from the JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weakspot.report._causes import likeliest
from weakspot.report._compare import compare_results
from weakspot.report._findings import Findings, read_findings
from weakspot.report._gate import checks_to_dict, gate_markdown, run_gate
from weakspot.report._html import render_html
from weakspot.report._json import SCHEMA_VERSION, Document, plain, write_json
from weakspot.report._labels import (
    LABEL_HEADER,
    gap_sentence,
    is_multilabel,
    label_gaps,
    label_headline,
    label_rows,
)
from weakspot.report._markdown import render_markdown
from weakspot.report._members import MAX_INLINE_MEMBERS, read_members, write_large_members
from weakspot.report._notebook import analysis_html, failure_mode_html, slice_html
from weakspot.report._outcomes import (
    OUTCOMES,
    outcomes_text,
    read_analysis,
    read_outcomes,
    read_perturbation,
    read_run,
    read_verification,
)
from weakspot.report._output import claim_output_folder, write_outputs
from weakspot.report._schema import analysis_schema
from weakspot.report._task_text import (
    mode_text,
    overall_text,
    slice_line,
    speaks_rates,
    task_words,
)
from weakspot.report._whole_text import whole_accuracy, whole_sentence

__all__ = [
    "LABEL_HEADER",
    "SCHEMA_VERSION",
    "Document",
    "Findings",
    "analysis_html",
    "analysis_schema",
    "checks_to_dict",
    "claim_output_folder",
    "compare_results",
    "failure_mode_html",
    "gap_sentence",
    "gate_markdown",
    "is_multilabel",
    "label_gaps",
    "label_headline",
    "label_rows",
    "likeliest",
    "mode_text",
    "overall_text",
    "plain",
    "read_findings",
    "read_members",
    "read_outcomes",
    "rebuild_report",
    "render_html",
    "render_markdown",
    "run_gate",
    "slice_html",
    "slice_line",
    "speaks_rates",
    "task_words",
    "whole_accuracy",
    "whole_sentence",
    "write_json",
    "write_results",
]


def write_results(
    analysis: Document | dict[str, Any], out_dir: str | Path, *, overwrite: bool = False
) -> dict[str, Path]:
    """Write ``analysis.json``, ``report.html`` and ``summary.md`` into `out_dir`, and, for an
    `Analysis`, ``examples.csv`` (one row per example, for the gate and the comparison).

    `out_dir` must be new, empty, or a folder weakspot wrote before (it holds the ``.weakspot``
    marker); a folder of someone else's files is refused unless `overwrite`. Each file is
    written to a temporary name and renamed, so no reader ever sees half a file.
    """
    out = claim_output_folder(out_dir, overwrite=overwrite)
    doc = analysis if isinstance(analysis, dict) else analysis.to_dict()
    doc = write_large_members(plain(doc), out, max_inline=MAX_INLINE_MEMBERS)
    text = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)
    doc = json.loads(text)
    texts = {"analysis.json": text + "\n", **_reports(doc, out)}
    examples = getattr(analysis, "examples", None)
    if examples is not None:
        texts[OUTCOMES] = outcomes_text(examples)
    paths = write_outputs(out, texts)
    result = {
        "json": paths["analysis.json"],
        "html": paths["report.html"],
        "markdown": paths["summary.md"],
    }
    if examples is not None:
        result["examples"] = paths[OUTCOMES]
    actions = getattr(analysis, "actions", None)
    if actions:
        from weakspot.actions import write_actions

        write_actions(getattr(analysis, "failure_modes", []), actions, out)
        result["actions"] = out / "actions"
    return result


def rebuild_report(results: str | Path) -> Path:
    """Write ``report.html`` and ``summary.md`` again from a results folder's analysis.json,
    with its verification and perturbation results when ``verify/`` holds them."""
    doc = read_analysis(results)
    out = Path(results) if Path(results).is_dir() else Path(results).parent
    return write_outputs(out, _reports(doc, out))["report.html"]


def _reports(doc: dict[str, Any], out: Path) -> dict[str, str]:
    """``report.html`` and ``summary.md`` of `doc`, with what ``out/verify/`` holds."""
    verification, perturbation = read_verification(out), read_perturbation(out)
    html = render_html(doc, verification=verification, perturbation=perturbation, run=read_run(out))
    return {
        "report.html": html,
        "summary.md": render_markdown(doc, verification=verification, perturbation=perturbation),
    }
