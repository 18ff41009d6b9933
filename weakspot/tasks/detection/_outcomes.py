"""A detector's outcomes with the box as the unit: a ground-truth box is missed or found, a
detection is a false or a true positive, and the two are examined as two views.

The loss of a unit is 1 for a missed box and for a false positive, 0 otherwise; a box that
counts neither way (a crowd region, an ignored box, a detection matched to one, a detection
past COCO's 100 per image and category) is covered by no view. The view ``"missed"`` covers
the ground-truth boxes that count, so its rate is the miss rate (1 - recall); the view
``"false_positive"`` covers the detections that count, so its rate is the false discovery
rate (1 - precision).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.tasks._base import LossView, Outcomes
from weakspot.tasks.detection._attributes import DETECTION, GROUND_TRUTH
from weakspot.tasks.detection._error_types import (
    FALSE_POSITIVE,
    FOUND,
    MISSED,
    TRUE_POSITIVE,
)

MISSED_VIEW, FALSE_POSITIVE_VIEW = "missed", "false_positive"


@dataclass(frozen=True)
class DetectionOutcomes(Outcomes):
    """One unit per ground-truth box and per detection (the rows of a `BoxTable`).

    Attributes
    ----------
    loss : ndarray of float, shape (n_units,)
        1.0 for a missed ground-truth box or a false positive, else 0.0.
    unit_kind : ndarray of object, shape (n_units,)
        ``"ground_truth"`` or ``"detection"``.
    outcome : ndarray of object, shape (n_units,)
        ``found``, ``missed``, ``ignored`` (ground truth); ``true_positive``,
        ``false_positive``, ``ignored``, ``beyond_max_dets`` (detections).
    error_type : ndarray of object, shape (n_units,)
        TIDE's type of a miss or a false positive, "" otherwise.
    image : ndarray of object, shape (n_units,)
        The unit's image id: boxes of one image are not independent (a dark image loses
        all its objects), so the image is the cluster of the tests that need one.
    """

    unit: ClassVar[str] = "box"
    binary: ClassVar[bool] = True
    task: str = field(default="detection", kw_only=True)
    unit_kind: np.ndarray
    outcome: np.ndarray
    error_type: np.ndarray
    image: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> DetectionOutcomes:
        """The outcomes of a box table's rows (`BoxTable.frame`: columns ``unit``,
        ``outcome``, ``error_type``, ``image_id``)."""
        missing = [c for c in ("unit", "outcome", "error_type", "image_id") if c not in frame]
        if missing:
            raise InputError(
                f"A box table needs the columns unit, outcome, error_type and image_id; "
                f"{missing} are missing. Make it with weakspot.tasks.detection.box_table."
            )
        kind = frame["unit"].to_numpy(dtype=object)
        outcome = frame["outcome"].to_numpy(dtype=object)
        unknown = sorted(set(kind) - {GROUND_TRUTH, DETECTION})
        if unknown:
            raise InputError(
                f"A box table's unit column holds {unknown[:3]}; each row is "
                f"{GROUND_TRUTH!r} or {DETECTION!r}."
            )
        loss = ((kind == GROUND_TRUTH) & (outcome == MISSED)) | (
            (kind == DETECTION) & (outcome == FALSE_POSITIVE)
        )
        return cls(
            loss=loss.astype(np.float64),
            unit_kind=kind,
            outcome=outcome,
            error_type=frame["error_type"].to_numpy(dtype=object),
            image=frame["image_id"].to_numpy(dtype=object),
        )

    @property
    def counted_boxes(self) -> np.ndarray:
        """Ground-truth boxes found or missed, shape (n_units,) bool."""
        return (self.unit_kind == GROUND_TRUTH) & np.isin(self.outcome, [FOUND, MISSED])

    @property
    def counted_detections(self) -> np.ndarray:
        """Detections that are true or false positives, shape (n_units,) bool."""
        return (self.unit_kind == DETECTION) & np.isin(
            self.outcome, [TRUE_POSITIVE, FALSE_POSITIVE]
        )

    def views(self) -> tuple[LossView, ...]:
        """Misses among the ground-truth boxes and false positives among the detections,
        each covering its own units; a view that covers no unit is left out."""
        views = (
            LossView(MISSED_VIEW, self.loss, covers=self.counted_boxes, words="misses"),
            LossView(
                FALSE_POSITIVE_VIEW,
                self.loss,
                covers=self.counted_detections,
                words="false positives",
            ),
        )
        return tuple(v for v in views if v.covers is not None and v.covers.any())

    def take(self, rows: np.ndarray) -> DetectionOutcomes:
        return DetectionOutcomes(
            loss=self.loss[rows],
            unit_kind=self.unit_kind[rows],
            outcome=self.outcome[rows],
            error_type=self.error_type[rows],
            image=self.image[rows],
            task=self.task,
        )
