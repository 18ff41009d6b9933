"""Overview (metrics, per class, confusion heat map, reliability) and subgroups sections."""

from __future__ import annotations

from typing import Any

from weakspot.report.html import _svg
from weakspot.report.html._parts import section, table, tiles
from weakspot.report.html._safe import esc, interval, num, pct

MAX_GROUP_CHARTS = 8


def overview_tiles(doc: dict[str, Any]) -> str:
    """Examples, accuracy with its interval, errors, ECE, slices and failure modes."""
    o = doc["overall"]
    items = [
        ("examples", f"{o['n']:,}", f"{len(doc['dataset']['classes'])} classes"),
        ("accuracy", pct(o["accuracy"]), "95% CI " + interval(o["accuracy_ci"])),
        ("errors", f"{o['errors']:,}", f"error rate {pct(o['error_rate'])}"),
    ]
    if o.get("calibration"):
        items.append(("ECE", num(o["calibration"]["ece"], ".3f"), "expected calibration error"))
    items.append(("slices", str(len(doc["slices"])), f"of {doc['search']['tested']:,} tested"))
    if doc.get("failure_modes") is not None:
        items.append(("failure modes", str(len(doc["failure_modes"])), ""))
    return tiles(items)


def overview_section(doc: dict[str, Any]) -> str:
    o = doc["overall"]
    charts = []
    conf = o.get("confusion")
    if conf and conf.get("classes"):
        charts.append(
            "<figure>"
            + _svg.heatmap(conf["classes"], conf["matrix"])
            + "<figcaption>Confusion matrix, rows = true class, shaded by the share of the row "
            "(blue: correct, red: confused).</figcaption></figure>"
        )
    cal = o.get("calibration")
    if cal:
        charts.append(
            "<figure>"
            + _svg.reliability(cal["bins"])
            + f"<figcaption>Reliability diagram (ECE {num(cal['ece'], '.3f')}): bars = accuracy per "
            "confidence bin, red = mean confidence, dashed = perfect calibration; the strip below "
            "is the share of examples per bin.</figcaption></figure>"
        )
    body = overview_tiles(doc) + f"<div class='charts'>{''.join(charts)}</div>" + _per_class(o)
    return section("overview", "Overview", body)


def _per_class(o: dict[str, Any]) -> str:
    rows = []
    worst = min((c["recall"] for c in o["per_class"]), default=None)
    bad = set()
    for i, c in enumerate(o["per_class"]):
        if c["recall"] == worst:
            bad.add(i)
        rows.append(
            [
                esc(c["class"]),
                str(c["support"]),
                num(c["precision"], ".3f"),
                num(c["recall"], ".3f")
                + f" <span class='muted small'>({interval(c.get('recall_ci'))})</span>",
                num(c["f1"], ".3f"),
            ]
        )
    return "<h3>Per class</h3>" + table(
        ["class", "support", "precision", "recall (95% CI)", "F1"],
        rows,
        numeric={1, 2, 3, 4},
        bad=bad,
    )


def subgroups_section(doc: dict[str, Any]) -> str:
    """The per-feature gap table, interval charts of the sensitive and widest-gap features,
    and every group in a folded table."""
    d = doc["disaggregated"]
    accuracy = doc["overall"]["accuracy"]
    features = sorted(d["features"], key=lambda f: (not f["sensitive"], -f["accuracy_gap"]))
    rows, bad = [], set()
    for i, f in enumerate(features):
        if f["gap_significant"]:
            bad.add(i)
        fair = ""
        if "demographic_parity_difference" in f:
            fair = (
                f"DP {num(f['demographic_parity_difference'], '.3f')}, "
                f"EO {num(f['equalized_odds_difference'], '.3f')}"
            )
        rows.append(
            [
                esc(f["feature"])
                + (" <span class='badge'>sensitive</span>" if f["sensitive"] else ""),
                str(f["n_groups"]),
                pct(f["accuracy_gap"]),
                esc(f.get("worst_group")),
                esc(f.get("best_group")),
                "<b class='wrong'>yes</b>" if f["gap_significant"] else "no",
                fair,
            ]
        )
    head = [
        "feature",
        "groups",
        "accuracy gap",
        "worst group",
        "best group",
        "significant",
        "binary fairness",
    ]
    gap_table = table(head, rows, numeric={1, 2}, bad=bad)
    charts = _group_charts(d, features, accuracy)
    every = table(
        ["feature", "group", "n", "accuracy", "95% CI"],
        [
            [esc(g["feature"]), esc(g["group"]), str(g["n"]), pct(g["accuracy"]), interval(g["ci"])]
            for g in d["groups"]
        ],
        numeric={2, 3},
    )
    body = (
        gap_table
        + charts
        + f"<details><summary>Every subgroup ({len(d['groups'])})</summary>{every}</details>"
    )
    intro = (
        "Accuracy per group of every metadata column (numeric columns in quantile bins), with 95% "
        "Wilson intervals; significant gaps are highlighted. The intersection of the sensitive "
        "columns appears as 'a x b'."
    )
    return section("subgroups", "Subgroups and fairness", body, intro=intro)


def _group_charts(d: dict[str, Any], features: list[dict[str, Any]], accuracy: float) -> str:
    chosen = [f for f in features if f["sensitive"] or f["gap_significant"]][:MAX_GROUP_CHARTS]
    if not chosen:
        chosen = features[:2]
    figures = []
    for f in chosen:
        groups = [g for g in d["groups"] if g["feature"] == f["feature"]]
        if not groups:
            continue
        gap = f"gap {pct(f['accuracy_gap'])}" + (", significant" if f["gap_significant"] else "")
        figures.append(
            f"<figure><h4>{esc(f['feature'])} <span class='muted small'>{esc(gap)}</span></h4>"
            + _svg.group_intervals(groups, accuracy)
            + "</figure>"
        )
    caption = (
        "<p class='muted small'>Dots: accuracy; lines: 95% interval; red = worst group, green = "
        "best, the shaded band is the gap; dashed = overall accuracy.</p>"
    )
    return f"<div class='charts'>{''.join(figures)}</div>{caption}" if figures else ""
