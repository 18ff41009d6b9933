"""Synthetic tables for the core benchmarks: categorical bin codes with a planted slice.

Every table is made from a seeded `numpy.random.Generator`, so the same arguments give the
same bytes. Bin probabilities are drawn per feature from a Dirichlet(2) (uneven but without
vanishing bins); the planted slice is a conjunction of the most frequent bin of `level`
randomly chosen features, with error rate `inside` there and `outside` elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parents[1] / ".cache"


@dataclass(frozen=True)
class Table:
    """A benchmark table.

    Attributes
    ----------
    codes : ndarray of uint8, shape (n_rows, n_features)
    errors : ndarray of float64 in {0, 1}, shape (n_rows,)
    labels, predictions : ndarray of int8, shape (n_rows,); errors == (labels != predictions)
    planted : dict feature -> bin (empty for a null table)
    """

    codes: np.ndarray
    errors: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    planted: dict[int, int]

    def planted_mask(self) -> np.ndarray:
        return members_mask(self.codes, [(f, "in", [b]) for f, b in self.planted.items()])

    def save(self, name: str) -> Path:
        """Write the table to bench/.cache/<name>.npz (once) and return the path."""
        CACHE.mkdir(parents=True, exist_ok=True)
        path = CACHE / f"{name}.npz"
        if not path.exists():
            tmp = CACHE / f"{name}.tmp.npz"
            np.savez(
                tmp,
                codes=self.codes,
                errors=self.errors,
                labels=self.labels,
                predictions=self.predictions,
            )
            tmp.rename(path)
        return path


def make_table(
    n_rows: int,
    n_features: int,
    seed: int,
    *,
    level: int = 2,
    inside: float = 0.40,
    outside: float = 0.08,
    min_bins: int = 3,
    max_bins: int = 8,
) -> Table:
    """A table whose errors are `inside` in the planted slice and `outside` elsewhere.

    With ``level=0`` nothing is planted: errors are Bernoulli(`outside`) independent of every
    feature (a null table).
    """
    rng = np.random.default_rng(seed)
    domains = rng.integers(min_bins, max_bins + 1, size=n_features)
    codes = np.empty((n_rows, n_features), dtype=np.uint8)
    probs = []
    for j, d in enumerate(domains):
        p = rng.dirichlet(np.full(d, 2.0))
        probs.append(p)
        codes[:, j] = np.searchsorted(np.cumsum(p)[:-1], rng.random(n_rows), side="right")
    planted: dict[int, int] = {}
    if level > 0:
        for f in sorted(rng.choice(n_features, size=level, replace=False).tolist()):
            planted[int(f)] = int(np.argmax(probs[f]))
    in_slice = (
        members_mask(codes, [(f, "in", [b]) for f, b in planted.items()])
        if planted
        else np.zeros(n_rows, bool)
    )
    rate = np.where(in_slice, inside, outside)
    errors = (rng.random(n_rows) < rate).astype(np.float64)
    labels = rng.integers(0, 2, size=n_rows).astype(np.int8)
    predictions = np.where(errors == 1, 1 - labels, labels).astype(np.int8)
    return Table(codes, errors, labels, predictions, planted)


def members_mask(codes: np.ndarray, conditions: list) -> np.ndarray:
    """Rows satisfying every ``(feature, "in" | "not in", [bins])`` condition, shape (n_rows,)."""
    mask = np.ones(codes.shape[0], dtype=bool)
    for feature, op, bins in conditions:
        hit = np.isin(codes[:, int(feature)], np.asarray(bins, dtype=np.int64))
        mask &= hit if op == "in" else ~hit
    return mask


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 0.0


def f1(found: np.ndarray, truth: np.ndarray) -> float:
    both = np.count_nonzero(found & truth)
    denom = np.count_nonzero(found) + np.count_nonzero(truth)
    return 2 * both / denom if denom else 0.0
