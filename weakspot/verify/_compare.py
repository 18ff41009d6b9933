"""Comparing a retrain with the baseline retrain on the same evaluation examples.

Accuracy carries a Wilson interval (`weakspot.stats.wilson_interval`); the paired test is
McNemar's exact test (`weakspot.stats.mcnemar_p_value`): under no effect, the examples one
model gets right and the other wrong split evenly, so their count is binomial(n_discordant, 1/2). With several repeats an
example counts as correct when it is correct in more than half of them (one paired binary
outcome per example, so the test stays exact); the spread across seeds is reported beside it.
The verdict is ``helps`` or ``harms`` when McNemar's p-value is below `alpha` in that
direction, else ``no effect``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from weakspot.stats import mcnemar_p_value, wilson_interval

ALPHA = 0.05


def accuracy(correct: np.ndarray) -> dict[str, Any]:
    """``{accuracy, ci, n}`` of a bool array, shape (n,), with a 95% Wilson interval."""
    n = int(len(correct))
    k = int(np.sum(correct))
    if n == 0:
        return {"accuracy": None, "ci": [None, None], "n": 0}
    low, high = wilson_interval(k, n, confidence=0.95)
    return {
        "accuracy": round(k / n, 4),
        "ci": [round(float(low), 4), round(float(high), 4)],
        "n": n,
    }


def mcnemar(before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    """Exact McNemar test of two bool arrays of correctness on the same examples, shape (n,).

    Returns ``{fixed, broken, p_value}``: examples wrong before and right after, the reverse,
    and the two-sided exact p-value.
    """
    fixed = int(np.sum(~before & after))
    broken = int(np.sum(before & ~after))
    p = mcnemar_p_value(fixed, broken)
    return {"fixed": fixed, "broken": broken, "p_value": float(f"{p:.4g}")}


def verdict(test: dict[str, Any], alpha: float = ALPHA) -> str:
    """``helps``, ``harms`` or ``no effect`` from a `mcnemar` result."""
    if test["p_value"] >= alpha:
        return "no effect"
    return "helps" if test["fixed"] > test["broken"] else "harms"


def majority(runs: Sequence[np.ndarray]) -> np.ndarray:
    """Per example, correct in more than half of the runs; bool of shape (n,)."""
    return np.mean(np.stack(runs), axis=0) > 0.5


def compare(
    base_runs: Sequence[np.ndarray], new_runs: Sequence[np.ndarray], mask: np.ndarray, alpha: float
) -> dict[str, Any]:
    """Before (baseline retrain) and after (this change) on the examples under `mask`.

    Parameters
    ----------
    base_runs, new_runs : sequence of bool ndarray, each of shape (n_eval,)
        Correctness per repeat, same seeds in the same order.
    mask : bool ndarray of shape (n_eval,)
    """
    if not mask.any():
        empty = accuracy(mask[mask])
        spread: dict[str, Any] = {"deltas": [], "min": None, "max": None, "sd": None}
        return {
            "before": empty,
            "after": empty,
            "delta": None,
            "spread": spread,
            "mcnemar": mcnemar(mask[mask], mask[mask]),
            "verdict": "no effect",
        }
    before, after = majority(base_runs)[mask], majority(new_runs)[mask]
    test = mcnemar(before, after)
    deltas = [
        float(n[mask].mean() - b[mask].mean()) for b, n in zip(base_runs, new_runs, strict=True)
    ]
    return {
        "before": accuracy(before),
        "after": accuracy(after),
        "delta": round(float(after.mean() - before.mean()), 4),
        "spread": {
            "deltas": [round(d, 4) for d in deltas],
            "min": round(min(deltas), 4),
            "max": round(max(deltas), 4),
            "sd": round(float(np.std(deltas, ddof=1)), 4) if len(deltas) > 1 else 0.0,
        },
        "mcnemar": test,
        "verdict": verdict(test, alpha),
    }


def backward_compatibility(
    reference: np.ndarray, new: np.ndarray, worse_modes: list[str], against: str
) -> dict[str, Any]:
    """Share of `reference`-correct examples that stay correct, and the new-error rate.

    The new-error rate is the share of all examples that `reference` gets right and `new`
    gets wrong (Bansal et al., 2019).
    """
    kept = reference & new
    return {
        "against": against,
        "kept_correct": round(float(kept.sum() / max(reference.sum(), 1)), 4),
        "new_error_rate": round(float((reference & ~new).mean()), 4),
        "worse_modes": worse_modes,
    }
