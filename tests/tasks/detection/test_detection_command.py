"""``weakspot detection``: the command finds the planted slice from COCO files, writes the same
bytes twice, and refuses bad input in the command line's words with exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from weakspot.cli import app

from .scenes import make_scene, write_coco

runner = CliRunner()


def test_detection_command_finds_the_planted_slice(tmp_path):
    scene = make_scene(1, planted_miss_rate=0.9)
    instances, results = write_coco(scene, tmp_path / "coco")
    metadata = tmp_path / "images.csv"
    scene.metadata.assign(image_id=range(1, len(scene.metadata) + 1)).to_csv(metadata, index=False)
    written = []
    for out in ("first", "second"):
        result = runner.invoke(
            app,
            [
                "detection",
                "--ground-truth",
                str(instances),
                "--detections",
                str(results),
                "--metadata",
                str(metadata),
                "--out",
                str(tmp_path / out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "[misses] category == cat" in result.output
        assert "AP50" in result.output and "No pixels given" in result.output
        written.append(
            [
                (tmp_path / out / name).read_bytes()
                for name in ("detection.json", "box_slices.csv", "boxes.csv")
            ]
        )
    assert written[0] == written[1]
    assert b'"view": "missed"' in written[0][0]
    assert b"camera" in written[0][2]


def test_detection_command_refuses_a_missing_ground_truth(tmp_path):
    result = runner.invoke(
        app,
        [
            "detection",
            "--ground-truth",
            str(tmp_path / "none.json"),
            "--detections",
            str(tmp_path / "r.json"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_detection_command_help_shows_examples():
    result = runner.invoke(app, ["detection", "--help"])
    assert result.exit_code == 0
    assert "weakspot detection --ground-truth instances_val.json" in result.output


def test_detection_command_refuses_an_unknown_attribute_in_flag_words(tmp_path):
    instances, results = write_coco(make_scene(2, n_images=5), tmp_path)
    result = runner.invoke(
        app,
        [
            "detection",
            "--ground-truth",
            str(instances),
            "--detections",
            str(results),
            "--exclude",
            "colour",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2
    assert "--exclude names ['colour']" in result.output
