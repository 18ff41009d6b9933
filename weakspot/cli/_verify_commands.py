"""``weakspot verify`` and ``weakspot perturb``: does the fix work, is the model sensitive?

Exit codes: 0 success; 1 a retrain failed (the results already computed are written);
2 bad usage or unusable input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from weakspot._errors import InputError, WeakspotError
from weakspot.cli import _console
from weakspot.cli._run_info import recorded_input

T = TypeVar("T")

VERIFY_HELP = """Retrain with each action and compare with a baseline retrain (same trainer, same seeds).

The trainer is [bold]path/to/file.py:function[/] or [bold]package.module:function[/] with the signature fit_and_predict(train, sample_weight, evaluate) -> predictions for evaluate (see docs/verify.md), or [bold]embeddings[/] for a proxy: a logistic head on the backbone's embeddings of the images.

--train and --data default to the tables `weakspot analyze` recorded in results/run.json.

Writes results/verify/verification.json and rewrites report.html and summary.md with a Verification section.

[bold]Examples[/]

  weakspot verify results/ --trainer train.py:fit_and_predict

  weakspot verify results/ --train train.csv --data predictions.csv --trainer train.py:fit_and_predict

  weakspot verify results/ --train train.csv --data predictions.csv --trainer embeddings --action A2 --repeats 3
"""

PERTURB_HELP = """Push evaluation images from outside a failure mode to the mode's level of its image
property (brightness, contrast, sharpness, blur, noise, border), predict, and measure the change in error rate.

Where the analysis wrote an augmentation spec for the mode, the same images are also given the mode's look (the spec's transforms) and compared the same way. Each test checks that its changed images look like the mode's (reproduction: 0 the untouched images, 1 the mode's own); the conclusion printed first is the verdict of the test whose images do, the look test first. Writes results/verify/perturbation.json and rewrites report.html and summary.md with the verdicts.

--data defaults to the table `weakspot analyze` recorded in results/run.json.

[bold]Examples[/]

  weakspot perturb results/ --predict model.py:predict

  weakspot perturb results/ --data predictions.csv --predict model.py:predict

  weakspot perturb results/ --data predictions.csv --model model.onnx
"""

Results = Annotated[Path, typer.Argument(help="Results folder written by weakspot analyze.")]
Data = Annotated[
    Path | None, typer.Option("--data", help="The evaluation table that was analysed.")
]
Label = Annotated[str | None, typer.Option(help="True-label column (default: label, ...).")]
IdColumn = Annotated[str | None, typer.Option("--id", help="Example-id column (default: id).")]
ImageColumn = Annotated[str | None, typer.Option(help="Image-path column (default: image, ...).")]


def _run(what: str, call: Callable[[], T]) -> T:
    """`call()`, its errors printed: bad input exits 2, a failed `what` exits 1."""
    try:
        return call()
    except InputError as exc:
        _console.err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except WeakspotError as exc:
        _console.err.print(f"[red]{what} failed:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _recorded(results: Path, name: str, given: Path | None, flag: str) -> Path | None:
    """`given`, or else the input that ``weakspot analyze`` recorded in ``results/run.json``."""
    if given is not None:
        return given
    found = recorded_input(results, name)
    if found is not None:
        _console.err.print(
            f"{flag} {found} (recorded in run.json)", highlight=False, soft_wrap=True
        )
    return found


def verify_command(
    results: Results,
    trainer: Annotated[
        str, typer.Option(help="file.py:function, package.module:function or 'embeddings'.")
    ],
    train: Annotated[Path | None, typer.Option(help="The training table.")] = None,
    data: Data = None,
    action: Annotated[
        list[str] | None, typer.Option(help="Action id to verify; repeatable (default all).")
    ] = None,
    repeats: Annotated[
        int, typer.Option(help="Seeds per change (random_state= when the trainer takes it).")
    ] = 1,
    min_confidence: Annotated[
        float, typer.Option(help="Relabel queue rows at or above this confidence change.")
    ] = 0.5,
    label: Label = None,
    id_column: IdColumn = None,
    image_column: ImageColumn = None,
    seed: Annotated[int, typer.Option(help="First seed.")] = 0,
) -> None:
    from weakspot.verify import verify

    def say(what: str, done: int, total: int) -> None:
        _console.err.print(f"[{done}/{total}] {what}", highlight=False)

    train = _recorded(results, "train", train, "--train")
    data = _recorded(results, "table", data, "--data")
    found = _run(
        "verification",
        lambda: verify(
            results,
            trainer,
            train=train,
            data=data,
            actions=action,
            repeats=repeats,
            min_confidence=min_confidence,
            label=label,
            id_column=id_column,
            image_column=image_column,
            random_state=seed,
            progress=say,
        ),
    )
    for note in found.doc["notes"]:
        _console.out.print(note, highlight=False, soft_wrap=True)
    for line in found.lines():
        _console.out.print(line, highlight=False, soft_wrap=True)
    _console.out.print(f"written: {found.path}")
    if found.failures:
        for failure in found.failures:
            _console.err.print(f"[red]failed:[/] {failure}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def perturb_command(
    results: Results,
    data: Data = None,
    predict: Annotated[
        str | None, typer.Option(help="file.py:function or package.module:function.")
    ] = None,
    model: Annotated[
        Path | None, typer.Option(help="An ONNX classifier instead of --predict.")
    ] = None,
    mode: Annotated[
        list[str] | None, typer.Option(help="Failure mode id; repeatable (default all).")
    ] = None,
    max_images: Annotated[int, typer.Option(help="Most images pushed per mode.")] = 300,
    label: Label = None,
    id_column: IdColumn = None,
    image_column: ImageColumn = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    from weakspot.verify import perturb

    if (predict is None) == (model is None):
        _console.err.print("[red]error:[/] give exactly one of --predict and --model.")
        raise typer.Exit(2)
    data = _recorded(results, "table", data, "--data")
    records = _run(
        "perturbation",
        lambda: perturb(
            results,
            predict if predict is not None else str(model),
            data=data,
            modes=mode,
            max_images=max_images,
            label=label,
            id_column=id_column,
            image_column=image_column,
            random_state=seed,
        ),
    )
    for r in records:
        found = r.get("conclusion")
        head = f"{found['verdict']} (the {found['test']} test)" if found else "not tested"
        lines = [f"{r['failure_mode']} {r['title']}: {head}"]
        if r["verdict"] is None:
            lines.append(f"  property test: not run - {r['reason']}")
        else:
            lines.append(f"  property test: {_perturb_figures(r)}")
        if r.get("look") is not None:
            lines.append(f"  look test: {_perturb_figures(r['look'])}")
        for line in lines:
            _console.out.print(line, highlight=False, soft_wrap=True)
    _console.out.print(f"written: {Path(results) / 'verify' / 'perturbation.json'}")


def _perturb_figures(r: dict[str, Any]) -> str:
    """``verdict (error rate a -> b, change c [low, high], p=...)`` of one perturbation test."""
    return (
        f"{r['verdict']} (error rate {r['error_rate_before']:.3f} -> {r['error_rate_after']:.3f}, "
        f"change {r['change']:+.3f} [{r['ci'][0]:+.3f}, {r['ci'][1]:+.3f}], "
        f"p={r['mcnemar']['p_value']:.3g}{_resembles(r)})"
    )


def _resembles(r: dict[str, Any]) -> str:
    """``, the changed images look like the mode's: 0.83``, or "" when not measured."""
    found = r.get("reproduction")
    return "" if found is None else f", the changed images look like the mode's: {found:.2f}"


def register(app: typer.Typer) -> None:
    """Add ``verify`` and ``perturb`` to the ``weakspot`` app."""
    app.command("verify", help=VERIFY_HELP)(verify_command)
    app.command("perturb", help=PERTURB_HELP)(perturb_command)
