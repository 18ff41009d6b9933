"""The slice list (sortable, filterable) and one card per slice."""

from __future__ import annotations

import json
from typing import Any

from weakspot.report._task_text import speaks_rates, task_words
from weakspot.report._whole_text import confirmed, whole_line
from weakspot.report.html import _svg
from weakspot.report.html._parts import Thumbs, kv, section, table, thumb_grid
from weakspot.report.html._safe import esc, interval, num, pct
from weakspot.tasks import TaskWords

N_ALIASES = 5
SORT_KEYS = [
    ("rank", "rank"),
    ("size", "size"),
    ("error", "error rate"),
    ("lift", "lift"),
    ("q", "q-value"),
    ("excess", "excess errors"),
]


def slice_features(s: dict[str, Any]) -> list[str]:
    """Features named by the slice's rule (or its explanation's rule) and aliases."""
    names = [c["feature"] for c in s.get("predicate") or []]
    explanation = s.get("explanation") or {}
    names += [c["feature"] for c in explanation.get("rule") or []]
    return sorted(set(map(str, names)))


def slices_section(doc: dict[str, Any], thumbs: Thumbs) -> str:
    slices = doc["slices"]
    config = doc.get("config", {})
    lift = config.get("min_lift")
    if not speaks_rates(doc):
        return _loss_slices_section(doc, thumbs)
    intro = (
        f"{doc['search']['tested']:,} candidate slices tested; reported: q-value at most "
        f"{config.get('max_q')}"
        + (f", error rate at least {lift:g}x the rest's" if lift is not None else "")
        + f", at least {config.get('min_support')} examples, near-copies folded. "
        "Click a slice to open it."
    )
    if not slices:
        body = (
            "<p class='note'>No slice has an error rate significantly above the rest: errors look "
            "spread evenly over the features searched.</p>"
        )
        return section("slices", "Failure slices", body, intro=intro)
    words = task_words(doc)
    cards = "".join(slice_card(s, thumbs, words=words) for s in slices)
    body = _controls(doc) + f"<div id='slice-list'>{cards}</div>"
    return section("slices", "Failure slices", body, intro=intro)


def _loss_slices_section(doc: dict[str, Any], thumbs: Thumbs) -> str:
    """The slices of a task with a continuous loss (a regressor), in its words."""
    config = doc.get("config", {})
    lift = config.get("min_lift")
    metric = task_words(doc).metric()
    intro = (
        f"{doc['search']['tested']:,} candidate slices tested; reported: q-value at most "
        f"{config.get('max_q')}"
        + (f", {metric} at least {lift:g}x the rest's" if lift is not None else "")
        + f", at least {config.get('min_support')} examples, near-copies folded. "
        "Click a slice to open it."
    )
    if not doc["slices"]:
        body = (
            f"<p class='note'>No slice has a {esc(metric)} significantly above the rest: errors "
            "look spread evenly over the features searched.</p>"
        )
        return section("slices", "Failure slices", body, intro=intro)
    words = task_words(doc)
    cards = "".join(slice_card(s, thumbs, words=words) for s in doc["slices"])
    body = _controls(doc) + f"<div id='slice-list'>{cards}</div>"
    return section("slices", "Failure slices", body, intro=intro)


def _options(values: list[str], everything: str) -> str:
    return f"<option value=''>{esc(everything)}</option>" + "".join(
        f"<option value='{esc(v)}'>{esc(v)}</option>" for v in values
    )


def _controls(doc: dict[str, Any]) -> str:
    slices = doc["slices"]
    finders = sorted({str(s["method"]) for s in slices})
    features = sorted({f for s in slices for f in slice_features(s)})
    sort = "".join(f"<option value='{k}'>{esc(label)}</option>" for k, label in SORT_KEYS)
    modes = ""
    if doc.get("failure_modes"):
        ids = [str(m["id"]) for m in doc["failure_modes"]]
        modes = f"<label>mode <select id='filter-mode'>{_options(ids, 'any')}</select></label>"
    return (
        "<div class='controls'>"
        f"<label>sort by <select id='sort-by'>{sort}</select></label>"
        f"<label>finder <select id='filter-finder'>{_options(finders, 'any')}</select></label>"
        f"<label>feature <select id='filter-feature'>{_options(features, 'any')}</select></label>"
        f"{modes}"
        "<input id='filter-text' type='search' placeholder='filter by text' aria-label='filter by text'>"
        "<span id='slice-count' class='muted'></span></div>"
    )


def _data_attrs(s: dict[str, Any]) -> str:
    lift = "Infinity" if s.get("lift") is None else num(s["lift"], ".6g")
    words = (
        " ".join(
            str(x) for x in (s.get("title"), s.get("description"), s.get("rule"), s["method"]) if x
        )
        + " "
        + " ".join(
            str(a.get("rule") or a.get("description") or "") for a in s.get("also_found_as") or []
        )
    )
    attrs = {
        "rank": s["rank"],
        "size": s["size"],
        "error": num(s["error_rate"], ".6g"),
        "lift": lift,
        "q": num(s["q_value"], ".6g"),
        "excess": num(s.get("excess_errors"), ".6g"),
        "finder": s["method"],
        "mode": s.get("failure_mode") or "",
        "features": json.dumps(slice_features(s)),
        "text": words.lower(),
    }
    return " ".join(f'data-{k}="{esc(v)}"' for k, v in attrs.items())


def slice_card(
    s: dict[str, Any], thumbs: Thumbs, *, open_: bool = False, words: TaskWords | None = None
) -> str:
    """One slice as a folded card: summary line, then everything known about it. `words`
    say a task's continuous loss (a regressor's mean absolute error) instead of an error
    rate."""
    lift = "∞" if s.get("lift") is None else f"{num(s['lift'], '.1f')}x"
    mode = (
        f" <span class='badge mode'>{esc(s['failure_mode'])}</span>"
        if s.get("failure_mode")
        else ""
    )
    if confirmed(s) is False:  # a sample's slice that did not hold on the rows outside it
        mode += " <span class='badge muted'>not confirmed</span>"
    if words is None or words.rate:
        rate = f"<span><b>{pct(s['error_rate'])}</b> err</span>" + _svg.interval_bar(
            s["error_rate"], s["ci"], reference=s.get("rest_error_rate"), width=120
        )
        stats = _stats(s)
    else:  # a continuous loss has no 0-100% axis: its words and figures
        view = s.get("view", "error")
        rate = f"<span>{esc(words.compare(s['error_rate'], s.get('rest_error_rate'), view))}</span>"
        stats = _loss_stats(s, words)
    summary = (
        f"<summary><span class='rank'>{esc(s['id'])}</span>"
        f"<span class='title'>{esc(s['title'])}{mode}</span>"
        f"<span class='stats'><span><b>{s['size']:,}</b> ex.</span>"
        + rate
        + f"<span><b>{esc(lift)}</b></span><span>q {num(s['q_value'], '.2g')}</span>"
        f"<span class='badge'>{esc(s['method'])}</span></span></summary>"
    )
    body = "".join(
        [
            _about(s, words),
            stats,
            _distinguishing(s),
            _pictures(s, thumbs),
            _feature_pictures(s, thumbs),
        ]
    )
    opened = " open" if open_ else ""
    return (
        f"<details class='card' id='slice-{esc(s['id'])}' {_data_attrs(s)}{opened}>{summary}"
        f"<div class='body'>{body}</div></details>"
    )


def _about(s: dict[str, Any], words: TaskWords | None = None) -> str:
    parts = [f"<p>{esc(s.get('description'))}</p>"]
    whole = whole_line(s.get("whole"), words)  # a sample's slice, counted on every input row
    if whole:
        parts.append(f"<p class='whole'><b>{esc(whole)}</b>.</p>")
    if s.get("rule"):
        parts.append(f"<p>rule: <code>{esc(s['rule'])}</code></p>")
    if s["method"] == "error_tree" and s.get("predicate"):
        path = " → ".join(esc(_condition_text(c)) for c in s["predicate"])
        parts.append(f"<p class='small muted'>error-tree path: {path}</p>")
    explanation = s.get("explanation")
    if explanation:
        parts.append(
            f"<p>{esc(explanation.get('sentence'))} <span class='muted small'>(precision "
            f"{num(explanation.get('precision'), '.2f')}, recall {num(explanation.get('recall'), '.2f')}, "
            f"F1 {num(explanation.get('f1'), '.2f')})</span></p>"
        )
    if s.get("found_as"):
        parts.append(f"<p class='small muted'>found as: {esc(s['found_as'])}</p>")
    aliases = s.get("also_found_as") or []
    if aliases:
        items = [
            f"<li><code>{esc(a.get('rule') or a.get('description') or a.get('method'))}</code> "
            f"<span class='muted small'>{esc(a.get('method'))}, {esc(a.get('size'))} examples</span></li>"
            for a in aliases
        ]
        shown = f"<ul class='plain'>{''.join(items[:N_ALIASES])}</ul>"
        if len(items) > N_ALIASES:
            shown += (
                f"<details><summary class='small'>{len(items) - N_ALIASES} more</summary>"
                f"<ul class='plain'>{''.join(items[N_ALIASES:])}</ul></details>"
            )
        parts.append(f"<h4>Also found as ({len(items)})</h4>{shown}")
    if s.get("failure_mode"):
        mode = esc(s["failure_mode"])
        parts.append(f"<p>Part of failure mode <a class='jump' href='#mode-{mode}'>{mode}</a>.</p>")
    return "".join(parts)


def _condition_text(c: dict[str, Any]) -> str:
    value = c.get("value")
    if c.get("op") == "in" and isinstance(value, list) and len(value) == 2:
        return f"{num(value[0])} <= {c['feature']} < {num(value[1])}"
    return f"{c.get('feature')} {c.get('op')} {value}"


def _stats(s: dict[str, Any]) -> str:
    pairs = [
        ("size / errors", f"{s['size']:,} / {s['errors']:,}"),
        ("error rate (95% CI)", f"{pct(s['error_rate'])} ({interval(s['ci'])})"),
        ("elsewhere", pct(s.get("rest_error_rate"))),
        ("lift", "∞" if s.get("lift") is None else f"{num(s['lift'], '.2f')}x"),
        ("excess errors", num(s.get("excess_errors"), ".1f")),
        ("beyond its classes", num(s.get("class_adjusted_excess"), ".1f")),
        ("p / q", f"{num(s.get('p_value'), '.2g')} / {num(s.get('q_value'), '.2g')}"),
        (
            "finder",
            esc(s["method"])
            + f" <span class='muted small'>(score {num(s.get('score'), '.3g')})</span>",
        ),
    ]
    bar = _svg.interval_bar(s["error_rate"], s["ci"], reference=s.get("rest_error_rate"), width=300)
    legend = "<p class='muted small'>error rate: dot, 95% interval: bar, elsewhere: black tick</p>"
    return f"<div class='grid2'><div>{kv(pairs)}</div><div><h4>Error rate</h4>{bar}{legend}</div></div>"


def _loss_stats(s: dict[str, Any], words: TaskWords) -> str:
    """A slice's figures for a continuous loss: its mean loss with interval, the rest's, the
    loss ratio, the tests."""
    view = s.get("view", "error")
    metric = words.metric(view)
    pairs = [
        ("size", f"{s['size']:,}"),
        (
            f"{metric} (95% CI)",
            esc(f"{words.value(s['error_rate'], view)} {words.interval(s['ci'], view)}"),
        ),
        ("elsewhere", esc(words.value(s.get("rest_error_rate"), view))),
        ("loss ratio", "∞" if s.get("lift") is None else f"{num(s['lift'], '.2f')}x"),
        ("p / q", f"{num(s.get('p_value'), '.2g')} / {num(s.get('q_value'), '.2g')}"),
        (
            "finder",
            esc(s["method"])
            + f" <span class='muted small'>(score {num(s.get('score'), '.3g')})</span>",
        ),
    ]
    return f"<div class='grid2'><div>{kv(pairs)}</div></div>"


def _distinguishing(s: dict[str, Any]) -> str:
    items = s.get("distinguishing") or []
    if not items:
        return ""
    rows = []
    for d in items:
        if d["kind"] == "numeric":
            what = esc(d["feature"])
            inside, out = num(d["in_slice"]), num(d["elsewhere"])
            effect = f"{num(d['effect'], '+.2f')} SD"
        else:
            what = f"{esc(d['feature'])} = {esc(d.get('value'))}"
            inside, out = pct(d["in_slice"], 0), pct(d["elsewhere"], 0)
            effect = f"{num(d['effect'] * 100, '+.0f')} points"
        rows.append([what, inside, out, effect])
    out_html = "<h4>What sets it apart</h4>" + table(
        ["feature", "inside", "elsewhere", "difference"], rows, numeric={1, 2, 3}, compact=True
    )
    hists = s.get("histograms") or []
    if hists:
        figures = "".join(
            f"<figure>{_svg.histogram(h)}<figcaption>{esc(h['feature'])}</figcaption></figure>"
            for h in hists
        )
        legend = (
            "<p class='legend muted small'><i style='background:#c0392b'></i>inside"
            "<i style='background:#8a94a6'></i>outside (share of each group per bin)</p>"
        )
        out_html += f"<div class='hists'>{figures}</div>{legend}"
    return out_html


def _pictures(s: dict[str, Any], thumbs: Thumbs) -> str:
    ex = s.get("examples")
    if not ex:
        return ""
    grids = [
        ("Errors inside", ex.get("inside"), "no errors inside"),
        ("Successes inside", ex.get("successes_inside"), "none"),
        ("Errors outside, same classes", ex.get("errors_outside"), "none"),
    ]
    if "errors_outside" not in ex:
        grids.append(("Outside, same classes", ex.get("outside"), "none"))
    html = "".join(
        f"<div><h4>{esc(title)}</h4>{thumb_grid(records, thumbs, empty=empty)}</div>"
        for title, records, empty in grids
        if records is not None
    )
    return f"<div class='grid2 pics'>{html}</div>"


def _feature_pictures(s: dict[str, Any], thumbs: Thumbs) -> str:
    out = []
    for f in s.get("feature_pictures") or []:
        images = "".join(
            thumbs.img(u, f"embedding feature {f.get('feature')}", cls="big")
            for u in f.get("images") or []
        )
        out.append(
            f"<div><h4>Embedding feature {esc(f.get('feature'))} {esc(f.get('op'))} "
            f"{num(f.get('threshold'))}: where it fires</h4><div class='thumbs'>{images}</div></div>"
        )
    return "".join(out)
