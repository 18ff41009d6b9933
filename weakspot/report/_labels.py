"""A multi-label tagger's figures as text, read from analysis.json's ``overall`` and
``disaggregated`` records (`weakspot.metrics.multilabel_overall`): one headline, the per-label
table and the labels whose recall differs most between subgroups. The terminal, summary.md
and report.html all take their words from here, so they say the same thing.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.report._paired import PairedChange
from weakspot.stats import holm

LABEL_HEADER = [
    "label",
    "support",
    "predicted",
    "precision (95% CI)",
    "recall (95% CI)",
    "F1 (95% CI)",
]
MAX_LABEL_GAPS = 8


def is_multilabel(doc: dict[str, Any]) -> bool:
    """Whether analysis.json is a multi-label tagger's (its ``overall`` has ``per_label``)."""
    return "per_label" in doc.get("overall", {})


def label_headline(doc: dict[str, Any]) -> str:
    """``1,500 examples, 3 labels: subset accuracy 78.7% (95% CI 76.5%-80.7%), Hamming loss
    0.076 (95% CI 0.069-0.084), 320 examples with a wrong label``."""
    o = doc["overall"]
    drawn = doc["dataset"].get("sample")
    sampled = f" (sampled from {drawn['of']:,} rows)" if drawn else ""
    low, high = o["subset_accuracy_ci"]
    return (
        f"{o['n']:,} examples{sampled}, {o['n_labels']} label{'s' * (o['n_labels'] != 1)}: "
        f"subset accuracy {o['subset_accuracy']:.1%} (95% CI {low:.1%}-{high:.1%}), "
        f"Hamming loss {o['hamming_loss']:.3f} (95% CI {_ci(o['hamming_loss_ci'])}), "
        f"{o['errors']:,} examples with a wrong label"
    )


def label_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row of plain text per label, in `LABEL_HEADER`'s order; ``-`` where a figure is
    undefined (no example has the label, or it is never predicted)."""
    rows = []
    for r in doc["overall"]["per_label"]:
        rows.append(
            [
                str(r["label"]),
                f"{r['support']:,}",
                f"{r['predicted']:,}",
                _with_ci(r["precision"], r["precision_ci"]),
                _with_ci(r["recall"], r["recall_ci"]),
                _with_ci(r["f1"], r["f1_ci"]),
            ]
        )
    return rows


def worst_recall(doc: dict[str, Any]) -> int | None:
    """The row of the label with the lowest recall (among labels some example has)."""
    recalls = [
        (r["recall"], i)
        for i, r in enumerate(doc["overall"]["per_label"])
        if r["recall"] is not None
    ]
    return min(recalls)[1] if len(recalls) > 1 else None


def label_gaps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The significant per-label recall gaps between a feature's subgroups, largest first:
    ``{feature, label, recall_gap, worst_group, best_group, worst, best}`` with the two
    groups' recall records (`weakspot.metrics.multilabel_disaggregated`)."""
    d = doc["disaggregated"]
    index = {(g["feature"], g["group"]): g for g in d["groups"]}
    names = doc["overall"]["labels"]
    found = []
    for feature in d["features"]:
        for gap in feature.get("label_gaps", []):
            if not gap["gap_significant"]:
                continue
            j = names.index(gap["label"])
            worst = index[(feature["feature"], gap["worst_group"])]["per_label"][j]
            best = index[(feature["feature"], gap["best_group"])]["per_label"][j]
            found.append({"feature": feature["feature"], **gap, "worst": worst, "best": best})
    found.sort(key=lambda g: (-g["recall_gap"], g["feature"], g["label"]))
    return found[:MAX_LABEL_GAPS]


def gap_sentence(gap: dict[str, Any]) -> str:
    """``stripes: recall 28% (21%-36%) where site == C vs 93% (89%-95%) where site == A``."""
    worst, best = gap["worst"], gap["best"]
    return (
        f"{gap['label']}: recall {_pct(worst['recall'])} ({_pct_ci(worst['recall_ci'])}) where "
        f"{gap['worst_group']} vs {_pct(best['recall'])} ({_pct_ci(best['recall_ci'])}) where "
        f"{gap['best_group']}"
    )


def markdown_label_lines(doc: dict[str, Any], literal: Any) -> list[str]:
    """summary.md's per-label table and significant recall gaps; `literal` fences a user's
    string (a label name, a group) as a Markdown code span."""
    lines = ["", "## Labels", "", "| " + " | ".join(LABEL_HEADER) + " |"]
    lines.append("|---" * len(LABEL_HEADER) + "|")
    for row in label_rows(doc):
        lines.append("| " + " | ".join([literal(row[0]), *row[1:]]) + " |")
    gaps = label_gaps(doc)
    if gaps:
        lines += ["", "Labels whose recall differs significantly between subgroups:", ""]
        for gap in gaps:
            worst, best = gap["worst"], gap["best"]
            lines.append(
                f"- {literal(gap['label'], in_table=False)}: recall {_pct(worst['recall'])} "
                f"where {literal(gap['worst_group'], in_table=False)} vs "
                f"{_pct(best['recall'])} where {literal(gap['best_group'], in_table=False)}"
            )
    return lines


def label_changes(old: pd.DataFrame, new: pd.DataFrame) -> list[dict[str, Any]]:
    """How each label's errors changed from an old tagger to a new one on the same examples.

    Parameters
    ----------
    old, new : DataFrame
        Two examples.csv tables of taggers (`weakspot.report.read_outcomes`), the same ids in
        the same order; ``label`` and ``prediction`` hold JSON lists of labels.

    Returns
    -------
    list of dict
        Per label (sorted), `PairedChange.to_dict`'s record of its errors (an example's error
        on a label: the label in the truth but not the prediction, or the reverse), ``label``,
        ``test`` (``"mcnemar"``: the examples whose outcome for the label flipped) and
        ``p_holm``, the p-value adjusted over the labels (Holm).
    """
    sides = [(_sets(frame["label"]), _sets(frame["prediction"])) for frame in (old, new)]
    names = sorted(set().union(*(s for truth, predicted in sides for s in (*truth, *predicted))))
    records = []
    for name in names:
        wrong = [
            np.array([(name in t) != (name in p) for t, p in zip(truth, predicted, strict=True)])
            for truth, predicted in sides
        ]
        change = PairedChange.of(wrong[0], wrong[1])
        records.append({"label": name, **change.to_dict(), "test": "mcnemar"})
    for record, adjusted in zip(records, holm([r["p_value"] for r in records]), strict=True):
        record["p_holm"] = adjusted
    return records


def _sets(cells: pd.Series) -> list[set[str]]:
    """examples.csv's JSON lists of labels as sets."""
    try:
        return [set(json.loads(cell)) for cell in cells.astype(str)]
    except json.JSONDecodeError:
        raise InputError(
            "examples.csv's label and prediction columns must hold JSON lists of labels for a "
            "multi-label comparison; rerun 'weakspot analyze --task multilabel' to rewrite it."
        ) from None


def _with_ci(value: float | None, ci: list[float] | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f} ({_ci(ci)})" if ci else f"{value:.3f}"


def _ci(ci: list[float] | None) -> str:
    return "-" if not ci else f"{ci[0]:.3f}-{ci[1]:.3f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _pct_ci(ci: list[float] | None) -> str:
    return "-" if not ci else f"{ci[0]:.0%}-{ci[1]:.0%}"
