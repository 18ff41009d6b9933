"""Shared helpers for the detection tests: the COCO fixture's location and pycocotools as the
oracle (a test dependency only; weakspot's code never imports it)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_NAME = "coco-val2014-100"


def fixture_dir() -> Path | None:
    """The COCO fixture: ``shared/`` beside the clone (CI and /work/main), or inside it."""
    for shared in (ROOT.parent / "shared", ROOT / "shared"):
        folder = shared / "data" / FIXTURE_NAME
        if (folder / "instances_val2014_100.json").is_file():
            return folder
    return None


@pytest.fixture
def coco_fixture() -> Path:
    folder = fixture_dir()
    if folder is None:
        pytest.skip(
            f"the COCO fixture shared/data/{FIXTURE_NAME}/ is neither beside the clone "
            f"({ROOT.parent / 'shared'}) nor inside it"
        )
    return folder


def pycocotools_eval(gt_dataset: dict, results: list):
    """Run pycocotools' COCOeval (bbox) on in-memory dicts, quietly; returns the COCOeval."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = gt_dataset
        gt.createIndex()
        dt = gt.loadRes(results) if results else COCO()
        if not results:
            dt.dataset = {
                "images": gt_dataset["images"],
                "annotations": [],
                "categories": gt_dataset["categories"],
            }
            dt.createIndex()
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def compare_matches(ev, evaluation, n_detections: int, gt_ids: np.ndarray) -> None:
    """Assert that every per-image, per-category, per-area record of pycocotools equals ours:
    the detections kept, each one's matched box and ignore flag at every threshold, and each
    box's matched detection. `gt_ids` (shape (n_boxes,)) are the boxes' COCO ids; detection
    ids are pycocotools' (file position + 1)."""
    id_of = np.r_[np.asarray(gt_ids, dtype=np.int64), 0]  # position -1 (no match) -> id 0
    position_of = {int(g): i for i, g in enumerate(gt_ids)}
    n_areas, n_thr = evaluation.det_matches.shape[:2]
    dtm = np.full((n_areas, n_thr, n_detections), -1, dtype=np.int64)
    dtm[:, :, evaluation.det] = evaluation.det_matches
    dti = np.zeros((n_areas, n_thr, n_detections), dtype=bool)
    dti[:, :, evaluation.det] = evaluation.det_ignored
    kept = np.zeros(n_detections, dtype=bool)
    kept[evaluation.det] = True
    gtm = {int(g): evaluation.gt_matches[:, :, j] for j, g in enumerate(evaluation.gt)}
    area_of = {tuple(r): a for a, r in enumerate(ev.params.areaRng)}
    checked = 0
    for e in ev.evalImgs:
        if e is None:
            continue
        a = area_of[tuple(e["aRng"])]
        ids = np.asarray(e["dtIds"], dtype=np.int64) - 1
        assert kept[ids].all()
        np.testing.assert_array_equal(id_of[dtm[a][:, ids]], e["dtMatches"])
        np.testing.assert_array_equal(dti[a][:, ids], e["dtIgnore"].astype(bool))
        for j, gid in enumerate(e["gtIds"]):
            np.testing.assert_array_equal(gtm[position_of[gid]][a] + 1, e["gtMatches"][:, j])
        checked += 1
    # every detection pycocotools evaluated is one we evaluated, and no more
    n_theirs = sum(
        len(e["dtIds"]) for e in ev.evalImgs if e is not None and e["aRng"] == ev.params.areaRng[0]
    )
    assert n_theirs == len(evaluation.det)
