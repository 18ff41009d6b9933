"""``weakspot analyze``: read predictions, analyse, write analysis.json, report.html, summary.md.

Exit codes: 0 success; 1 the analysis failed; 2 bad usage or unusable input (the message says
what to fix).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from weakspot._analysis import analyze
from weakspot._errors import InputError, WeakspotError
from weakspot._version import __version__
from weakspot.cli import _console, _report_commands
from weakspot.cli._errors import in_cli_words
from weakspot.cli._run_info import StageTimer
from weakspot.report import claim_output_folder, write_results

app = typer.Typer(
    name="weakspot",
    help="Find where a classifier fails, why, and what to do about it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    epilog=(
        "Examples:  weakspot demo  |  weakspot analyze predictions.csv --out results/  |  "
        "weakspot analyze data/val --predictions preds.csv --sensitive site"
    ),
)

ANALYZE_HELP = """Analyse a table of predictions: metrics, subgroup gaps and failure slices.

The table (.csv, .tsv, .parquet, .jsonl) has one row per example: the true label, the
prediction, optional [bold]proba_<class>[/] columns (or one score column for a binary task), an
optional id, and metadata columns to slice on.

[bold]Examples[/]

  weakspot analyze predictions.csv --out results/

  weakspot analyze preds.parquet --label y_true --prediction y_pred --sensitive sex age

  weakspot analyze preds.csv --methods lattice --min-support 50 --max-q 0.01

  weakspot analyze preds.csv --finder-option lattice.max_level=2 --random-state 1

  weakspot analyze predictions.csv --images data/val --out results/      (a path column in the table)

  weakspot analyze data/val --predictions preds.csv --out results/       (an ImageFolder tree)

  weakspot analyze ages.csv --task regression --loss squared            (a numeric target)

  weakspot analyze tags.csv --task multilabel --out results/            (label_<name>/pred_<name> columns)

With images, interpretable properties (brightness, contrast, sharpness, ...), quality flags
and the backbone's concept tags become slicing features; --embed none skips the backbone.
"""


ANALYZE_PARAMETERS = [
    # client= is a Python object; on the command line --scheduler / --workers make one
    p
    for p in inspect.signature(analyze).parameters
    if p not in ("data", "progress", "client")
]


def _version(value: bool) -> None:
    if value:
        _console.out.print(f"weakspot {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find where a classifier fails, why, and what to do about it."""


@app.command("analyze", help=ANALYZE_HELP)
def analyze_command(
    table: Annotated[
        Path,
        typer.Argument(help="Predictions table (.csv, .tsv, .parquet, .jsonl) or image folder."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for analysis.json, report.html, summary.md.")
    ] = Path("results"),
    predictions: Annotated[
        Path | None,
        typer.Option(
            help="With an image folder as TABLE: the predictions table, each row naming its "
            "image (path relative to the folder, or a unique file name) in an 'id', 'path', "
            "'file' or 'image' column, or the one --id-column or --image-column names."
        ),
    ] = None,
    images: Annotated[
        Path | None, typer.Option(help="Folder the table's image paths are relative to.")
    ] = None,
    image_column: Annotated[
        str | None, typer.Option(help="Image-path column (default: image, path, file, ...).")
    ] = None,
    embed: Annotated[
        str,
        typer.Option(help="Backbone: 'efficientnet' (offline ImageNet), 'none', or an .onnx file."),
    ] = "efficientnet",
    layer: Annotated[
        str | None, typer.Option(help="Intermediate output of an ONNX model to embed with.")
    ] = None,
    embeddings: Annotated[
        Path | None, typer.Option(help="Precomputed embeddings (.npy, one row per example).")
    ] = None,
    concepts: Annotated[
        bool, typer.Option(help="Tag images with the backbone's ImageNet concepts.")
    ] = True,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Image-feature cache folder (default: the user's cache folder)."),
    ] = None,
    cache: Annotated[
        bool, typer.Option(help="Cache image features, so that reruns compute nothing.")
    ] = True,
    embed_size: Annotated[
        str,
        typer.Option(help="Backbone input size: 'auto' (smaller for small images) or pixels."),
    ] = "auto",
    max_failed_share: Annotated[
        float, typer.Option(help="Stop when more than this share of the images cannot be read.")
    ] = 0.2,
    label: Annotated[
        str | None, typer.Option(help="True-label column (default: label, y_true, target, ...).")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option(help="Prediction column (default: prediction, pred, y_pred, ...).")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", "--id", help="Example-id column (default: id).")
    ] = None,
    score_column: Annotated[
        str | None,
        typer.Option(
            "--score-column",
            "--score",
            help="Binary score column: probability of --positive-class.",
        ),
    ] = None,
    positive_class: Annotated[
        str | None, typer.Option(help="Class a binary score column refers to.")
    ] = None,
    classes: Annotated[
        list[str] | None,
        typer.Option(
            help="A class the model can predict; repeat for every class, if some are absent."
        ),
    ] = None,
    metadata: Annotated[
        list[str] | None,
        typer.Option(help="Metadata column to slice on (default: all others); repeatable."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Column to leave out of the analysis; repeatable.")
    ] = None,
    sensitive: Annotated[
        list[str] | None, typer.Option(help="Sensitive attribute column; repeat for several.")
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated slice finders (default: lattice,error_tree; "
            "plus domino,failure_direction,barlow when there are embeddings)."
        ),
    ] = None,
    finder_options: Annotated[
        list[str] | None,
        typer.Option(
            "--finder-option",
            help="A finder's option as FINDER.OPTION=VALUE, e.g. lattice.max_level=2; repeatable.",
        ),
    ] = None,
    min_support: Annotated[
        int | None, typer.Option(help="Smallest slice reported (default max(20, 1% of rows)).")
    ] = None,
    max_q: Annotated[
        float, typer.Option(help="Largest Benjamini-Hochberg q-value reported.")
    ] = 0.05,
    min_lift: Annotated[
        float,
        typer.Option(
            help="Smallest ratio of a reported slice's error rate to the rest's (1.1: at "
            "least 10% more errors than elsewhere)."
        ),
    ] = 1.1,
    max_slices: Annotated[int, typer.Option(help="Most slices reported.")] = 15,
    n_bins: Annotated[int, typer.Option(help="Quantile bins per numeric column.")] = 5,
    random_state: Annotated[
        int,
        typer.Option(
            "--random-state",
            "--seed",
            help="Random seed; same inputs and seed give identical output.",
        ),
    ] = 0,
    train: Annotated[
        Path | None,
        typer.Option(
            help="Training table (label, metadata, image paths; predictions optional), "
            "for the diagnoses that compare with training."
        ),
    ] = None,
    train_images: Annotated[
        Path | None, typer.Option(help="Folder the training table's image paths are relative to.")
    ] = None,
    train_embeddings: Annotated[
        Path | None, typer.Option(help="Precomputed training embeddings (.npy, one row each).")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the output paths.")
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(help="Write into a non-empty --out folder that weakspot did not create."),
    ] = False,
    allow_outside_root: Annotated[
        bool,
        typer.Option(help="Open image paths that lead outside the image root (trusted tables)."),
    ] = False,
    sample: Annotated[
        int | None,
        typer.Option(
            help="Analyse N rows of a larger table: those whose ids hash lowest (a uniform "
            "sample, the same on every engine and run); a Parquet folder or file is sampled as "
            "it is read. The findings, subgroups and accuracy are then counted on every row, "
            "and each finding is tested on the rows outside the sample."
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Where the row-touching kernels run: 'numpy' (here) or 'dask'.")
    ] = "numpy",
    scheduler: Annotated[
        str | None, typer.Option(help="With --engine dask: scheduler address, tcp://host:8786.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="With --engine dask: start a local cluster of N workers.")
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            help="The kind of model, which defines an error: 'classification' (single-label), "
            "'regression' (numeric target) or 'multilabel' (label_<name>/pred_<name> 0/1 "
            "columns, or labels/predictions list columns). Default: chosen from the columns (fractional "
            "numbers, or a float label with more than 20 distinct values, are regression; the "
            "notes say so); see docs/architecture.md for adding one."
        ),
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(
            help="With --task regression: a unit's loss, 'absolute' (|prediction - target|, "
            "the default) or 'squared'."
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="With --task multilabel and proba_<label> columns (no pred_<label> columns): "
            "a label is predicted where its probability is at least this (default 0.5)."
        ),
    ] = None,
    separator: Annotated[
        str | None,
        typer.Option(
            help="With --task multilabel and list-valued text columns: the separator of the "
            "labels in a cell, e.g. '|' for cat|dog (without it a cell must be a JSON list "
            'such as ["cat", "dog"]).'
        ),
    ] = None,
) -> None:
    given = dict(locals())  # every parameter, named as analyze() names it (tested)
    options = {name: given[name] for name in ANALYZE_PARAMETERS}
    options["embed"] = None if embed.lower() == "none" else embed
    options["methods"] = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
    try:
        options["embed_size"] = _embed_size(embed_size)
        options["finder_options"] = _parse_finder_options(finder_options or [])
        claim_output_folder(out, overwrite=overwrite)
        with (
            _console.stage_progress(_console.err) as say,
            _console.warnings_to(_console.err),
            _engine(engine, scheduler, workers) as options["engine"],
        ):
            say = StageTimer(say)
            analysis = analyze(table, progress=say, **options)
            say.record(
                out,
                {
                    "table": table,
                    "predictions": predictions,
                    "images": images,
                    "train": train,
                    "train_images": train_images,
                },
            )
            paths = write_results(analysis, out, overwrite=overwrite)
    except InputError as exc:
        _console.say_line(_console.err, "error:", "red", _words(exc))
        raise typer.Exit(2) from None
    except WeakspotError as exc:
        _console.say_line(_console.err, "analysis failed:", "red", _words(exc))
        raise typer.Exit(1) from None
    if quiet:
        for path in paths.values():
            _console.out.print(_console.plain(path), highlight=False)
        return
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    _console.print_summary(doc, _console.out, paths)


def _engine(name: str, scheduler: str | None, workers: int | None) -> Any:
    """The engine of --engine, as a context manager that stops a cluster it started."""
    if name != "dask":
        if scheduler is not None or workers is not None:
            raise InputError("--scheduler and --workers go with --engine dask.")
        return contextlib.nullcontext(name)
    if (scheduler is None) == (workers is None):
        raise InputError(
            "--engine dask needs one of --scheduler tcp://HOST:8786 (a running cluster) or "
            "--workers N (a local cluster of N worker processes)."
        )
    from weakspot.engine import DaskEngine

    return DaskEngine(scheduler=scheduler, workers=workers)


def _embed_size(text: str) -> int | str:
    """--embed-size: 'auto' or a number of pixels (analyze() checks the number)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise InputError(
            f"--embed-size must be 'auto' or a number of pixels such as 224; got {text!r}."
        ) from None


def _parse_finder_options(items: list[str]) -> dict[str, dict[str, str]]:
    """``["lattice.max_level=2"]`` -> ``{"lattice": {"max_level": "2"}}`` (typed by the finder)."""
    parsed: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        finder, dot, option = key.partition(".")
        if not (sep and dot and finder and option):
            raise InputError(
                f"--finder-option {item!r} is not FINDER.OPTION=VALUE; e.g. lattice.max_level=2."
            )
        parsed.setdefault(finder.strip(), {})[option.strip()] = value.strip()
    return parsed


def _words(exc: WeakspotError) -> str:
    # write_results' out_dir= and overwrite= are the command's --out and --overwrite
    text = in_cli_words(exc, [*ANALYZE_PARAMETERS, "overwrite"])
    text = re.sub(r"(--[a-z-]+) True\b", r"\1", text)  # a switch: "--overwrite", not "... True"
    return text.replace("out_dir=", "--out ")


@app.command("demo")
def demo_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the demo's images, table and results.")
    ] = Path("demo-results"),
    n_images: Annotated[
        int, typer.Option(help="Evaluation images (of Fashion-MNIST's 10,000 test images).")
    ] = 3000,
    embed: Annotated[
        str, typer.Option(help="Backbone: 'efficientnet' or 'none'.")
    ] = "efficientnet",
    random_state: Annotated[int, typer.Option("--random-state", "--seed", help="Random seed.")] = 0,
) -> None:
    """Run the demo image analysis on real data that ships offline (Debian's Fashion-MNIST).

    Trains a classifier on Fashion-MNIST, evaluates it on test images from three cameras, one of
    which produces dark, low-contrast images, writes them as PNG files with OUT/predictions.csv,
    and analyses them into OUT/ (image features cached in OUT/.cache, so a rerun is fast).
    """
    from weakspot.datasets import make_demo_predictions, write_demo_images

    try:
        claim_output_folder(out)
        with _console.stage_progress(_console.err) as say, _console.warnings_to(_console.err):
            say = StageTimer(say)
            say("training the demo model on Fashion-MNIST")
            frame, pixels = make_demo_predictions(n_eval=n_images, random_state=random_state)
            say("writing the evaluation images")
            out.mkdir(parents=True, exist_ok=True)
            frame = write_demo_images(frame, pixels, out)
            table = out / "predictions.csv"
            frame.to_csv(table, index=False)
            analysis = analyze(
                table,
                sensitive=["camera"],
                embed=None if embed.lower() == "none" else embed,
                cache_dir=out / ".cache",
                random_state=random_state,
                progress=say,
            )
            say.record(out, {"table": table})
            paths = write_results(analysis, out)
    except WeakspotError as exc:
        _console.say_line(_console.err, "demo failed:", "red", _words(exc))
        raise typer.Exit(1) from None
    _console.out.print(_console.plain(f"predictions table: {table}"))
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    _console.print_summary(doc, _console.out, paths)


_report_commands.register(app)


def main() -> None:
    """Entry point of the ``weakspot`` script."""
    app()


from weakspot.cli._verify_commands import register as _register_verify  # noqa: E402

_register_verify(app)

from weakspot.cli._detection_command import register as _register_detection  # noqa: E402

_register_detection(app)
