"""``weakspot detection``: slices of a detector's misses and false positives.

A command of its own until ``weakspot analyze --task detection`` exists (docs/detection.md):
it reads the ground truth and the detections (COCO, YOLO or VOC, chosen from the ground
truth's file), runs `weakspot.find_box_slices` and writes its tables and report.html.
``weakspot detection-gate`` checks limits on a run (and regressions against a baseline run),
``weakspot detection-compare`` compares two runs. Exit codes: 0 success (a gate: every check
passed), 1 a gate failed, 2 bad usage or unusable input.
"""

from __future__ import annotations

import json
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

Writes detection.json, box_slices.csv, boxes.csv and report.html into --out. With --gate, checks the run against the limits of a TOML file (docs/detection.md) and exits 1 when one is broken.

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
    "gate",
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
    gate: Annotated[
        Path | None,
        typer.Option(help="TOML file of limits on AP, recall and precision (docs/detection.md)."),
    ] = None,
) -> None:
    try:
        config = None if gate is None else _gate_config(gate)
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
        checks = None if config is None else _limit_checks(out, config)
    except InputError as exc:
        _console.err.print(
            f"[red]error:[/] {in_cli_words(exc, PARAMETERS)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None
    _print(result, paths)
    if checks is not None:
        from weakspot.report import gate_markdown

        typer.echo(gate_markdown(checks), nl=False)
        raise typer.Exit(0 if all(c.passed for c in checks) else 1)


def _gate_config(path: Path) -> dict:
    from weakspot.report.detection import load_detection_gate

    return load_detection_gate(path)


def _limit_checks(out: Path, config: dict) -> list:
    from weakspot.report.detection import detection_limit_checks, read_detection_results

    return detection_limit_checks(read_detection_results(out), config)


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
    for name in ("json", "slices", "boxes", "report"):
        out.print(_console.plain(f"wrote {paths[name]}"))


GATE_HELP = """Fail a CI run when a detector breaks a limit or got worse than a baseline run.

Reads RESULTS (the folder weakspot detection --out wrote: detection.json and boxes.csv). --config gives limits on AP, AP50, AP75, APs/m/l and on recall and precision overall, per size bin, per class and per slice of boxes (TOML, docs/detection.md); --baseline a run on the same ground truth, whose boxes are paired: recall overall and in each of the baseline's slices of misses, one-sided exact McNemar test, Holm-adjusted. Exit 1 when a check fails, 0 otherwise, 2 on bad input. Prints a Markdown summary fit for a pull-request comment.

[bold]Examples[/]

  weakspot detection-gate results/ --config detection-gate.toml

  weakspot detection-gate results/ --baseline main-results/
"""


def gate_command(
    results: Annotated[Path, typer.Argument(help="Folder weakspot detection --out wrote.")],
    config: Annotated[
        Path | None, typer.Option(help="TOML file of limits (docs/detection.md).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Folder of a baseline run on the same ground truth.")
    ] = None,
    alpha: Annotated[
        float, typer.Option(help="Significance level, Holm-adjusted across the checks.")
    ] = 0.05,
    min_delta: Annotated[
        float, typer.Option(help="Smallest fall in recall that fails a regression check.")
    ] = 0.0,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the Markdown summary to this file.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write every check as JSON here.")
    ] = None,
) -> None:
    from weakspot.report import checks_to_dict, gate_markdown
    from weakspot.report.detection import (
        detection_limit_checks,
        detection_regression_checks,
        load_detection_gate,
        read_detection_results,
    )

    try:
        if config is None and baseline is None:
            raise InputError(
                "Nothing to check: give --config (a TOML file of limits) or --baseline (a run "
                "on the same ground truth), or both.",
                parameter="config",
            )
        if not 0 < alpha < 1:
            raise InputError(f"--alpha {alpha} must lie in (0, 1).", parameter="alpha")
        current = read_detection_results(results)
        checks = []
        if config is not None:
            checks += detection_limit_checks(current, load_detection_gate(config))
        if baseline is not None:
            base = read_detection_results(baseline)
            checks += detection_regression_checks(base, current, alpha=alpha, min_delta=min_delta)
    except InputError as exc:
        _console.err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    text = gate_markdown(checks, alpha=alpha)
    typer.echo(text, nl=False)
    if markdown is not None:
        markdown.write_text(text, encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(checks_to_dict(checks), indent=2) + "\n", encoding="utf-8")
    raise typer.Exit(0 if all(c.passed for c in checks) else 1)


COMPARE_HELP = """Compare two runs of weakspot detection: AP, recall per size and class, slices.

Writes detection_comparison.json into --out: COCO's twelve numbers old and new, recall and precision per size bin and per class, and every slice of either run matched by its rule and measured on both runs' boxes. When both runs hold the same ground-truth boxes, each box is paired (found by one, missed by the other) and the exact McNemar test gives the p-value of each change in recall.

[bold]Example[/]

  weakspot detection-compare old-results/ new-results/ --out diff/
"""


def compare_command(
    old: Annotated[Path, typer.Argument(help="Folder of the old run (weakspot detection --out).")],
    new: Annotated[Path, typer.Argument(help="Folder of the new run.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for detection_comparison.json.")
    ] = Path("diff"),
) -> None:
    from weakspot.report.detection import compare_detections

    try:
        diff = compare_detections(old, new)
    except InputError as exc:
        _console.err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    out.mkdir(parents=True, exist_ok=True)
    path = out / "detection_comparison.json"
    text = json.dumps(diff, indent=2, sort_keys=True, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    _print_comparison(diff)
    _console.out.print(_console.plain(f"wrote {path}"))


def _print_comparison(diff: dict) -> None:
    """COCO's headline numbers and the paired recall change, then one line per size bin and
    per slice, on the injectable console."""
    out = _console.out
    heads = ("ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large")
    out.print(
        _console.plain(
            "  ".join(
                f"{name} {diff['coco'][name]['old']:.4f} -> {diff['coco'][name]['new']:.4f}"
                for name in heads
                if diff["coco"][name]["delta"] is not None
            )
        )
    )
    paired = diff["paired"]
    if paired["same_ground_truth"]:
        out.print(
            _console.plain(
                f"same {paired['paired_boxes']} ground-truth boxes: newly missed "
                f"{paired['newly_missed']}, newly found {paired['newly_found']} (McNemar p "
                f"{paired['p_value']:.2g})"
            )
        )
    else:
        out.print(_console.plain("different ground truth: no paired test"))
    for row in diff["by_size"]:
        if row["recall_delta"] is not None:
            out.print(
                _console.plain(
                    f"{row['size']}: recall {row['old_recall']:.3f} -> {row['new_recall']:.3f}"
                    + (f" (p {row['p_value']:.2g})" if "p_value" in row else "")
                )
            )
    for row in diff["slices"]:
        if row.get("delta") is not None:
            out.print(
                _console.plain(
                    f"[{' and '.join(row['reported_by'])}] {row['rule']}: {row['metric']} "
                    f"{row['old']:.3f} -> {row['new']:.3f}"
                )
            )


def register(app: typer.Typer) -> None:
    """Add ``weakspot detection``, ``detection-gate`` and ``detection-compare``."""
    app.command("detection", help=DETECTION_HELP)(detection_command)
    app.command("detection-gate", help=GATE_HELP)(gate_command)
    app.command("detection-compare", help=COMPARE_HELP)(compare_command)
