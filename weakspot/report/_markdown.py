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
    lines += failure_mode_lines(doc)
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


def failure_mode_lines(doc: dict[str, Any]) -> list[str]:
    """The failure-mode section: each mode's title, mechanism, diagnosis and top action."""
    modes = doc.get("failure_modes") or []
    if not modes:
        return []
    actions = {a["id"]: a for a in doc.get("actions", [])}
    lines = ["", f"## Failure modes ({len(modes)})", ""]
    for mode in modes:
        lines.append(
            f"### {mode['id']}: {mode['title']} ({mode['error_rate']:.0%} errors vs "
            f"{mode['rest_error_rate']:.0%} elsewhere, {mode['size']} examples)"
        )
        lines += ["", mode["mechanism"], ""]
        tested = [d for d in mode["diagnoses"] if d["tested"]]
        for d in tested[:3]:
            lines.append(f"- cause `{d['cause']}` ({d['confidence']:.2f}): {d['summary']}")
        first = next((actions[a] for a in mode["actions"] if a in actions), None)
        if first is not None:
            lines.append(
                f"- action {first['id']} `{first['kind']}`: {first['steps']} "
                f"(`{first['artifact']}`; expected gain {first['expected_gain']['errors']:g} errors)"
            )
        if mode["also_described_as"]:
            also = "; ".join(
                f"{a['title']} (F1 {a['f1']:.2f})" for a in mode["also_described_as"][:3]
            )
            lines.append(f"- also described as: {also}")
        lines.append("")
    return lines
