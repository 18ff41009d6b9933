"""Notebook display: HTML for an analysis, a slice or a failure mode, from the report's parts.

Notebooks may not run a page's script, so pictures are written in place (``Thumbs(inline=True)``)
and the cards fold with plain ``<details>``; the styles are scoped under ``.ws-nb`` so that
they leave the rest of the notebook alone.
"""

from __future__ import annotations

import re
from typing import Any

from weakspot.report.html import Thumbs, mode_card, slice_card
from weakspot.report.html._assets import CSS
from weakspot.report.html._overview import overview_tiles

N_SLICES = 5


def _scoped_css() -> str:
    """The report's styles with every selector under ``.ws-nb`` (print rules left out)."""
    css = re.sub(r"@media print\{.*\}\s*$", "", CSS.strip(), flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        scoped = ",".join(
            ".ws-nb" if s.strip() in {":root", "body", "*"} else f".ws-nb {s.strip()}"
            for s in selectors.split(",")
        )
        rules.append(f"{scoped}{{{body}}}")
    return "".join(rules)


def _wrap(body: str) -> str:
    return f"<div class='ws-nb'><style>{_scoped_css()}</style>{body}</div>"


def analysis_html(doc: dict[str, Any], *, n_slices: int = N_SLICES) -> str:
    """An analysis: the summary tiles, its failure modes, and its top slices as cards."""
    thumbs = Thumbs(inline=True)
    parts = ["<h3>weakspot analysis</h3>", overview_tiles(doc)]
    modes = doc.get("failure_modes") or []
    if modes:
        parts.append("<h4>Failure modes</h4>" + "".join(mode_card(m) for m in modes[:n_slices]))
    slices = doc.get("slices") or []
    if slices:
        more = len(slices) - n_slices
        parts.append(
            "<h4>Failure slices</h4>" + "".join(slice_card(s, thumbs) for s in slices[:n_slices])
        )
        if more > 0:
            parts.append(
                f"<p class='muted small'>and {more} more; write_results() writes the full report.</p>"
            )
    else:
        parts.append("<p class='note'>No slice has an error rate significantly above the rest.</p>")
    return _wrap("".join(parts))


def slice_html(record: dict[str, Any]) -> str:
    """One slice record (an entry of analysis.json ``slices``) as an open card."""
    return _wrap(slice_card(record, Thumbs(inline=True), open_=True))


def failure_mode_html(record: dict[str, Any]) -> str:
    """One failure-mode record (an entry of analysis.json ``failure_modes``) as an open card."""
    return _wrap(mode_card(record, open_=True))


__all__ = ["analysis_html", "failure_mode_html", "slice_html"]
