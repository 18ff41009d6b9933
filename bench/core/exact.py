"""Brute-force SliceLine top-K, and comparison of top-K sets between tools.

The brute force enumerates every conjunction of up to `max_level` (feature = bin) items with
one `bincount` per feature combination, scores every cell with at least `min_support` rows,
and keeps the top `k` positive scores with ties (rank "min" <= k), as SliceLine defines them.
It shares no code with `weakspot.slices._lattice`.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.stats import rankdata


def brute_force_top_k(codes, errors, *, alpha, k, max_level, min_support) -> dict:
    """{frozenset((feature, bin), ...): score} of the exact top-k (ties kept)."""
    codes = np.asarray(codes, dtype=np.int64)
    errors = np.asarray(errors, dtype=float)
    n, n_features = codes.shape
    average = errors.mean()
    domains = codes.max(axis=0) + 1
    keys, scores = [], []
    for level in range(1, min(max_level, n_features) + 1):
        for combo in combinations(range(n_features), level):
            dims = domains[list(combo)]
            cells = np.ravel_multi_index(tuple(codes[:, j] for j in combo), dims)
            size = np.bincount(cells, minlength=int(np.prod(dims))).astype(float)
            errs = np.bincount(cells, weights=errors, minlength=int(np.prod(dims)))
            ok = size >= max(min_support, 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = alpha * ((errs / size) / average - 1) - (1 - alpha) * (n / size - 1)
            for cell in np.flatnonzero(ok & (score > 0)):
                bins = np.unravel_index(cell, dims)
                keys.append(frozenset(zip(combo, (int(b) for b in bins))))
                scores.append(score[cell])
    if not scores:
        return {}
    scores = np.asarray(scores)
    top = np.flatnonzero(rankdata(-scores, method="min") <= k)
    return {keys[i]: float(scores[i]) for i in top}


def as_topk(slices: list[dict]) -> dict:
    """{frozenset((feature, bin), ...): score} from a runner's "slices" list."""
    return {frozenset((int(f), int(b)) for f, b in s["items"]): float(s["score"]) for s in slices}


def compare(a: dict, b: dict, tol: float = 1e-9) -> dict:
    """Differences between two top-K maps: keys only in a / only in b, score mismatches."""
    only_a = sorted(a.keys() - b.keys(), key=lambda key: -a[key])
    only_b = sorted(b.keys() - a.keys(), key=lambda key: -b[key])
    bad = [key for key in a.keys() & b.keys() if abs(a[key] - b[key]) > tol]
    return {
        "same": not (only_a or only_b or bad),
        "only_a": only_a,
        "only_b": only_b,
        "score_mismatch": bad,
    }


def show(key) -> str:
    return "{" + ", ".join(f"f{f}={b}" for f, b in sorted(key)) + "}"
