"""Notebook display: HTML for an analysis, a slice or a failure mode, from the report's parts.

Notebooks may not run a page's script, so pictures are written in place (``Thumbs(inline=True)``)
and the cards fold with plain ``<details>``; the styles are scoped under ``.ws-nb`` so that
they leave the rest of the notebook alone.

The objects a notebook holds display themselves: ``analysis``, ``analysis.slices[i]`` (an
`ExplainedSlice`, or a bare scored `Slice`) and ``analysis.failure_modes[i]`` (a `FailureMode`).
The last two live below the report, so their ``_repr_html_`` asks `weakspot._display`, which
this module fills at import. Each card is rendered from the record alone, through the same
``to_dict`` that writes analysis.json, so it is the report's card with two things left out
that only the whole analysis knows: a slice's failure-mode badge (the mode's card lists its
slices instead) and the example ids of its members (the card never shows them). A slice's
example pictures travel in its explanation, so they are shown.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from weakspot._display import register_html
from weakspot.explain import ExplainedSlice, Explanation, describe_slice
from weakspot.modes import FailureMode
from weakspot.report._json import plain
from weakspot.report.html import Thumbs, mode_card, slice_card
from weakspot.report.html._assets import CSS
from weakspot.report.html._overview import overview_tiles
from weakspot.slices import Slice

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


def _slice_record(item: ExplainedSlice) -> dict[str, Any] | None:
    """The card's record of a reported slice: its analysis.json entry without member ids.

    None for a slice without statistics (not selected), which has no card.
    """
    if item.stats is None:
        return None
    # positions stand in for the example ids, which only the analysis holds; the card never
    # shows members, so they are dropped rather than passed off as ids
    positions = np.arange(int(np.max(item.members)) + 1 if len(item.members) else 0)
    record = plain(item.to_dict(positions))
    del record["members"]
    return record


def _explained_slice_html(item: ExplainedSlice) -> str | None:
    record = _slice_record(item)
    return None if record is None else slice_html(record)


def _slice_html(item: Slice) -> str | None:
    """A bare scored slice (a finder's, before the explain stage): rule, figures, aliases."""
    if item.stats is None:
        return None
    who = f"Examples where {item.rule()}" if item.conditions else "A group of examples"
    text = Explanation(title="", description=describe_slice(item, who), found_as=item.label or None)
    return _explained_slice_html(ExplainedSlice(item, text))


def _failure_mode_html(mode: FailureMode) -> str:
    return failure_mode_html(plain(mode.to_dict()))


register_html(ExplainedSlice, _explained_slice_html)
register_html(Slice, _slice_html)
register_html(FailureMode, _failure_mode_html)

__all__ = ["analysis_html", "failure_mode_html", "slice_html"]
