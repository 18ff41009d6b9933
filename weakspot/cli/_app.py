"""``weakspot analyze``: read predictions, analyse, write analysis.json, report.html, summary.md.

Exit codes: 0 success; 1 the analysis failed; 2 bad usage or unusable input (the message says
what to fix).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from weakspot._analysis import analyze
from weakspot._errors import InputError, WeakspotError
from weakspot._version import __version__
from weakspot.cli import _console
from weakspot.report import write_results

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

  weakspot analyze predictions.csv --images data/val --out results/      (a path column in the table)

  weakspot analyze data/val --predictions preds.csv --out results/       (an ImageFolder tree)

With images, interpretable properties (brightness, contrast, sharpness, ...), quality flags
and the backbone's concept tags become slicing features; --embed none skips the backbone.
"""


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
        Path, typer.Argument(help="Predictions table (.csv, .tsv, .parquet, .jsonl).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for analysis.json, report.html, summary.md.")
    ] = Path("results"),
    label: Annotated[
        str | None, typer.Option(help="True-label column (default: label, y_true, target, ...).")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option(help="Prediction column (default: prediction, pred, y_pred, ...).")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Example-id column (default: id).")
    ] = None,
    score: Annotated[
        str | None, typer.Option(help="Binary score column: probability of --positive-class.")
    ] = None,
    positive_class: Annotated[
        str | None, typer.Option(help="Class a binary score column refers to.")
    ] = None,
    sensitive: Annotated[
        list[str] | None, typer.Option(help="Sensitive attribute column; repeat for several.")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Column to leave out of the analysis; repeatable.")
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated slice finders (default: lattice,error_tree; "
            "plus domino,failure_direction when there are embeddings)."
        ),
    ] = None,
    min_support: Annotated[
        int | None, typer.Option(help="Smallest slice reported (default max(20, 1% of rows)).")
    ] = None,
    max_q: Annotated[
        float, typer.Option(help="Largest Benjamini-Hochberg q-value reported.")
    ] = 0.05,
    max_slices: Annotated[int, typer.Option(help="Most slices reported.")] = 15,
    max_level: Annotated[int, typer.Option(help="Most conditions in a slice.")] = 3,
    seed: Annotated[
        int, typer.Option(help="Random seed; same inputs and seed give identical output.")
    ] = 0,
    predictions: Annotated[
        Path | None,
        typer.Option(
            help="With an image folder as TABLE: the predictions table, tied by an 'id' column."
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
    cache_dir: Annotated[
        Path | None, typer.Option(help="Image-feature cache folder (reruns compute nothing).")
    ] = None,
    max_failed_share: Annotated[
        float, typer.Option(help="Stop when more than this share of the images cannot be read.")
    ] = 0.2,
    concepts: Annotated[
        bool, typer.Option(help="Tag images with the backbone's ImageNet concepts.")
    ] = True,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the output paths.")
    ] = False,
) -> None:
    try:
        with _console.stage_progress(_console.err) as say, _console.warnings_to(_console.err):
            analysis = analyze(
                table,
                predictions=predictions,
                images=images,
                image_column=image_column,
                embed=None if embed.lower() == "none" else embed,
                layer=layer,
                embeddings=embeddings,
                cache_dir=cache_dir,
                concepts=concepts,
                max_failed_share=max_failed_share,
                label=label,
                prediction=prediction,
                id_column=id_column,
                score_column=score,
                positive_class=positive_class,
                sensitive=sensitive,
                ignore=ignore,
                methods=[m.strip() for m in methods.split(",") if m.strip()] if methods else None,
                min_support=min_support,
                max_q=max_q,
                max_slices=max_slices,
                max_level=max_level,
                random_state=seed,
                progress=say,
            )
            paths = write_results(analysis, out)
    except InputError as exc:
        _console.err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except WeakspotError as exc:
        _console.err.print(f"[red]analysis failed:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if quiet:
        for path in paths.values():
            _console.out.print(str(path))
        return
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    _console.print_summary(doc, _console.out, paths)


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
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Run the demo image analysis on real data that ships offline (Debian's Fashion-MNIST).

    Trains a classifier on Fashion-MNIST, evaluates it on test images from three cameras, one of
    which produces dark, low-contrast images, writes them as PNG files with OUT/predictions.csv,
    and analyses them into OUT/ (image features cached in OUT/.cache, so a rerun is fast).
    """
    from weakspot.datasets._demo import make_demo_predictions, write_demo_images

    try:
        with _console.stage_progress(_console.err) as say, _console.warnings_to(_console.err):
            say("training the demo model on Fashion-MNIST")
            frame, pixels = make_demo_predictions(n_eval=n_images, random_state=seed)
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
                random_state=seed,
                progress=say,
            )
            paths = write_results(analysis, out)
    except WeakspotError as exc:
        _console.err.print(f"[red]demo failed:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    _console.out.print(f"predictions table: {table}")
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    _console.print_summary(doc, _console.out, paths)


def main() -> None:
    """Entry point of the ``weakspot`` script."""
    app()


from weakspot.cli._verify_commands import register as _register_verify  # noqa: E402

_register_verify(app)
