"""All rich output of the command line lives here; the console is injectable for tests."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from weakspot.actions import MIN_CONFIDENCE
from weakspot.report import (
    LABEL_HEADER,
    gap_sentence,
    is_multilabel,
    label_gaps,
    label_headline,
    label_rows,
    likeliest,
    mode_text,
    overall_text,
    slice_line,
    speaks_rates,
    task_words,
    whole_accuracy,
    whole_sentence,
)

out = Console()
err = Console(stderr=True)

# C0 controls but tab and newline, DEL, C1 controls (CSI, OSC, ... as single code points), and
# the Unicode bidirectional overrides that can make a terminal show text in another order.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# whole escape sequences: CSI (colours, cursor, screen clear), then OSC / DCS / PM / APC / SOS
# strings (OSC 8 hyperlinks, window titles) up to their BEL or ST, then two-byte escapes
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]"
)


def clean(value: Any) -> str:
    """`value` as text a terminal shows as it is: escape sequences and control characters
    (ANSI colours, OSC 8 hyperlinks, screen clears, bidi overrides) removed."""
    return _CONTROL.sub("", _SEQUENCE.sub("", str(value)))


def plain(value: Any, style: str | None = None) -> Text:
    """A user's string for rich: cleaned, and never read as rich markup (``[/x]`` stays text)."""
    return Text(clean(value), style=style or "")


def say_line(console: Console, label: str, style: str, message: Any) -> None:
    """Print ``label message`` with `label` styled and `message` (user text) shown literally."""
    console.print(
        Text.assemble((label, style), " ", plain(message)), highlight=False, soft_wrap=True
    )


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
            say_line(console, "warning:", "yellow", record.getMessage())

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
                say_line(console, "warning:", "yellow", w.message)


def print_summary(doc: dict[str, Any], console: Console, paths: dict[str, Any]) -> None:
    """Overall metrics and the top slices as readable rules."""
    o = doc["overall"]
    sampled = (
        f" (sampled from {drawn['of']:,} rows)" if (drawn := doc["dataset"].get("sample")) else ""
    )
    if is_multilabel(doc):  # a tagger: its headline and per-label table
        console.print(plain(label_headline(doc)), highlight=False)
        print_labels(doc, console)
    elif not speaks_rates(doc):  # a regressor: its metrics with their intervals
        console.print(f"[bold]{o['n']}[/] examples{sampled}, {overall_text(doc)}", highlight=False)
    if not speaks_rates(doc):
        for note in doc.get("notes") or []:
            if note.startswith("Assumed "):  # the task weakspot chose, and how to choose another
                console.print(plain(note, "yellow"), highlight=False, soft_wrap=True)
        loss_all = whole_accuracy(doc)  # a sample's input, counted whole
        if loss_all:
            console.print(loss_all, highlight=False)
        print_loss_findings(doc, console)
        for kind, path in paths.items():
            console.print(plain(f"  {kind:8s} {path}"), highlight=False)
        return
    console.print(
        f"[bold]{o['n']}[/] examples" + sampled + f", accuracy [bold]{o['accuracy']:.1%}[/] "
        f"(95% CI {o['accuracy_ci'][0]:.1%}-{o['accuracy_ci'][1]:.1%}), {o['errors']} errors"
        + (f", ECE {o['calibration']['ece']:.3f}" if o.get("calibration") else "")
    )
    accuracy_all = whole_accuracy(doc)  # a sample's input, counted whole
    if accuracy_all:
        console.print(accuracy_all, highlight=False)
    if doc.get("skipped"):
        console.print(
            f"[yellow]{len(doc['skipped'])} input(s) skipped[/] (listed in analysis.json)"
        )
    print_failure_modes(doc, console)
    if not doc["slices"]:
        console.print(
            f"No failure slice: no group's error rate is significantly above the rest "
            f"({doc['search']['tested']} candidates tested, q < {doc['config']['max_q']}"
            f"{_lift_floor(doc)})."
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
                plain(s["title"]),
                str(s["size"]),
                f"{s['error_rate']:.1%} ({s['ci'][0]:.0%}-{s['ci'][1]:.0%})",
                lift,
                f"{s['q_value']:.1g}",
                plain(s["method"]),
            )
        console.print(table)
    for kind, path in paths.items():
        console.print(plain(f"  {kind:8s} {path}"), highlight=False)


def print_labels(doc: dict[str, Any], console: Console) -> None:
    """A tagger's per-label precision, recall and F1 with intervals, and the labels whose
    recall differs significantly between subgroups."""
    table = Table(title="Per label")
    for name in LABEL_HEADER:
        table.add_column(name, justify="left" if name == "label" else "right")
    for row in label_rows(doc):
        table.add_row(*[plain(cell) for cell in row])
    console.print(table)
    gaps = label_gaps(doc)
    if gaps:
        console.print("[bold]Recall gaps between subgroups[/]")
        for gap in gaps:
            console.print(plain(f"  {gap_sentence(gap)}"), highlight=False, soft_wrap=True)


def print_loss_findings(doc: dict[str, Any], console: Console) -> None:
    """A task with a continuous loss: its failure modes, then each slice as one line in the
    task's words (``site == C: mean absolute error 6.2 vs 2.0 elsewhere (412 examples)``)."""
    print_failure_modes(doc, console)
    if not doc["slices"]:
        console.print(
            f"No failure slice: no group's loss is significantly above the rest "
            f"({doc['search']['tested']} candidates tested, q < {doc['config']['max_q']}"
            f"{_lift_floor(doc)})."
        )
        return
    console.print(
        f"[bold]Failure slices[/] ({len(doc['slices'])} of {doc['search']['tested']} tested)"
    )
    words = task_words(doc)
    for s in doc["slices"][:10]:
        console.print(
            plain(f"  {s['rank']}. {slice_line(doc, s)}, q {s['q_value']:.1g}, {s['method']}"),
            highlight=False,
            soft_wrap=True,
        )
        whole = whole_sentence(s.get("whole"), words)  # a sample's slice, on every row
        if whole:
            console.print(plain(f"     {whole}"), highlight=False, soft_wrap=True)


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
            f"  [bold]{escape(clean(mode['id']))}[/] {escape(clean(mode['title']))}: "
            f"{escape(clean(mode_text(doc, mode)))}, {mode['size']} examples "
            f"(slices {escape(clean(', '.join(mode['slices'])))})",
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"     {escape(clean(mode['mechanism']))}", highlight=False, soft_wrap=True)
        # a sample's mode, counted on every row
        whole = whole_sentence(mode.get("whole"), task_words(doc))
        if whole:
            console.print(f"     {escape(whole)}", highlight=False, soft_wrap=True)
        top, diagnosed = likeliest(mode)
        if top is not None and diagnosed:
            console.print(
                f"     cause: [bold]{top['cause']}[/] ({top['confidence']:.2f}) "
                f"{escape(clean(top['summary']))}",
                highlight=False,
                soft_wrap=True,
            )
        elif top is not None:  # the likeliest of causes that all failed their test
            console.print(
                f"     cause: none diagnosed (every tested cause below {MIN_CONFIDENCE:.2f}); "
                f"likeliest: {top['cause']} ({top['confidence']:.2f}) "
                f"{escape(clean(top['summary']))}",
                highlight=False,
                soft_wrap=True,
            )
        first = next((actions[a] for a in mode["actions"] if a in actions), None)
        if first is not None:
            console.print(
                f"     do: {escape(clean(first['steps']))} -> {escape(clean(first['artifact']))}",
                highlight=False,
                soft_wrap=True,
            )


def _lift_floor(doc: dict) -> str:
    """The text ", lift >= 1.1" when analysis.json records the floor (older files do not)."""
    lift = doc["config"].get("min_lift")
    return "" if lift is None else f", lift >= {lift:g}"
