"""Synthetic scenes for the per-box tests: images with objects of four classes at every COCO
size, a detector that finds each object with a fixed chance (a null) or misses a planted group,
and false positives on the background; optionally the pixels, drawn as bright rectangles on a
textured grey ground, with a planted group drawn dark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from weakspot.tasks.detection import (
    Detections,
    GroundTruth,
    detections_from_predictions,
    ground_truth_from_targets,
)

CLASSES = {1: "cat", 2: "dog", 3: "bird", 4: "car"}
WIDTH, HEIGHT = 320, 240


@dataclass(frozen=True)
class Scene:
    ground_truth: GroundTruth
    detections: Detections
    metadata: pd.DataFrame
    planted: np.ndarray  # bool (n_boxes,): the ground-truth boxes of the planted group


def make_scene(
    seed: int,
    *,
    n_images: int = 80,
    find_rate: float = 0.8,
    planted_miss_rate: float | None = None,
    planted_class: int = 1,
    dark_share: float = 0.0,
    folder: Path | None = None,
) -> Scene:
    """A scene: `n_images` images of 3 to 8 objects with side lengths from 12 to 150 pixels.

    Each object is found with chance `find_rate` by a detection close to it (IoU > 0.7), except
    the planted group, found with chance ``1 - planted_miss_rate`` when that is given: the
    small objects of `planted_class`, or with `dark_share` the objects drawn dark (each
    object with that chance, whatever its class and size). Each object adds a false positive
    with chance 0.25, placed anywhere and shaped like an object. With `folder`, the images are
    written there as PNG files."""
    rng = np.random.default_rng(seed)
    targets, predictions, names, cameras = [], [], [], []
    planted: list[bool] = []
    for i in range(n_images):
        n = int(rng.integers(3, 9))
        sides = np.exp(rng.uniform(np.log(12), np.log(150), size=(n, 2)))
        x1 = rng.uniform(0, WIDTH - sides[:, 0])
        y1 = rng.uniform(0, HEIGHT - sides[:, 1])
        boxes = np.round(np.c_[x1, y1, x1 + sides[:, 0], y1 + sides[:, 1]])
        labels = rng.integers(1, 5, size=n)
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        dark = rng.random(n) < dark_share
        group = dark if dark_share > 0 else (labels == planted_class) & (areas < 32**2)
        miss_rate = np.where(
            group & (planted_miss_rate is not None), planted_miss_rate or 0.0, 1 - find_rate
        )
        found = rng.random(n) >= miss_rate
        det_boxes = boxes[found] + rng.uniform(-1, 1, size=(int(found.sum()), 4))
        det_labels = labels[found]
        det_scores = rng.uniform(0.3, 1.0, size=int(found.sum()))
        # false positives as many as the objects allow and shaped like them, so that no
        # attribute of a detection (size, aspect, objects in its image) tells them apart
        n_fp = int(rng.binomial(n, 0.25))
        fp_sides = np.exp(rng.uniform(np.log(12), np.log(150), size=(n_fp, 2)))
        fp_x = rng.uniform(0, WIDTH - fp_sides[:, 0])
        fp_y = rng.uniform(0, HEIGHT - fp_sides[:, 1])
        fp_boxes = np.round(np.c_[fp_x, fp_y, fp_x + fp_sides[:, 0], fp_y + fp_sides[:, 1]])
        targets.append({"boxes": boxes, "labels": labels})
        predictions.append(
            {
                "boxes": np.r_[det_boxes, fp_boxes].reshape(-1, 4),
                "scores": np.r_[det_scores, rng.uniform(0.3, 1.0, size=n_fp)],
                "labels": np.r_[det_labels, rng.integers(1, 5, size=n_fp)],
            }
        )
        names.append(f"img{i:03d}.png")
        cameras.append("ABC"[i % 3])
        planted += group.tolist()
        if folder is not None:
            _draw(folder / names[-1], boxes, dark, rng)
    ids = [f"img{i:03d}" for i in range(n_images)]
    gt = ground_truth_from_targets(
        targets, ids, CLASSES, sizes=[(WIDTH, HEIGHT)] * n_images, file_names=names
    )
    dt = detections_from_predictions(predictions, gt, image_ids=ids, min_score=0)
    metadata = pd.DataFrame({"image_id": ids, "camera": cameras})
    return Scene(gt, dt, metadata, np.asarray(planted, dtype=bool))


def _draw(path: Path, boxes: np.ndarray, dark: np.ndarray, rng: np.random.Generator) -> None:
    """Grey textured ground; each object a filled rectangle, bright, or dark where `dark`."""
    from PIL import Image

    # grey everywhere (no colour to tell objects apart) and the same grain on objects and
    # ground, so that brightness alone marks the dark objects
    grain = rng.normal(0, 12, size=(HEIGHT, WIDTH, 1))
    pixels = np.full((HEIGHT, WIDTH, 1), 120.0)
    for box, is_dark in zip(boxes.astype(int), dark, strict=True):
        shade = rng.uniform(25, 45) if is_dark else rng.uniform(170, 230)
        pixels[box[1] : box[3], box[0] : box[2]] = shade
    pixels = np.repeat(pixels + grain, 3, axis=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)


def write_coco(scene: Scene, folder: Path) -> tuple[Path, Path]:
    """The scene as a COCO instances file and a COCO results file in `folder`."""
    import json

    gt, dt = scene.ground_truth, scene.detections
    images = gt.images

    def xywh(box: np.ndarray) -> list[float]:
        return [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]

    instances = {
        "images": [
            {"id": i + 1, "file_name": str(images.file_names[i]), "width": WIDTH, "height": HEIGHT}
            for i in range(len(images))
        ],
        "annotations": [
            {
                "id": j + 1,
                "image_id": int(gt.image[j]) + 1,
                "category_id": int(gt.category_ids[j]),
                "bbox": xywh(gt.boxes[j]),
                "area": float(gt.areas[j]),
                "iscrowd": 0,
            }
            for j in range(len(gt))
        ],
        "categories": [{"id": k, "name": name} for k, name in CLASSES.items()],
    }
    results = [
        {
            "image_id": int(dt.image[j]) + 1,
            "category_id": int(dt.category_ids[j]),
            "bbox": xywh(dt.boxes[j]),
            "score": float(dt.scores[j]),
        }
        for j in range(len(dt))
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "instances.json").write_text(json.dumps(instances), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return folder / "instances.json", folder / "results.json"
