"""Matching equal to pycocotools' COCOeval (the oracle): the real COCO fixture to the last
digit, and randomised boxes (hypothesis) on every per-image match and all twelve numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tasks.detection.conftest import compare_matches, pycocotools_eval
from weakspot.tasks.detection import (
    SUMMARY_NAMES,
    Detections,
    GroundTruth,
    Images,
    match_detections,
    read_coco_detections,
    read_coco_ground_truth,
    xywh_to_xyxy,
)

pytest.importorskip("pycocotools", reason="pycocotools is the test oracle (the dev extra)")

GT_FILE = "instances_val2014_100.json"
DT_FILE = "instances_val2014_fakebbox100_results.json"


def test_fixture_figures_equal_pycocotools(coco_fixture):
    gt = read_coco_ground_truth(coco_fixture / GT_FILE)
    dt = read_coco_detections(coco_fixture / DT_FILE, gt)
    result = match_detections(gt, dt)
    # the cocoapi demo's published figures
    assert round(result.summary.ap, 4) == 0.5046
    assert round(result.summary.ap50, 4) == 0.6970

    gt_data = json.loads((coco_fixture / GT_FILE).read_text())
    ev = pycocotools_eval(gt_data, json.loads((coco_fixture / DT_FILE).read_text()))
    np.testing.assert_allclose(result.summary.as_array(), ev.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.accumulation.precision, ev.eval["precision"], atol=1e-12)
    np.testing.assert_allclose(result.accumulation.recall, ev.eval["recall"], atol=1e-12)
    compare_matches(ev, result.evaluation, len(dt), gt.ids)


def test_fixture_box_rows(coco_fixture):
    gt = read_coco_ground_truth(coco_fixture / GT_FILE)
    dt = read_coco_detections(coco_fixture / DT_FILE, gt)
    boxes = match_detections(gt, dt).boxes
    frame = boxes.ground_truth_frame(gt)
    assert len(frame) == 839 and (frame.outcome == "ignored").sum() == 9
    dets = boxes.detection_frame(gt, dt)
    assert len(dets) == 734
    tp = dets.outcome == "true_positive"
    # one row per box found is one row per true positive, pointing at each other
    assert (frame.outcome == "found").sum() == tp.sum()
    found = frame[frame.outcome == "found"]
    np.testing.assert_array_equal(dets["box"].to_numpy()[found.detection], found["box"])
    assert (dets.iou[tp] >= 0.5).all() and (dets.error_type[tp] == "").all()
    assert (dets.error_type[~tp] != "").all()
    missed = frame.outcome == "missed"
    assert set(frame.error_type[missed]) <= {"missed", "localisation", "classification"}


# --- randomised boxes against pycocotools --------------------------------------------------

CATEGORIES = [1, 3, 7]


@st.composite
def scenes(draw):
    """A few images with integer boxes (so that every IoU is computed exactly alike), repeated
    boxes (ties in IoU), crowd regions, COCO areas that differ from the box's, and detections near the boxes with tied
    scores; scaled so that small, medium and large objects all occur."""
    n_images = draw(st.integers(1, 4))
    scale = draw(st.sampled_from([1, 3, 6]))
    coord = st.integers(0, 40)
    size = st.integers(1, 30)
    images, anns, results = [], [], []
    for image_id in range(1, n_images + 1):
        images.append(
            {
                "id": image_id * 10,
                "file_name": f"{image_id}.jpg",
                "width": 100 * scale,
                "height": 100 * scale,
            }
        )
        gt_boxes = []
        for _ in range(draw(st.integers(0, 6))):
            if gt_boxes and draw(st.integers(0, 3)) == 0:
                box = list(gt_boxes[-1][0])  # the same box twice: ties in IoU
            else:
                box = [
                    draw(coord) * scale,
                    draw(coord) * scale,
                    draw(size) * scale,
                    draw(size) * scale,
                ]
            crowd = draw(st.integers(0, 9)) == 0
            area = box[2] * box[3] * draw(st.sampled_from([1.0, 1.0, 0.5, 0.9]))
            cat = draw(st.sampled_from(CATEGORIES))
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": image_id * 10,
                    "category_id": cat,
                    "bbox": box,
                    "area": area,
                    "iscrowd": int(crowd),
                }
            )
            gt_boxes.append((box, cat))
        for _ in range(draw(st.integers(0, 8))):
            if gt_boxes and draw(st.booleans()):
                (x, y, w, h), cat = gt_boxes[draw(st.integers(0, len(gt_boxes) - 1))]
                jitter = st.integers(-3, 3)
                box = [
                    x + draw(jitter) * scale,
                    y + draw(jitter) * scale,
                    max(w + draw(jitter) * scale, 1),
                    max(h + draw(jitter) * scale, 1),
                ]
                if draw(st.integers(0, 4)) == 0:
                    cat = draw(st.sampled_from(CATEGORIES))
            else:
                box = [
                    draw(coord) * scale,
                    draw(coord) * scale,
                    draw(size) * scale,
                    draw(size) * scale,
                ]
                cat = draw(st.sampled_from(CATEGORIES))
            score = (
                draw(st.sampled_from([0.2, 0.5, 0.5, 0.9]))
                if draw(st.booleans())
                else draw(st.floats(0.01, 1.0))
            )
            results.append(
                {"image_id": image_id * 10, "category_id": cat, "bbox": box, "score": score}
            )
    categories = [{"id": c, "name": f"c{c}"} for c in CATEGORIES]
    return {"images": images, "annotations": anns, "categories": categories}, results


def records(gt_data: dict, results: list) -> tuple[GroundTruth, Detections]:
    """Our records built directly from the dicts (the reader's checks are tested elsewhere)."""
    ids = [im["id"] for im in gt_data["images"]]
    images = Images(
        ids=np.array(ids, dtype=object),
        file_names=np.array([im["file_name"] for im in gt_data["images"]], dtype=object),
        widths=np.array([float(im["width"]) for im in gt_data["images"]]),
        heights=np.array([float(im["height"]) for im in gt_data["images"]]),
    )
    pos = {v: i for i, v in enumerate(ids)}
    anns = gt_data["annotations"]
    gt = GroundTruth(
        images=images,
        categories={c["id"]: c["name"] for c in gt_data["categories"]},
        image=np.array([pos[a["image_id"]] for a in anns], dtype=np.int64),
        category_ids=np.array([a["category_id"] for a in anns], dtype=np.int64),
        boxes=xywh_to_xyxy(np.array([a["bbox"] for a in anns], dtype=float)),
        areas=np.array([a["area"] for a in anns], dtype=float),
        crowd=np.array([bool(a["iscrowd"]) for a in anns], dtype=bool),
        ignore=np.zeros(len(anns), dtype=bool),
        ids=np.array([a["id"] for a in anns], dtype=object),
        box_areas=np.array([a["bbox"][2] * a["bbox"][3] for a in anns], dtype=float),
    )
    raw = np.array([r["bbox"] for r in results], dtype=float).reshape(-1, 4)
    dt = Detections(
        image=np.array([pos[r["image_id"]] for r in results], dtype=np.int64),
        category_ids=np.array([r["category_id"] for r in results], dtype=np.int64),
        boxes=xywh_to_xyxy(raw),
        scores=np.array([r["score"] for r in results], dtype=float),
        areas=raw[:, 2] * raw[:, 3],
    )
    return gt, dt


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_random_boxes_equal_pycocotools(scene):
    gt_data, results = scene
    gt, dt = records(gt_data, results)
    result = match_detections(gt, dt)
    ev = pycocotools_eval(json.loads(json.dumps(gt_data)), json.loads(json.dumps(results)))
    for name, ours, theirs in zip(SUMMARY_NAMES, result.summary.as_array(), ev.stats, strict=True):
        assert ours == pytest.approx(theirs, abs=1e-12), name
    if results:
        compare_matches(ev, result.evaluation, len(dt), gt.ids)


def test_more_than_max_dets_per_image():
    """150 detections on one image: pycocotools keeps the best 100 per image and category;
    AR@1 and AR@10 read the first 1 and 10."""
    rng = np.random.default_rng(3)
    images = [{"id": 1, "file_name": "a.jpg", "width": 500, "height": 500}]
    anns = []
    for i in range(40):
        x, y = (int(v) for v in rng.integers(0, 400, 2))
        anns.append(
            {
                "id": i + 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [x, y, 40, 30],
                "area": 1200.0,
                "iscrowd": 0,
            }
        )
    results = []
    for i in range(150):
        x, y, w, h = anns[i % 40]["bbox"]
        results.append(
            {
                "image_id": 1,
                "category_id": 1,
                "bbox": [x + int(rng.integers(-8, 9)), y + int(rng.integers(-8, 9)), w, h],
                "score": float(rng.integers(1, 30)) / 30,
            }
        )
    gt_data = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "a"}]}
    gt, dt = records(gt_data, results)
    result = match_detections(gt, dt)
    ev = pycocotools_eval(json.loads(json.dumps(gt_data)), json.loads(json.dumps(results)))
    np.testing.assert_allclose(result.summary.as_array(), ev.stats, atol=1e-12)
    compare_matches(ev, result.evaluation, len(dt), gt.ids)
    assert (result.boxes.det_outcome == "beyond_max_dets").sum() == 50
