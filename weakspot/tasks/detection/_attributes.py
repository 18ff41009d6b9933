"""Per-box attributes: one row per ground-truth box (found or missed) and one per detection
(true or false positive), with what a slice of boxes may be defined by.

The geometry is read from the boxes and their image's size: area and COCO's size bin, aspect,
centre, distance to the border, truncation, objects in the image, crowding, class and its
frequency, and a detection's confidence. Image metadata joins by image id. The pixel
properties of the box crop and of its whole image are measured one stage up
(`weakspot.find_box_slices`), since the image stage sits above the tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.tasks.detection._error_types import BoxOutcomes
from weakspot.tasks.detection._overlap import box_iou
from weakspot.tasks.detection._records import Detections, GroundTruth

GROUND_TRUTH, DETECTION = "ground_truth", "detection"

# COCO's size ranges (pycocotools' areaRng; the boundaries go to the smaller bin's
# neighbour as COCO's documentation says: small is area < 32^2, large is area > 96^2)
SMALL_AREA, LARGE_AREA = 32.0**2, 96.0**2
SIZE_BINS = ("small", "medium", "large")

# a box this close to an edge (in pixels) touches it: annotators and detectors round corners
TOUCH_PIXELS = 1.0

#: The outcome columns of a box table: what happened to the box, never a slicing feature.
OUTCOME_COLUMNS = ("unit", "box", "image_id", "outcome", "error_type", "iou", "score")

#: The geometric attributes every box gets, column -> (human name, unit).
ATTRIBUTES: Mapping[str, tuple[str, str]] = {
    "category": ("Class", "the ground truth's class, or the predicted one for a detection"),
    "class_frequency": ("Class frequency", "share of the counted ground-truth boxes, 0-1"),
    "area": ("Area", "pixels (COCO's area for a ground-truth box)"),
    "size": ("Size", "COCO's bin: small < 32^2 <= medium <= 96^2 < large"),
    "aspect": ("Aspect", "width / height"),
    "centre_x": ("Centre x", "share of the image width, 0-1"),
    "centre_y": ("Centre y", "share of the image height, 0-1"),
    "border_distance": ("Distance to the border", "nearest edge, share of that side, 0-0.5"),
    "truncated": ("Truncated", "touches the image border"),
    "objects_in_image": ("Objects in the image", "counted ground-truth boxes"),
    "crowding": (
        "Crowding",
        "largest IoU with another box of its kind in the image (object or detection), 0-1",
    ),
    "confidence": ("Confidence", "the detection's score (detections only)"),
}


@dataclass(frozen=True)
class BoxTable:
    """Every box of an evaluation with its outcome and its attributes.

    Attributes
    ----------
    frame : DataFrame, shape (n_boxes + n_detections, n_columns)
        Ground-truth rows first (in `GroundTruth` order), then detection rows (in `Detections`
        order). The columns of `OUTCOME_COLUMNS` say what happened to the box (``unit`` is
        ``"ground_truth"`` or ``"detection"``; ``box`` its position in its record); the rest
        are attributes a slice may be defined by: `ATTRIBUTES`, the source's own per-box
        attributes as ``annotation_<name>`` (VOC's truncated, difficult, pose), the image
        metadata's columns and, when pixels are given, ``crop_<property>`` and
        ``image_<property>``.
    info : mapping of str to (str, str)
        Attribute column -> (human name, unit).
    notes : list of str
        What the table left out or decided (metadata that did not join, absent pixels).
    """

    frame: pd.DataFrame
    info: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def attribute_columns(self) -> list[str]:
        """The columns a slice may be defined by, in table order."""
        return [c for c in self.frame.columns if c not in OUTCOME_COLUMNS]

    def with_columns(
        self, columns: pd.DataFrame, info: Mapping[str, tuple[str, str]], notes: list[str]
    ) -> BoxTable:
        """A table with `columns` (shape (n_rows, k), same row order) added, for the stages
        above the tasks (the pixel properties of the crops)."""
        frame = pd.concat([self.frame, columns.reset_index(drop=True)], axis=1)
        return BoxTable(frame, {**self.info, **info}, [*self.notes, *notes])


def box_table(
    ground_truth: GroundTruth,
    detections: Detections,
    outcomes: BoxOutcomes,
    *,
    metadata: pd.DataFrame | None = None,
    metadata_id: str | None = None,
) -> BoxTable:
    """One row per ground-truth box and per detection, with its outcome and attributes.

    Parameters
    ----------
    ground_truth, detections : GroundTruth, Detections
    outcomes : BoxOutcomes
        Their matching (``match_detections(...).boxes``).
    metadata : DataFrame, optional
        One row per image: an id column and the columns to slice on (a camera, a site, a
        time of day), joined to every box of the image.
    metadata_id : str, optional
        The metadata's image id column; by default the first of ``image_id``, ``id``,
        ``file_name``, ``image``. Its values are matched to the ground truth's image ids, or
        to their file names or file stems.

    Returns
    -------
    BoxTable
    """
    images = ground_truth.images
    n_gt, n_dt = len(ground_truth), len(detections)
    counted = ~(ground_truth.crowd | ground_truth.ignore)
    frequency = _class_frequency(ground_truth, counted)
    gt_geometry = _geometry(ground_truth.boxes, ground_truth.areas, ground_truth.image, images)
    dt_geometry = _geometry(detections.boxes, detections.areas, detections.image, images)
    per_image = np.bincount(ground_truth.image[counted], minlength=len(images))
    names = dict(ground_truth.categories)
    frame = pd.DataFrame(
        {
            "unit": np.array([GROUND_TRUTH] * n_gt + [DETECTION] * n_dt, dtype=object),
            "box": np.r_[np.arange(n_gt), np.arange(n_dt)],
            "image_id": np.r_[images.ids[ground_truth.image], images.ids[detections.image]],
            "outcome": np.r_[outcomes.gt_outcome, outcomes.det_outcome],
            "error_type": np.r_[outcomes.gt_error, outcomes.det_error],
            "iou": np.r_[outcomes.gt_iou, outcomes.det_iou],
            "score": np.r_[outcomes.gt_score, detections.scores],
            "category": np.array(
                [names.get(int(c), str(c)) for c in ground_truth.category_ids]
                + [names.get(int(c), str(c)) for c in detections.category_ids],
                dtype=object,
            ),
            "class_frequency": np.r_[
                [frequency.get(int(c), 0.0) for c in ground_truth.category_ids],
                [frequency.get(int(c), 0.0) for c in detections.category_ids],
            ].astype(np.float64),
            **{k: np.r_[gt_geometry[k], dt_geometry[k]] for k in gt_geometry},
            "objects_in_image": np.r_[
                per_image[ground_truth.image], per_image[detections.image]
            ].astype(np.int64),
            "crowding": np.r_[
                _crowding(ground_truth.boxes, ground_truth.box_areas, ground_truth.image, counted),
                _crowding(
                    detections.boxes, detections.areas, detections.image, np.ones(n_dt, bool)
                ),
            ],
            "confidence": np.r_[np.full(n_gt, np.nan), detections.scores],
        }
    )
    info = dict(ATTRIBUTES)
    notes: list[str] = []
    for name, values in ground_truth.attributes.items():
        column = f"annotation_{name}"
        frame[column] = pd.Series(np.r_[np.asarray(values, dtype=object), [None] * n_dt])
        info[column] = (f"Annotated {name}", "the source's own attribute (ground truth only)")
    if metadata is not None:
        joined, joined_notes = _join_metadata(frame["image_id"], images, metadata, metadata_id)
        clash = {c: f"metadata_{c}" for c in joined.columns if c in frame.columns}
        frame = pd.concat([frame, joined.rename(columns=clash)], axis=1)
        notes += joined_notes
    return BoxTable(frame, info, notes)


def _class_frequency(ground_truth: GroundTruth, counted: np.ndarray) -> dict[int, float]:
    """Each category's share of the counted ground-truth boxes (0 for a category without)."""
    total = max(int(counted.sum()), 1)
    ids, counts = np.unique(ground_truth.category_ids[counted], return_counts=True)
    shares = {int(c): float(k) / total for c, k in zip(ids, counts, strict=True)}
    return {int(c): shares.get(int(c), 0.0) for c in ground_truth.categories}


def size_bins(areas: np.ndarray) -> np.ndarray:
    """COCO's size bin of each area, shape (n,) of str: small below 32^2, large above 96^2."""
    return np.where(
        areas < SMALL_AREA, SIZE_BINS[0], np.where(areas > LARGE_AREA, SIZE_BINS[2], SIZE_BINS[1])
    ).astype(object)


def _geometry(
    boxes: np.ndarray, areas: np.ndarray, image: np.ndarray, images
) -> dict[str, np.ndarray]:
    """Area, size bin, aspect, centre, border distance and truncation, each shape (n,).

    Positions are shares of the image's sides (NaN where the source gave no size), so that
    a slice means the same at every resolution."""
    width = images.widths[image].astype(np.float64)
    height = images.heights[image].astype(np.float64)
    x1, y1, x2, y2 = (boxes[:, j] for j in range(4))
    box_w, box_h = x2 - x1, y2 - y1
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.where(box_h > 0, box_w / box_h, np.nan)
        gaps = np.stack([x1 / width, (width - x2) / width, y1 / height, (height - y2) / height])
    touching = (
        np.stack([x1, width - x2, y1, height - y2]) <= TOUCH_PIXELS
    )  # NaN sizes compare False: unknown is not truncated
    return {
        "area": areas.astype(np.float64),
        "size": size_bins(areas),
        "aspect": aspect,
        "centre_x": (x1 + x2) / 2 / width,
        "centre_y": (y1 + y2) / 2 / height,
        "border_distance": np.clip(gaps.min(axis=0), 0.0, 0.5),
        "truncated": touching.any(axis=0),
    }


def _crowding(
    boxes: np.ndarray, areas: np.ndarray, image: np.ndarray, counted: np.ndarray
) -> np.ndarray:
    """Each box's largest IoU with another counted box of the same image, shape (n,); 0
    when it is alone. Crowd regions and ignored boxes are not counted as neighbours."""
    out = np.zeros(len(boxes))
    order = np.argsort(image, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(image[order]) != 0])
    for rows in np.split(order, starts[1:]):
        if len(rows) < 2:
            continue
        iou = box_iou(boxes[rows], areas[rows], boxes[rows], areas[rows])
        np.fill_diagonal(iou, 0.0)
        iou[:, ~counted[rows]] = 0.0
        out[rows] = iou.max(axis=1)
    return out


ID_COLUMNS = ("image_id", "id", "file_name", "image")


def _join_metadata(
    image_ids: pd.Series, images, metadata: pd.DataFrame, id_column: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """The metadata's columns for each row's image, shape (n_rows, n_metadata - 1), and notes.

    The id column's values are read as the ground truth's ids, file names or file stems,
    whichever matches the most images."""
    if not isinstance(metadata, pd.DataFrame):
        raise InputError(
            f"metadata= must be a pandas DataFrame with one row per image, got "
            f"{type(metadata).__name__}.",
            parameter="metadata",
        )
    column = id_column or next((c for c in ID_COLUMNS if c in metadata.columns), None)
    if column is None or column not in metadata.columns:
        raise InputError(
            f"metadata= has no image id column {id_column!r}; its columns are "
            f"{list(metadata.columns)[:12]}. Name it with metadata_id= (one of the ground "
            f"truth's image ids, file names or file stems per row).",
            parameter="metadata_id",
        )
    keys = metadata[column].map(str)
    duplicated = keys[keys.duplicated()].unique()
    if len(duplicated):
        raise InputError(
            f"metadata= column {column!r} names an image more than once "
            f"({list(duplicated[:5])}); give one row per image.",
            parameter="metadata",
        )
    readings = {
        "id": [str(i) for i in images.ids],
        "file name": [str(f) for f in images.file_names],
        "file stem": [PurePath(str(f)).stem for f in images.file_names],
    }
    known = set(keys)
    scheme, names = max(readings.items(), key=lambda item: len(known & set(item[1])))
    hits = known & set(names)
    if not hits:
        raise InputError(
            f"metadata= column {column!r} matches none of the ground truth's images (its "
            f"values {list(keys[:3])}; the images' ids {readings['id'][:3]}, file names "
            f"{readings['file name'][:3]}). Give the ids or file names the ground truth uses.",
            parameter="metadata",
        )
    row_of = pd.Series(np.arange(len(keys)), index=keys.to_numpy())
    per_image = np.array([row_of.get(name, -1) for name in names], dtype=np.int64)
    position = {str(i): p for p, i in enumerate(images.ids)}
    at = per_image[[position[str(i)] for i in image_ids]]
    values = metadata.drop(columns=[column]).reset_index(drop=True)
    joined = values.reindex(np.where(at >= 0, at, len(values))).reset_index(drop=True)
    notes = [f"Metadata joined by image {scheme} (column {column!r})."]
    missing = int((per_image < 0).sum())
    if missing:
        notes.append(
            f"{missing} of {len(images)} images have no metadata row; their boxes miss it."
        )
    unused = len(known - hits)
    if unused:
        notes.append(f"{unused} metadata rows name no image of the ground truth; left out.")
    return joined, notes
