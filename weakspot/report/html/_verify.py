"""The report's "Verification" section: retrained actions and perturbation tests, as tables.

Reads ``verify/verification.json`` (`weakspot verify`) and ``verify/perturbation.json``
(`weakspot perturb`); a section appears when either exists. Every figure is the file's own.
"""

from __future__ import annotations

from typing import Any

from weakspot.report.html._modes import _jump
from weakspot.report.html._parts import kv, section, table, value_html
from weakspot.report.html._safe import esc


def _change(c: dict[str, Any] | None) -> str:
    """``verdict: before -> after (p)`` of one comparison, as HTML."""
    if not c:
        return "–"
    before, after = c["before"]["accuracy"], c["after"]["accuracy"]
    p = c["mcnemar"]["p_value"]
    return (
        f"<b>{esc(c['verdict'])}</b> {before:.3f} &rarr; {after:.3f} "
        f"<span class='muted'>(McNemar p={p:.2g})</span>"
    )


def _kept(record: dict[str, Any]) -> str:
    b = record.get("backward_compatibility") or {}
    b = b.get("vs_baseline_retrain") or b
    if "kept_correct" not in b:
        return "–"
    worse = ", ".join(b.get("worse_modes") or []) or "none"
    return (
        f"{b['kept_correct']:.1%} kept, {b['new_error_rate']:.1%} new errors; worse: {esc(worse)}"
    )


def _action_rows(records: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in records:
        ident = _jump("action", r["id"]) if r.get("failure_mode") else esc(r["id"])
        mode = _jump("mode", r["failure_mode"]) if r.get("failure_mode") else "all"
        if r.get("status") != "verified":  # the reason stands where the figures would
            rows.append(
                [
                    ident,
                    esc(r.get("kind")),
                    mode,
                    esc(r.get("status")),
                    esc(r.get("reason")),
                    "–",
                    "–",
                ]
            )
            continue
        changes = "<br>".join(esc(c) for c in r.get("changes") or [])
        rows.append(
            [
                ident,
                esc(r.get("kind")),
                mode,
                _change(r.get("target")),
                _change(r.get("overall")),
                _kept(r),
                changes,
            ]
        )
    return rows


def _verification_body(v: dict[str, Any]) -> str:
    trainer = v.get("trainer") or {}
    base = v.get("baseline") or {}
    overall = base.get("overall") or {}
    facts = [
        ("trainer", esc(trainer.get("name")) + (" (a proxy)" if trainer.get("proxy") else "")),
        ("seeds", esc(", ".join(str(s) for s in v.get("seeds") or []))),
        ("training rows", esc(v.get("n_train"))),
    ]
    if overall:
        facts.append(
            (
                "baseline retrain",
                f"accuracy {overall['accuracy']:.3f} (95% CI {overall['ci'][0]:.3f}-"
                f"{overall['ci'][1]:.3f}, {overall['n']} examples)",
            )
        )
    notes = "".join(f"<p class='note'>{esc(n)}</p>" for n in v.get("notes") or [])
    head = ["action", "kind", "mode", "on its mode", "overall", "backward compatibility", "applied"]
    rows = _action_rows([*(v.get("actions") or []), *(v.get("alternatives") or [])])
    return kv(facts) + notes + (table(head, rows) if rows else "")


def _perturbation_rows(records: list[dict[str, Any]]) -> list[list[str]]:
    def figures(r: dict[str, Any] | None) -> str:
        if not r or r.get("verdict") is None:
            return esc((r or {}).get("reason") or "not tested")
        lo, hi = r["ci"]
        return (
            f"<b>{esc(r['verdict'])}</b><br>error rate {r['error_rate_before']:.3f} &rarr; "
            f"{r['error_rate_after']:.3f}, change {r['change']:+.3f} [{lo:+.3f}, {hi:+.3f}] "
            f"<span class='muted'>(p={r['mcnemar']['p_value']:.2g}, {r['n_images']} images; "
            f"the mode's excess {r['mode_excess_error_rate']:+.3f}{resembles(r)})</span>"
        )

    def resembles(r: dict[str, Any]) -> str:
        found = r.get("reproduction")
        return "" if found is None else f"; the changed images look like the mode's: {found:.2f}"

    def concluded(r: dict[str, Any]) -> str:
        found = r.get("conclusion")
        if not found:
            return "not tested"
        return (
            f"<b>{esc(found['verdict'])}</b><br><span class='muted'>the {found['test']} test</span>"
        )

    return [
        [
            _jump("mode", r["failure_mode"]),
            esc(r.get("title")),
            concluded(r),
            figures(r),
            figures(r.get("look")) if r.get("look") else "no augmentation spec",
        ]
        for r in records
    ]


def verification_section(
    verification: dict[str, Any] | None, perturbation: dict[str, Any] | None = None
) -> str:
    """The section, or "" when neither file exists."""
    parts = []
    if verification and "actions" in verification:
        parts.append("<h3>Retrained actions</h3>" + _verification_body(verification))
    elif verification:  # a file of another shape: shown as it is
        parts.append(value_html(verification))
    if perturbation and perturbation.get("modes"):
        head = [
            "mode",
            "title",
            "conclusion",
            "its property pushed",
            "its look (the augmentation's transforms)",
        ]
        parts.append(
            "<h3>Perturbation tests</h3>"
            "<p class='muted'>Images from outside each mode given the mode's level of its "
            "property, or its look, and predicted again; the conclusion comes from the test "
            "whose changed images look like the mode's (verify/perturbation.json).</p>"
            + table(head, _perturbation_rows(perturbation["modes"]))
        )
    if not parts:
        return ""
    intro = (
        "Each action retrained and compared with a baseline retrain on the same seeds, with "
        "McNemar's test on the same evaluation examples (verify/verification.json)."
        if verification
        else "Does the model fail on each mode's property, or does the property only mark "
        "examples that fail for another reason? (weakspot verify has not been run.)"
    )
    return section("verification", "Verification", "".join(parts), intro=intro)
