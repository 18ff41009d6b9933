"""All rich output of the command line lives here; the console is injectable for tests."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

out = Console()
err = Console(stderr=True)


@contextmanager
def stage_progress(console: Console):
    """A spinner that shows which stage of the analysis runs; yields a ``say(stage)`` callback."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("starting", total=None)

        def say(stage: str, done: int | None = None, total: int | None = None) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        yield say


@contextmanager
def warnings_to(console: Console):
    """Show library warnings and log records as one ``warning:`` line each, not as tracebacks."""
    import logging
    import warnings

    class _Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            console.print(
                f"[yellow]warning:[/] {record.getMessage()}", highlight=False, soft_wrap=True
            )

    logger = logging.getLogger("weakspot")
    handler = _Handler(level=logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate
            for w in caught:
                console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)


def print_summary(doc: dict[str, Any], console: Console, paths: dict[str, Any]) -> None:
    """Overall metrics and the top slices as readable rules."""
    o = doc["overall"]
    console.print(
        f"[bold]{o['n']}[/] examples, accuracy [bold]{o['accuracy']:.1%}[/] "
        f"(95% CI {o['accuracy_ci'][0]:.1%}-{o['accuracy_ci'][1]:.1%}), {o['errors']} errors"
        + (f", ECE {o['calibration']['ece']:.3f}" if o.get("calibration") else "")
    )
    if doc.get("skipped"):
        console.print(
            f"[yellow]{len(doc['skipped'])} input(s) skipped[/] (listed in analysis.json)"
        )
    print_failure_modes(doc, console)
    if not doc["slices"]:
        console.print(
            f"No failure slice: no group's error rate is significantly above the rest "
            f"({doc['search']['tested']} candidates tested, q < {doc['config']['max_q']})."
        )
    else:
        table = Table(
            title=f"Failure slices ({len(doc['slices'])} of {doc['search']['tested']} tested)"
        )
        for name in ("#", "slice", "size", "error rate", "lift", "q", "method"):
            table.add_column(
                name, justify="right" if name in ("#", "size", "lift", "q") else "left"
            )
        for s in doc["slices"][:10]:
            lift = "inf" if s["lift"] is None else f"{s['lift']:.1f}x"
            table.add_row(
                str(s["rank"]),
                s["title"],
                str(s["size"]),
                f"{s['error_rate']:.1%} ({s['ci'][0]:.0%}-{s['ci'][1]:.0%})",
                lift,
                f"{s['q_value']:.1g}",
                s["method"],
            )
        console.print(table)
    for kind, path in paths.items():
        console.print(f"  {kind:8s} {path}")


def print_failure_modes(doc: dict[str, Any], console: Console) -> None:
    """Failure modes first: title, mechanism, top diagnosis and top action of each."""
    modes = doc.get("failure_modes") or []
    if not modes:
        return
    from rich.markup import escape

    actions = {a["id"]: a for a in doc.get("actions", [])}
    console.print(f"[bold]Failure modes[/] ({len(modes)})")
    for mode in modes[:5]:
        console.print(
            f"  [bold]{mode['id']}[/] {escape(mode['title'])}: {mode['error_rate']:.0%} errors "
            f"vs {mode['rest_error_rate']:.0%} elsewhere, {mode['size']} examples "
            f"(slices {', '.join(mode['slices'])})",
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"     {escape(mode['mechanism'])}", highlight=False, soft_wrap=True)
        tested = [d for d in mode["diagnoses"] if d["tested"]]
        if tested:
            top = tested[0]
            console.print(
                f"     cause: [bold]{top['cause']}[/] ({top['confidence']:.2f}) "
                f"{escape(top['summary'])}",
                highlight=False,
                soft_wrap=True,
            )
        first = next((actions[a] for a in mode["actions"] if a in actions), None)
        if first is not None:
            console.print(
                f"     do: {escape(first['steps'])} -> {first['artifact']}",
                highlight=False,
                soft_wrap=True,
            )
