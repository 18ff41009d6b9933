"""Overview (metrics, per class, confusion heat map, reliability) and subgroups sections."""

from __future__ import annotations

from typing import Any

from weakspot.report._labels import is_multilabel
from weakspot.report._task_text import REGRESSION_FIGURES, overall_figures, speaks_rates
from weakspot.report._whole_text import whole_gap
from weakspot.report.html import _svg
from weakspot.report.html._labels import label_overview_section, label_subgroups_section
from weakspot.report.html._parts import section, table, tiles
from weakspot.report.html._safe import esc, interval, num, pct
from weakspot.tasks import number

MAX_GROUP_CHARTS = 8


def overview_tiles(doc: dict[str, Any]) -> str:
    """Examples, accuracy with its interval, errors, ECE, slices and failure modes (a
    regressor: its metrics with their intervals)."""
    o = doc["overall"]
    if not speaks_rates(doc):
        items = [("examples", f"{o['n']:,}", _examples_caption(doc))]
        items += [
            (name, value, f"95% CI {ci}" if ci else "") for name, value, ci in overall_figures(o)
        ]
        items.append(("slices", str(len(doc["slices"])), f"of {doc['search']['tested']:,} tested"))
        if doc.get("failure_modes") is not None:
            items.append(("failure modes", str(len(doc["failure_modes"])), ""))
        return tiles(items)
    items = [
        ("examples", f"{o['n']:,}", _examples_caption(doc)),
        ("accuracy", pct(o["accuracy"]), "95% CI " + interval(o["accuracy_ci"])),
        ("errors", f"{o['errors']:,}", f"error rate {pct(o['error_rate'])}"),
    ]
    whole = (doc["dataset"].get("sample") or {}).get("whole")
    if whole:  # a sample's input, counted whole in the pass that counts the findings
        accuracy = 1 - whole["error_rate"]
        items.insert(2, ("accuracy, all rows", pct(accuracy), f"of {whole['rows']:,} rows"))
    if o.get("calibration"):
        items.append(("ECE", num(o["calibration"]["ece"], ".3f"), "expected calibration error"))
    items.append(("slices", str(len(doc["slices"])), f"of {doc['search']['tested']:,} tested"))
    if doc.get("failure_modes") is not None:
        items.append(("failure modes", str(len(doc["failure_modes"])), ""))
    return tiles(items)


def _examples_caption(doc: dict[str, Any]) -> str:
    """The examples tile's caption: the classes (a regressor: its loss), and the input's rows
    when it was sampled."""
    classes = (
        f"{len(doc['dataset']['classes'])} classes"
        if speaks_rates(doc)
        else f"{doc['task']['name']}, {doc['task'].get('loss', 'its')} loss"
    )
    drawn = doc["dataset"].get("sample")
    return f"{classes}; sampled from {drawn['of']:,} rows" if drawn else classes


def overview_section(doc: dict[str, Any]) -> str:
    o = doc["overall"]
    if is_multilabel(doc):  # a tagger: per-label table and recall chart
        return label_overview_section(doc)
    if not speaks_rates(doc):  # no classes: no confusion, calibration or per-class table
        return section("overview", "Overview", overview_tiles(doc))
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
    charts.append(f"<figure>{_per_class(o)}</figure>")
    body = overview_tiles(doc) + f"<div class='charts'>{''.join(charts)}</div>"
    return section("overview", "Overview", body)


def _per_class(o: dict[str, Any]) -> str:
    rows = []
    worst = min((c["recall"] for c in o["per_class"]), default=None)
    bad = set()
    for i, c in enumerate(o["per_class"]):
        if c["recall"] == worst and len(o["per_class"]) > 2:
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
    return "<h4>Per class</h4>" + table(
        ["class", "support", "precision", "recall (95% CI)", "F1"],
        rows,
        numeric={1, 2, 3, 4},
        bad=bad,
        compact=True,
    )


def _is_metadata(doc: dict[str, Any], name: str) -> bool:
    """A column the user gave (or the label, or an intersection), not a derived image feature."""
    given = set(doc.get("dataset", {}).get("metadata_columns") or [])
    return name in given or name == "label" or " x " in name


def _gap_table(features: list[dict[str, Any]]) -> str:
    binary = any("demographic_parity_difference" in f for f in features)
    on_all = any(f.get("whole") for f in features)  # a sample's input, counted whole
    rows = []
    for f in features:
        row = [
            esc(f["feature"]) + (" <span class='badge'>sensitive</span>" if f["sensitive"] else ""),
            str(f["n_groups"]),
            pct(f["accuracy_gap"]),
            esc(f.get("worst_group")),
            esc(f.get("best_group")),
            "<b class='wrong'>yes</b>" if f["gap_significant"] else "no",
        ]
        if binary:
            row.append(
                f"DP {num(f['demographic_parity_difference'], '.3f')}, "
                f"EO {num(f['equalized_odds_difference'], '.3f')}"
                if "demographic_parity_difference" in f
                else ""
            )
        if on_all:
            row.append(esc(whole_gap(f) or "-"))
        rows.append(row)
    head = ["feature", "groups", "accuracy gap", "worst group", "best group", "significant"]
    head += ["binary fairness"] * binary + ["on all rows"] * on_all
    return table(head, rows, numeric={1, 2})


def _whole_cells(whole: dict[str, Any] | None) -> list[str]:
    """A subgroup's rows and accuracy on every row of a sampled input; dashes if not counted."""
    if not whole:
        return ["-", "-"]
    return [f"{whole['n']:,}", f"{pct(whole['accuracy'])} ({interval(whole['ci'])})"]


def subgroups_section(doc: dict[str, Any]) -> str:
    """The per-feature gap table of the given columns, interval charts of the sensitive and
    significant ones, derived image features folded, and every group in a folded table."""
    d = doc["disaggregated"]
    if is_multilabel(doc):
        return label_subgroups_section(doc)
    if not speaks_rates(doc):
        return _loss_subgroups_section(doc)
    accuracy = doc["overall"]["accuracy"]
    features = sorted(d["features"], key=lambda f: (not f["sensitive"], -f["accuracy_gap"]))
    given = [f for f in features if _is_metadata(doc, f["feature"])]
    derived = [f for f in features if not _is_metadata(doc, f["feature"])]
    body = _gap_table(given) if given else ""
    body += _group_charts(d, given or features, accuracy)
    if derived:
        body += (
            f"<details><summary>Image properties and flags ({len(derived)})</summary>"
            f"{_gap_table(derived)}</details>"
        )
    on_all = any(g.get("whole") for g in d["groups"])  # a sample's input, counted whole
    every = table(
        ["feature", "group", "n", "accuracy", "95% CI"]
        + ["n, all rows", "accuracy, all rows (95% CI)"] * on_all,
        [
            [esc(g["feature"]), esc(g["group"]), str(g["n"]), pct(g["accuracy"]), interval(g["ci"])]
            + (_whole_cells(g.get("whole")) if on_all else [])
            for g in d["groups"]
        ],
        numeric={2, 3, 5, 6} if on_all else {2, 3},
    )
    body += f"<details><summary>Every subgroup ({len(d['groups'])})</summary>{every}</details>"
    intro = (
        "Accuracy per group of every metadata column (numeric columns in quantile bins), with 95% "
        "Wilson intervals. The intersection of the sensitive columns appears as 'a x b'."
    )
    return section("subgroups", "Subgroups and fairness", body, intro=intro)


def _loss_subgroups_section(doc: dict[str, Any]) -> str:
    """A regressor's subgroups: each feature's largest MAE gap with its permutation test, and
    every group's metrics with their bootstrap intervals."""
    d = doc["disaggregated"]
    features = sorted(d["features"], key=lambda f: (not f["sensitive"], -f["mae_gap"]))
    gaps = table(
        ["feature", "groups", "MAE gap", "worst group", "best group", "p (permutation)"],
        [
            [
                esc(f["feature"])
                + (" <span class='badge'>sensitive</span>" if f["sensitive"] else ""),
                str(f["n_groups"]),
                esc(number(f["mae_gap"])),
                esc(f.get("worst_group")),
                esc(f.get("best_group")),
                ("<b class='wrong'>" if f["gap_significant"] else "<span>")
                + num(f["gap_p_value"], ".2g")
                + ("</b>" if f["gap_significant"] else "</span>"),
            ]
            for f in features
        ],
        numeric={1, 2, 5},
    )
    names = [name for name, _ in REGRESSION_FIGURES]
    rows = [
        [esc(g["feature"]), esc(g["group"]), str(g["n"])]
        + [
            f"{esc(value)} <span class='muted small'>{esc(ci)}</span>"
            for _, value, ci in overall_figures(g, keep_missing=True)
        ]
        for g in d["groups"]
    ]
    head = ["feature", "group", "n", *names]
    every = table(head, rows, numeric=set(range(2, len(head))))
    body = (
        gaps + f"<details><summary>Every subgroup ({len(d['groups'])})</summary>{every}</details>"
    )
    intro = (
        "Mean absolute error per group of every metadata column (numeric columns in quantile "
        "bins) with the other metrics, each with a 95% bootstrap interval; a feature's gap is "
        "tested by permuting its group labels. The intersection of the sensitive columns "
        "appears as 'a x b'."
    )
    return section("subgroups", "Subgroups and fairness", body, intro=intro)


def _group_charts(d: dict[str, Any], features: list[dict[str, Any]], accuracy: float) -> str:
    chosen = [f for f in features if f["sensitive"] or f["gap_significant"]][:MAX_GROUP_CHARTS]
    if not chosen:
        chosen = features[:2]
    figures = []
    for f in chosen:
        groups = [
            {**g, "group": _short(g["group"], f["feature"])}
            for g in d["groups"]
            if g["feature"] == f["feature"]
        ]
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


def _short(label: Any, feature: str) -> str:
    """A group's label without its feature's name, cut to fit a chart's margin."""
    text = str(label)
    if text.startswith(f"{feature} == "):
        text = text[len(feature) + 4 :]
    return text if len(text) <= 26 else text[:25] + "…"
