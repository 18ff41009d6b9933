"""YOLO (Ultralytics) folders: a ``data.yaml``, its split's images and label files, and a
prediction folder written with ``save_txt=True, save_conf=True``.

A label line is ``class cx cy w h`` (a segment's polygon ``class x1 y1 x2 y2 ...`` is read as
its bounding box), a prediction line ``class cx cy w h confidence``, all coordinates fractions
of the image's width and height. The image sizes come from the image headers (Pillow reads
the header, not the pixels), turned as the EXIF orientation turns the image, as Ultralytics
does. An image's id is its file stem; its label file is its path with the last ``images``
folder replaced by ``labels`` and the suffix by ``.txt``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from weakspot._errors import InputError
from weakspot.tasks.detection._checks import (
    category_mapping,
    check_inside_images,
    check_score_floor,
    resolve_image_ids,
)
from weakspot.tasks.detection._data_yaml import read_data_yaml
from weakspot.tasks.detection._records import Detections, GroundTruth, Images, image_order

IMAGE_SUFFIXES = {".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp", ".dng", ".mpo"}
# EXIF orientations that turn the image a quarter: width and height swap
_QUARTER_TURNS = {5, 6, 7, 8}
# a normalised coordinate may pass 1 by rounding
_NORMALISED_SLACK = 1e-3


def read_yolo_ground_truth(data_yaml: str | Path, split: str = "val") -> GroundTruth:
    """Read the ground truth of one split of a YOLO dataset.

    Parameters
    ----------
    data_yaml : str or Path
        The dataset's ``data.yaml`` (``path``, ``train``/``val``/``test``, ``names``).
    split : str
        Which split's images to read.

    Returns
    -------
    GroundTruth
        Categories are the class indices with ``names``; an image without a label file has no
        objects.
    """
    data_yaml = Path(data_yaml)
    config = read_data_yaml(data_yaml)
    if split not in config:
        raise InputError(
            f"{data_yaml}: no {split!r} split (it has {[k for k in ('train', 'val', 'test') if k in config]}). "
            "Pass split= one of them.",
            parameter="split",
        )
    root = Path(str(config.get("path") or ""))
    root = root if root.is_absolute() else (data_yaml.parent / root)
    paths = _split_images(config[split], root, data_yaml, split)
    names: list[str] = config["names"]  # type: ignore[assignment]
    stems = [p.stem for p in paths]
    dup = sorted({s for s in stems if stems.count(s) > 1}) if len(set(stems)) < len(stems) else []
    if dup:
        raise InputError(
            f"{data_yaml}: split {split!r} has several images with the file stem(s) {dup[:5]}; "
            "YOLO names an image's labels and predictions by its stem, so each must be unique."
        )
    order = image_order(stems)
    paths = [paths[i] for i in order]
    sizes = np.array([_image_size(p) for p in paths], dtype=np.float64).reshape(-1, 2)
    images = Images(
        ids=np.array([p.stem for p in paths], dtype=object),
        file_names=np.array([_relative(p, root) for p in paths], dtype=object),
        widths=sizes[:, 0],
        heights=sizes[:, 1],
    )
    image, cats, boxes, ids = [], [], [], []
    for pos, path in enumerate(paths):
        label = label_path(path)
        if not label.is_file():
            continue
        for number, values in _lines(label):
            cls = _class(values[0], label, number, len(names))
            box = _label_box(values, label, number)
            image.append(pos)
            cats.append(cls)
            boxes.append(box * [sizes[pos, 0], sizes[pos, 1], sizes[pos, 0], sizes[pos, 1]])
            ids.append(f"{label.name}:{number}")
    boxes_arr = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    image_arr = np.array(image, dtype=np.int64)
    check_inside_images(boxes_arr, images, image_arr, str(data_yaml), np.array(ids, dtype=object))
    areas = (boxes_arr[:, 2] - boxes_arr[:, 0]) * (boxes_arr[:, 3] - boxes_arr[:, 1])
    return GroundTruth(
        images=images,
        categories=dict(enumerate(names)),
        image=image_arr,
        category_ids=np.array(cats, dtype=np.int64),
        boxes=boxes_arr,
        areas=areas,
        crowd=np.zeros(len(boxes), dtype=bool),
        ignore=np.zeros(len(boxes), dtype=bool),
        ids=np.array(ids, dtype=object),
        source=str(data_yaml),
    )


def read_yolo_detections(
    folder: str | Path,
    ground_truth: GroundTruth,
    *,
    category_ids: str = "auto",
    min_score: float | None = None,
) -> Detections:
    """Read a YOLO prediction folder (``runs/detect/val/labels``: one ``<stem>.txt`` per image
    with detections, lines ``class cx cy w h confidence``).

    Parameters
    ----------
    folder : str or Path
    ground_truth : GroundTruth
        Gives the images (by file stem) and their sizes; any reader's ground truth will do.
    category_ids : {"auto", "ids", "index"}
        As `read_coco_detections` (class indices against a COCO ground truth's ids are read as
        positions, and said).
    min_score : float, optional
        Keep detections scoring at least this; when None, a folder of faint detections that
        swamp the ground truth is refused.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            f"{folder}: no such folder. Give the folder of YOLO prediction .txt files."
        )
    files = sorted(folder.glob("*.txt"))
    stems, rows, names = [], [], []
    for file in files:
        for number, values in _lines(file):
            if len(values) == 5:
                raise InputError(
                    f"{file}:{number}: a prediction line with 5 values has no confidence. Save "
                    "predictions with their scores (Ultralytics: save_txt=True, save_conf=True)."
                )
            if len(values) != 6:
                raise InputError(
                    f"{file}:{number}: a prediction line needs 6 values (class cx cy w h "
                    f"confidence); it has {len(values)}."
                )
            stems.append(file.stem)
            rows.append(values)
            names.append(f"{file.name}:{number}")
    source = str(folder)
    table = np.array(rows, dtype=np.float64).reshape(-1, 6)
    if min_score is not None:
        keep = table[:, 5] >= min_score
        table, stems = table[keep], [s for s, k in zip(stems, keep, strict=True) if k]
        names = [n for n, k in zip(names, keep, strict=True) if k]
    image, note_ids = resolve_image_ids(stems, ground_truth.images, source)
    label_names = np.array(names, dtype=object)
    _check_normalised(table[:, 1:5], label_names, source)
    width = ground_truth.images.widths[image]
    height = ground_truth.images.heights[image]
    if len(image) and not (np.isfinite(width).all() and np.isfinite(height).all()):
        raise InputError(
            f"{source}: YOLO coordinates are fractions of the image size, but the ground truth "
            "does not give the size of every image. Use a ground truth with image sizes (COCO "
            "width/height, VOC size, YOLO images)."
        )
    boxes = _centre_to_corners(table[:, 1:5]) * np.stack([width, height, width, height], axis=1)
    check_inside_images(boxes, ground_truth.images, image, source, label_names)
    if len(table) and not np.all(np.mod(table[:, 0], 1) == 0):
        raise InputError(f"{source}: class indices must be whole numbers; found {table[0, 0]!r}.")
    cats, note_cats = category_mapping(
        table[:, 0].astype(np.int64), ground_truth, image, boxes, source, category_ids
    )
    detections = Detections(
        image=image,
        category_ids=cats,
        boxes=boxes,
        scores=table[:, 5].copy(),
        areas=(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]),
        source=source,
        notes=tuple(n for n in (note_ids, note_cats) if n),
    )
    if min_score is None:
        counted = int(np.count_nonzero(~(ground_truth.crowd | ground_truth.ignore)))
        check_score_floor(detections, counted, source)
    return detections


def label_path(image: Path) -> Path:
    """The label file of `image`, as Ultralytics finds it: the last ``images`` folder of its
    path becomes ``labels`` and the suffix ``.txt``."""
    parts = list(image.parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    return Path(*parts).with_suffix(".txt")


def _split_images(entry: object, root: Path, data_yaml: Path, split: str) -> list[Path]:
    entries = entry if isinstance(entry, list) else [entry]
    paths: list[Path] = []
    for item in entries:
        where = Path(str(item))
        where = where if where.is_absolute() else root / where
        if where.is_dir():
            paths += sorted(
                p for p in where.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
            )
        elif where.is_file() and where.suffix == ".txt":
            for line in where.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line:
                    p = Path(line)
                    paths.append(
                        p
                        if p.is_absolute()
                        else (where.parent / line[2:] if line.startswith("./") else root / p)
                    )
        else:
            raise InputError(
                f"{data_yaml}: the {split!r} split is {item!r}, which is neither a folder of "
                f"images nor a .txt list of them (looked at {where}). Set path: to the dataset "
                "root, or give the split relative to it."
            )
    if not paths:
        raise InputError(f"{data_yaml}: the {split!r} split holds no images ({entries}).")
    return paths


def _image_size(path: Path) -> tuple[float, float]:
    """Width and height from the header (no pixels decoded), turned by the EXIF orientation."""
    try:
        with Image.open(path) as im:
            width, height = im.size
            orientation = im.getexif().get(0x0112, 1)
    except FileNotFoundError:
        raise InputError(f"{path}: listed in the split but missing.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{path}: not a readable image header ({exc}).") from None
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return float(width), float(height)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _lines(file: Path) -> list[tuple[int, list[float]]]:
    out = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((number, [float(v) for v in line.split()]))
        except ValueError:
            raise InputError(f"{file}:{number}: {line[:60]!r} is not a line of numbers.") from None
    return out


def _class(value: float, file: Path, number: int, n_classes: int) -> int:
    if value != int(value) or not 0 <= value < n_classes:
        raise InputError(
            f"{file}:{number}: class {value:g} is not one of data.yaml's {n_classes} class "
            f"indices (0 to {n_classes - 1}). Check that the labels belong to this data.yaml."
        )
    return int(value)


def _label_box(values: list[float], file: Path, number: int) -> np.ndarray:
    """A label line's box as normalised corners, shape (4,)."""
    coords = np.array(values[1:])
    if len(coords) == 4:
        box = _centre_to_corners(coords[None, :])[0]
    elif len(coords) >= 6 and len(coords) % 2 == 0:
        xs, ys = coords[0::2], coords[1::2]  # a segment: its polygon's bounding box
        box = np.array([xs.min(), ys.min(), xs.max(), ys.max()])
    else:
        hint = (
            " It looks like a prediction line (with a confidence): give the ground-truth labels."
            if len(coords) == 5
            else ""
        )
        raise InputError(
            f"{file}:{number}: a label line needs 5 values (class cx cy w h) or a polygon "
            f"(class x1 y1 x2 y2 ...); it has {len(values)}.{hint}"
        )
    _check_normalised(coords[None, :], np.array([f"{file}:{number}"], dtype=object), str(file))
    return box


def _check_normalised(coords: np.ndarray, names: np.ndarray, source: str) -> None:
    """YOLO writes coordinates as fractions of the image size: refuse pixel values."""
    if len(coords) == 0:
        return
    bad = ((coords < -_NORMALISED_SLACK) | (coords > 1 + _NORMALISED_SLACK)).any(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{source}: YOLO coordinates are fractions of the image width and height (0 to 1), "
            f"but {names[first]} has {[round(float(v), 3) for v in coords[first]]}: pixel "
            "coordinates. Divide x and width by the image width, y and height by its height."
        )


def _centre_to_corners(cxcywh: np.ndarray) -> np.ndarray:
    cx, cy, w, h = cxcywh.T
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).reshape(-1, 4)
