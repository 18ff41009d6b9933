"""The gate of a detector: limits on AP, recall and precision (overall, per size bin, per class,
per slice of boxes), and regressions against a baseline run on the same ground truth.

The checks are the classifier's gate's `Check` records, so its Markdown summary and JSON form
serve both; the TOML is read as the classifier's gate reads its own (docs/detection.md gives
the keys). Recall and precision are measured at IoU 0.5 as the slices count them; a slice's
are measured on ``boxes.csv`` by its conditions, whether or not this run reports it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from weakspot._errors import InputError
from weakspot.modes import rule_mask
from weakspot.report._gate import Check
from weakspot.report.detection._results import (
    DetectionResults,
    conditions_of,
    found_by_box,
    rule_rates,
    same_ground_truth,
)
from weakspot.stats import holm, mcnemar_p_value

#: COCO's numbers a limit may name (``min_<name>``), as detection.json's ``coco`` spells them.
AP_LIMITS = ("ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large")
RATE_LIMITS = ("min_recall", "min_precision")
KEYS = {
    "overall": {*(f"min_{n}" for n in AP_LIMITS), *RATE_LIMITS},
    "sizes": {"size", *RATE_LIMITS},
    "classes": {"category", "min_ap", "min_ap50", *RATE_LIMITS},
    "slices": {"name", "rule", "conditions", *RATE_LIMITS},
}
SIZES = ("small", "medium", "large")


def load_detection_gate(path: str | Path) -> dict[str, Any]:
    """Read and check a detection gate's TOML file (keys in `KEYS`; limits are shares)."""
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Gate config {str(path)!r} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"Gate config {str(path)!r} is not valid TOML: {exc}.") from None
    unknown = set(config) - set(KEYS)
    if unknown:
        raise InputError(
            f"Gate config {str(path)!r}: unknown table(s) {sorted(unknown)}; a detector's gate "
            f"uses {sorted(KEYS)}."
        )
    if not isinstance(config.get("overall", {}), dict):
        raise InputError(f"Gate config {str(path)!r}: [overall] must be a table.")
    tables = [("overall", config.get("overall", {}))]
    for name in ("sizes", "classes", "slices"):
        items = config.get(name, [])
        if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
            raise InputError(f"Gate config {str(path)!r}: write [[{name}]] tables.")
        tables += [(name, t) for t in items]
    for name, table in tables:
        _check_table(name, table)
    if not any(k.startswith("min_") for _, t in tables for k in t):
        raise InputError(
            f"Gate config {str(path)!r} sets no limit: give e.g. [overall] min_ap50 = 0.6."
        )
    return config


def _check_table(name: str, table: dict[str, Any]) -> None:
    extra = set(table) - KEYS[name]
    if extra:
        raise InputError(
            f"Gate config [{name}]: unknown key(s) {sorted(extra)}; allowed: {sorted(KEYS[name])}."
        )
    for key, value in table.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key.startswith("min_") and not (number and 0 <= value <= 1):
            raise InputError(f"Gate config [{name}] {key} = {value!r}: give a share in [0, 1].")
    if name == "overall":
        return
    if not any(k.startswith("min_") for k in table):
        raise InputError(f"Gate config [[{name}]] {table!r} sets no limit (min_recall, ...).")
    if name == "sizes" and table.get("size") not in SIZES:
        raise InputError(
            f"Gate config [[sizes]] size = {table.get('size')!r}: use one of {list(SIZES)}."
        )
    if name == "classes" and not isinstance(table.get("category"), str):
        raise InputError('Gate config [[classes]] needs category = "<class name>".')
    if name == "slices" and not {"rule", "conditions"} & set(table):
        raise InputError(
            f"Gate config [[slices]] {table.get('name')!r} needs 'conditions' (copy a slice's "
            "from detection.json) or the 'rule' of a slice this run reports."
        )


def detection_limit_checks(results: DetectionResults, config: dict[str, Any]) -> list[Check]:
    """Every limit of `config` measured on `results`."""
    doc = results.doc
    coco, figures = doc["coco"], doc["figures"]
    checks = []
    overall = config.get("overall", {})
    for name in AP_LIMITS:
        if f"min_{name}" in overall:
            checks.append(
                _at_least(f"overall {_ap_words(name)}", coco[name], overall[f"min_{name}"])
            )
    checks += _rate_checks("all objects", figures["overall"], overall)
    for item in config.get("sizes", []):
        record = next(r for r in figures["by_size"] if r["size"] == item["size"])
        checks += _rate_checks(f"{item['size']} objects", record, item)
    for item in config.get("classes", []):
        record = _class_record(figures, item["category"])
        for key in ("ap", "ap50"):
            if f"min_{key}" in item:
                checks.append(
                    _at_least(
                        f"{_ap_words(key)} of {item['category']}", record[key], item[f"min_{key}"]
                    )
                )
        checks += _rate_checks(f"class {item['category']}", record, item)
    for item in config.get("slices", []):
        conditions = _slice_conditions(doc, item)
        record = rule_rates(results.box_frame(), conditions)
        label = (
            item.get("name") or item.get("rule") or " and ".join(c.describe() for c in conditions)
        )
        checks += _rate_checks(f"slice {label}", record, item)
    return checks


def _ap_words(name: str) -> str:
    return {"ap": "AP", "ap50": "AP50", "ap75": "AP75"}.get(name, name.replace("ap_", "AP "))


def _at_least(name: str, value: Any, limit: float, detail: str = "") -> Check:
    """A check that `value` reaches `limit`; a value that cannot be measured (None, or COCO's
    -1 for a setting without ground truth) fails."""
    if value is None or float(value) < 0:
        return Check(name, "limit", False, None, limit, detail="not measurable: no boxes")
    return Check(name, "limit", float(value) >= limit, float(value), limit, detail=detail)


def _rate_checks(name: str, record: dict[str, Any], limits: dict[str, Any]) -> list[Check]:
    checks = []
    if "min_recall" in limits:
        detail = f"{record.get('boxes')} boxes"
        checks.append(
            _at_least(f"recall of {name}", record.get("recall"), limits["min_recall"], detail)
        )
    if "min_precision" in limits:
        detail = f"{record.get('detections')} detections"
        checks.append(
            _at_least(
                f"precision of {name}", record.get("precision"), limits["min_precision"], detail
            )
        )
    return checks


def _class_record(figures: dict[str, Any], category: str) -> dict[str, Any]:
    for record in figures["by_class"]:
        if record["category"] == category:
            return dict(record)
    names = [r["category"] for r in figures["by_class"]]
    raise InputError(
        f"Gate config [[classes]] category {category!r} is not a class of the ground truth; "
        f"its classes are {names[:20]}."
    )


def _slice_conditions(doc: dict[str, Any], item: dict[str, Any]) -> list:
    if "conditions" in item:
        return conditions_of(item["conditions"], f"Gate config [[slices]] {item.get('name')!r}")
    reported = [*doc.get("slices", []), *doc.get("unconfirmed", [])]
    for s in reported:
        if s.get("rule") == item["rule"] and s.get("conditions"):
            return conditions_of(s["conditions"], f"detection.json slice {item['rule']!r}")
    rules = [s.get("rule") for s in reported]
    raise InputError(
        f"Gate config [[slices]] rule {item['rule']!r} is not a slice of this run (its slices: "
        f"{rules[:10]}); give the slice's 'conditions' from the detection.json that reported "
        "it, so that it is measured whether or not a run reports it."
    )


def detection_regression_checks(
    base: DetectionResults,
    current: DetectionResults,
    *,
    alpha: float = 0.05,
    min_delta: float = 0.0,
) -> list[Check]:
    """Did the current detector miss significantly more of the same ground-truth boxes than the
    baseline, overall and in each of the baseline's slices of misses?

    Each check pairs the boxes (found before and missed now, or the reverse) and tests with
    the exact one-sided McNemar test; the p-values are Holm-adjusted across the checks. A check
    fails when its adjusted p-value is below `alpha` and recall fell by more than `min_delta`.
    """
    old_boxes, new_boxes = base.box_frame(), current.box_frame()
    if not same_ground_truth(old_boxes, new_boxes):
        raise InputError(
            f"{base.path} and {current.path} are runs on different ground truth (their boxes "
            "differ): a paired check needs the same evaluation set."
        )
    old_found, new_found = found_by_box(old_boxes), found_by_box(new_boxes)
    new_found = new_found.reindex(old_found.index)
    units = [("all ground-truth boxes", np.ones(len(old_found), dtype=bool))]
    gt_rows = old_boxes[
        (old_boxes["unit"] == "ground_truth") & old_boxes["outcome"].isin(["found", "missed"])
    ]
    for s in base.doc.get("slices", []):
        if s.get("view") == "missed" and s.get("conditions"):
            conditions = conditions_of(s["conditions"], f"baseline slice {s.get('rule')!r}")
            units.append((f"slice {s.get('rule')}", rule_mask(conditions, gt_rows)))
    tested = []
    for name, mask in units:
        old, new = old_found.to_numpy()[mask], new_found.to_numpy(dtype=bool)[mask]
        newly_missed, newly_found = int((old & ~new).sum()), int((~old & new).sum())
        p = mcnemar_p_value(newly_missed, newly_found, alternative="greater")
        tested.append((name, old, new, newly_missed, newly_found, p))
    adjusted = holm([t[-1] for t in tested])
    checks = []
    for (name, old, new, lost, gained, _), p in zip(tested, adjusted, strict=True):
        before = float(old.mean()) if len(old) else None
        now = float(new.mean()) if len(new) else None
        drop = (before or 0.0) - (now or 0.0)
        worse = bool(p < alpha and drop > min_delta)
        checks.append(
            Check(
                f"recall of {name}",
                "regression",
                not worse,
                now,
                baseline=before,
                p_value=float(p),
                detail=f"{len(old)} boxes, newly missed {lost}, newly found {gained}",
            )
        )
    return checks
