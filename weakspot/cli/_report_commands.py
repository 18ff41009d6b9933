"""``weakspot report``, ``weakspot gate`` and ``weakspot compare``: commands on results folders.

Exit codes: 0 success (gate: every check passed); 1 the gate failed; 2 bad usage or input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from weakspot._errors import WeakspotError
from weakspot.cli import _console
from weakspot.tasks import number

GATE_HELP = """Fail a CI run when the model got worse than a baseline or a limit.

Exit 1 when a limit is broken or a failure mode's error rate is significantly higher than the baseline's on the same evaluation set, 0
otherwise, 2 on bad input. Prints a Markdown summary fit for a pull-request comment.

[bold]Examples[/]

  weakspot gate results/ --baseline main-results/

  weakspot gate results/ --config weakspot-gate.toml

The TOML format is in docs/gate.md.
"""


def _fail(exc: WeakspotError) -> typer.Exit:
    _console.say_line(_console.err, "error:", "red", exc)  # the message shown literally
    return typer.Exit(2)


def report_command(
    results: Annotated[Path, typer.Argument(help="Results folder holding analysis.json.")],
) -> None:
    """Rebuild RESULTS/report.html from RESULTS/analysis.json alone."""
    from weakspot.report import rebuild_report

    try:
        path = rebuild_report(results)
    except WeakspotError as exc:
        raise _fail(exc) from None
    _console.out.print(str(path))


def gate_command(
    results: Annotated[Path, typer.Argument(help="Results folder of the current model.")],
    baseline: Annotated[
        Path | None, typer.Option(help="Results folder of the baseline, same evaluation set.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="TOML file of absolute limits (docs/gate.md).")
    ] = None,
    test: Annotated[
        str, typer.Option(help="Paired test: 'mcnemar' (exact) or 'fisher' (unpaired).")
    ] = "mcnemar",
    alpha: Annotated[
        float, typer.Option(help="Significance level, Holm-adjusted across the checks.")
    ] = 0.05,
    min_delta: Annotated[
        float, typer.Option(help="Smallest rise in error rate that fails the gate.")
    ] = 0.0,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the Markdown summary to this file.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write every check as JSON here.")
    ] = None,
) -> None:
    from weakspot.report import checks_to_dict, gate_markdown, run_gate

    try:
        checks = run_gate(
            results, baseline=baseline, config=config, test=test, alpha=alpha, min_delta=min_delta
        )
    except WeakspotError as exc:
        raise _fail(exc) from None
    text = gate_markdown(checks, test=test, alpha=alpha)
    typer.echo(text, nl=False)
    if markdown is not None:
        markdown.write_text(text, encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(checks_to_dict(checks), indent=2) + "\n", encoding="utf-8")
    raise typer.Exit(0 if all(c.passed for c in checks) else 1)


def compare_command(
    old: Annotated[Path, typer.Argument(help="Results folder of the old model.")],
    new: Annotated[Path, typer.Argument(help="Results folder of the new model.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for comparison.json and comparison.html.")
    ] = Path("diff"),
) -> None:
    """Compare two models on the same evaluation set: deltas, paired tests, changed examples."""
    from weakspot.report import compare_results
    from weakspot.report.html import render_comparison

    try:
        diff = compare_results(old, new)
    except WeakspotError as exc:
        raise _fail(exc) from None
    out.mkdir(parents=True, exist_ok=True)
    pictures = diff.pop("pictures")
    (out / "comparison.json").write_text(json.dumps(diff, indent=2) + "\n", encoding="utf-8")
    (out / "comparison.html").write_text(
        render_comparison({**diff, "pictures": pictures}), encoding="utf-8"
    )
    o = diff["overall"]
    if o.get("test") == "wilcoxon":  # a continuous loss (a regressor's): its mean
        _console.out.print(
            f"mean loss {number(o['old_error_rate'])} -> {number(o['new_error_rate'])} "
            f"({number(o['delta'], signed=True)}, Wilcoxon signed-rank p {o['p_value']:.2g}); "
            f"loss rose on {o['newly_wrong']} examples, fell on {o['newly_right']}",
            highlight=False,
        )
        for r in diff.get("labels", []):  # a tagger's labels, each paired on its own
            _console.out.print(
                _console.plain(
                    f"  {r['label']}: errors {r['old_error_rate']:.1%} -> "
                    f"{r['new_error_rate']:.1%} (McNemar p {r['p_value']:.2g}, Holm "
                    f"{r['p_holm']:.2g})"
                ),
                highlight=False,
            )
        _console.out.print(f"{out / 'comparison.html'}\n{out / 'comparison.json'}")
        return
    _console.out.print(
        f"error rate {o['old_error_rate']:.1%} -> {o['new_error_rate']:.1%} "
        f"({o['delta'] * 100:+.1f} points, McNemar p {o['p_value']:.2g}); "
        f"newly wrong {o['newly_wrong']}, newly right {o['newly_right']}; "
        f"backward compatibility {diff['backward_compatibility']:.1%}",
        highlight=False,
    )
    _console.out.print(f"{out / 'comparison.html'}\n{out / 'comparison.json'}")


def register(app: typer.Typer) -> None:
    """Add the commands to the ``weakspot`` application."""
    app.command("report")(report_command)
    app.command("gate", help=GATE_HELP)(gate_command)
    app.command("compare")(compare_command)
