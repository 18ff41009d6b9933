"""``weakspot detection``: slices of a detector's misses and false positives.

A command of its own until ``weakspot analyze --task detection`` exists (docs/detection.md):
it reads the ground truth and the detections (COCO, YOLO or VOC, chosen from the ground
truth's file), runs `weakspot.find_box_slices` and writes its tables. Exit codes: 0 success,
2 bad usage or unusable input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from weakspot._detection import DEFAULT_EXCLUDE, BoxSlices, find_box_slices
from weakspot._errors import InputError
from weakspot.cli import _console
from weakspot.cli._errors import in_cli_words
from weakspot.inputs import read_table
from weakspot.slices import SearchOptions
from weakspot.tasks.detection import MISSED_VIEW, read_detection_files

DETECTION_HELP = """Which objects a detector misses and which of its detections are false, where, and what they cost.

Reads the ground truth and the detections (COCO instances .json and results .json; a YOLO data.yaml and a prediction folder of class cx cy w h confidence lines; or a Pascal VOC Annotations folder and the devkit's comp4_det_test_<class>.txt files), matches them as pycocotools does, and searches slices of boxes (misses) and of detections (false positives) on each box's size, aspect, position, border, crowding, class, the image metadata and, with --images, the box crop's brightness, contrast and sharpness. Each slice comes with its recall or precision inside and outside (intervals with images as clusters) and the AP50 that fixing its errors would gain.

Writes detection.json, box_slices.csv and boxes.csv into --out.

[bold]Examples[/]

  weakspot detection --ground-truth instances_val.json --detections results.json --out results/

  weakspot detection --ground-truth data.yaml --detections runs/detect/val/labels --images val/images --out results/
"""

PARAMETERS = [
    "ground_truth",
    "detections",
    "images",
    "metadata",
    "metadata_id",
    "min_score",
    "max_q",
    "exclude",
]


def detection_command(
    ground_truth: Annotated[
        Path,
        typer.Option(
            "--ground-truth",
            help="COCO instances .json, YOLO data.yaml or VOC Annotations folder.",
        ),
    ],
    detections: Annotated[
        Path,
        typer.Option(help="COCO results .json, YOLO prediction folder or VOC detection files."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for detection.json and the tables.")],
    images: Annotated[
        Path | None,
        typer.Option(help="Folder of the images (their file names inside it), for pixels."),
    ] = None,
    metadata: Annotated[
        Path | None, typer.Option(help="Table with one row per image: an id and columns.")
    ] = None,
    metadata_id: Annotated[
        str | None, typer.Option(help="The metadata's image id column (default: image_id).")
    ] = None,
    split: Annotated[str, typer.Option(help="The YOLO split to read.")] = "val",
    min_score: Annotated[
        float | None, typer.Option(help="Drop detections below this score.")
    ] = None,
    max_q: Annotated[float, typer.Option(help="Largest false discovery rate reported.")] = 0.05,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            help="An attribute left out of the search (repeatable; default: confidence and "
            "class_frequency)."
        ),
    ] = None,
) -> None:
    try:
        gt, dt = read_detection_files(ground_truth, detections, split=split, min_score=min_score)
        table = None if metadata is None else read_table(metadata)
        result = find_box_slices(
            gt,
            dt,
            table,
            images,
            metadata_id=metadata_id,
            options=SearchOptions(max_q=max_q),
            exclude=DEFAULT_EXCLUDE if exclude is None else exclude,
        )
        paths = result.write(out)
    except InputError as exc:
        _console.err.print(
            f"[red]error:[/] {in_cli_words(exc, PARAMETERS)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None
    _print(result, paths)


def _print(result: BoxSlices, paths: dict[str, Path]) -> None:
    """COCO's headline numbers, TIDE's breakdown and the slices, on the injectable console."""
    out = _console.out
    summary = result.match.summary
    out.print(
        _console.plain(
            f"AP {summary.ap:.4f}  AP50 {summary.ap50:.4f}  AP75 {summary.ap75:.4f}  "
            f"APs {summary.ap_small:.4f}  APm {summary.ap_medium:.4f}  APl {summary.ap_large:.4f}"
        )
    )
    costs = "  ".join(f"{k} {v:+.4f}" for k, v in result.error_type_costs.items())
    out.print(_console.plain(f"AP50 gained by fixing every error of a type: {costs}"))
    for note in result.notes:
        out.print(_console.plain(f"note: {note}"))
    if not result.slices:
        out.print(_console.plain("No slice of misses or false positives passed the tests."))
    for item in result.slices:
        words = "misses" if item.view == MISSED_VIEW else "false positives"
        out.print(_console.plain(f"[{words}] {item.describe()}"))
    if result.unconfirmed:
        out.print(
            _console.plain(
                f"{len(result.unconfirmed)} slice(s) significant with boxes as units did not "
                "hold with images as clusters (detection.json, 'unconfirmed')."
            )
        )
    for name in ("json", "slices", "boxes"):
        out.print(_console.plain(f"wrote {paths[name]}"))


def register(app: typer.Typer) -> None:
    """Add ``weakspot detection`` to the application."""
    app.command("detection", help=DETECTION_HELP)(detection_command)
