"""Typed records for object detection: the images, the ground-truth boxes and the detections.

Every reader (COCO, YOLO, Pascal VOC, in-memory lists) returns the same two records, so that
matching and validation never see a file format. Boxes are ``xyxy`` in pixels of the image as
its header states it (``x1, y1, x2, y2`` with ``x2 >= x1``); a box refers to its image by
position in `Images` and to its category by the ground truth's category id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Images:
    """The images of an evaluation set, in the order the matching walks them.

    Attributes
    ----------
    ids : ndarray of object, shape (n_images,)
        The image ids as the source gives them (COCO's integers, or file stems as text).
        Sorted as pycocotools sorts them (numerically when every id is an integer).
    file_names : ndarray of object, shape (n_images,)
        The file name (or path relative to the source's image folder) of each image.
    widths, heights : ndarray of float, shape (n_images,)
        Image size in pixels; NaN where the source does not say it.
    """

    ids: np.ndarray
    file_names: np.ndarray
    widths: np.ndarray
    heights: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def name(self, position: int) -> str:
        """How an error message names the image at `position`: its id and its file."""
        return f"image {self.ids[position]!r} ({self.file_names[position]})"


@dataclass(frozen=True)
class GroundTruth:
    """Ground-truth boxes, one row per annotated object.

    Attributes
    ----------
    images : Images
        Every image of the evaluation set, with or without objects.
    categories : Mapping of int to str
        Category id -> name, every category of the set (pycocotools' ``catIds``), in id order.
    image : ndarray of int64, shape (n_boxes,)
        Position of each box's image in `images`.
    category_ids : ndarray of int64, shape (n_boxes,)
        Each box's category id (a key of `categories`).
    boxes : ndarray of float64, shape (n_boxes, 4)
        ``x1, y1, x2, y2`` in pixels.
    areas : ndarray of float64, shape (n_boxes,)
        The area COCO's size ranges read: a COCO annotation's ``area`` (its mask's area) where
        given, the box's area otherwise.
    crowd : ndarray of bool, shape (n_boxes,)
        COCO's ``iscrowd``: a region of many objects; a detection inside it is neither right nor
        wrong, and its overlap is measured as intersection over the detection's area.
    ignore : ndarray of bool, shape (n_boxes,)
        Boxes neither found nor missed (VOC's ``difficult``): a detection matched to one is
        left out, as COCO leaves out one matched to a crowd region, but it is matched once.
    ids : ndarray of object, shape (n_boxes,)
        The source's annotation id (COCO's ``id``; ``file:line`` or ``file#object`` otherwise).
    box_areas : ndarray of float64, shape (n_boxes,)
        ``width * height`` as the source wrote them (the IoU's areas, which pycocotools forms
        from the width and height, not from the corners); from the corners when not given.
    attributes : Mapping of str to ndarray, each shape (n_boxes,)
        Per-box attributes the source carries (VOC's ``truncated``, ``difficult``, ``pose``).
    source : str
        The file or folder read, for messages.
    notes : tuple of str
        What the reader decided on the user's behalf.
    """

    images: Images
    categories: Mapping[int, str]
    image: np.ndarray
    category_ids: np.ndarray
    boxes: np.ndarray
    areas: np.ndarray
    crowd: np.ndarray
    ignore: np.ndarray
    ids: np.ndarray
    # None: computed from the corners in __post_init__
    box_areas: np.ndarray = None  # type: ignore[assignment]
    attributes: Mapping[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.box_areas is None:
            object.__setattr__(self, "box_areas", box_areas(self.boxes))

    def __len__(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class Detections:
    """A detector's boxes on the ground truth's images, one row per detection.

    Attributes
    ----------
    image : ndarray of int64, shape (n_detections,)
        Position of each detection's image in the ground truth's `Images`.
    category_ids : ndarray of int64, shape (n_detections,)
        Predicted category id, in the ground truth's ids (a reader maps 0-based indices).
    boxes : ndarray of float64, shape (n_detections, 4)
        ``x1, y1, x2, y2`` in pixels.
    scores : ndarray of float64, shape (n_detections,)
        Confidence; the matching takes detections highest score first.
    areas : ndarray of float64, shape (n_detections,)
        Box area (``width * height`` as the source wrote them, so that COCO's size ranges
        see the numbers pycocotools sees).
    source : str
        The file or folder read, for messages.
    notes : tuple of str
        What the reader decided on the user's behalf (an id scheme, a category mapping).
    """

    image: np.ndarray
    category_ids: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    areas: np.ndarray
    source: str = ""
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.image.shape[0])

    def take(self, rows: np.ndarray) -> Detections:
        """The detections at positions `rows` (shape (m,)), in that order."""
        return Detections(
            image=self.image[rows],
            category_ids=self.category_ids[rows],
            boxes=self.boxes[rows],
            scores=self.scores[rows],
            areas=self.areas[rows],
            source=self.source,
            notes=self.notes,
        )


def box_areas(boxes: np.ndarray) -> np.ndarray:
    """Area of ``xyxy`` boxes, shape (n,) from (n, 4)."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """``x, y, width, height`` -> ``x1, y1, x2, y2``, shape (n, 4); x2 is computed as x + width,
    the sum pycocotools' IoU forms, so both see the same corners."""
    out = np.array(boxes, dtype=np.float64, copy=True).reshape(-1, 4)
    out[:, 2] = out[:, 0] + out[:, 2]
    out[:, 3] = out[:, 1] + out[:, 3]
    return out


def image_order(ids: list) -> np.ndarray:
    """Positions that sort image ids as pycocotools does (``np.unique``): numerically when
    every id is an integer, as text otherwise. Shape (n,)."""
    if all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in ids):
        return np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
    return np.argsort(np.asarray([str(i) for i in ids], dtype=object), kind="stable")
