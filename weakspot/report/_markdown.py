"""``summary.md``: the findings in Markdown, short enough for a CI comment."""

from __future__ import annotations

import functools
import re
from typing import Any

from weakspot.report._labels import is_multilabel, markdown_label_lines
from weakspot.report._task_text import (
    gap_text,
    mode_text,
    overall_figures,
    slice_text,
    slice_value,
    speaks_rates,
    task_words,
)
from weakspot.report._whole_text import whole_accuracy, whole_gap, whole_line, whole_sentence

# characters that end a table row or a line, or that a renderer may drop or reorder
_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def literal(value: Any, *, in_table: bool = True) -> str:
    """A user's string (a column name, a value, a rule) as a GitHub-flavoured Markdown code span.

    Inside a code span GitHub renders no HTML (``<img onerror=...>``, ``<script>``), no link
    or image (``[text](url)``, ``![x](url)``), no autolink (``https://...``, ``www.``), no
    mention or emphasis: the text shows as it is. The span's fence is one backtick longer than
    the longest run of backticks inside; line breaks become spaces (a newline would end a table
    row); control characters are dropped; in a table, ``|`` is escaped, as GFM requires even
    inside a code span.
    """
    text = _CONTROL.sub("", _BREAKS.sub(" ", str(value)))
    if in_table:
        text = text.replace("|", "\\|")
    if not text.strip():
        return "(empty)" if not text else "(blank)"
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#+!|~&:])")
# what GitHub links in text after the Markdown is rendered (a backslash escape does not stop
# it): a mention notifies an account or a team, a reference links an issue and notifies it
_REFERENCE = re.compile(r"(@|#|\bGH-)(?=[0-9A-Za-z])")
_ZERO_WIDTH_SPACE = "\u200b"


def prose(value: Any) -> str:
    """A sentence that holds user strings (a mechanism, a diagnosis), as plain Markdown text.

    Every ASCII punctuation character that GitHub-flavoured Markdown could read as markup (HTML,
    links, images, emphasis, autolinks, table cells) is backslash-escaped, so the sentence
    reads as written and nothing in it renders; line breaks become spaces. A mention
    (``@octocat``) or an issue reference (``#123``, ``GH-123``) gets a zero-width space after
    its ``@``, ``#`` or ``GH-``: it reads the same, but GitHub neither links nor notifies it
    (code spans, `literal`, need nothing: GitHub links nothing inside them).
    """
    text = _PUNCTUATION.sub(r"\\\1", _CONTROL.sub("", _BREAKS.sub(" ", str(value))))
    return _REFERENCE.sub(r"\1" + _ZERO_WIDTH_SPACE, text)


def render_markdown(
    doc: dict[str, Any],
    *,
    verification: dict[str, Any] | None = None,
    perturbation: dict[str, Any] | None = None,
) -> str:
    """Render an ``analysis.json`` document as Markdown, with the parsed
    ``verify/verification.json`` and ``verify/perturbation.json`` when given."""
    o = doc["overall"]
    if not speaks_rates(doc):  # a regressor: its metrics and findings in its own words
        return _loss_markdown(doc, verification, perturbation)
    lines = [
        "# weakspot summary",
        "",
        f"- examples: {o['n']}, classes: {len(doc['dataset']['classes'])}"
        + (
            f" (sampled from {drawn['of']:,} rows)"
            if (drawn := doc["dataset"].get("sample"))
            else ""
        ),
        f"- accuracy: {o['accuracy']:.1%} (95% CI {o['accuracy_ci'][0]:.1%}-{o['accuracy_ci'][1]:.1%}), errors: {o['errors']}",
    ]
    accuracy_all = whole_accuracy(doc)  # a sample's input, counted whole
    if accuracy_all:
        lines.append(f"- {accuracy_all}")
    if o.get("calibration"):
        lines.append(f"- expected calibration error: {o['calibration']['ece']:.3f}")
    gaps = [f for f in doc["disaggregated"]["features"] if f["sensitive"]]
    if gaps:
        on_all = any(f.get("whole") for f in gaps)  # a sample's input, counted whole
        lines += [
            "",
            "## Sensitive attributes",
            "",
            "| attribute | accuracy gap | worst group | significant |"
            + (" on all rows |" if on_all else ""),
            "|---|---|---|---|" + ("---|" if on_all else ""),
        ]
        for f in gaps:
            whole = f" {literal(whole_gap(f) or '-')} |" if on_all else ""
            lines.append(
                f"| {literal(f['feature'])} | {f['accuracy_gap']:.1%} | {literal(f['worst_group'])} | {'yes' if f['gap_significant'] else 'no'} |{whole}"
            )
    lines += failure_mode_lines(doc)
    lines += verification_lines(verification, perturbation)
    search = doc["search"]
    lines += [
        "",
        f"## Failure slices ({len(doc['slices'])} reported of {search['tested']} tested)",
        "",
    ]
    if not doc["slices"]:
        lines.append(
            "No slice has an error rate significantly above the rest (q < "
            f"{doc['config']['max_q']}{_lift_floor(doc)}): errors look spread evenly over the "
            "features searched."
        )
    else:
        lines += [
            "| # | slice | size | error rate (95% CI) | lift | q | method |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in doc["slices"]:
            lift = "inf" if s["lift"] is None else f"{s['lift']:.1f}x"
            lines.append(
                f"| {s['rank']} | {literal(s['title'])} | {s['size']} | {s['error_rate']:.1%} "
                f"({s['ci'][0]:.1%}-{s['ci'][1]:.1%}) | {lift} | {s['q_value']:.2g} | {literal(s['method'])} |"
            )
        wholes = [(s["rank"], whole_sentence(s.get("whole"))) for s in doc["slices"]]
        if any(text for _, text in wholes):  # a sample's slices, counted on every input row
            lines += [""] + [f"- slice {rank} {text}" for rank, text in wholes if text]
    if doc.get("skipped"):
        lines += ["", f"{len(doc['skipped'])} input(s) were skipped; see analysis.json `skipped`."]
    return "\n".join(lines) + "\n"


def _loss_markdown(
    doc: dict[str, Any],
    verification: dict[str, Any] | None,
    perturbation: dict[str, Any] | None,
) -> str:
    """summary.md of a task with a continuous loss (a regressor, a tagger): the task, its
    metrics with intervals (a tagger's per-label table), the subgroup gaps, the failure modes
    and each slice in the task's words."""
    o = doc["overall"]
    drawn = doc["dataset"].get("sample")
    lines = [
        "# weakspot summary",
        "",
        f"- examples: {o['n']}, task: {doc['task']['name']}"
        + (f" ({doc['task']['loss']} loss)" if doc["task"].get("loss") else "")
        + (f" (sampled from {drawn['of']:,} rows)" if drawn else ""),
    ]
    lines += [f"- {name}: {value} {ci}".rstrip() for name, value, ci in overall_figures(o)]
    if is_multilabel(doc):  # a tagger: its per-label table and recall gaps
        lines += markdown_label_lines(doc, literal)
    gaps = [f for f in doc["disaggregated"]["features"] if f.get("gap_significant")]
    if gaps:
        lines += ["", "## Subgroup gaps", "", "| feature | worst group | best group | gap |"]
        lines.append("|---|---|---|---|")
        for f in gaps:
            lines.append(
                f"| {literal(f['feature'])} | {literal(f['worst_group'])} | "
                f"{literal(f['best_group'])} | {gap_text(doc, f)} |"
            )
    lines += failure_mode_lines(doc)
    lines += verification_lines(verification, perturbation)
    search = doc["search"]
    lines += [
        "",
        f"## Failure slices ({len(doc['slices'])} reported of {search['tested']} tested)",
        "",
    ]
    if not doc["slices"]:
        lines.append(
            "No slice has a loss significantly above the rest (q < "
            f"{doc['config']['max_q']}{_lift_floor(doc)}): errors look spread evenly over the "
            "features searched."
        )
    else:
        lines += [
            "| # | slice | size | finding | mean (95% CI) | q | method |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in doc["slices"]:
            lines.append(
                f"| {s['rank']} | {literal(s['title'])} | {s['size']} | "
                f"{slice_text(doc, s)} | {slice_value(doc, s)} | {s['q_value']:.2g} | "
                f"{literal(s['method'])} |"
            )
        words = task_words(doc)  # a sample's slices, counted on every input row
        wholes = [(s["rank"], whole_sentence(s.get("whole"), words)) for s in doc["slices"]]
        if any(text for _, text in wholes):
            lines += [""] + [f"- slice {rank} {text}" for rank, text in wholes if text]
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
            f"### {prose(mode['id'])}: {literal(mode['title'], in_table=False)} "
            f"({mode_text(doc, mode)}, {mode['size']} examples)"
        )
        lines += ["", prose(mode["mechanism"]), ""]
        whole = whole_line(mode.get("whole"), task_words(doc))
        if whole:
            lines += [prose(whole) + ".", ""]
        tested = [d for d in mode["diagnoses"] if d["tested"]]
        for d in tested[:3]:
            lines.append(f"- cause `{d['cause']}` ({d['confidence']:.2f}): {prose(d['summary'])}")
        untested = [d for d in mode["diagnoses"] if not d["tested"]]
        if untested:  # a cause weakspot could not test is not a cause it ruled out
            said = "; ".join(
                f"`{d['cause']}` ({prose(d['summary'].removeprefix('Not tested: ').rstrip('.'))})"
                for d in untested
            )
            lines.append(f"- not tested: {said}")
        first = next((actions[a] for a in mode["actions"] if a in actions), None)
        if first is not None:
            lines.append(
                f"- action {prose(first['id'])} `{first['kind']}`: {prose(first['steps'])} "
                f"({literal(first['artifact'], in_table=False)}; expected gain "
                f"{first['expected_gain']['errors']:g} errors)"
            )
        if mode["also_described_as"]:
            also = "; ".join(
                f"{literal(a['title'], in_table=False)} (F1 {a['f1']:.2f})"
                for a in mode["also_described_as"][:3]
            )
            lines.append(f"- also described as: {also}")
        lines.append("")
    return lines


def _compared(c: dict[str, Any] | None) -> str:
    if not c:
        return ""
    return (
        f"{c['verdict']} {c['before']['accuracy']:.3f} -> {c['after']['accuracy']:.3f} "
        f"(McNemar p={c['mcnemar']['p_value']:.2g})"
    )


def verification_lines(
    verification: dict[str, Any] | None, perturbation: dict[str, Any] | None
) -> list[str]:
    """One line per retrained action and per perturbation test (empty without either)."""
    code = functools.partial(literal, in_table=False)  # list items, not table cells
    lines: list[str] = []
    if verification and "actions" in verification:
        trainer = (verification.get("trainer") or {}).get("name")
        lines += ["", f"## Verification (retrained with {code(trainer)})", ""]
        for r in [*(verification.get("actions") or []), *(verification.get("alternatives") or [])]:
            head = f"- {code(r['id'])} {code(r.get('kind'))}"
            if r.get("status") != "verified":
                lines.append(f"{head}: {code(r.get('status'))}: {prose(r.get('reason'))}")
                continue
            target = r.get("target")
            on_mode = f" on {code(r['failure_mode'])} {_compared(target)};" if target else ""
            kept = (r.get("backward_compatibility") or {}).get("kept_correct")
            kept_text = f"; {kept:.1%} of correct kept" if kept is not None else ""
            lines.append(f"{head}:{on_mode} overall {_compared(r.get('overall'))}{kept_text}")
    if perturbation and perturbation.get("modes"):
        lines += ["", "## Perturbation tests", ""]
        for r in perturbation["modes"]:
            found = r.get("conclusion")
            tests = [f"**{prose(found['verdict'])}** (the {found['test']} test)"] if found else []
            tests.append(prose(r["verdict"]) if r.get("verdict") else "property not tested")
            if r.get("look"):
                tests.append(prose(r["look"]["verdict"]))
            lines.append(f"- {code(r['failure_mode'])} {code(r['title'])}: {'; '.join(tests)}")
    return lines


def _lift_floor(doc: dict) -> str:
    """The text ", at least 1.1x the rest's" when analysis.json records the floor (older files
    do not)."""
    lift = doc["config"].get("min_lift")
    return "" if lift is None else f", at least {lift:g}x the rest's"
