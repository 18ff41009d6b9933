"""COCO files: instances ground truth (``images``, ``annotations``, ``categories``) and the
results format detectors write (a list of ``{image_id, category_id, bbox, score}``).

Boxes are ``[x, y, width, height]`` in pixels. Ground truth keeps COCO's ``area`` (the mask's
area, which COCO's size ranges read) and ``iscrowd``; like pycocotools, an ``ignore`` key is
not read (COCOeval overwrites it with ``iscrowd``).
"""

from __future__ import annotations

import json
from pathlib import Path

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
from weakspot.tasks.detection._records import (
    Detections,
    GroundTruth,
    Images,
    image_order,
    xywh_to_xyxy,
)


def read_coco_ground_truth(path: str | Path) -> GroundTruth:
    """Read a COCO instances file (``instances_val2017.json``).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    GroundTruth
        Images sorted by id as pycocotools sorts them; boxes in file order.

    Raises
    ------
    InputError
        Not a COCO instances file, an annotation naming an unknown image or category, a box
        that is not four numbers, or boxes that are normalised or outside their image.
    """
    source = str(path)
    data = _load_json(path)
    if not isinstance(data, dict) or not {"images", "annotations", "categories"} <= set(data):
        keys = sorted(data)[:6] if isinstance(data, dict) else type(data).__name__
        raise InputError(
            f"{source} is not COCO ground truth: it needs the keys 'images', 'annotations' and "
            f"'categories' (it has {keys}). A list of detections is a results file: give it as "
            "the detections, and the instances file as the ground truth."
        )
    images = _images(data["images"], source)
    categories = _categories(data["categories"], source)
    anns = data["annotations"]
    if not isinstance(anns, list):
        raise InputError(f"{source}: 'annotations' must be a list of objects.")
    positions, _ = resolve_image_ids(
        [_field(a, "image_id", i, source) for i, a in enumerate(anns)],
        images,
        f"{source} (annotations)",
    )
    cat = np.array([_field(a, "category_id", i, source) for i, a in enumerate(anns)], dtype=object)
    unknown = sorted({c for c in cat.tolist() if c not in categories}, key=str)
    if unknown:
        raise InputError(
            f"{source}: annotations name category id(s) {unknown[:8]} that 'categories' does not "
            f"list (it lists {sorted(categories)[:8]}...). Add them to 'categories' or fix the ids."
        )
    raw = _boxes(anns, source)
    boxes = xywh_to_xyxy(raw)
    names = np.array([f"annotation {a.get('id', i)}" for i, a in enumerate(anns)], dtype=object)
    check_corner_order(boxes, source, names, box_format="xywh")
    check_not_normalised(boxes, images, positions, source, names)
    check_inside_images(boxes, images, positions, source, names)
    areas = np.array(
        [
            float(a["area"]) if "area" in a else float(b[2] * b[3])
            for a, b in zip(anns, raw, strict=True)
        ]
    )
    return GroundTruth(
        images=images,
        categories=categories,
        image=positions,
        category_ids=cat.astype(np.int64),
        boxes=boxes,
        areas=areas,
        crowd=np.array([bool(a.get("iscrowd", 0)) for a in anns], dtype=bool),
        ignore=np.zeros(len(anns), dtype=bool),
        ids=np.array([a.get("id", i + 1) for i, a in enumerate(anns)], dtype=object),
        box_areas=raw[:, 2] * raw[:, 3],
        source=source,
    )


def read_coco_detections(
    path: str | Path,
    ground_truth: GroundTruth,
    *,
    category_ids: str = "auto",
    min_score: float | None = None,
) -> Detections:
    """Read a COCO results file (a JSON list of ``{image_id, category_id, bbox, score}``).

    Parameters
    ----------
    path : str or Path
    ground_truth : GroundTruth
        The images and categories the detections refer to.
    category_ids : {"auto", "ids", "index"}
        How category values are read (`category_mapping`): the ground truth's ids, 0-based
        positions in its sorted categories, or detected ("auto", said in the notes).
    min_score : float, optional
        Keep detections scoring at least this. When None, a results file holding more than
        10 detections per ground-truth box at a median score below 0.1 is refused.

    Returns
    -------
    Detections
        In file order; image ids read as ids, file stems or file names (said in the notes).
    """
    source = str(path)
    data = _load_json(path)
    if isinstance(data, dict) and "annotations" in data:
        data = data["annotations"]
        if data and "score" not in data[0]:
            raise InputError(
                f"{source} looks like COCO ground truth (its annotations have no 'score'), given "
                "as the detections. Give the detector's results file: a list of "
                "{image_id, category_id, bbox, score}."
            )
    if not isinstance(data, list):
        raise InputError(
            f"{source}: a COCO results file is a JSON list of {{image_id, category_id, bbox, "
            f"score}} objects; this holds a {type(data).__name__}."
        )
    if min_score is not None:
        data = [d for d in data if _score(d, source) >= min_score]
    image, note_ids = resolve_image_ids(
        [_field(d, "image_id", i, source) for i, d in enumerate(data)], ground_truth.images, source
    )
    raw = _boxes(data, source)
    names = np.array(
        [f"detection {i} (image_id {d['image_id']!r})" for i, d in enumerate(data)], dtype=object
    )
    check_corner_order(xywh_to_xyxy(raw), source, names, box_format="xywh")
    check_box_convention(ground_truth, image, raw, "xywh", source)
    boxes = xywh_to_xyxy(raw)
    check_not_normalised(boxes, ground_truth.images, image, source, names)
    check_inside_images(boxes, ground_truth.images, image, source, names)
    values = np.array([_field(d, "category_id", i, source) for i, d in enumerate(data)])
    if values.size and not np.issubdtype(values.dtype, np.integer):
        raise InputError(
            f"{source}: category_id must be an integer; found {values[0]!r}. Write the ground "
            "truth's category ids."
        )
    cats, note_cats = category_mapping(values, ground_truth, image, boxes, source, category_ids)
    detections = Detections(
        image=image,
        category_ids=cats,
        boxes=boxes,
        scores=np.array([_score(d, source) for d in data], dtype=np.float64),
        areas=raw[:, 2] * raw[:, 3],
        source=source,
        notes=tuple(n for n in (note_ids, note_cats) if n),
    )
    if min_score is None:
        check_score_floor(
            detections, int(np.count_nonzero(~(ground_truth.crowd | ground_truth.ignore))), source
        )
    return detections


def _load_json(path: str | Path) -> object:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the path of a COCO JSON file.")
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON ({exc}). Give a COCO JSON file.") from None


def _images(entries: object, source: str) -> Images:
    if not isinstance(entries, list) or not entries:
        raise InputError(
            f"{source}: 'images' must be a non-empty list of {{id, file_name, width, height}}."
        )
    ids = [_field(e, "id", i, source, what="image") for i, e in enumerate(entries)]
    if len({str(i) for i in ids}) < len(ids):
        dup = sorted({str(i) for i in ids if [str(j) for j in ids].count(str(i)) > 1})[:5]
        raise InputError(
            f"{source}: image ids {dup} appear more than once in 'images'. Each image needs its own id."
        )
    order = image_order(ids)
    return Images(
        ids=np.array([ids[i] for i in order], dtype=object),
        file_names=np.array(
            [str(entries[i].get("file_name", ids[i])) for i in order], dtype=object
        ),
        widths=np.array([float(entries[i].get("width", np.nan)) for i in order]),
        heights=np.array([float(entries[i].get("height", np.nan)) for i in order]),
    )


def _categories(entries: object, source: str) -> dict[int, str]:
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: 'categories' must be a non-empty list of {{id, name}}.")
    out: dict[int, str] = {}
    for i, e in enumerate(entries):
        cid = _field(e, "id", i, source, what="category")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise InputError(
                f"{source}: category id {cid!r} is not an integer. COCO category ids are integers."
            )
        out[cid] = str(e.get("name", cid))
    return dict(sorted(out.items()))


def _field(entry: object, key: str, index: int, source: str, what: str = "entry") -> object:
    if not isinstance(entry, dict) or key not in entry:
        raise InputError(
            f"{source}: {what} {index} has no {key!r} ({str(entry)[:80]}). Every {what} needs one."
        )
    return entry[key]


def _score(entry: object, source: str) -> float:
    if not isinstance(entry, dict) or "score" not in entry:
        raise InputError(
            f"{source}: detection {str(entry)[:80]} has no 'score'. Detections need the "
            "detector's confidence to be ranked; write it as 'score'."
        )
    return float(entry["score"])


def _boxes(entries: list, source: str) -> np.ndarray:
    out = np.zeros((len(entries), 4))
    for i, e in enumerate(entries):
        box = _field(e, "bbox", i, source)
        try:
            out[i] = np.asarray(box, dtype=np.float64).reshape(4)
        except (TypeError, ValueError):
            raise InputError(
                f"{source}: entry {i} has bbox {str(box)[:60]}, not four numbers "
                "[x, y, width, height]."
            ) from None
    if not np.isfinite(out).all():
        bad = int(np.flatnonzero(~np.isfinite(out).all(axis=1))[0])
        raise InputError(
            f"{source}: entry {bad} has a missing or infinite bbox value {out[bad].tolist()}."
        )
    return out
