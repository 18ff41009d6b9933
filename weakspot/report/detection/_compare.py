"""Two runs of ``weakspot detection`` compared: COCO's numbers, recall and precision per size
bin and per class, and the slices of both runs matched by rule and measured on both.

When both runs hold the same ground-truth boxes (``boxes.csv``), each box is paired: found by
one detector and missed by the other. The exact McNemar test on those discordant boxes says
whether recall changed beyond chance, overall, per size bin and in each slice of misses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot.modes import rule_mask
from weakspot.report.detection._results import (
    DetectionResults,
    conditions_of,
    found_by_box,
    read_detection_results,
    rule_rates,
    same_ground_truth,
)
from weakspot.stats import mcnemar_p_value


def compare_detections(old: str | Path, new: str | Path) -> dict[str, Any]:
    """Compare two runs of ``weakspot detection`` (folders or their ``detection.json``).

    Returns
    -------
    dict
        ``coco`` (each of COCO's numbers old, new and their difference), ``by_size`` and
        ``by_class`` (recall and precision old, new, difference; with the paired boxes, the
        McNemar p-value of the recall change), ``paired`` (whether the boxes pair, and the
        boxes newly missed and newly found overall), ``slices`` (every slice of either run,
        matched by view and rule, measured on both runs' boxes by its conditions).
    """
    a, b = read_detection_results(old), read_detection_results(new)
    paired = a.boxes is not None and b.boxes is not None and same_ground_truth(a.boxes, b.boxes)
    pairs = _pairs(a.box_frame(), b.box_frame()) if paired else None
    coco = {
        name: {
            "old": value,
            "new": b.doc["coco"].get(name),
            "delta": _delta(value, b.doc["coco"].get(name)),
        }
        for name, value in a.doc["coco"].items()
    }
    return {
        "old": str(a.path),
        "new": str(b.path),
        "coco": coco,
        "paired": _paired_summary(pairs),
        "by_size": _groups(a, b, "by_size", "size", pairs),
        "by_class": _groups(a, b, "by_class", "category", pairs),
        "slices": _slices(a, b, pairs),
    }


def _delta(old: Any, new: Any) -> float | None:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(new) - float(old)
    return None


def _pairs(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per counted ground-truth box: its attributes (the old table's) and whether each
    run found it."""
    gt = old[(old["unit"] == "ground_truth") & old["outcome"].isin(["found", "missed"])]
    found_old, found_new = found_by_box(old), found_by_box(new)
    frame = gt.reset_index(drop=True).copy()
    frame["found_old"] = found_old.to_numpy()
    frame["found_new"] = found_new.reindex(found_old.index).fillna(False).to_numpy(dtype=bool)
    return frame


def _mcnemar(pairs: pd.DataFrame, mask: np.ndarray) -> dict[str, Any]:
    """Boxes newly missed and newly found among `mask`'s (shape (len(pairs),)) and the
    two-sided exact McNemar p-value of the change in recall."""
    old, new = pairs["found_old"].to_numpy()[mask], pairs["found_new"].to_numpy()[mask]
    lost, gained = int((old & ~new).sum()), int((~old & new).sum())
    return {
        "paired_boxes": int(mask.sum()),
        "newly_missed": lost,
        "newly_found": gained,
        "p_value": mcnemar_p_value(lost, gained),
    }


def _paired_summary(pairs: pd.DataFrame | None) -> dict[str, Any]:
    if pairs is None:
        return {"same_ground_truth": False}
    return {"same_ground_truth": True, **_mcnemar(pairs, np.ones(len(pairs), dtype=bool))}


def _groups(
    a: DetectionResults, b: DetectionResults, key: str, column: str, pairs: pd.DataFrame | None
) -> list[dict[str, Any]]:
    new_by = {r[column]: r for r in b.doc["figures"][key]}
    rows = []
    for record in a.doc["figures"][key]:
        other = new_by.get(record[column], {})
        row = {column: record[column]}
        for metric in ("recall", "precision"):
            row[f"old_{metric}"] = record.get(metric)
            row[f"new_{metric}"] = other.get(metric)
            row[f"{metric}_delta"] = _delta(record.get(metric), other.get(metric))
        if pairs is not None:
            mask = (pairs[column].astype(str) == str(record[column])).to_numpy()
            row.update(_mcnemar(pairs, mask))
        rows.append(row)
    return rows


def _slices(
    a: DetectionResults, b: DetectionResults, pairs: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """Each slice of either run, once: matched by (view, rule), measured on both runs."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for side, run in (("old", a), ("new", b)):
        for s in run.doc.get("slices", []):
            key = (str(s.get("view")), str(s.get("rule")))
            entry = seen.setdefault(
                key,
                {"view": key[0], "rule": key[1], "conditions": s.get("conditions"), "in": []},
            )
            entry["in"].append(side)
    rows = []
    for entry in seen.values():
        metric = "recall" if entry["view"] == "missed" else "precision"
        row: dict[str, Any] = {
            "view": entry["view"],
            "rule": entry["rule"],
            "reported_by": entry["in"],
            "metric": metric,
        }
        if entry["conditions"]:
            conditions = conditions_of(entry["conditions"], f"slice {entry['rule']!r}")
            old = rule_rates(a.box_frame(), conditions) if a.boxes is not None else {}
            new = rule_rates(b.box_frame(), conditions) if b.boxes is not None else {}
            row["old"], row["new"] = old.get(metric), new.get(metric)
            row["delta"] = _delta(row["old"], row["new"])
            if pairs is not None and metric == "recall":
                row.update(_mcnemar(pairs, rule_mask(conditions, pairs)))
        rows.append(row)
    return rows
