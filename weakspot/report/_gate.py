"""``weakspot gate``: fail a CI run when a limit is broken or a failure mode got worse.

Two kinds of check, either or both:

- limits from a TOML file (format in docs/gate.md): overall accuracy and ECE, a group's
  accuracy, a member list's error rate; for a regressor, the overall MAE and RMSE, a group's
  MAE and a member list's mean loss; for a multi-label tagger, the overall Hamming loss and
  subset accuracy, a group's Hamming loss, each label's recall, precision or F1;
- regressions against a baseline analysis of the same evaluation set: each of the baseline's
  failure modes (or reported slices, before modes exist) and the whole set, tested with a
  one-sided paired test (McNemar exact by default; Wilcoxon signed-rank for a regressor's
  continuous loss), Holm-adjusted across the checks.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from weakspot._errors import InputError
from weakspot.report._outcomes import (
    check_same_examples,
    failure_units,
    read_analysis,
    read_outcomes,
)
from weakspot.report._paired import TESTS, PairedChange, paired
from weakspot.stats import holm

KEYS = {
    "overall": {
        "min_accuracy",
        "max_ece",
        "max_mae",
        "max_rmse",
        "max_hamming_loss",
        "min_subset_accuracy",
    },
    "groups": {"feature", "group", "min_accuracy", "max_mae", "max_hamming_loss"},
    "labels": {"label", "min_recall", "min_precision", "min_f1"},
    "slices": {
        "name",
        "members",
        "max_error_rate",
        "max_mean_loss",
        "description",
        "failure_mode",
    },
}
# limits in the loss's own unit (a regressor's), any number from 0; the others are shares
LOSS_LIMITS = {"max_mae", "max_rmse", "max_mean_loss"}
# the limits a multi-label tagger's analysis measures (its Hamming loss is a share)
TAGGER_LIMITS = {
    "max_hamming_loss",
    "min_subset_accuracy",
    "max_mean_loss",
    "min_recall",
    "min_precision",
    "min_f1",
}
LABEL_METRICS = {"min_recall": "recall", "min_precision": "precision", "min_f1": "F1"}


@dataclass(frozen=True)
class Check:
    """One gate check: what was measured, against what, and whether it passed."""

    name: str
    kind: str  # "limit" or "regression"
    passed: bool
    value: float | None
    threshold: float | None = None
    baseline: float | None = None
    p_value: float | None = None
    detail: str = ""


def load_gate_config(path: str | Path) -> dict[str, Any]:
    """Read and check a gate TOML file; member-list paths become absolute."""
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Gate config {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"Gate config {str(path)!r} is not valid TOML: {exc}.") from None
    unknown = set(config) - set(KEYS)
    if unknown:
        raise InputError(
            f"Gate config {str(path)!r}: unknown table(s) {sorted(unknown)}; use {sorted(KEYS)}."
        )
    tables = [("overall", config.get("overall", {}))]
    tables += [("groups", g) for g in config.get("groups", [])]
    tables += [("slices", s) for s in config.get("slices", [])]
    tables += [("labels", t) for t in config.get("labels", [])]
    for name, table in tables:
        extra = set(table) - KEYS[name]
        if extra:
            raise InputError(
                f"Gate config [{name}]: unknown key(s) {sorted(extra)}; allowed: {sorted(KEYS[name])}."
            )
        for key, value in table.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if key in LOSS_LIMITS and not (number and value >= 0):
                raise InputError(
                    f"Gate config [{name}] {key} = {value!r}: give a number of at least 0 "
                    "(in the loss's unit)."
                )
            if (
                key.startswith(("min_", "max_"))
                and key not in LOSS_LIMITS
                and not (number and 0 <= value <= 1)
            ):
                raise InputError(f"Gate config [{name}] {key} = {value!r}: give a share in [0, 1].")
    for s in config.get("slices", []):
        if "members" not in s or not {"max_error_rate", "max_mean_loss"} & set(s):
            raise InputError(
                f"Gate config [[slices]] {s.get('name')!r} needs 'members' and 'max_error_rate' "
                "(or, for a regressor, 'max_mean_loss')."
            )
        s["members"] = str((path.parent / s["members"]).resolve())
    for g in config.get("groups", []):
        limits = {"min_accuracy", "max_mae", "max_hamming_loss"}
        if not {"feature", "group"} <= set(g) or not limits & set(g):
            raise InputError(
                f"Gate config [[groups]] {g!r} needs 'feature', 'group' and 'min_accuracy' (or, "
                "for a regressor, 'max_mae'; for a multi-label tagger, 'max_hamming_loss')."
            )
    for t in config.get("labels", []):
        if "label" not in t or not set(LABEL_METRICS) & set(t):
            raise InputError(
                f"Gate config [[labels]] {t!r} needs 'label' and one of 'min_recall', "
                "'min_precision', 'min_f1' (a multi-label tagger's per-label limits)."
            )
    return config


def limit_checks(
    doc: dict[str, Any], outcomes: pd.DataFrame, config: dict[str, Any]
) -> list[Check]:
    """The absolute limits of a gate config, measured on the current analysis."""
    checks = []
    overall = config.get("overall", {})
    _check_task(doc, config)
    for key, metric, words in (("max_mae", "mae", "MAE"), ("max_rmse", "rmse", "RMSE")):
        if key in overall:
            value = doc["overall"][metric]
            checks.append(
                Check(f"overall {words}", "limit", value <= overall[key], value, overall[key])
            )
    for key, metric, words, at_most in (
        ("max_hamming_loss", "hamming_loss", "Hamming loss", True),
        ("min_subset_accuracy", "subset_accuracy", "subset accuracy", False),
    ):
        if key in overall:
            value = doc["overall"][metric]
            passed = value <= overall[key] if at_most else value >= overall[key]
            checks.append(Check(f"overall {words}", "limit", passed, value, overall[key]))
    if "min_accuracy" in overall:
        acc = doc["overall"]["accuracy"]
        checks.append(
            Check(
                "overall accuracy",
                "limit",
                acc >= overall["min_accuracy"],
                acc,
                overall["min_accuracy"],
            )
        )
    if "max_ece" in overall:
        cal = doc["overall"].get("calibration")
        if not cal:
            raise InputError(
                "The gate config sets max_ece but the analysis has no probabilities (no calibration)."
            )
        checks.append(
            Check(
                "overall ECE",
                "limit",
                cal["ece"] <= overall["max_ece"],
                cal["ece"],
                overall["max_ece"],
            )
        )
    for g in config.get("groups", []):
        checks.append(_group_check(doc, g))
    for s in config.get("slices", []):
        checks.append(_member_check(outcomes, s))
    for t in config.get("labels", []):
        checks += _label_checks(doc, t)
    return checks


def _label_checks(doc: dict[str, Any], t: dict[str, Any]) -> list[Check]:
    """A tagger's per-label limits (`[[labels]]`: recall, precision or F1 at least); a label
    whose figure is undefined (no example has it, or it is never predicted) fails."""
    records = {str(r["label"]): r for r in doc["overall"]["per_label"]}
    record = records.get(str(t["label"]))
    if record is None:
        raise InputError(
            f"Gate config [[labels]] label {t['label']!r} is not in the analysis; its labels "
            f"are {sorted(records)[:12]}."
        )
    checks = []
    for key, words in LABEL_METRICS.items():
        if key not in t:
            continue
        value = record[words.lower()]
        checks.append(
            Check(
                f"{words} of label {t['label']}",
                "limit",
                value is not None and value >= t[key],
                value,
                t[key],
                detail=f"support = {record['support']}",
            )
        )
    return checks


def _group_check(doc: dict[str, Any], g: dict[str, Any]) -> Check:
    groups = [r for r in doc["disaggregated"]["groups"] if r["feature"] == g["feature"]]
    if not groups:
        features = sorted({r["feature"] for r in doc["disaggregated"]["groups"]})
        raise InputError(
            f"Gate config group feature {g['feature']!r} is not in the analysis; features: {features[:12]}."
        )
    match = [r for r in groups if str(r["group"]) == str(g["group"])]
    if not match:
        raise InputError(
            f"Gate config group {g['group']!r} of {g['feature']!r} is not in the analysis; "
            f"its groups are {[r['group'] for r in groups]}."
        )
    r = match[0]
    if "max_hamming_loss" in g:
        return Check(
            f"Hamming loss of {g['feature']}: {g['group']}",
            "limit",
            r["hamming_loss"] <= g["max_hamming_loss"],
            r["hamming_loss"],
            g["max_hamming_loss"],
            detail=f"n = {r['n']}",
        )
    if "max_mae" in g:
        return Check(
            f"MAE of {g['feature']}: {g['group']}",
            "limit",
            r["mae"] <= g["max_mae"],
            r["mae"],
            g["max_mae"],
            detail=f"n = {r['n']}",
        )
    name = f"accuracy of {g['feature']}: {g['group']}"
    return Check(
        name,
        "limit",
        r["accuracy"] >= g["min_accuracy"],
        r["accuracy"],
        g["min_accuracy"],
        detail=f"n = {r['n']}",
    )


def _member_check(outcomes: pd.DataFrame, s: dict[str, Any]) -> Check:
    path = Path(s["members"])
    try:
        ids = pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise InputError(
            f"Gate config slice {s.get('name')!r}: member list {str(path)!r} does not exist."
        ) from None
    if "id" not in ids.columns:
        raise InputError(
            f"Member list {str(path)!r} has no 'id' column (columns: {list(ids.columns)})."
        )
    members = ids["id"].dropna().unique()
    missing = [i for i in members if i not in outcomes.index]
    if missing or not len(members):
        raise InputError(
            f"Member list {str(path)!r}: {len(missing)} of {len(members)} ids are not in the analysis "
            f"(e.g. {missing[:3]}); the gate needs the same evaluation set."
        )
    rate = float(outcomes.loc[members, "error"].mean())
    if "max_mean_loss" in s:
        limit, name = s["max_mean_loss"], f"mean loss of {s.get('name') or path.name}"
    else:
        limit, name = s["max_error_rate"], f"error rate of {s.get('name') or path.name}"
    return Check(name, "limit", rate <= limit, rate, limit, detail=f"n = {len(members)}")


def _check_task(doc: dict[str, Any], config: dict[str, Any]) -> None:
    """A limit must be one the analysis measures: a classifier's accuracy and ECE, a
    regressor's MAE, RMSE and mean loss; the refusal names the limits to use instead."""
    regressor = "mae" in doc["overall"]
    tagger = "per_label" in doc["overall"]
    given = {key for table in _tables(config) for key in table if key.startswith(("min_", "max_"))}
    allowed = (
        LOSS_LIMITS
        if regressor
        else TAGGER_LIMITS
        if tagger
        else {"min_accuracy", "max_ece", "max_error_rate"}
    )
    wrong = given - allowed
    if wrong:
        kind, use = (
            ("a regressor's", "max_mae, max_rmse, [[groups]] max_mae, [[slices]] max_mean_loss")
            if regressor
            else (
                "a multi-label tagger's",
                "max_hamming_loss, min_subset_accuracy, [[groups]] max_hamming_loss, "
                "[[labels]] min_recall / min_precision / min_f1, [[slices]] max_mean_loss",
            )
            if tagger
            else ("a classifier's", "min_accuracy, max_ece, [[slices]] max_error_rate")
        )
        raise InputError(
            f"The gate config sets {sorted(wrong)}, but the analysis is {kind}: use {use}."
        )


def _tables(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        config.get("overall", {}),
        *config.get("groups", []),
        *config.get("slices", []),
        *config.get("labels", []),
    ]


def regression_checks(
    base_doc: dict[str, Any],
    base_folder: str | Path,
    base: pd.DataFrame,
    current: pd.DataFrame,
    *,
    test: str = "mcnemar",
    alpha: float = 0.05,
    min_delta: float = 0.0,
) -> list[Check]:
    """Is the current model significantly worse than the baseline on the baseline's failure
    modes (or slices) or overall? One-sided paired test, Holm-adjusted over the checks."""
    if test not in TESTS:
        raise InputError(f"Unknown test {test!r}; choose among {list(TESTS)}.")
    units: list[dict[str, Any]] = [
        {"kind": "all", "id": "all", "title": "all examples", "members": list(base.index)}
    ]
    units += failure_units(base_doc, base_folder)
    changes = [
        paired(
            base.loc[u["members"], "error"].to_numpy(),
            current.loc[u["members"], "error"].to_numpy(),
        )
        for u in units
    ]
    adjusted = holm([c.p_worse(test) for c in changes])
    checks = []
    for u, c, p in zip(units, changes, adjusted, strict=True):
        worse = p < alpha and c.delta > min_delta
        name = "all examples" if u["kind"] == "all" else f"{u['kind']} {u['id']}: {u['title']}"
        if not isinstance(c, PairedChange):
            name += " (mean loss)"
        detail = (
            f"n = {c.n}, newly wrong {c.newly_wrong}, newly right {c.newly_right}"
            if isinstance(c, PairedChange)
            else f"n = {c.n}, loss rose on {c.newly_wrong}, fell on {c.newly_right} (Wilcoxon)"
        )
        checks.append(
            Check(
                name,
                "regression",
                not worse,
                c.new_errors / max(c.n, 1),
                baseline=c.old_errors / max(c.n, 1),
                p_value=p,
                detail=detail,
            )
        )
    return checks


def run_gate(
    results: str | Path,
    *,
    baseline: str | Path | None = None,
    config: str | Path | None = None,
    test: str = "mcnemar",
    alpha: float = 0.05,
    min_delta: float = 0.0,
) -> list[Check]:
    """Every check of a gate run; raises `InputError` on unusable input."""
    if baseline is None and config is None:
        raise InputError("Give --baseline BASE_RESULTS, --config weakspot-gate.toml, or both.")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}.")
    doc, outcomes = read_analysis(results), read_outcomes(results)
    checks = []
    if config is not None:
        checks += limit_checks(doc, outcomes, load_gate_config(config))
    if baseline is not None:
        base = read_outcomes(baseline)
        check_same_examples(base, outcomes, str(baseline), str(results))
        checks += regression_checks(
            read_analysis(baseline),
            baseline,
            base,
            outcomes,
            test=test,
            alpha=alpha,
            min_delta=min_delta,
        )
    return checks


def md_cell(value: Any) -> str:
    """Text safe in a GitHub Markdown table cell: no pipes, HTML, links or emphasis."""
    text = " ".join(str(value).split())
    for ch in "\\`*_[]<>|#!~":
        text = text.replace(ch, "\\" + ch)
    return text


def gate_markdown(checks: list[Check], *, test: str = "mcnemar", alpha: float = 0.05) -> str:
    """A Markdown summary fit for a pull-request comment."""
    failed = [c for c in checks if not c.passed]
    head = f"## weakspot gate: {'FAILED' if failed else 'passed'}"
    lines = [head, "", f"{len(checks) - len(failed)} of {len(checks)} checks passed."]
    if any(c.kind == "regression" for c in checks):
        if any(c.name.endswith("(mean loss)") for c in checks):
            test = "Wilcoxon signed-rank"  # the paired test of a continuous loss
        lines.append(f"Regressions: one-sided {test} test, Holm-adjusted, alpha {alpha}.")
    lines += ["", "| | check | now | limit / baseline | p | detail |", "|---|---|---|---|---|---|"]
    for c in sorted(checks, key=lambda c: c.passed):
        ref = c.threshold if c.threshold is not None else c.baseline
        p = "" if c.p_value is None else f"{c.p_value:.2g}"
        show = _number if any(w in c.name for w in ("ECE", "MAE", "RMSE", "mean loss")) else _share
        lines.append(
            f"| {'ok' if c.passed else '**FAIL**'} | {md_cell(c.name)} | {show(c.value)} | "
            f"{show(ref)} | {p} | {md_cell(c.detail)} |"
        )
    return "\n".join(lines) + "\n"


def _share(value: float | None) -> str:
    return (
        "" if value is None else f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value:.2g}"
    )


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def checks_to_dict(checks: list[Check]) -> list[dict[str, Any]]:
    return [asdict(c) for c in checks]
