"""Pascal VOC: one XML file per image (``Annotations/*.xml``) and the devkit's detection
files (``comp4_det_test_<class>.txt``: lines ``image score x1 y1 x2 y2``).

VOC coordinates are 1-based pixel indices, both ends inside the box; they become corners in
pixels by subtracting 1 from x1 and y1 (a box from pixel 1 to the width covers the image, from
0 to the width), as Detectron2 reads them. Each object's ``truncated``, ``difficult`` and
``pose`` are kept as attributes; difficult objects are ignored by default, as VOC's evaluation
ignores them (neither found nor missed; a detection on one is left out).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from weakspot._errors import InputError
from weakspot.tasks.detection._checks import (
    check_corner_order,
    check_inside_images,
    check_not_normalised,
    check_score_floor,
    resolve_image_ids,
)
from weakspot.tasks.detection._records import Detections, GroundTruth, Images, image_order


def read_voc_ground_truth(
    annotations: str | Path,
    *,
    classes: list[str] | None = None,
    difficult_as_ignore: bool = True,
) -> GroundTruth:
    """Read a folder of VOC XML annotations (or one XML file).

    Parameters
    ----------
    annotations : str or Path
        The ``Annotations`` folder.
    classes : list of str, optional
        Class names in id order (category id = position); the sorted names found otherwise.
    difficult_as_ignore : bool
        Ignore ``difficult`` objects, as VOC's evaluation does.

    Returns
    -------
    GroundTruth
        Image ids are the XML files' stems; attributes ``truncated``, ``difficult`` (bool) and
        ``pose`` (str, "Unspecified" when absent).
    """
    root = Path(annotations)
    files = sorted(root.glob("*.xml")) if root.is_dir() else [root]
    if not files or not files[0].is_file():
        raise InputError(
            f"{root}: no VOC .xml annotation files there. Give the Annotations folder."
        )
    parsed = [_parse(file) for file in files]
    order = image_order([file.stem for file in files])
    parsed = [parsed[i] for i in order]
    files = [files[i] for i in order]
    names = sorted({obj["name"] for _, _, objs in parsed for obj in objs})
    if classes is not None:
        unknown = sorted(set(names) - set(classes))
        if unknown:
            raise InputError(
                f"{root}: object names {unknown[:8]} are not among classes= {classes[:8]}. "
                "List every class, or leave classes= out to take the names found.",
                parameter="classes",
            )
        names = list(classes)
    category = {name: i for i, name in enumerate(names)}
    images = Images(
        ids=np.array([f.stem for f in files], dtype=object),
        file_names=np.array([fname for fname, _, _ in parsed], dtype=object),
        widths=np.array([size[0] for _, size, _ in parsed], dtype=np.float64),
        heights=np.array([size[1] for _, size, _ in parsed], dtype=np.float64),
    )
    rows = [(pos, obj) for pos, (_, _, objs) in enumerate(parsed) for obj in objs]
    boxes = np.array([obj["box"] for _, obj in rows], dtype=np.float64).reshape(-1, 4)
    boxes[:, :2] -= 1.0
    ids = np.array([obj["where"] for _, obj in rows], dtype=object)
    image = np.array([pos for pos, _ in rows], dtype=np.int64)
    check_corner_order(boxes, str(root), ids)
    check_inside_images(boxes, images, image, str(root), ids)
    difficult = np.array([obj["difficult"] for _, obj in rows], dtype=bool)
    return GroundTruth(
        images=images,
        categories=dict(enumerate(names)),
        image=image,
        category_ids=np.array([category[obj["name"]] for _, obj in rows], dtype=np.int64),
        boxes=boxes,
        areas=(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]),
        crowd=np.zeros(len(rows), dtype=bool),
        ignore=difficult.copy() if difficult_as_ignore else np.zeros(len(rows), dtype=bool),
        ids=ids,
        attributes={
            "truncated": np.array([obj["truncated"] for _, obj in rows], dtype=bool),
            "difficult": difficult,
            "pose": np.array([obj["pose"] for _, obj in rows], dtype=object),
        },
        source=str(root),
    )


def read_voc_detections(
    files: str | Path | list[str | Path],
    ground_truth: GroundTruth,
    *,
    min_score: float | None = None,
) -> Detections:
    """Read VOC devkit detection files: one per class, named ``..._<class>.txt`` (or
    ``<class>.txt``), lines ``image_id score x1 y1 x2 y2`` in VOC's 1-based pixels.

    Parameters
    ----------
    files : str, Path or list of them
        The files, or a folder holding them.
    ground_truth : GroundTruth
        Its category names name the files' classes; image ids are read as ids or file stems.
    min_score : float, optional
        As `read_coco_detections`.
    """
    paths = _detection_files(files)
    names = {name: cid for cid, name in ground_truth.categories.items()}
    image_ids, cats, rows, where = [], [], [], []
    for path in paths:
        cid = _class_of(path, names)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise InputError(
                    f"{path}:{number}: a VOC detection line is 'image_id score x1 y1 x2 y2'; "
                    f"this one has {len(parts)} fields."
                )
            try:
                numbers = [float(v) for v in parts[1:]]
            except ValueError:
                raise InputError(
                    f"{path}:{number}: {line[:60]!r} holds text where numbers go."
                ) from None
            image_ids.append(parts[0])
            cats.append(cid)
            rows.append(numbers)
            where.append(f"{path.name}:{number}")
    source = str(files if not isinstance(files, list) else paths[0].parent)
    table = np.array(rows, dtype=np.float64).reshape(-1, 5)
    cat_arr = np.array(cats, dtype=np.int64)
    names_arr = np.array(where, dtype=object)
    if min_score is not None:
        keep = table[:, 0] >= min_score
        table, cat_arr, names_arr = table[keep], cat_arr[keep], names_arr[keep]
        image_ids = [v for v, k in zip(image_ids, keep, strict=True) if k]
    image, note_ids = resolve_image_ids(image_ids, ground_truth.images, source)
    boxes = table[:, 1:].copy()
    boxes[:, :2] -= 1.0
    check_corner_order(boxes, source, names_arr)
    check_not_normalised(boxes, ground_truth.images, image, source, names_arr)
    check_inside_images(boxes, ground_truth.images, image, source, names_arr)
    detections = Detections(
        image=image,
        category_ids=cat_arr,
        boxes=boxes,
        scores=table[:, 0].copy(),
        areas=(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]),
        source=source,
        notes=(note_ids,) if note_ids else (),
    )
    if min_score is None:
        counted = int(np.count_nonzero(~(ground_truth.crowd | ground_truth.ignore)))
        check_score_floor(detections, counted, source)
    return detections


def _parse(file: Path) -> tuple[str, tuple[float, float], list[dict]]:
    try:
        tree = ET.parse(file)
    except ET.ParseError as exc:
        raise InputError(f"{file}: not valid XML ({exc}).") from None
    node = tree.getroot()
    filename = (node.findtext("filename") or file.stem).strip()
    size = node.find("size")
    width = _number(size, "width", file) if size is not None else np.nan
    height = _number(size, "height", file) if size is not None else np.nan
    if width == 0 or height == 0:  # some VOC exports write 0 when unknown
        width = height = np.nan
    objects = []
    for i, obj in enumerate(node.findall("object")):
        name = (obj.findtext("name") or "").strip()
        box = obj.find("bndbox")
        if not name or box is None:
            raise InputError(
                f"{file}: object {i} has no <name> or no <bndbox>. Every object needs both."
            )
        objects.append(
            {
                "name": name,
                "box": [_number(box, k, file) for k in ("xmin", "ymin", "xmax", "ymax")],
                "truncated": _flag(obj, "truncated"),
                "difficult": _flag(obj, "difficult"),
                "pose": (obj.findtext("pose") or "Unspecified").strip(),
                "where": f"{file.name}#{i}",
            }
        )
    return filename, (width, height), objects


def _number(node: ET.Element, key: str, file: Path) -> float:
    text = node.findtext(key)
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{file}: <{key}> is {text!r}, not a number.") from None


def _flag(node: ET.Element, key: str) -> bool:
    text = (node.findtext(key) or "0").strip()
    return text not in ("0", "", "false", "False")


def _detection_files(files: str | Path | list[str | Path]) -> list[Path]:
    if isinstance(files, list):
        paths = [Path(f) for f in files]
    elif Path(files).is_dir():
        paths = sorted(Path(files).glob("*.txt"))
    else:
        paths = [Path(files)]
    missing = [p for p in paths if not p.is_file()]
    if not paths or missing:
        raise InputError(
            f"{files}: no VOC detection files found ({missing[:3] if missing else 'no .txt'}). "
            "Give the devkit's per-class files (comp4_det_test_<class>.txt) or their folder."
        )
    return paths


def _class_of(path: Path, names: dict[str, int]) -> int:
    stem = path.stem
    matches = [n for n in names if stem == n or stem.endswith("_" + n)]
    if not matches:
        raise InputError(
            f"{path}: the file name does not end with a class of the ground truth "
            f"({sorted(names)[:8]}...). VOC detection files are named ..._<class>.txt."
        )
    return names[max(matches, key=len)]
