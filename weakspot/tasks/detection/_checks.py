"""The usual mistakes in detection inputs, named with the file, the value and the fix.

Readers call these after converting a source to `GroundTruth` / `Detections`: boxes read in
the wrong corner convention (xywh as xyxy), coordinates normalised to [0, 1], boxes outside
their image, a confidence floor so low that false positives swamp the analysis, image ids the
ground truth does not know, and category ids shifted against the ground truth's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

import numpy as np

from weakspot._errors import InputError
from weakspot.tasks.detection._overlap import box_iou
from weakspot.tasks.detection._records import Detections, GroundTruth, Images, box_areas

# a box may stick out of its image by this much (detectors' boxes often do by a pixel or two)
OUTSIDE_TOLERANCE_PX = 2.0
OUTSIDE_TOLERANCE_SHARE = 0.02
# more detections per counted ground-truth box than this, at scores this low, swamp the slices
SWAMP_RATIO = 10.0
SWAMP_SCORE = 0.1
KEEP_PER_BOX = 3.0
# the wrong convention must fit clearly better before a reader refuses the declared one
MIN_FOR_EVIDENCE = 10


def check_corner_order(
    boxes: np.ndarray, source: str, names: np.ndarray, box_format: str = "xyxy"
) -> None:
    """Refuse ``xyxy`` boxes with ``x2 < x1`` or ``y2 < y1`` (shape (n, 4)): the usual cause is
    ``[x, y, width, height]`` read as corners. For ``xywh`` sources, a negative size."""
    bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    values = [round(float(v), 2) for v in boxes[first]]
    if box_format == "xywh":
        raise InputError(
            f"{source}: {int(bad.sum())} box(es) have a negative width or height, e.g. "
            f"{names[first]} (as x1, y1, x2, y2: {values}). COCO boxes are [x, y, width, height] "
            "with width, height >= 0: fix the boxes at their source."
        )
    raise InputError(
        f"{source}: {int(bad.sum())} box(es) have x2 < x1 or y2 < y1, e.g. {names[first]}: "
        f"{values} read as [x1, y1, x2, y2]. These look like [x, y, width, height] (xywh) read as "
        "corners: convert them (x2 = x + width, y2 = y + height) or pass box_format='xywh'."
    )


def check_not_normalised(
    boxes: np.ndarray, images: Images, image: np.ndarray, source: str, names: np.ndarray
) -> None:
    """Refuse pixel boxes (shape (n, 4)) whose every coordinate is within [0, 1] on images
    larger than a few pixels: coordinates normalised by the image size, read as pixels."""
    if len(boxes) == 0 or np.abs(boxes).max() > 1.0:
        return
    sizes = np.r_[images.widths[image], images.heights[image]]
    sizes = sizes[np.isfinite(sizes)]
    if sizes.size and sizes.max() <= 16:
        return
    if not sizes.size and np.all(np.mod(boxes, 1) == 0):
        return  # integer boxes of 0/1 pixels on images of unknown size: nothing to say
    raise InputError(
        f"{source}: every box coordinate is between 0 and 1 (e.g. {names[0]}: "
        f"{[round(float(v), 4) for v in boxes[0]]}), but boxes are read in pixels. These look "
        "normalised to the image size: multiply x by the image width and y by its height."
    )


def check_inside_images(
    boxes: np.ndarray, images: Images, image: np.ndarray, source: str, names: np.ndarray
) -> None:
    """Refuse boxes (shape (n, 4)) that leave their image by more than a couple of pixels
    (2 px or 2% of the side): the image size is wrong (rotated, resized) or the boxes belong to
    another image or scale."""
    if len(boxes) == 0:
        return
    width, height = images.widths[image], images.heights[image]
    tol_x = np.maximum(OUTSIDE_TOLERANCE_PX, OUTSIDE_TOLERANCE_SHARE * width)
    tol_y = np.maximum(OUTSIDE_TOLERANCE_PX, OUTSIDE_TOLERANCE_SHARE * height)
    with np.errstate(invalid="ignore"):
        out = (
            (boxes[:, 0] < -tol_x)
            | (boxes[:, 1] < -tol_y)
            | (boxes[:, 2] > width + tol_x)
            | (boxes[:, 3] > height + tol_y)
        )
    out &= np.isfinite(width) & np.isfinite(height)
    if not out.any():
        return
    first = int(np.flatnonzero(out)[0])
    pos = int(image[first])
    raise InputError(
        f"{source}: {int(out.sum())} box(es) lie outside their image, e.g. {names[first]} "
        f"[x1, y1, x2, y2] = {[round(float(v), 2) for v in boxes[first]]} on "
        f"{images.name(pos)} of {width[first]:g} x {height[first]:g} pixels. Check that the "
        "boxes are in pixels of the original image (not of a resized or letterboxed input), "
        "that width and height are not swapped, and that each box names its own image; clip "
        "boxes a detector drew past the border to the image."
    )


def check_score_floor(detections: Detections, n_counted_gt: int, source: str) -> None:
    """Refuse detections kept down to such low scores that false positives outnumber the
    ground truth many times over (more than 10 per box, median score below 0.1): every slice
    of false positives would be noise. Suggest the floor that keeps about 3 per box."""
    n = len(detections)
    if n == 0 or n <= SWAMP_RATIO * max(n_counted_gt, 1):
        return
    if float(np.median(detections.scores)) >= SWAMP_SCORE:
        return
    keep = int(KEEP_PER_BOX * max(n_counted_gt, 1))
    floor = float(np.sort(detections.scores)[::-1][min(keep, n - 1)])
    suggestion = max(np.floor(floor * 100) / 100, 0.01)
    raise InputError(
        f"{source}: {n} detections for {n_counted_gt} ground-truth boxes "
        f"({n / max(n_counted_gt, 1):.0f} per box), down to score "
        f"{float(detections.scores.min()):g} (median {float(np.median(detections.scores)):.3f}): "
        "false positives this faint would swamp the analysis of where the detector fails. "
        f"Pass min_score={suggestion:g} (about {KEEP_PER_BOX:g} detections per box), or the "
        "threshold the detector runs at; min_score=0 keeps them all (COCO's AP is computed "
        "that way)."
    )


def overlap_share(
    ground_truth: GroundTruth,
    image: np.ndarray,
    boxes: np.ndarray,
    category_ids: np.ndarray | None = None,
) -> float:
    """Share of the boxes (shape (n, 4), on images `image`) that overlap a ground-truth box of
    their image at IoU >= 0.5 (of their category when `category_ids` is given). The evidence
    for choosing between two readings of the same numbers."""
    if len(boxes) == 0:
        return 0.0
    hits = np.zeros(len(boxes), dtype=bool)
    gt_order = np.argsort(ground_truth.image, kind="stable")
    gt_image = ground_truth.image[gt_order]
    areas = box_areas(boxes)
    gt_areas = ground_truth.box_areas
    for pos in np.unique(image):
        d = np.flatnonzero(image == pos)
        g = gt_order[np.searchsorted(gt_image, pos) : np.searchsorted(gt_image, pos, "right")]
        if len(g) == 0:
            continue
        iou = box_iou(boxes[d], np.abs(areas[d]), ground_truth.boxes[g], gt_areas[g])
        if category_ids is not None:
            iou = np.where(
                category_ids[d][:, None] == ground_truth.category_ids[g][None, :], iou, 0
            )
        hits[d] = (iou >= 0.5).any(axis=1)
    return float(hits.mean())


def clearly_better(declared: float, other: float, n: int) -> bool:
    """Whether another reading fits the ground truth clearly better than the declared one."""
    return n >= MIN_FOR_EVIDENCE and other >= 0.3 and other >= 2 * declared + 0.1


def check_box_convention(
    ground_truth: GroundTruth,
    image: np.ndarray,
    raw: np.ndarray,
    box_format: str,
    source: str,
) -> None:
    """Refuse boxes whose other corner convention fits the ground truth clearly better: the
    share overlapping a ground-truth box at IoU >= 0.5 read as ``xyxy`` against ``xywh``."""
    as_xyxy = np.array(raw, dtype=np.float64).reshape(-1, 4)
    as_xywh = as_xyxy.copy()
    as_xywh[:, 2:] += as_xywh[:, :2]
    declared, other = (as_xyxy, as_xywh) if box_format == "xyxy" else (as_xywh, as_xyxy)
    other_name = "xywh" if box_format == "xyxy" else "xyxy"
    fit = overlap_share(ground_truth, image, declared)
    fit_other = overlap_share(ground_truth, image, other)
    if clearly_better(fit, fit_other, len(raw)):
        words = {"xyxy": "[x1, y1, x2, y2]", "xywh": "[x, y, width, height]"}
        raise InputError(
            f"{source}: the boxes are read as {words[box_format]} ({box_format}), but read as "
            f"{words[other_name]} ({other_name}) {fit_other:.0%} of them overlap a ground-truth "
            f"box at IoU >= 0.5, against {fit:.0%} as read. Write them as {words[box_format]}, "
            f"or pass box_format='{other_name}'."
        )


def resolve_image_ids(values: Sequence, images: Images, source: str) -> tuple[np.ndarray, str]:
    """Positions in `images` of the image ids `values` (shape (n,)), read by one scheme for the
    whole source: the id itself (``42`` or ``"42"``), the file stem, or the file name.

    Returns the positions and a note naming the scheme when it is not the id. Raises
    `InputError` naming unknown ids and the ids the ground truth has.
    """
    schemes = {
        "id": {str(v): i for i, v in enumerate(images.ids)},
        "file stem": {PurePath(str(f)).stem: i for i, f in enumerate(images.file_names)},
        "file name": {PurePath(str(f)).name: i for i, f in enumerate(images.file_names)},
    }
    keys = [_id_text(v) for v in values]
    unique = sorted(set(keys))
    best, best_missing = "id", unique
    for scheme, lookup in schemes.items():
        missing = [k for k in unique if k not in lookup]
        if not missing:
            positions = np.array([lookup[k] for k in keys], dtype=np.int64)
            note = (
                ""
                if scheme == "id"
                else f"{source}: image ids read as {scheme}s of the ground truth's images."
            )
            return positions, note
        if len(missing) < len(best_missing):
            best, best_missing = scheme, missing
    known = ", ".join(repr(v) for v in images.ids[:3].tolist())
    raise InputError(
        f"{source}: {len(best_missing)} image id(s) are not in the ground truth, e.g. "
        f"{best_missing[:5]} (closest reading: by {best}). The ground truth's images have ids "
        f"such as {known} and files such as {images.file_names[0]!r}. Give each detection the "
        "id (or file stem) of an image of the ground truth, and evaluate on the same image set."
    )


def _id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def category_mapping(
    values: np.ndarray,
    ground_truth: GroundTruth,
    image: np.ndarray,
    boxes: np.ndarray,
    source: str,
    category_ids: str = "auto",
) -> tuple[np.ndarray, str]:
    """Map detections' category values (shape (n,), integers) to the ground truth's ids.

    ``category_ids="ids"``: they are the ground truth's ids. ``"index"``: 0-based positions in
    the ground truth's sorted ids (YOLO and torchvision-style heads trained on 80 COCO classes
    write 0..79 where COCO's ids run 1..90). ``"auto"``: the ids when every value is one of
    them, the positions when only they fit; when both fit, the reading under which more boxes
    overlap a ground-truth box of their category. A constant shift (ids written 1-based
    against 0-based, or the reverse) is refused with the fix. Returns the mapped ids and a note.
    """
    cat_ids = np.asarray(sorted(ground_truth.categories), dtype=np.int64)
    values = np.asarray(values, dtype=np.int64)
    present = np.unique(values)
    readings = {
        "ids": values if np.isin(present, cat_ids).all() else None,
        "index": (
            cat_ids[values]
            if len(present) == 0 or (present.min() >= 0 and present.max() < len(cat_ids))
            else None
        ),
    }
    if category_ids not in ("auto", "ids", "index"):
        raise InputError(
            f"category_ids={category_ids!r} is not one of 'auto', 'ids', 'index'.",
            parameter="category_ids",
        )
    shifts = {
        shift: values + shift
        for shift in (-1, 1)
        if len(present) and np.isin(present + shift, cat_ids).all()
    }
    if category_ids != "auto":
        chosen = readings[category_ids]
        if chosen is None:
            raise _unknown_categories(values, cat_ids, source, category_ids, readings, shifts)
        return chosen, _index_note(source, cat_ids, ground_truth) if category_ids == "index" else ""
    valid: dict[str, np.ndarray] = {r: m for r, m in readings.items() if m is not None}
    usable = list(valid)
    if not usable:
        raise _unknown_categories(values, cat_ids, source, category_ids, readings, shifts)
    # a shift that the index reading already gives is that reading, not a mistake
    others = {
        f"shift{s:+d}": m
        for s, m in shifts.items()
        if not any(np.array_equal(m, v) for v in valid.values())
    }
    candidates = valid | others
    if len(candidates) == 1:
        best = usable[0]
        return valid[best], _index_note(source, cat_ids, ground_truth) if best == "index" else ""
    fits = {name: overlap_share(ground_truth, image, boxes, m) for name, m in candidates.items()}
    # the ground truth's own ids unless only the positions fit, or they fit clearly better
    best = usable[0]
    if len(usable) == 2 and clearly_better(fits["ids"], fits["index"], len(values)):
        best = "index"
    for name in others:
        if clearly_better(fits[best], fits[name], len(values)):
            shift = int(name[len("shift") :])
            raise InputError(
                f"{source}: the category ids look shifted by {-shift:+d} against the ground "
                f"truth's: with {shift:+d} added, {fits[name]:.0%} of the boxes overlap a "
                f"ground-truth box of their category at IoU >= 0.5, against {fits[best]:.0%} as "
                f"written. Write the ground truth's category ids ({cat_ids[:5].tolist()}...), "
                f"e.g. by adding {shift} to each.",
                parameter="category_ids",
            )
    note = _index_note(source, cat_ids, ground_truth) if best == "index" else ""
    return valid[best], note


def _index_note(source: str, cat_ids: np.ndarray, ground_truth: GroundTruth) -> str:
    first = int(cat_ids[0])
    return (
        f"{source}: category values read as 0-based positions in the ground truth's "
        f"{len(cat_ids)} categories (0 -> id {first} {ground_truth.categories[first]!r}), as "
        "detectors trained on contiguous class indices write them."
    )


def _unknown_categories(values, cat_ids, source, category_ids, readings, shifts) -> InputError:
    unknown = sorted(set(np.unique(values).tolist()) - set(cat_ids.tolist()))
    hints = []
    if category_ids != "index" and readings["index"] is not None:
        hints.append("they fit as 0-based positions: pass category_ids='index'")
    for shift in shifts:
        hints.append(f"adding {shift} to each makes them the ground truth's ids")
    hint = "; ".join(hints) if hints else "map them to the ground truth's categories"
    return InputError(
        f"{source}: category id(s) {unknown[:8]} are not among the ground truth's "
        f"{len(cat_ids)} categories (ids {cat_ids[:8].tolist()}...). Fix: {hint}.",
        parameter="category_ids",
    )
