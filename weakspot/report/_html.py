"""``report.html``: one self-contained page (inline CSS, no external URL) from analysis.json."""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2433;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #eef;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f6fb}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.7rem;background:#d9534f;border-radius:2px;vertical-align:middle}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#f4f6fb;border-radius:8px;padding:.8rem 1.2rem}
.card b{display:block;font-size:1.4rem}.row{display:flex;gap:.4rem;flex-wrap:wrap;margin:.3rem 0}
figure{margin:0;text-align:center;font-size:.75rem}figure img,.row img{width:72px;height:72px;image-rendering:pixelated;border-radius:4px}
.pics{display:flex;gap:2rem;flex-wrap:wrap}details{margin:.4rem 0}.muted{color:#667}.note{background:#fff8e1;padding:.5rem .8rem;border-radius:6px}
"""


def render_html(doc: dict[str, Any]) -> str:
    """Render an ``analysis.json`` document as a self-contained HTML page."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>weakspot report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>weakspot report</h1>",
        _cards(doc),
        _slices(doc),
        _subgroups(doc),
        _per_class(doc),
        _confusion(doc),
        _calibration(doc),
        _notes(doc),
        f"<p class='muted'>weakspot {escape(str(doc.get('weakspot_version')))}, schema {escape(doc['schema_version'])}</p>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _cards(doc: dict[str, Any]) -> str:
    o = doc["overall"]
    cards = [
        ("examples", f"{o['n']}"),
        ("accuracy", f"{o['accuracy']:.1%}"),
        ("95% CI", f"{o['accuracy_ci'][0]:.1%} - {o['accuracy_ci'][1]:.1%}"),
        ("errors", f"{o['errors']}"),
        ("slices reported", f"{len(doc['slices'])}"),
    ]
    if o.get("calibration"):
        cards.append(("ECE", f"{o['calibration']['ece']:.3f}"))
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><span class='muted'>{escape(k)}</span><b>{escape(v)}</b></div>"
            for k, v in cards
        )
        + "</div>"
    )


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{c}</td>" if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _slices(doc: dict[str, Any]) -> str:
    out = [
        f"<h2>Failure slices</h2><p class='muted'>{doc['search']['tested']} candidate slices tested; "
        f"reported: q-value &le; {doc['config']['max_q']}, at least {doc['config']['min_support']} examples, near-copies folded.</p>"
    ]
    if not doc["slices"]:
        out.append(
            "<p class='note'>No slice has an error rate significantly above the rest: errors look spread evenly over the features searched.</p>"
        )
        return "".join(out)
    rows = []
    for s in doc["slices"]:
        width = int(120 * s["error_rate"])
        lift = "&infin;" if s["lift"] is None else f"{s['lift']:.1f}x"
        also = "; ".join(
            escape(a["rule"] or a.get("description") or a["method"])
            for a in s.get("also_found_as", [])[:3]
        )
        also_html = f"<br><span class='muted'>also found as: {also}</span>" if also else ""
        rows.append(
            [
                str(s["rank"]),
                f"<b>{escape(s['title'])}</b><br>"
                f"<span class='muted'>{escape(s['description'])}</span>{also_html}",
                str(s["size"]),
                f"<span class='bar' style='width:{width}px'></span> {s['error_rate']:.1%}<br><span class='muted'>{s['ci'][0]:.1%}-{s['ci'][1]:.1%}</span>",
                lift,
                f"{s['q_value']:.2g}",
                escape(s["method"]),
            ]
        )
    out.append(
        _table(
            ["#", "slice", "size", "error rate (95% CI)", "lift", "q", "method"], rows, {0, 2, 4, 5}
        )
    )
    out.extend(_slice_details(s) for s in doc["slices"])
    return "".join(out)


def _thumbs(records: list[dict[str, Any]]) -> str:
    return "".join(
        f"<figure><img src='{r['image']}' alt='{escape(r['id'])}'><figcaption>{escape(r['label'])}"
        f"{'' if r['label'] == r['prediction'] else ' &rarr; ' + escape(r['prediction'])}</figcaption></figure>"
        for r in records
    )


def _slice_details(s: dict[str, Any]) -> str:
    """Pictures and the features that set the slice apart, folded under the table."""
    parts = []
    explanation = s.get("explanation")
    if explanation:
        parts.append(f"<p>{escape(explanation['sentence'])}</p>")
    if s.get("distinguishing"):
        items = []
        for d in s["distinguishing"][:5]:
            if d["kind"] == "numeric":
                items.append(
                    f"{escape(d['feature'])}: {d['in_slice']:.3g} inside vs {d['elsewhere']:.3g} elsewhere (d = {d['effect']:+.2f})"
                )
            else:
                items.append(
                    f"{escape(d['feature'])} = {escape(str(d.get('value')))}: {d['in_slice']:.0%} inside vs {d['elsewhere']:.0%} elsewhere"
                )
        parts.append("<p class='muted'>What sets it apart: " + "; ".join(items) + "</p>")
    if s.get("examples"):
        parts.append(
            "<div class='pics'><div><b>inside (failures)</b><div class='row'>"
            + _thumbs(s["examples"]["inside"])
            + "</div></div>"
        )
        parts.append(
            "<div><b>outside (same classes)</b><div class='row'>"
            + _thumbs(s["examples"]["outside"])
            + "</div></div></div>"
        )
    for f in s.get("feature_pictures") or []:
        imgs = "".join(f"<img src='{u}' alt='feature {f['feature']}'>" for u in f["images"])
        parts.append(
            f"<div><b>embedding feature {f['feature']} {escape(f['op'])} {f['threshold']:.3g}</b>: where it fires<div class='row'>{imgs}</div></div>"
        )
    if not parts:
        return ""
    return f"<details><summary>S{s['rank']}: {escape(s['title'][:80])}</summary>{''.join(parts)}</details>"


def _subgroups(doc: dict[str, Any]) -> str:
    d = doc["disaggregated"]
    rows = []
    for f in sorted(d["features"], key=lambda f: (not f["sensitive"], -f["accuracy_gap"])):
        extra = ""
        if "demographic_parity_difference" in f:
            extra = f"DP diff {f['demographic_parity_difference']:.3f}, EO diff {f['equalized_odds_difference']:.3f}"
        rows.append(
            [
                escape(f["feature"]) + (" <b>(sensitive)</b>" if f["sensitive"] else ""),
                str(f["n_groups"]),
                f"{f['accuracy_gap']:.1%}",
                escape(str(f["worst_group"])),
                "yes" if f["gap_significant"] else "no",
                extra,
            ]
        )
    table = _table(
        ["feature", "groups", "accuracy gap", "worst group", "significant", "binary fairness"],
        rows,
        {1, 2},
    )
    group_rows = [
        [
            escape(g["feature"]),
            escape(str(g["group"])),
            str(g["n"]),
            f"{g['accuracy']:.1%}",
            f"{g['ci'][0]:.1%}-{g['ci'][1]:.1%}",
        ]
        for g in d["groups"]
    ]
    detail = (
        "<details><summary>All subgroups</summary>"
        + _table(["feature", "group", "n", "accuracy", "95% CI"], group_rows, {2, 3})
        + "</details>"
    )
    return "<h2>Subgroups</h2>" + table + detail


def _per_class(doc: dict[str, Any]) -> str:
    rows = [
        [
            escape(c["class"]),
            str(c["support"]),
            f"{c['precision']:.3f}",
            f"{c['recall']:.3f}",
            f"{c['f1']:.3f}",
        ]
        for c in doc["overall"]["per_class"]
    ]
    return "<h2>Per class</h2>" + _table(
        ["class", "support", "precision", "recall", "F1"], rows, {1, 2, 3, 4}
    )


def _confusion(doc: dict[str, Any]) -> str:
    conf = doc["overall"]["confusion"]
    if len(conf["classes"]) > 30:
        return ""
    header = ["true \\ predicted"] + conf["classes"]
    rows = [
        [escape(c)] + [str(v) for v in row]
        for c, row in zip(conf["classes"], conf["matrix"], strict=True)
    ]
    return "<h2>Confusion matrix</h2>" + _table(header, rows, set(range(1, len(header))))


def _calibration(doc: dict[str, Any]) -> str:
    cal = doc["overall"].get("calibration")
    if not cal:
        return ""
    rows = [
        [
            f"{b['low']:.1f}-{b['high']:.1f}",
            str(b["count"]),
            "" if b["confidence"] is None else f"{b['confidence']:.3f}",
            "" if b["accuracy"] is None else f"{b['accuracy']:.3f}",
        ]
        for b in cal["bins"]
    ]
    return f"<h2>Calibration (ECE {cal['ece']:.3f})</h2>" + _table(
        ["confidence bin", "count", "mean confidence", "accuracy"], rows, {1, 2, 3}
    )


def _notes(doc: dict[str, Any]) -> str:
    items = [escape(n) for n in doc.get("notes", [])]
    items += [
        escape(f"skipped {s.get('path', s.get('index'))}: {s.get('reason')}")
        for s in doc.get("skipped", [])
    ]
    return "<h2>Notes</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""
