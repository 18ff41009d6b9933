"""Example images for the detection report: a few per slice, chosen deterministically, each
with its ground-truth and predicted boxes as drawable records.

The picture itself is a JPEG thumbnail as a data URI (Pillow's encoder gives the same bytes
for the same pixels); the boxes stay in the image's own pixels, and the page draws them as an
SVG layer over the picture, so they stay sharp and each carries its class and score.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot.features.images import READ_ERRORS, normalise_mode, read_file
from weakspot.tasks.detection import DETECTION, GROUND_TRUTH, Detections, GroundTruth

#: The kinds of box drawn, in the legend's order: a ground-truth box found, one missed, a
#: detection that found a box, and a false positive.
BOX_KINDS = ("found", "missed", "true_positive", "false_positive")
# the thumbnail's long side in pixels: large enough to see a small box, small enough that a
# dozen examples keep the page light
THUMB_SIDE = 384


def slice_examples(
    frame: pd.DataFrame,
    ground_truth: GroundTruth,
    detections: Detections,
    members: Sequence[np.ndarray],
    folder: Path,
    *,
    per_slice: int = 3,
) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Up to `per_slice` images for each slice, with every box of each image to draw.

    Parameters
    ----------
    frame : DataFrame
        The box table (`box_table`), ground-truth rows then detection rows.
    ground_truth, detections : GroundTruth, Detections
    members : sequence of ndarray of int
        Each slice's rows of `frame`.
    folder : Path
        The folder of the images (their ``file_names`` inside it, or their base names).
    per_slice : int

    Returns
    -------
    examples : list of list of dict
        Per slice, its images: ``{image_id, file_name, width, height, image (data URI),
        boxes: [{kind, xyxy, label, in_slice}]}``.
    unread : list of str
        The images that could not be read, with the reason.
    """
    outcome = frame["outcome"].to_numpy()
    image_id = frame["image_id"].astype(str).to_numpy()
    error = np.isin(outcome, ["missed", "false_positive"])
    position_of = {str(v): i for i, v in enumerate(ground_truth.images.ids)}
    cache: dict[int, dict[str, Any] | None] = {}
    unread: list[str] = []
    examples = []
    for rows in members:
        rows = np.asarray(rows, dtype=np.int64)
        wrong = rows[error[rows]]
        # the images holding most of the slice's errors; ties by image id, so the choice is
        # the same on every run
        ids, counts = np.unique(image_id[wrong], return_counts=True)
        order = sorted(zip(-counts, ids, strict=True))[:per_slice]
        chosen = []
        for _, ident in order:
            position = position_of[str(ident)]
            if position not in cache:
                cache[position] = _picture(ground_truth, position, folder, unread)
            picture = cache[position]
            if picture is None:
                continue
            in_slice = set(rows[image_id[rows] == ident].tolist())
            boxes = _boxes(frame, ground_truth, detections, str(ident), in_slice)
            chosen.append({**picture, "image_id": str(ident), "boxes": boxes})
        examples.append(chosen)
    return examples, unread


def _picture(
    ground_truth: GroundTruth, position: int, folder: Path, unread: list[str]
) -> dict[str, Any] | None:
    """The image's thumbnail as a JPEG data URI with its full size, or None (named in
    `unread`) when it cannot be read."""
    from PIL import Image, ImageOps

    name = str(ground_truth.images.file_names[position])
    path = folder / name
    if not path.is_file():
        path = folder / Path(name).name
    try:
        with Image.open(io.BytesIO(read_file(path))) as opened:
            im, _ = normalise_mode(ImageOps.exif_transpose(opened))
            width, height = im.size
            im = im.convert("RGB")
            im.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
            buffer = io.BytesIO()
            im.save(buffer, format="JPEG", quality=85)
    except READ_ERRORS as exc:
        unread.append(f"{name} ({str(exc).splitlines()[0][:80]})")
        return None
    uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"file_name": name, "width": int(width), "height": int(height), "image": uri}


def _boxes(
    frame: pd.DataFrame,
    ground_truth: GroundTruth,
    detections: Detections,
    ident: str,
    in_slice: set[int],
) -> list[dict[str, Any]]:
    """Every counted box of the image: ground-truth boxes found or missed, detections true or
    false; crowd regions, ignored boxes and uncounted detections are left out."""
    rows = np.flatnonzero((frame["image_id"].astype(str) == ident).to_numpy())
    outcome, unit = frame["outcome"].to_numpy()[rows], frame["unit"].to_numpy()[rows]
    box = frame["box"].to_numpy(dtype=np.int64)[rows]
    category = frame["category"].astype(str).to_numpy()[rows]
    score = frame["score"].to_numpy(dtype=np.float64)[rows]
    records = []
    for i, row in enumerate(rows.tolist()):
        kind = str(outcome[i])
        if kind not in BOX_KINDS:
            continue
        own = ground_truth.boxes if unit[i] == GROUND_TRUTH else detections.boxes
        xyxy = own[int(box[i])]
        label = str(category[i])
        if unit[i] == DETECTION:
            label += f" {float(score[i]):.2f}"
        records.append(
            {
                "kind": kind,
                "xyxy": [round(float(v), 1) for v in xyxy],
                "label": label,
                "in_slice": row in in_slice,
            }
        )
    return records
