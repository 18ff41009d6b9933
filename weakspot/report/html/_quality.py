"""Data quality (flagged images by flag, skipped inputs, notes) and how the report was made."""

from __future__ import annotations

from typing import Any

from weakspot.report.html._parts import Thumbs, kv, section, table, thumb_grid, value_html
from weakspot.report.html._safe import esc, pct

MAX_SKIPPED_ROWS = 200


def quality_section(doc: dict[str, Any], thumbs: Thumbs) -> str:
    parts = []
    flagged = [q for q in doc.get("quality") or [] if q.get("count")]
    if flagged:
        parts.append("<h3>Flagged images</h3>")
        for q in flagged:
            head = (
                f"{esc(q['flag'])} <span class='muted small'>{q['count']:,} images "
                f"({pct(q.get('share'))}), error rate {pct(q.get('error_rate'))}</span>"
            )
            parts.append(f"<h4>{head}</h4>{thumb_grid(q.get('examples'), thumbs)}")
    elif doc.get("quality") is not None and doc.get("quality") != []:
        parts.append("<p>No image carries a quality flag.</p>")
    skipped = doc.get("skipped") or []
    if skipped:
        rows = [
            [esc(s.get("index")), esc(s.get("path")), esc(s.get("reason"))]
            for s in skipped[:MAX_SKIPPED_ROWS]
        ]
        more = len(skipped) - MAX_SKIPPED_ROWS
        tail = f"<p class='muted small'>and {more} more in analysis.json</p>" if more > 0 else ""
        parts.append(
            f"<h3>Skipped inputs ({len(skipped)})</h3>"
            + table(["row", "path", "reason"], rows)
            + tail
        )
    notes = doc.get("notes") or []
    if notes:
        parts.append(
            "<h3>Notes</h3><ul class='plain'>"
            + "".join(f"<li>{esc(n)}</li>" for n in notes)
            + "</ul>"
        )
    if not parts:
        return ""
    return section("quality", "Data quality", "".join(parts))


def provenance_section(doc: dict[str, Any], run: dict[str, Any] | None = None) -> str:
    """Version, inputs, options and the command line (from ``run.json``).

    The run's start time and time per stage stay in ``run.json``: the report is byte-identical
    for the same inputs and options, so that a report kept in a repository or compared in CI
    changes only when the analysis does.
    """
    config = dict(doc.get("config") or {})
    run = run or {}
    dataset = doc.get("dataset") or {}
    pairs = [
        ("weakspot", esc(doc.get("weakspot_version"))),
        ("schema", esc(doc.get("schema_version"))),
        ("examples", esc(dataset.get("n_examples"))),
        ("classes", esc(", ".join(map(str, dataset.get("classes") or [])))),
        ("probabilities", "yes" if dataset.get("has_probabilities") else "no"),
        (
            "metadata columns",
            esc(", ".join(map(str, dataset.get("metadata_columns") or []))) or "–",
        ),
    ]
    if run.get("command"):
        pairs.insert(0, ("command", f"<code>{esc(run['command'])}</code>"))
    for key, value in (run.get("inputs") or {}).items():
        if value is not None:
            pairs.append((f"input: {key}", f"<code>{esc(value)}</code>"))
    parts = ["<h3>Run</h3>", kv(pairs), "<h3>Options</h3>"]
    parts.append(kv([(k, value_html(v)) for k, v in sorted(config.items())]))
    intro = (
        "The start time and the time per stage are in run.json."
        if run
        else "Written from Python: the command line and timing are recorded by the weakspot command (run.json)."
    )
    return section("made", "How it was made", "".join(parts), intro=intro)
