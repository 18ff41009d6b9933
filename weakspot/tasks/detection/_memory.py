"""Detections held in memory, one entry per image, read by field name so that no detection
library becomes a dependency (none is imported):

- torchvision: ``{"boxes": (n, 4) xyxy, "scores": (n,), "labels": (n,)}`` (tensors or arrays);
- Ultralytics ``Results``: ``.boxes.xyxy``, ``.boxes.conf``, ``.boxes.cls``, ``.path``;
- MMDetection ``DetDataSample``: ``.pred_instances.bboxes / .scores / .labels``,
  ``.metainfo["img_path"]``;
- Detectron2: ``{"instances": Instances}`` with ``.pred_boxes.tensor``, ``.scores``,
  ``.pred_classes``;
- supervision ``Detections``: ``.xyxy``, ``.confidence``, ``.class_id``.

Ground truth in torchvision's target form (``{"boxes", "labels"}``, optional ``"iscrowd"``,
``"area"``) reads with `ground_truth_from_targets`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath

import numpy as np

from weakspot._errors import InputError
from weakspot.tasks.detection._checks import (
    category_mapping,
    check_box_convention,
    check_corner_order,
    check_inside_images,
    check_not_normalised,
    check_score_floor,
    resolve_image_ids,
)
from weakspot.tasks.detection._records import Detections, GroundTruth, Images


def detections_from_predictions(
    predictions: Sequence,
    ground_truth: GroundTruth,
    *,
    image_ids: Sequence | None = None,
    box_format: str = "xyxy",
    category_ids: str = "auto",
    min_score: float | None = None,
    source: str = "predictions",
) -> Detections:
    """Read a detector's in-memory output, one entry per image.

    Parameters
    ----------
    predictions : sequence
        One entry per image in any of the forms above.
    ground_truth : GroundTruth
    image_ids : sequence, optional
        The image (id, file stem or file name) of each entry. When None, the entries' own
        paths (Ultralytics, MMDetection) name them, or else they are taken in the ground
        truth's image order when there is one entry per image (said in the notes).
    box_format : {"xyxy", "xywh"}
        Corners (every library above) or ``[x, y, width, height]``.
    category_ids : {"auto", "ids", "index"}
        As `read_coco_detections`: torchvision's COCO models write COCO's ids, most others
        0-based indices.
    min_score : float, optional
        As `read_coco_detections`.
    source : str
        How messages name the input.
    """
    if box_format not in ("xyxy", "xywh"):
        raise InputError(
            f"box_format={box_format!r} is not 'xyxy' or 'xywh'.", parameter="box_format"
        )
    entries = [_fields(item, i, source) for i, item in enumerate(predictions)]
    names_of_images, note_order = _image_names(entries, image_ids, ground_truth, source)
    per_image, note_ids = resolve_image_ids(names_of_images, ground_truth.images, source)
    counts = [len(e[1]) for e in entries]
    raw = np.concatenate([e[0] for e in entries]) if entries else np.zeros((0, 4))
    scores = np.concatenate([e[1] for e in entries]) if entries else np.zeros(0)
    labels = np.concatenate([e[2] for e in entries]) if entries else np.zeros(0, dtype=np.int64)
    image = np.repeat(per_image, counts)
    names = np.array(
        [f"{source}[{i}] box {j}" for i, c in enumerate(counts) for j in range(c)], dtype=object
    )
    if min_score is not None:
        keep = scores >= min_score
        raw, scores, labels, image, names = (
            raw[keep],
            scores[keep],
            labels[keep],
            image[keep],
            names[keep],
        )
    if box_format == "xyxy":
        check_corner_order(raw, source, names)
    check_box_convention(ground_truth, image, raw, box_format, source)
    boxes = raw.copy()
    if box_format == "xywh":
        boxes[:, 2:] += boxes[:, :2]
    check_not_normalised(boxes, ground_truth.images, image, source, names)
    check_inside_images(boxes, ground_truth.images, image, source, names)
    if len(labels) and not np.all(np.mod(labels, 1) == 0):
        raise InputError(f"{source}: labels must be whole class numbers; found {labels[0]!r}.")
    cats, note_cats = category_mapping(
        labels.astype(np.int64), ground_truth, image, boxes, source, category_ids
    )
    areas = (
        raw[:, 2] * raw[:, 3]
        if box_format == "xywh"
        else (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    )
    detections = Detections(
        image=image,
        category_ids=cats,
        boxes=boxes,
        scores=scores.astype(np.float64),
        areas=areas,
        source=source,
        notes=tuple(n for n in (note_order, note_ids, note_cats) if n),
    )
    if min_score is None:
        counted = int(np.count_nonzero(~(ground_truth.crowd | ground_truth.ignore)))
        check_score_floor(detections, counted, source)
    return detections


def ground_truth_from_targets(
    targets: Sequence[Mapping],
    image_ids: Sequence,
    categories: Mapping[int, str],
    *,
    sizes: Sequence[tuple[float, float]] | None = None,
    file_names: Sequence[str] | None = None,
    source: str = "targets",
) -> GroundTruth:
    """Ground truth from torchvision-style targets, one per image: ``"boxes"`` (n, 4) xyxy in
    pixels, ``"labels"`` (n,) category ids, optional ``"iscrowd"`` and ``"area"`` (n,).

    Parameters
    ----------
    targets : sequence of mappings
    image_ids : sequence, same length
    categories : mapping of int to str
        Every category id and its name.
    sizes : sequence of (width, height), optional
    file_names : sequence of str, optional
    source : str
    """
    if len(image_ids) != len(targets):
        raise InputError(
            f"{source}: {len(targets)} targets but {len(image_ids)} image ids; give one id per target.",
            parameter="image_ids",
        )
    if len({str(i) for i in image_ids}) < len(image_ids):
        raise InputError(
            f"{source}: image ids repeat; each target needs its own image id.",
            parameter="image_ids",
        )
    n = len(targets)
    wh = (
        np.full((n, 2), np.nan)
        if sizes is None
        else np.asarray(sizes, dtype=np.float64).reshape(n, 2)
    )
    images = Images(
        ids=np.array(list(image_ids), dtype=object),
        file_names=np.array(
            list(file_names) if file_names is not None else [str(i) for i in image_ids],
            dtype=object,
        ),
        widths=wh[:, 0],
        heights=wh[:, 1],
    )
    boxes, labels, crowd, areas, image = [], [], [], [], []
    for i, target in enumerate(targets):
        b = _array(target.get("boxes"), f"{source}[{i}]['boxes']").reshape(-1, 4).astype(np.float64)
        lab = _array(target.get("labels"), f"{source}[{i}]['labels']").reshape(-1)
        if len(lab) != len(b):
            raise InputError(
                f"{source}[{i}]: {len(b)} boxes but {len(lab)} labels; give one label per box."
            )
        boxes.append(b)
        labels.append(lab)
        iscrowd = target.get("iscrowd")
        crowd.append(
            np.zeros(len(b), dtype=bool)
            if iscrowd is None
            else _array(iscrowd, "iscrowd").reshape(-1).astype(bool)
        )
        area = target.get("area")
        areas.append(
            (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
            if area is None
            else _array(area, "area").reshape(-1).astype(np.float64)
        )
        image.append(np.full(len(b), i, dtype=np.int64))
    box_arr = np.concatenate(boxes) if boxes else np.zeros((0, 4))
    image_arr = np.concatenate(image) if image else np.zeros(0, dtype=np.int64)
    label_arr = np.concatenate(labels).astype(np.int64) if labels else np.zeros(0, dtype=np.int64)
    names = np.array(
        [f"{source}[{i}] box {j}" for i, b in enumerate(boxes) for j in range(len(b))], dtype=object
    )
    unknown = sorted(set(label_arr.tolist()) - set(categories))
    if unknown:
        raise InputError(
            f"{source}: labels {unknown[:8]} are not among categories {sorted(categories)[:8]}...; list every category."
        )
    check_corner_order(box_arr, source, names)
    check_not_normalised(box_arr, images, image_arr, source, names)
    check_inside_images(box_arr, images, image_arr, source, names)
    return GroundTruth(
        images=images,
        categories=dict(sorted(categories.items())),
        image=image_arr,
        category_ids=label_arr,
        boxes=box_arr,
        areas=np.concatenate(areas) if areas else np.zeros(0),
        crowd=np.concatenate(crowd) if crowd else np.zeros(0, dtype=bool),
        ignore=np.zeros(len(box_arr), dtype=bool),
        ids=names,
        source=source,
    )


def _array(value: object, what: str) -> np.ndarray:
    """A tensor (torch, on any device) or array-like as a numpy array, without importing torch."""
    if value is None:
        raise InputError(f"{what} is missing.")
    for step in ("detach", "cpu", "numpy"):
        if hasattr(value, step) and not isinstance(value, np.ndarray):
            value = getattr(value, step)()
    return np.asarray(value)


def _fields(
    item: object, i: int, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """(boxes (n, 4), scores (n,), labels (n,), the image's path or id if the entry says it)."""
    where = f"{source}[{i}]"
    if isinstance(item, Mapping) and "instances" in item:  # Detectron2's output dict
        item = item["instances"]
    if isinstance(item, Mapping):
        missing = [k for k in ("boxes", "scores", "labels") if k not in item]
        if missing:
            raise InputError(
                f"{where} has keys {sorted(map(str, item))[:6]} but no {missing}: a torchvision-style "
                "entry is {'boxes': (n, 4) xyxy, 'scores': (n,), 'labels': (n,)}."
            )
        hint = item.get("image_id")
        return _triple(item["boxes"], item["scores"], item["labels"], where) + (
            None if hint is None else str(hint),
        )
    if hasattr(item, "pred_instances"):  # MMDetection DetDataSample
        inst = item.pred_instances
        meta = getattr(item, "metainfo", {}) or {}
        hint = meta.get("img_path") or meta.get("img_id") or getattr(item, "img_path", None)
        return _triple(inst.bboxes, inst.scores, inst.labels, where) + (
            None if hint is None else str(hint),
        )
    if hasattr(item, "pred_boxes"):  # Detectron2 Instances
        boxes = item.pred_boxes
        boxes = getattr(boxes, "tensor", boxes)
        return _triple(
            boxes, getattr(item, "scores", None), getattr(item, "pred_classes", None), where
        ) + (None,)
    boxes_attr = getattr(item, "boxes", None)
    if boxes_attr is not None and hasattr(boxes_attr, "xyxy"):  # Ultralytics Results
        hint = getattr(item, "path", None)
        return _triple(boxes_attr.xyxy, boxes_attr.conf, boxes_attr.cls, where) + (
            None if hint is None else str(hint),
        )
    if hasattr(item, "xyxy") and hasattr(item, "class_id"):  # supervision Detections
        if getattr(item, "confidence", None) is None:
            raise InputError(
                f"{where}: a supervision Detections without confidence; detections need scores to be ranked."
            )
        return _triple(
            getattr(item, "xyxy", None),
            getattr(item, "confidence", None),
            getattr(item, "class_id", None),
            where,
        ) + (None,)
    raise InputError(
        f"{where} is a {type(item).__name__}, which has none of the fields read: torchvision's "
        "{'boxes', 'scores', 'labels'}, Ultralytics' .boxes.xyxy/.conf/.cls, MMDetection's "
        ".pred_instances.bboxes/.scores/.labels, Detectron2's .pred_boxes/.scores/.pred_classes or "
        "supervision's .xyxy/.confidence/.class_id."
    )


def _triple(
    boxes: object, scores: object, labels: object, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = _array(boxes, f"{where} boxes").astype(np.float64).reshape(-1, 4)
    s = _array(scores, f"{where} scores").astype(np.float64).reshape(-1)
    lab = _array(labels, f"{where} labels").reshape(-1)
    if not len(b) == len(s) == len(lab):
        raise InputError(
            f"{where}: {len(b)} boxes, {len(s)} scores and {len(lab)} labels; they must be as many."
        )
    if not (np.isfinite(b).all() and np.isfinite(s).all()):
        raise InputError(f"{where}: a box or score is missing or infinite.")
    return b, s, lab


def _image_names(
    entries: list, image_ids: Sequence | None, ground_truth: GroundTruth, source: str
) -> tuple[list, str]:
    if image_ids is not None:
        if len(image_ids) != len(entries):
            raise InputError(
                f"{source}: {len(entries)} entries but {len(image_ids)} image_ids; give one id per entry.",
                parameter="image_ids",
            )
        return list(image_ids), ""
    hints = [e[3] for e in entries]
    if entries and all(h is not None for h in hints):
        return [PurePath(h).stem if ("/" in h or "." in h) else h for h in hints], ""
    if len(entries) == len(ground_truth.images):
        return list(ground_truth.images.ids), (
            f"{source}: the entries carry no image names and there is one per image: taken in the "
            "ground truth's image order. Pass image_ids= to say which image each entry is."
        )
    raise InputError(
        f"{source}: {len(entries)} entries carry no image names and the ground truth has "
        f"{len(ground_truth.images)} images, so which entry is which image is unknown. Pass "
        "image_ids= (one id or file stem per entry).",
        parameter="image_ids",
    )
