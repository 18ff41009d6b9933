"""The detection report's figures, report.html, the gate and the comparison of two runs.

The figures agree with COCO's numbers and with a recount of the box table; report.html is the
same bytes for the same inputs, escapes every user string and draws the examples' boxes; the
gate passes and fails on real values with the classifier's exit codes; a comparison of two
detectors on the same ground truth pairs their boxes (McNemar)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from weakspot import find_box_slices
from weakspot._errors import InputError
from weakspot.cli import app
from weakspot.report.detection import (
    compare_detections,
    detection_limit_checks,
    load_detection_gate,
    read_detection_results,
    render_detection_report,
)
from weakspot.tasks.detection import (
    Detections,
    detection_figures,
    match_detections,
    read_coco_detections,
    read_coco_ground_truth,
)

from .conftest import pycocotools_eval
from .scenes import Scene, make_scene, write_coco

runner = CliRunner()
SMALL_CATS = (
    '[{feature = "category", op = "==", value = "cat"}, '
    '{feature = "area", op = "in", value = [-inf, 1024.0]}]'
)


@pytest.fixture(scope="module")
def planted():
    """Small cats missed with chance 0.9 (docs/detection.md's planted scene) and its result."""
    scene = make_scene(1, planted_miss_rate=0.9)
    return scene, find_box_slices(scene.ground_truth, scene.detections, scene.metadata)


def with_boxes_found(scene: Scene, rows: np.ndarray) -> Scene:
    """The same ground truth with a detection added on each ground-truth box of `rows` (a
    detector that finds them), score 0.95."""
    gt, dt = scene.ground_truth, scene.detections
    boxes = gt.boxes[rows]
    added = Detections(
        image=gt.image[rows],
        category_ids=gt.category_ids[rows],
        boxes=boxes,
        scores=np.full(len(rows), 0.95),
        areas=(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]),
    )
    merged = Detections(
        image=np.r_[dt.image, added.image],
        category_ids=np.r_[dt.category_ids, added.category_ids],
        boxes=np.r_[dt.boxes, added.boxes],
        scores=np.r_[dt.scores, added.scores],
        areas=np.r_[dt.areas, added.areas],
    )
    return replace(scene, detections=merged)


def test_figures_agree_with_coco_and_with_a_recount(planted):
    scene, result = planted
    figures, summary = result.figures, result.match.summary
    curves = {c["name"]: c for c in figures["pr_curves"]["curves"]}
    # each curve's mean is its AP: the overall curve at IoU 0.5 gives COCO's AP50 to the bit
    assert curves["all"]["ap"] == summary.ap50
    assert curves["all at IoU 0.75"]["ap"] == summary.ap75
    assert np.mean(curves["all"]["precision"]) == pytest.approx(summary.ap50, abs=1e-12)
    assert len(figures["pr_curves"]["recall"]) == 101
    # every class has boxes, so AP50 is the mean of the classes' AP50 and AP of their AP
    by_class = figures["by_class"]
    assert [r["category"] for r in by_class] == ["bird", "car", "cat", "dog"]
    assert np.mean([r["ap50"] for r in by_class]) == pytest.approx(summary.ap50, abs=1e-12)
    assert np.mean([r["ap"] for r in by_class]) == pytest.approx(summary.ap, abs=1e-12)
    frame = result.table.frame
    gt = frame[frame["unit"] == "ground_truth"]
    for record in figures["by_size"]:
        rows = gt[gt["size"] == record["size"]]
        assert record["boxes"] == len(rows)
        assert record["recall"] == pytest.approx((rows["outcome"] == "found").mean())
        low, high = record["recall_ci"]
        assert low < record["recall"] < high
    assert figures["overall"]["boxes"] == 454 and figures["overall"]["detections"] == 435
    assert figures["overall"]["recall"] == pytest.approx(338 / 454)
    assert figures["overall"]["precision"] == pytest.approx(338 / 435)
    assert sum(r["boxes"] for r in figures["by_size"]) == 454
    # the planted cats make cat the class found least
    cat = next(r for r in by_class if r["category"] == "cat")
    assert cat["recall"] == min(r["recall"] for r in by_class)
    counts = figures["error_counts"]
    assert counts["missed"] == 116
    assert sum(counts.values()) == 116 + 97


def test_the_report_shows_the_tables_curves_and_slices(planted, tmp_path):
    _, result = planted
    paths = result.write(tmp_path)
    html = paths["report"].read_text(encoding="utf-8")
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert html == render_detection_report(doc)  # no pixels: no examples
    # tables: 12 COCO numbers, 3 sizes, 4 classes, 6 error types, the reported slices
    tables = re.findall(r"<tbody>(.*?)</tbody>", html)
    rows = [t.count("<tr") for t in tables]
    assert rows[:5] == [12, 3, 4, 6, len(result.slices)]
    assert html.count('<polyline class="pr"') == 5
    assert "category == cat and area &lt; 1400" in html
    assert f"{result.match.summary.ap50:.3f}" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<img" not in html  # no pictures without pixels


def test_example_images_are_chosen_and_drawn_the_same_way_twice(tmp_path):
    scene = make_scene(
        3, n_images=40, dark_share=0.3, planted_miss_rate=0.8, folder=tmp_path / "img"
    )
    pages = []
    for out in ("a", "b"):
        result = find_box_slices(
            scene.ground_truth, scene.detections, scene.metadata, images=tmp_path / "img"
        )
        pages.append(result.write(tmp_path / out)["report"].read_bytes())
    assert pages[0] == pages[1]
    assert [len(e) for e in result.examples] == [3] * len(result.slices)
    misses = next(i for i, s in enumerate(result.slices) if s.view == "missed")
    first = result.examples[misses][0]
    # the image holding most of the slice's misses comes first
    frame = result.table.frame
    members = frame.iloc[np.asarray(result.slices[misses].slice.members)]
    wrong = members[members["outcome"] == "missed"]["image_id"].value_counts()
    assert first["image_id"] == sorted(wrong.index, key=lambda i: (-wrong[i], i))[0]
    image = frame[frame["image_id"] == first["image_id"]]
    counted = image["outcome"].isin(["found", "missed", "true_positive", "false_positive"])
    assert len(first["boxes"]) == int(counted.sum())
    kinds = [b["kind"] for b in first["boxes"]]
    assert kinds.count("missed") == int((image["outcome"] == "missed").sum())
    assert first["width"] == 320 and first["height"] == 240
    assert first["image"].startswith("data:image/jpeg;base64,")
    html = pages[0].decode("utf-8")
    assert html.count('<img class="example"') == 3 * len(result.slices)
    assert html.count('class="b-missed') >= kinds.count("missed")


def test_every_user_string_is_escaped():
    hostile = "<script>alert(1)</script>"
    doc = {
        "task": {"name": "detection", "unit": "box"},
        "coco": {"ap": 0.5, "ap50": 0.6},
        "error_type_costs": {"missed": 0.1},
        "counts": {"tested": 3},
        "notes": [hostile],
        "figures": {
            "overall": {"boxes": 1, "recall": 1.0, "recall_ci": [0.2, 1.0]},
            "by_size": [],
            "by_class": [{"category": hostile, "boxes": 1, "recall": 1.0, "ap": 0.5, "ap50": 1.0}],
            "error_counts": {},
            "pr_curves": {
                "recall": [0.0, 1.0],
                "curves": [{"name": hostile, "area": "all", "precision": [1.0, 0.5], "ap": 0.75}],
            },
        },
        "slices": [
            {
                "view": "missed",
                "rule": f"category == {hostile}",
                "metric": "recall",
                "inside": 0.2,
                "inside_ci": [0.1, 0.3],
                "outside": 0.8,
                "size": 10,
            }
        ],
    }
    picture = {
        "image_id": hostile,
        "file_name": f"{hostile}.png",
        "width": 10,
        "height": 10,
        "image": "javascript:alert(1)",
        "boxes": [{"kind": "missed", "xyxy": [1, 1, 5, 5], "label": hostile, "in_slice": True}],
    }
    html = render_detection_report(doc, [[picture]])
    assert hostile not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html  # a picture that is not a data URI is not shown


def _run(scene: Scene, folder: Path, *extra: str) -> tuple[int, str]:
    instances, results = write_coco(scene, folder / "coco")
    found = runner.invoke(
        app,
        [
            "detection",
            "--ground-truth",
            str(instances),
            "--detections",
            str(results),
            "--out",
            str(folder / "out"),
            *extra,
        ],
    )
    return found.exit_code, found.output


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The planted detector and one that finds the planted small cats it missed."""
    root = tmp_path_factory.mktemp("runs")
    old = make_scene(1, planted_miss_rate=0.9)
    match = match_detections(old.ground_truth, old.detections)
    missed = np.flatnonzero(old.planted & (match.boxes.gt_outcome == "missed"))
    new = with_boxes_found(old, missed)
    gate = root / "gate.toml"
    gate.write_text(
        "[overall]\nmin_ap50 = 0.6\nmin_recall = 0.7\n"
        '[[sizes]]\nsize = "small"\nmin_recall = 0.6\n'
        '[[classes]]\ncategory = "cat"\nmin_ap50 = 0.5\n'
        f'[[slices]]\nname = "small cats"\nconditions = {SMALL_CATS}\nmin_recall = 0.5\n',
        encoding="utf-8",
    )
    codes = {}
    for name, scene in (("old", old), ("new", new)):
        codes[name] = _run(scene, root / name, "--gate", str(gate))
    return root, codes, len(missed)


def test_the_gate_fails_the_planted_detector_and_passes_the_fixed_one(two_runs):
    root, codes, n_missed = two_runs
    code, output = codes["old"]
    assert code == 1, output
    assert "## weakspot gate: FAILED" in output
    assert re.search(
        r"\*\*FAIL\*\* \| recall of slice small cats \| 11\.1% \| 50\.0% \|  \| 36 boxes", output
    )
    code, output = codes["new"]
    assert code == 0, output
    assert "5 of 5 checks passed" in output
    old = read_detection_results(root / "old" / "out")
    checks = detection_limit_checks(old, load_detection_gate(root / "gate.toml"))
    small_cats = next(c for c in checks if c.name == "recall of slice small cats")
    frame = old.boxes
    gt = frame[
        (frame["unit"] == "ground_truth") & (frame["category"] == "cat") & (frame["area"] < 1024)
    ]
    assert small_cats.value == pytest.approx((gt["outcome"] == "found").mean())
    assert small_cats.detail == f"{len(gt)} boxes"
    assert n_missed == 32


def test_a_regression_against_the_baseline_is_paired_by_box(two_runs):
    root, _, n_missed = two_runs
    worse = runner.invoke(
        app, ["detection-gate", str(root / "old" / "out"), "--baseline", str(root / "new" / "out")]
    )
    assert worse.exit_code == 1, worse.output
    assert f"newly missed {n_missed}, newly found 0" in worse.output
    better = runner.invoke(
        app, ["detection-gate", str(root / "new" / "out"), "--baseline", str(root / "old" / "out")]
    )
    assert better.exit_code == 0, better.output
    assert f"newly missed 0, newly found {n_missed}" in better.output


def test_compare_pairs_the_boxes_and_matches_slices_by_rule(two_runs, tmp_path):
    root, _, n_missed = two_runs
    diff = compare_detections(root / "old" / "out", root / "new" / "out")
    assert diff["paired"]["same_ground_truth"] is True
    assert diff["paired"]["newly_found"] == n_missed and diff["paired"]["newly_missed"] == 0
    assert diff["paired"]["p_value"] == pytest.approx(2 * 0.5**n_missed)
    small = next(r for r in diff["by_size"] if r["size"] == "small")
    assert small["newly_found"] == n_missed and small["recall_delta"] > 0.2
    planted = next(s for s in diff["slices"] if s["rule"].startswith("category == cat"))
    assert planted["reported_by"] == ["old"] and planted["view"] == "missed"
    assert planted["old"] == pytest.approx(10 / 45) and planted["new"] > 0.8
    assert diff["coco"]["ap50"]["delta"] > 0
    found = runner.invoke(
        app,
        [
            "detection-compare",
            str(root / "old" / "out"),
            str(root / "new" / "out"),
            "--out",
            str(tmp_path),
        ],
    )
    assert found.exit_code == 0, found.output
    assert f"newly missed 0, newly found {n_missed}" in found.output
    written = json.loads((tmp_path / "detection_comparison.json").read_text(encoding="utf-8"))
    assert written["paired"] == diff["paired"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[overall]\nmin_map = 0.5\n", r"unknown key\(s\) \['min_map'\]"),
        ("[overall]\nmin_ap50 = 50\n", r"min_ap50 = 50: give a share in \[0, 1\]"),
        ('[[sizes]]\nsize = "tiny"\nmin_recall = 0.5\n', r"size = 'tiny': use one of"),
        ("[[slices]]\nmin_recall = 0.5\n", r"needs 'conditions'"),
        ("[groups]\n", r"unknown table\(s\) \['groups'\]"),
        ("[overall\n", r"is not valid TOML"),
        ("", r"sets no limit"),
    ],
)
def test_a_bad_gate_file_is_refused_by_name(tmp_path, text, match):
    path = tmp_path / "gate.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_detection_gate(path)


def test_gate_input_errors_exit_2(two_runs, tmp_path):
    root, _, _ = two_runs
    missing = runner.invoke(
        app, ["detection-gate", str(tmp_path), "--config", str(root / "gate.toml")]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    nothing = runner.invoke(app, ["detection-gate", str(root / "old" / "out")])
    assert nothing.exit_code == 2 and "Nothing to check" in nothing.output
    unknown = tmp_path / "gate.toml"
    unknown.write_text('[[classes]]\ncategory = "zebra"\nmin_recall = 0.5\n', encoding="utf-8")
    refused = runner.invoke(
        app, ["detection-gate", str(root / "old" / "out"), "--config", str(unknown)]
    )
    assert refused.exit_code == 2 and "'zebra' is not a class" in refused.output
    rule = tmp_path / "rule.toml"
    rule.write_text('[[slices]]\nrule = "size == tiny"\nmin_recall = 0.5\n', encoding="utf-8")
    refused = runner.invoke(
        app, ["detection-gate", str(root / "old" / "out"), "--config", str(rule)]
    )
    assert refused.exit_code == 2 and "is not a slice of this run" in refused.output
    other = make_scene(2)
    code, output = _run(other, tmp_path / "other")
    assert code == 0, output
    apart = runner.invoke(
        app,
        [
            "detection-gate",
            str(tmp_path / "other" / "out"),
            "--baseline",
            str(root / "old" / "out"),
        ],
    )
    assert apart.exit_code == 2 and "different ground truth" in apart.output


def test_a_limit_on_a_setting_without_boxes_fails_as_not_measurable(two_runs):
    root, _, _ = two_runs
    found = read_detection_results(root / "old" / "out")
    doc = {**found.doc, "coco": {**found.doc["coco"], "ap_large": -1.0}}
    empty = replace(found, doc=doc)
    config = {"overall": {"min_ap_large": 0.1, "min_ap": 0.5}}
    checks = {c.name: c for c in detection_limit_checks(empty, config)}
    assert not checks["overall AP large"].passed
    assert checks["overall AP large"].detail == "not measurable: no boxes"
    assert checks["overall AP"].passed and checks["overall AP"].value == pytest.approx(
        0.553, abs=1e-3
    )


def test_a_bad_gate_file_stops_the_command_before_the_analysis(tmp_path):
    bad = tmp_path / "gate.toml"
    bad.write_text("[overall]\nmin_ap = 2\n", encoding="utf-8")
    code, output = _run(make_scene(4, n_images=10), tmp_path, "--gate", str(bad))
    assert code == 2 and "min_ap = 2: give a share in [0, 1]" in output
    assert not (tmp_path / "out").exists()


def test_per_class_ap_and_curves_equal_pycocotools_on_the_coco_fixture(coco_fixture):
    pytest.importorskip("pycocotools")
    files = ("instances_val2014_100.json", "instances_val2014_fakebbox100_results.json")
    gt = read_coco_ground_truth(coco_fixture / files[0])
    dt = read_coco_detections(coco_fixture / files[1], gt)
    match = match_detections(gt, dt)
    result = find_box_slices(gt, dt, match=match)
    figures = result.figures
    data = [json.loads((coco_fixture / f).read_text(encoding="utf-8")) for f in files]
    precision = pycocotools_eval(*data).eval["precision"]  # (T, R, K, A, M)
    names = {c["id"]: c["name"] for c in data[0]["categories"]}
    oracle = {}
    for k, cat in enumerate(sorted(names)):
        curve = precision[:, :, k, 0, 2]
        oracle[names[cat]] = None if (curve == -1).all() else (curve.mean(), curve[0].mean())
    assert len(figures["by_class"]) == 80
    for record in figures["by_class"]:
        expected = oracle[record["category"]]
        if expected is None:
            assert record["ap"] is None and record["ap50"] is None
        else:
            assert (record["ap"], record["ap50"]) == pytest.approx(expected, abs=1e-12)
    curves = {c["name"]: c for c in figures["pr_curves"]["curves"]}
    assert curves["all"]["ap"] == pytest.approx(0.6970, abs=5e-5)  # COCO's AP50 on the fixture
    small = precision[0, :, :, 1, 2]
    expected_small = small[:, (small > -1).any(axis=0)].mean(axis=1)
    assert curves["small"]["precision"] == pytest.approx(list(expected_small), abs=1e-12)
    # the same figures from the parts, as detection.json holds them
    again = detection_figures(
        result.table.frame, match.evaluation, match.accumulation, gt.categories
    )
    assert again == figures
    html = render_detection_report(json.loads(json.dumps(result.to_dict())))
    assert html.count("<tr>") - html.count("<tr class") >= 12 + 3 + 80 + 6


def test_unconfirmed_slices_are_listed_apart_without_a_link(planted):
    _, result = planted
    doc = json.loads(json.dumps(result.to_dict()))
    moved = {**doc, "slices": [], "unconfirmed": doc["slices"]}
    html = render_detection_report(moved)
    assert "No slice of misses or false positives passed the tests." in html
    assert "not with images as clusters" in html
    assert "category == cat and area &lt; 1400" in html and "#box-slice-" not in html
