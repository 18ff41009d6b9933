"""report.html's overview and subgroups for a multi-label tagger: tiles (subset accuracy,
Hamming loss, labels), the per-label table with its intervals, each label's recall as an
interval chart, and the labels whose recall differs most between subgroups."""

from __future__ import annotations

from typing import Any

from weakspot.report._labels import LABEL_HEADER, gap_sentence, label_gaps, label_rows, worst_recall
from weakspot.report.html import _svg
from weakspot.report.html._parts import section, table, tiles
from weakspot.report.html._safe import esc, interval, num, pct

MAX_GAP_CHARTS = 4


def label_tiles(doc: dict[str, Any]) -> str:
    """Examples, subset accuracy and Hamming loss with intervals, labels, slices, modes."""
    o = doc["overall"]
    drawn = doc["dataset"].get("sample")
    caption = f"sampled from {drawn['of']:,} rows" if drawn else ""
    items = [
        ("examples", f"{o['n']:,}", caption),
        (
            "subset accuracy",
            pct(o["subset_accuracy"]),
            "95% CI " + interval(o["subset_accuracy_ci"]),
        ),
        (
            "Hamming loss",
            num(o["hamming_loss"], ".3f"),
            f"95% CI {num(o['hamming_loss_ci'][0], '.3f')}-{num(o['hamming_loss_ci'][1], '.3f')}",
        ),
        ("labels", str(o["n_labels"]), f"macro F1 {num(o['macro_f1'], '.3f')}"),
        ("slices", str(len(doc["slices"])), f"of {doc['search']['tested']:,} tested"),
    ]
    if doc.get("failure_modes") is not None:
        items.append(("failure modes", str(len(doc["failure_modes"])), ""))
    return tiles(items)


def label_overview_section(doc: dict[str, Any]) -> str:
    """The overview of a tagger: tiles, the per-label table and the recall chart."""
    o = doc["overall"]
    worst = worst_recall(doc)
    rows = [[esc(cell) for cell in row] for row in label_rows(doc)]
    per_label = "<h4>Per label</h4>" + table(
        LABEL_HEADER, rows, numeric={1, 2, 3, 4, 5}, bad={worst} - {None}, compact=True
    )
    caption = esc(
        "Precision and recall have Wilson intervals, F1 and the Hamming loss percentile "
        "bootstrap intervals over the examples; '-' where a figure is undefined."
    )
    charts = [f"<figure>{per_label}<figcaption>{caption}</figcaption></figure>"]
    recalls = [
        {"group": r["label"], "accuracy": r["recall"], "ci": r["recall_ci"], "n": r["support"]}
        for r in o["per_label"]
        if r["recall"] is not None
    ]
    micro = o["micro"]["recall"]
    if recalls and micro is not None:
        charts.append(
            "<figure><h4>Recall per label</h4>"
            + _svg.group_intervals(recalls, micro)
            + "<figcaption>Dots: recall (n = the label's support); lines: 95% Wilson interval; "
            "dashed: recall over every label.</figcaption></figure>"
        )
    body = label_tiles(doc) + f"<div class='charts'>{''.join(charts)}</div>"
    return section("overview", "Overview", body)


def label_subgroups_section(doc: dict[str, Any]) -> str:
    """Each feature's largest Hamming-loss gap, the labels whose recall differs most between
    its groups (charted), and every group's figures in a folded table."""
    d = doc["disaggregated"]
    features = sorted(d["features"], key=lambda f: (not f["sensitive"], -f["hamming_loss_gap"]))
    gap_rows = [
        [
            esc(f["feature"]) + (" <span class='badge'>sensitive</span>" if f["sensitive"] else ""),
            str(f["n_groups"]),
            num(f["hamming_loss_gap"], ".3f"),
            esc(f["worst_group"]),
            esc(f["best_group"]),
            "<b class='wrong'>yes</b>" if f["gap_significant"] else "no",
        ]
        for f in features
    ]
    head = ["feature", "groups", "Hamming loss gap", "worst group", "best group", "significant"]
    body = table(head, gap_rows, numeric={1, 2})
    gaps = label_gaps(doc)
    if gaps:
        body += "<h4>Labels whose recall differs between subgroups</h4><ul>"
        body += "".join(f"<li>{esc(gap_sentence(g))}</li>" for g in gaps) + "</ul>"
        body += _gap_charts(d, gaps[:MAX_GAP_CHARTS], doc["overall"]["labels"])
    every = table(
        ["feature", "group", "n", "subset accuracy (95% CI)", "Hamming loss (95% CI)"],
        [
            [
                esc(g["feature"]),
                esc(g["group"]),
                str(g["n"]),
                f"{pct(g['subset_accuracy'])} ({interval(g['subset_accuracy_ci'])})",
                f"{num(g['hamming_loss'], '.3f')} ({num(g['hamming_loss_ci'][0], '.3f')}-"
                f"{num(g['hamming_loss_ci'][1], '.3f')})",
            ]
            for g in d["groups"]
        ],
        numeric={2, 3, 4},
    )
    body += f"<details><summary>Every subgroup ({len(d['groups'])})</summary>{every}</details>"
    intro = (
        "The Hamming loss (share of labels wrong per example) per group of every metadata "
        "column (numeric columns in quantile bins), and each label's recall per group; a gap is "
        "significant when the two groups' 95% intervals do not overlap."
    )
    return section("subgroups", "Subgroups", body, intro=intro)


def _gap_charts(d: dict[str, Any], gaps: list[dict[str, Any]], labels: list[str]) -> str:
    figures = []
    for gap in gaps:
        j = labels.index(gap["label"])
        groups = [
            {
                "group": _short(g["group"], gap["feature"]),
                "accuracy": g["per_label"][j]["recall"],
                "ci": g["per_label"][j]["recall_ci"],
                "n": g["per_label"][j]["support"],
            }
            for g in d["groups"]
            if g["feature"] == gap["feature"] and g["per_label"][j]["recall"] is not None
        ]
        pooled = sum(g["accuracy"] * g["n"] for g in groups) / max(sum(g["n"] for g in groups), 1)
        figures.append(
            f"<figure><h4>{esc(gap['label'])}: recall by {esc(gap['feature'])}</h4>"
            + _svg.group_intervals(groups, pooled)
            + "</figure>"
        )
    caption = (
        "<p class='muted small'>Dots: the label's recall in each group (n = its positive "
        "examples there); lines: 95% Wilson interval; dashed: its recall overall.</p>"
    )
    return f"<div class='charts'>{''.join(figures)}</div>{caption}"


def _short(label: Any, feature: str) -> str:
    text = str(label)
    if text.startswith(f"{feature} == "):
        text = text[len(feature) + 4 :]
    return text if len(text) <= 26 else text[:25] + "…"
