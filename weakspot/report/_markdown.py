"""``summary.md``: the findings in Markdown, short enough for a CI comment."""

from __future__ import annotations

from typing import Any


def render_markdown(doc: dict[str, Any]) -> str:
    """Render an ``analysis.json`` document as Markdown."""
    o = doc["overall"]
    lines = [
        "# weakspot summary",
        "",
        f"- examples: {o['n']}, classes: {len(doc['dataset']['classes'])}",
        f"- accuracy: {o['accuracy']:.1%} (95% CI {o['accuracy_ci'][0]:.1%}-{o['accuracy_ci'][1]:.1%}), errors: {o['errors']}",
    ]
    if o.get("calibration"):
        lines.append(f"- expected calibration error: {o['calibration']['ece']:.3f}")
    gaps = [f for f in doc["disaggregated"]["features"] if f["sensitive"]]
    if gaps:
        lines += [
            "",
            "## Sensitive attributes",
            "",
            "| attribute | accuracy gap | worst group | significant |",
            "|---|---|---|---|",
        ]
        for f in gaps:
            lines.append(
                f"| {f['feature']} | {f['accuracy_gap']:.1%} | {f['worst_group']} | {'yes' if f['gap_significant'] else 'no'} |"
            )
    search = doc["search"]
    lines += [
        "",
        f"## Failure slices ({len(doc['slices'])} reported of {search['tested']} tested)",
        "",
    ]
    if not doc["slices"]:
        lines.append(
            "No slice has an error rate significantly above the rest (q < "
            f"{doc['config']['max_q']}): errors look spread evenly over the features searched."
        )
    else:
        lines += [
            "| # | slice | size | error rate (95% CI) | lift | q | method |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in doc["slices"]:
            lift = "inf" if s["lift"] is None else f"{s['lift']:.1f}x"
            lines.append(
                f"| {s['rank']} | {s['title']} | {s['size']} | {s['error_rate']:.1%} "
                f"({s['ci'][0]:.1%}-{s['ci'][1]:.1%}) | {lift} | {s['q_value']:.2g} | {s['method']} |"
            )
    if doc.get("skipped"):
        lines += ["", f"{len(doc['skipped'])} input(s) were skipped; see analysis.json `skipped`."]
    return "\n".join(lines) + "\n"
