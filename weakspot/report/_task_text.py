"""The words of a task whose loss is not 0/1 (a regressor, a multi-label tagger), as every
report says them.

A classifier's document is rendered by the reports' own lines, unchanged; a document whose
``task.binary_loss`` is false reads its metrics and slices through these functions, so the
terminal, summary.md and report.html say "mean absolute error 3.1 [2.8, 3.4]" and "site == C:
mean absolute error 6.2 vs 2.0 elsewhere (412 examples)" alike (`weakspot.tasks.TaskWords`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weakspot.tasks import TaskWords, number

# the metrics of a regressor's ``overall`` record, in the order a summary lists them
REGRESSION_FIGURES = (
    ("mae", "mean absolute error"),
    ("rmse", "RMSE"),
    ("median_absolute_error", "median absolute error"),
    ("mean_signed_error", "mean signed error"),
    ("r2", "R²"),
)


def task_words(doc: Mapping[str, Any]) -> TaskWords:
    """The words of `doc`'s task (a classifier's for a document without a task record)."""
    return TaskWords.of(doc.get("task"))


def speaks_rates(doc: Mapping[str, Any]) -> bool:
    """Whether the reports write `doc` in a classifier's error rates and accuracy."""
    return task_words(doc).rate


def overall_figures(
    overall: Mapping[str, Any], *, keep_missing: bool = False
) -> list[tuple[str, str, str]]:
    """``(name, value, 95% interval)`` of each metric a regressor's overall (or subgroup)
    record holds, e.g. ``("mean absolute error", "3.1", "[2.8, 3.4]")``; R² is left out for
    constant targets (a dash with `keep_missing`, so that table rows keep their columns). A
    tagger's record gives its subset accuracy, Hamming loss and (overall) macro F1."""
    if "hamming_loss" in overall:
        return _multilabel_figures(overall)
    found = []
    for key, name in REGRESSION_FIGURES:
        value = overall.get(key)
        if value is None:
            if keep_missing:
                found.append((name, "-", ""))
            continue
        ci = overall.get(f"{key}_ci")
        signed = key == "mean_signed_error"
        text = number(value, signed=signed)
        found.append((name, text, "" if not ci else f"[{number(ci[0])}, {number(ci[1])}]"))
    return found


def _multilabel_figures(overall: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    low, high = overall["subset_accuracy_ci"]
    h_low, h_high = overall["hamming_loss_ci"]
    found = [
        ("subset accuracy", f"{overall['subset_accuracy']:.1%}", f"[{low:.1%}, {high:.1%}]"),
        ("Hamming loss", f"{overall['hamming_loss']:.3f}", f"[{h_low:.3f}, {h_high:.3f}]"),
    ]
    if overall.get("macro_f1") is not None:
        found.append(("macro F1", f"{overall['macro_f1']:.3f}", ""))
    return found


def overall_text(doc: Mapping[str, Any]) -> str:
    """``mean absolute error 3.1 [2.8, 3.4], RMSE 4.7 [4.3, 5.1], ...``."""
    return ", ".join(
        f"{name} {value} {ci}".rstrip() for name, value, ci in overall_figures(doc["overall"])
    )


def slice_text(doc: Mapping[str, Any], s: Mapping[str, Any]) -> str:
    """A slice's finding in the task's words: ``mean absolute error 6.2 vs 2.0 elsewhere``, or
    on the bias view ``over-estimates by 4.2 on average (vs +0.1 elsewhere)``."""
    return task_words(doc).compare(
        s["error_rate"], s.get("rest_error_rate"), s.get("view", "error")
    )


def slice_line(doc: Mapping[str, Any], s: Mapping[str, Any]) -> str:
    """``site == C: mean absolute error 6.2 vs 2.0 elsewhere (412 examples)``."""
    return f"{s['title']}: {slice_text(doc, s)} ({s['size']:,} examples)"


def slice_value(doc: Mapping[str, Any], s: Mapping[str, Any]) -> str:
    """A slice's mean loss with its interval: ``6.2 [5.6, 6.9]`` (``+4.2 [...]`` for bias)."""
    words, view = task_words(doc), s.get("view", "error")
    return f"{words.value(s['error_rate'], view)} {words.interval(s.get('ci'), view)}".rstrip()


def mode_text(doc: Mapping[str, Any], mode: Mapping[str, Any]) -> str:
    """A failure mode's mean loss against the rest, in the task's words."""
    return task_words(doc).compare(mode["error_rate"], mode.get("rest_error_rate"))


def gap_text(doc: Mapping[str, Any], feature: Mapping[str, Any]) -> str:
    """A feature's largest subgroup gap: ``MAE gap 4.4 (p 0.005, permutation)``; a tagger's
    ``Hamming loss gap 0.077 (95% intervals apart)``."""
    if "hamming_loss_gap" in feature:
        apart = " (95% intervals apart)" if feature["gap_significant"] else ""
        return f"Hamming loss gap {feature['hamming_loss_gap']:.3f}{apart}"
    return (
        f"MAE gap {number(feature['mae_gap'])} (p {feature['gap_p_value']:.2g}, "
        f"{feature.get('gap_test', 'permutation')} test)"
    )
