"""Failure modes with their diagnoses, and the ranked actions (verification: `_verify`).

Each section appears only when ``analysis.json`` has its data. Shapes read here:

- ``failure_modes``: ``{id, title, mechanism, slices, diagnoses: [{cause, confidence, summary,
  evidence}], actions, also_described_as: [{title, f1}]}``;
- ``actions``: ``{id, kind, failure_mode, cause, expected_gain, steps, artifact}``, the artifact
  a path relative to the results folder (linked; any other kind of link is refused);
"""

from __future__ import annotations

from typing import Any

from weakspot.report._causes import likeliest
from weakspot.report._whole_text import whole_line
from weakspot.report.html import _svg
from weakspot.report.html._parts import section, table, value_html
from weakspot.report.html._safe import esc, href, num
from weakspot.tasks import TaskWords


def _jump(prefix: str, ident: Any) -> str:
    return f"<a class='jump' href='#{prefix}-{esc(ident)}'>{esc(ident)}</a>"


def mode_card(mode: dict[str, Any], *, open_: bool = False, words: TaskWords | None = None) -> str:
    """One failure mode: title, mechanism, its slices, diagnoses with evidence, actions;
    `words` say a continuous loss's figures (a regressor's)."""
    diagnoses = mode.get("diagnoses") or []
    top, diagnosed = likeliest(mode)
    headline = (
        f"<span class='badge'>{esc(top.get('cause'))} {num(top.get('confidence'), '.2f')}</span>"
        if top and diagnosed
        else "<span class='badge muted'>no cause diagnosed</span>"
        if diagnoses
        else ""
    )
    summary = (
        f"<summary><span class='rank'>{esc(mode.get('id'))}</span>"
        f"<span class='title'>{esc(mode.get('title'))}</span><span class='stats'>{headline}"
        f"<span>{len(mode.get('slices') or [])} slice(s)</span></span></summary>"
    )
    parts = [f"<p>{esc(mode.get('mechanism'))}</p>"] if mode.get("mechanism") else []
    whole = whole_line(mode.get("whole"), words)  # a sample's mode, counted on every input row
    if whole:
        parts.append(f"<p class='whole'><b>{esc(whole)}</b>.</p>")
    if mode.get("slices"):
        parts.append("<p>slices: " + ", ".join(_jump("slice", s) for s in mode["slices"]) + "</p>")
    if mode.get("also_described_as"):
        items = "".join(
            f"<li>{esc(a.get('title'))} <span class='muted small'>F1 {num(a.get('f1'), '.2f')}</span></li>"
            for a in mode["also_described_as"]
        )
        parts.append(f"<h4>Also described as</h4><ul class='plain'>{items}</ul>")
    if diagnoses:
        parts.append("<h4>Diagnoses</h4>" + "".join(_diagnosis(d) for d in diagnoses))
    if mode.get("actions"):
        parts.append(
            "<p>actions: " + ", ".join(_jump("action", a) for a in mode["actions"]) + "</p>"
        )
    opened = " open" if open_ else ""
    return (
        f"<details class='card mode' id='mode-{esc(mode.get('id'))}'{opened}>{summary}"
        f"<div class='body'>{''.join(parts)}</div></details>"
    )


def _diagnosis(d: dict[str, Any]) -> str:
    confidence = d.get("confidence")
    bar = _svg.confidence_bar(confidence) if isinstance(confidence, int | float) else ""
    evidence = d.get("evidence")
    detail = (
        f"<details><summary class='small'>evidence</summary>{value_html(evidence)}</details>"
        if evidence
        else ""
    )
    return (
        f"<div class='diagnosis'><p><b>{esc(d.get('cause'))}</b> "
        f"<span class='muted small'>confidence {num(confidence, '.2f')}</span>{bar}"
        f"{esc(d.get('summary'))}</p>{detail}</div>"
    )


def modes_section(doc: dict[str, Any]) -> str:
    modes = doc.get("failure_modes")
    if modes is None:
        return ""
    if not modes:
        body = "<p class='note'>No failure mode: no reported slice.</p>"
    else:
        words = TaskWords.of(doc.get("task"))
        body = "".join(mode_card(m, open_=i == 0, words=words) for i, m in enumerate(modes))
    intro = "Reported slices that hold the same failing examples, named by what you can act on."
    return section("modes", "Failure modes", body, intro=intro)


def artifact_link(path: Any) -> str:
    """A link to an action's artifact, if it is a safe relative path; else the path as text."""
    target = href(path)
    if target is None:
        return esc(path) if path else "–"
    return f"<a href='{esc(target)}'><code>{esc(target)}</code></a>"


def actions_section(doc: dict[str, Any]) -> str:
    actions = doc.get("actions")
    if actions is None:
        return ""
    rows = [
        [
            f"<span id='action-{esc(a.get('id'))}'>{esc(a.get('id'))}</span>",
            esc(a.get("kind")),
            _jump("mode", a.get("failure_mode")) if a.get("failure_mode") else "–",
            esc(a.get("cause")),
            value_html(a.get("expected_gain")),
            value_html(a.get("steps")),
            artifact_link(a.get("artifact")),
        ]
        for a in actions
    ]
    head = ["id", "kind", "failure mode", "cause", "expected gain", "steps", "artifact"]
    body = table(head, rows, numeric={4}) if rows else "<p class='note'>No action proposed.</p>"
    return section(
        "actions",
        "Actions",
        body,
        intro="Ranked by expected gain; each artifact is a file a training script reads.",
    )
