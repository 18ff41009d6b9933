"""The words for a sampled finding's figures on every row (`weakspot._whole`), in every report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weakspot.tasks import TaskWords


def whole_sentence(whole: Mapping[str, Any] | None, words: TaskWords | None = None) -> str | None:
    """``on all 20,000 rows: 2,046 examples, 40.9% fail (95% CI 38.7%-43.0%), 8.0% elsewhere``;
    with `words` of a continuous loss, ``..., mean absolute error 6.1 [5.8, 6.4], 2.0
    elsewhere``.

    None for an analysis of every row (its record has no ``whole``).
    """
    if not whole:
        return None
    rows = f"on all {whole['of']:,} rows"
    if not whole["counted"]:
        return f"not counted {rows}: {whole['reason']}"
    if not whole["size"]:
        return f"{rows}: the rule selects no row"
    low, high = whole["ci"]
    rest = whole.get("rest_error_rate")
    if words is not None and not words.rate:
        elsewhere = "" if rest is None else f", {words.value(rest)} elsewhere"
        return (
            f"{rows}: {whole['size']:,} examples, {words.metric()} "
            f"{words.value(whole['error_rate'])} {words.interval(whole['ci'])}{elsewhere}"
            f"{_held_out(whole.get('held_out'))}"
        )
    elsewhere = "" if rest is None else f", {rest:.1%} elsewhere"
    return (
        f"{rows}: {whole['size']:,} examples, {whole['error_rate']:.1%} fail "
        f"(95% CI {low:.1%}-{high:.1%}){elsewhere}{_held_out(whole.get('held_out'))}"
    )


def whole_line(whole: Mapping[str, Any] | None, words: TaskWords | None = None) -> str | None:
    """`whole_sentence` to open a line of its own: ``On all 20,000 rows: ...``."""
    text = whole_sentence(whole, words)
    return None if text is None else text[0].upper() + text[1:]


def _held_out(test: Mapping[str, Any] | None) -> str:
    """``; confirmed on the 4,800,000 rows outside the sample (q 1e-12)``, or why not."""
    if not test:
        return ""
    outside = f"the {test['of']:,} rows outside the sample"
    q = "q < 1e-300" if test["q_value"] == 0 else f"q {test['q_value']:.2g}"
    if test["verdict"] == "confirmed":
        return f"; confirmed on {outside} ({q})"
    if test["verdict"] == "too weak":
        return (
            f"; weaker on {outside}: lift {test['lift']:.2f} there ({q}), below the reporting bar"
        )
    lift = "" if test["lift"] is None else f"lift {test['lift']:.2f}, "
    return f"; not confirmed on {outside} ({lift}{q}): likely the sample's chance"


def confirmed(record: Mapping[str, Any]) -> bool | None:
    """Whether a sampled finding held on the rows outside the sample; None when not tested."""
    test = (record.get("whole") or {}).get("held_out")
    return None if not test else test["verdict"] == "confirmed"


def whole_accuracy(doc: Mapping[str, Any]) -> str | None:
    """``accuracy on all 20,000 rows: 88.6% (2,272 errors)`` for a sampled analysis, else None."""
    whole = (doc["dataset"].get("sample") or {}).get("whole")
    if not whole:
        return None
    words = TaskWords.of(doc.get("task"))
    if not words.rate:  # a continuous loss: its mean on every row
        return f"{words.metric()} on all {whole['rows']:,} rows: {words.value(whole['error_rate'])}"
    accuracy = 1 - whole["error_rate"]
    return f"accuracy on all {whole['rows']:,} rows: {accuracy:.1%} ({whole['errors']:,} errors)"


def whole_gap(feature: Mapping[str, Any]) -> str | None:
    """``14.6%, worst site == B (significant)``: a sampled feature's gap on every row."""
    whole = feature.get("whole")
    if not whole:
        return None
    significant = "significant" if whole["gap_significant"] else "not significant"
    return f"{whole['accuracy_gap']:.1%}, worst {whole['worst_group']} ({significant})"
