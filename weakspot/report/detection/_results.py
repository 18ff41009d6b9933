"""Reading what ``weakspot detection --out`` wrote, and measuring a rule on its boxes.

A gate and a comparison read ``detection.json`` (COCO's numbers, the figures, the slices with
their conditions) and ``boxes.csv`` (one row per ground-truth box and per detection with its
outcome and attributes): a slice's recall is measured on the boxes by its conditions, so a
slice keeps being measured after a later run stops reporting it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.features import Condition
from weakspot.modes import rule_mask
from weakspot.tasks.detection import DETECTION, GROUND_TRUTH

# the outcomes each rate counts (crowds, ignored boxes and uncounted detections count neither)
BOX_OUTCOMES = ("found", "missed")
DETECTION_OUTCOMES = ("true_positive", "false_positive")


@dataclass(frozen=True)
class DetectionResults:
    """One run of ``weakspot detection``: its document and its boxes.

    Attributes
    ----------
    doc : dict
        The parsed ``detection.json``.
    boxes : DataFrame or None
        ``boxes.csv``, one row per box (None when the folder has none).
    path : Path
        The ``detection.json`` read.
    """

    doc: dict[str, Any]
    boxes: pd.DataFrame | None
    path: Path

    def box_frame(self) -> pd.DataFrame:
        """``boxes.csv``, or an `InputError` naming the file a check needs."""
        if self.boxes is None:
            raise InputError(
                f"{self.path.parent / 'boxes.csv'} does not exist: per-box checks (slices, "
                "paired tests) read it; give the folder weakspot detection --out wrote."
            )
        return self.boxes


def read_detection_results(path: str | Path) -> DetectionResults:
    """Read a results folder of ``weakspot detection`` (or its ``detection.json``).

    Raises
    ------
    InputError
        When the file is missing, is not JSON, or is not a detection document.
    """
    path = Path(path)
    file = path / "detection.json" if path.is_dir() else path
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{str(file)!r} does not exist: give the folder weakspot detection --out wrote, "
            "or its detection.json."
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{str(file)!r} is not a JSON file ({exc}).") from None
    task = doc.get("task") if isinstance(doc, dict) else None
    if not isinstance(task, dict) or task.get("name") != "detection" or "coco" not in doc:
        raise InputError(
            f"{str(file)!r} is not a detection.json of weakspot detection (no task 'detection' "
            "with COCO's numbers); for a classifier's analysis.json use weakspot gate."
        )
    if "figures" not in doc:
        raise InputError(
            f"{str(file)!r} has no 'figures' (recall and precision per size and class): it "
            "was written by an older weakspot; run weakspot detection again."
        )
    csv = file.parent / "boxes.csv"
    boxes = pd.read_csv(csv, low_memory=False) if csv.is_file() else None
    if boxes is not None and not {"unit", "box", "image_id", "outcome"} <= set(boxes.columns):
        raise InputError(f"{str(csv)!r} is not a boxes.csv of weakspot detection.")
    return DetectionResults(doc, boxes, file)


def conditions_of(records: Any, where: str) -> list[Condition]:
    """The `Condition` list of ``[{feature, op, value}, ...]`` records, checked."""
    ops = {"==", "!=", "in", "not in range", "in set", "not in", "is missing", "is not missing"}
    if not isinstance(records, list) or not records:
        raise InputError(
            f"{where}: 'conditions' must be a list of {{feature, op, value}} tables, as "
            "detection.json writes each slice's."
        )
    found = []
    for record in records:
        if not isinstance(record, dict) or not {"feature", "op"} <= set(record):
            raise InputError(f"{where}: each condition needs 'feature' and 'op'; got {record!r}.")
        if record["op"] not in ops:
            raise InputError(f"{where}: op {record['op']!r} is not one of {sorted(ops)}.")
        found.append(Condition.from_dict(record))
    return found


def rule_rates(boxes: pd.DataFrame, conditions: Sequence[Condition]) -> dict[str, Any]:
    """Recall of the ground-truth boxes and precision of the detections that satisfy every
    condition, with their counts; a rate without units is None."""
    inside = rule_mask(conditions, boxes)
    unit, outcome = boxes["unit"].to_numpy(), boxes["outcome"].to_numpy()
    gt = inside & (unit == GROUND_TRUTH) & np.isin(outcome, BOX_OUTCOMES)
    dt = inside & (unit == DETECTION) & np.isin(outcome, DETECTION_OUTCOMES)
    found = int((outcome[gt] == "found").sum())
    true = int((outcome[dt] == "true_positive").sum())
    return {
        "boxes": int(gt.sum()),
        "recall": found / int(gt.sum()) if gt.any() else None,
        "detections": int(dt.sum()),
        "precision": true / int(dt.sum()) if dt.any() else None,
    }


def found_by_box(boxes: pd.DataFrame) -> pd.Series:
    """Each counted ground-truth box's found (True) or missed (False), indexed by
    ``(image_id, box)`` as text."""
    gt = boxes[(boxes["unit"] == GROUND_TRUTH) & boxes["outcome"].isin(BOX_OUTCOMES)]
    index = pd.MultiIndex.from_arrays(
        [gt["image_id"].astype(str), gt["box"].astype(str)], names=["image_id", "box"]
    )
    return pd.Series((gt["outcome"] == "found").to_numpy(), index=index)


def same_ground_truth(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """Whether two box tables hold the same ground-truth boxes (image, index, class, area):
    only then can their boxes be paired."""
    columns = ["image_id", "box", "category", "area"]

    def key(frame: pd.DataFrame) -> pd.DataFrame:
        gt = frame.loc[frame["unit"] == GROUND_TRUTH, columns].astype(str)
        return gt.sort_values(["image_id", "box"]).reset_index(drop=True)

    if not set(columns) <= set(old.columns) or not set(columns) <= set(new.columns):
        return False
    return key(old).equals(key(new))
