"""The detection gate's and comparison's example in docs/detection.md.

    .venv/bin/python bench/report/detection_example.py /tmp/detection-example

OLD is the planted scene of tests/tasks/detection/scenes.py (small cats missed with chance 0.9,
``make_scene(1, planted_miss_rate=0.9)``); NEW the same ground truth and detections plus one
detection on each small cat OLD missed (a detector that finds them). Writes both as COCO files
under the folder, runs ``weakspot detection --gate`` on each with the gate file below, then
``weakspot detection-gate OLD --baseline NEW`` and ``weakspot detection-compare OLD NEW``, and
prints their output, exit codes and the seconds each ``weakspot detection`` took.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.tasks.detection.scenes import make_scene, write_coco  # noqa: E402
from tests.tasks.detection.test_detection_report import with_boxes_found  # noqa: E402
from weakspot.tasks.detection import match_detections  # noqa: E402

GATE = """[overall]
min_ap50 = 0.6
min_recall = 0.7

[[sizes]]
size = "small"
min_recall = 0.6

[[classes]]
category = "cat"
min_ap50 = 0.5

[[slices]]
name = "small cats"
conditions = [{feature = "category", op = "==", value = "cat"},
              {feature = "area", op = "in", value = [-inf, 1024.0]}]
min_recall = 0.5
"""


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/detection-example")
    root.mkdir(parents=True, exist_ok=True)
    old = make_scene(1, planted_miss_rate=0.9)
    match = match_detections(old.ground_truth, old.detections)
    missed = np.flatnonzero(old.planted & (match.boxes.gt_outcome == "missed"))
    scenes = {"old": old, "new": with_boxes_found(old, missed)}
    (root / "gate.toml").write_text(GATE, encoding="utf-8")
    tool = str(Path(sys.executable).parent / "weakspot")
    for name, scene in scenes.items():
        instances, results = write_coco(scene, root / name / "coco")
        start = time.perf_counter()
        run = subprocess.run(
            [tool, "detection", "--ground-truth", str(instances), "--detections", str(results)]
            + ["--out", str(root / name / "out"), "--gate", str(root / "gate.toml")],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        gate = run.stdout[run.stdout.index("## weakspot gate") :]
        print(f"$ weakspot detection ... --gate gate.toml   # {name}, {seconds:.1f} s\n{gate}")
        print(f"exit code {run.returncode}\n")
    for command in (
        ["detection-gate", str(root / "old" / "out"), "--baseline", str(root / "new" / "out")],
        ["detection-compare", str(root / "old" / "out"), str(root / "new" / "out")]
        + ["--out", str(root / "diff")],
    ):
        run = subprocess.run([tool, *command], capture_output=True, text=True)
        print(f"$ weakspot {command[0]} OLD ...\n{run.stdout}exit code {run.returncode}\n")


if __name__ == "__main__":
    main()
