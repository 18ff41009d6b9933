"""A regressor's performance: MAE, RMSE, median absolute error, mean signed error and R²,
overall and for every subgroup, each with a percentile bootstrap interval.

The intervals resample rows with replacement (`N_BOOTSTRAP` times, from a generator seeded by
`random_state`, so the same inputs give the same figures). A bootstrap rather than a normal
interval, because residuals are often heavy-tailed and the median and R² have no simple
standard error. The largest gap in MAE between a feature's subgroups is tested with a
permutation test of the range of the groups' MAEs (`gap_p_value`): the best and worst groups
are chosen by looking at the data, and permuting the group labels over all rows and taking the
range again accounts for that choice, as a test of the two chosen groups alone would not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weakspot.features import BinnedFeatures
from weakspot.metrics._disaggregated import MIN_GROUP_FOR_GAP, feature_groups

N_BOOTSTRAP = 200
N_PERMUTATIONS = 199
GAP_ALPHA = 0.05
# A resample of m rows is drawn B at a time, in blocks of at most this many indices, so that a
# group of a million rows does not hold 200 million indices at once.
_BLOCK = 4_000_000

REGRESSION_METRICS = ("mae", "rmse", "median_absolute_error", "mean_signed_error", "r2")
REGRESSION_WORDS = {
    "mae": "mean absolute error",
    "rmse": "root mean squared error",
    "median_absolute_error": "median absolute error",
    "mean_signed_error": "mean signed error",
    "r2": "R²",
}


def regression_metrics(
    targets: np.ndarray, predictions: np.ndarray, *, random_state: int = 0
) -> dict[str, Any]:
    """The five metrics of one set of rows, each with its 95% bootstrap interval.

    Parameters
    ----------
    targets, predictions : ndarray of float, shape (n,)
    random_state : int
        Seed of the bootstrap.

    Returns
    -------
    dict with ``n`` and, for each name in `REGRESSION_METRICS`, the value and ``<name>_ci`` ([low, high]).
    ``mean_signed_error`` is prediction minus target (positive: over-estimates); ``r2`` is
    None (and its interval too) when the targets are constant.
    """
    rng = np.random.default_rng(random_state)
    values = _metrics(targets[None, :], predictions[None, :])
    draws = _bootstrap(targets, predictions, rng)
    record: dict[str, Any] = {"n": int(targets.shape[0])}
    for name in REGRESSION_METRICS:
        value = float(values[name][0])
        finite = draws[name][np.isfinite(draws[name])]
        if not np.isfinite(value):
            record[name], record[f"{name}_ci"] = None, None
            continue
        low, high = np.quantile(finite, [0.025, 0.975]) if len(finite) else (value, value)
        record[name] = value
        record[f"{name}_ci"] = [float(low), float(high)]
    return record


def regression_disaggregated(
    binned: BinnedFeatures,
    targets: np.ndarray,
    predictions: np.ndarray,
    *,
    sensitive: list[str] | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """`regression_metrics` for every subgroup (the bins of each feature, and the sensitive
    columns' intersection), and each feature's largest MAE gap with its permutation test.

    Parameters
    ----------
    binned : BinnedFeatures
        Groups are the bins of each feature, as for a classifier's subgroups.
    targets, predictions : ndarray of float, shape (n,)
    sensitive : list of str, optional
        Feature names whose intersection is also measured.
    random_state : int

    Returns
    -------
    dict with ``groups`` (records: feature, group, n, ``ci`` (the MAE's interval) and every
    metric with its interval) and ``features`` (per feature: ``mae_gap``, ``best_group``,
    ``worst_group``, ``gap_p_value``, ``gap_test``, ``gap_significant``).
    """
    absolute = np.abs(predictions - targets)
    groups: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    for k, (name, codes, names) in enumerate(feature_groups(binned, sensitive)):
        records = []
        for g, group in enumerate(names):
            rows = np.flatnonzero(codes == g)
            if len(rows) == 0:
                continue
            figures = regression_metrics(
                targets[rows], predictions[rows], random_state=random_state + g
            )
            records.append({"feature": name, "group": group, **figures, "ci": figures["mae_ci"]})
        groups.extend(records)
        gap = mae_gap(codes, absolute, records, random_state=random_state + k)
        summaries.append(
            {
                "feature": name,
                "sensitive": name in (sensitive or []) or " x " in name,
                "n_groups": len(records),
                **gap,
            }
        )
    return {"groups": groups, "features": summaries}


def mae_gap(
    codes: np.ndarray, absolute: np.ndarray, records: list[dict[str, Any]], *, random_state: int
) -> dict[str, Any]:
    """The largest MAE gap among a feature's groups of at least `MIN_GROUP_FOR_GAP` rows, and
    its permutation p-value: the share of label permutations whose range of group MAEs is at
    least the observed one ((count + 1) / (N_PERMUTATIONS + 1), never 0).

    Parameters
    ----------
    codes : ndarray of int, shape (n,)
        Each row's group.
    absolute : ndarray of float, shape (n,)
        Each row's absolute error.
    records : list of dict
        The groups' records (``group``, ``n``, ``mae``), in code order.
    random_state : int
    """
    big = [r for r in records if r["n"] >= MIN_GROUP_FOR_GAP] or records
    best = min(big, key=lambda r: r["mae"])
    worst = max(big, key=lambda r: r["mae"])
    observed = worst["mae"] - best["mae"]
    sizes = np.bincount(codes)
    kept = np.isin(codes, np.flatnonzero(sizes >= min(r["n"] for r in big)))
    p = _range_p_value(codes[kept], absolute[kept], observed, random_state)
    return {
        "mae_gap": observed,
        "best_group": best["group"],
        "worst_group": worst["group"],
        "gap_p_value": p,
        "gap_test": "permutation",
        "gap_significant": p <= GAP_ALPHA,
    }


def mean_interval(values: np.ndarray, *, random_state: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of `values` (shape (n,)), `N_BOOTSTRAP`
    resamples seeded by `random_state`: the interval a regressor's per-example loss gets
    wherever a mean loss is judged (a failure mode's gate limit)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(random_state)
    per_block = max(1, _BLOCK // values.size)
    means = np.concatenate(
        [
            values[
                rng.integers(0, values.size, size=(min(per_block, N_BOOTSTRAP - k), values.size))
            ].mean(axis=1)
            for k in range(0, N_BOOTSTRAP, per_block)
        ]
    )
    low, high = np.quantile(means, [0.025, 0.975])
    return (float(low), float(high))


def _range_p_value(codes: np.ndarray, values: np.ndarray, observed: float, seed: int) -> float:
    """The permutation p-value of the range of group means (codes permuted over rows)."""
    _, codes = np.unique(codes, return_inverse=True)
    sizes = np.bincount(codes)
    if len(sizes) < 2 or observed <= 0:
        return 1.0
    rng = np.random.default_rng(seed)
    at_least = 0
    for _ in range(N_PERMUTATIONS):
        means = np.bincount(rng.permutation(codes), weights=values) / sizes
        # a small tolerance: a permutation that reproduces the observed range exactly counts
        at_least += bool(means.max() - means.min() >= observed * (1 - 1e-12))
    return (at_least + 1) / (N_PERMUTATIONS + 1)


def _bootstrap(targets: np.ndarray, predictions: np.ndarray, rng) -> dict[str, np.ndarray]:
    """Every metric on `N_BOOTSTRAP` resamples of the rows, shape (N_BOOTSTRAP,) each."""
    n = targets.shape[0]
    per_block = max(1, _BLOCK // max(n, 1))
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, N_BOOTSTRAP, per_block):
        rows = rng.integers(0, n, size=(min(per_block, N_BOOTSTRAP - start), n))
        parts.append(_metrics(targets[rows], predictions[rows]))
    return {name: np.concatenate([p[name] for p in parts]) for name in REGRESSION_METRICS}


def _metrics(targets: np.ndarray, predictions: np.ndarray) -> dict[str, np.ndarray]:
    """The metrics of each row of (b, m) arrays, shape (b,) each; R² is NaN where a row's
    targets are constant."""
    residual = predictions - targets
    squared = np.mean(residual**2, axis=1)
    spread = np.mean((targets - targets.mean(axis=1, keepdims=True)) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(spread > 0, 1 - squared / np.where(spread > 0, spread, 1), np.nan)
    return {
        "mae": np.mean(np.abs(residual), axis=1),
        "rmse": np.sqrt(squared),
        "median_absolute_error": np.median(np.abs(residual), axis=1),
        "mean_signed_error": np.mean(residual, axis=1),
        "r2": r2,
    }
