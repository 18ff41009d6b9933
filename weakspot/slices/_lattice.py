"""Exact lattice search for high-error slices with SliceLine's semantics.

SliceLine (Sagadeeva & Boehm, SIGMOD 2021) scores a slice S of a table with n rows and mean
error e_bar as::

    score(S) = alpha * ((errors(S) / |S|) / e_bar - 1) - (1 - alpha) * (n / |S| - 1)

and enumerates conjunctions of (feature = bin) items level by level, keeping the top-K.
A level-L candidate is generated only if all of its L parents at level L-1 reached the minimum
support and had errors, and it is evaluated only if an upper bound of its score, computed from
its parents' sizes and errors, can still enter the current top-K.

This implementation works on integer bin codes instead of a one-hot sparse matrix: candidates
that use the same features are evaluated together from the counts of their features' joint
cells, which keeps memory at a few columns of the table whatever the number of candidates.
The counting runs in an engine (`weakspot.engine`): in this process by default, or on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from weakspot._errors import InputError
from weakspot.engine import Engine, Rows, get_engine


@dataclass(frozen=True)
class LatticeResult:
    """Output of `lattice_search`.

    Attributes
    ----------
    top_items : ndarray of int64, shape (n_top, max_level)
        The top-K slices as global item ids (see `item_to_feature_bin`), padded with -1,
        sorted by descending score.
    top_scores, top_sizes, top_errors : ndarray, shape (n_top,)
        SliceLine score, number of rows and sum of errors of each top slice.
    evaluated_items : ndarray of int64, shape (n_evaluated, max_level)
        Every candidate whose statistics were computed, padded with -1 (the family over which
        a multiple-testing correction must be taken).
    evaluated_sizes, evaluated_errors : ndarray, shape (n_evaluated,)
    average_error : float
    n_pruned : int
        Supported candidates not evaluated because their score bound could not reach the
        top-K; a correction for multiple testing should count them as examined.
    offsets : ndarray of int64, shape (n_features,)
        First global item id of each feature; item = offsets[feature] + bin.
    """

    top_items: np.ndarray
    top_scores: np.ndarray
    top_sizes: np.ndarray
    top_errors: np.ndarray
    evaluated_items: np.ndarray
    evaluated_sizes: np.ndarray
    evaluated_errors: np.ndarray
    average_error: float
    offsets: np.ndarray
    n_pruned: int = 0

    def item_to_feature_bin(self, items: np.ndarray) -> list[tuple[int, int]]:
        """Turn one padded row of item ids into ``(feature, bin)`` pairs."""
        pairs = []
        for item in items[items >= 0]:
            feature = int(np.searchsorted(self.offsets, item, side="right") - 1)
            pairs.append((feature, int(item - self.offsets[feature])))
        return pairs


def sliceline_score(
    sizes: np.ndarray, errors: np.ndarray, n_rows: int, average_error: float, alpha: float
) -> np.ndarray:
    """SliceLine's score of slices with `sizes` rows and `errors` summed errors."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = alpha * ((errors / sizes) / average_error - 1) - (1 - alpha) * (n_rows / sizes - 1)
    return np.nan_to_num(scores, nan=-np.inf)


def _score_upper_bound(
    sizes: np.ndarray,
    errors: np.ndarray,
    max_errors: np.ndarray,
    n_rows: int,
    average_error: float,
    alpha: float,
    min_support: int,
) -> np.ndarray:
    """Upper bound of the score of any slice below parents with these size/error bounds.

    The score is monotone in the size between the points probed, so its maximum over the
    feasible sizes [min_support, sizes] is reached at one of three points (paper, sec. 3.2).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        probes = np.column_stack(
            [
                np.full(sizes.shape, float(min_support)),
                np.maximum(errors / max_errors, min_support),
                sizes.astype(float),
            ]
        )
        reachable_errors = np.minimum(probes * max_errors[:, None], errors[:, None])
        bound = (
            alpha * (reachable_errors / average_error - probes) - (1 - alpha) * (n_rows - probes)
        ) / probes
    return np.nan_to_num(bound.max(axis=1), nan=-np.inf)


def lattice_search(
    codes: np.ndarray | Rows,
    errors: np.ndarray | None,
    *,
    alpha: float = 0.95,
    k: int = 10,
    max_level: int = 3,
    min_support: int = 10,
    domains: np.ndarray | None = None,
    engine: str | Engine | None = None,
) -> LatticeResult:
    """Find the top-`k` slices by SliceLine score, exactly.

    Parameters
    ----------
    codes : ndarray of int, shape (n_rows, n_features), or Rows
        Bin index of each row for each feature, in ``[0, domains[j])``; or rows already
        placed with ``engine.put_rows(codes, errors)`` (then `errors` is None), so that several
        searches share them.
    errors : ndarray of float, shape (n_rows,), or None
        Non-negative error of each row (1/0 for misclassification).
    alpha : float in (0, 1]
        Weight of the error-rate term against the size term.
    k : int
        Number of slices to keep; ties with the k-th score are kept too.
    max_level : int
        Maximum number of conditions in a slice.
    min_support : int
        Minimum number of rows of a slice.
    domains : ndarray of int, shape (n_features,), optional
        Number of bins per feature; inferred as ``codes.max(axis=0) + 1`` if omitted.
    engine : str, Engine or None
        Where the cells are counted (see `weakspot.engine.get_engine`); default: this process.
        `codes` and `errors` may be the engine's own arrays (a Dask array for "dask").
    """
    engine = get_engine(engine)
    rows, domains = _check_lattice_input(
        engine, codes, errors, alpha, k, max_level, min_support, domains
    )
    search = _Search(engine, rows, domains, alpha=alpha, k=k, min_support=min_support)
    n_features = rows.n_features
    offsets = search.offsets

    items = (
        np.arange(offsets[-1] + domains[-1], dtype=np.int64)[:, None]
        if n_features
        else np.zeros((0, 1), np.int64)
    )
    sizes, errs, max_errs = search.evaluate(items)
    search.record(items, sizes, errs)
    parents = _keep(items, sizes, errs, max_errs, min_support)

    for level in range(2, min(n_features, max_level) + 1):
        if parents[0].shape[0] == 0:
            break
        p_items, p_sizes, p_errs, p_max = parents
        candidates = search.candidates(p_items, p_sizes, p_errs, p_max, level)
        sizes, errs, max_errs = search.evaluate(candidates)
        search.record(candidates, sizes, errs)
        parents = _keep(candidates, sizes, errs, max_errs, min_support)

    return search.result(max_level)


def _keep(items, sizes, errs, max_errs, min_support):
    """Slices that may have children: enough support and at least some error."""
    keep = (sizes >= min_support) & (errs > 0)
    return items[keep], sizes[keep], errs[keep], max_errs[keep]


def _check_lattice_input(
    engine: Engine, codes: Any, errors: Any, alpha, k, max_level, min_support, domains
) -> tuple[Rows, np.ndarray]:
    placed = errors is None and hasattr(codes, "n_rows")
    if not placed:
        _check_shapes(codes, errors)
    if not 0 < alpha <= 1:
        raise InputError(f"alpha must be in (0, 1], got {alpha}.")
    if k < 1 or max_level < 1 or min_support < 0:
        raise InputError(
            f"k and max_level must be >= 1 and min_support >= 0, got {k}, {max_level}, {min_support}."
        )
    rows = codes if placed else engine.put_rows(codes, errors)
    if not rows.valid_errors:
        raise InputError("errors must be finite and non-negative.")
    if rows.error_sum == 0:
        raise InputError("errors are all zero: there is no error to find slices for.")
    if rows.min_code < 0:
        raise InputError("codes must be non-negative bin indices.")
    domains = rows.max_codes + 1 if domains is None else domains
    return rows, np.asarray(domains, dtype=np.int64)


def _check_shapes(codes: Any, errors: Any) -> None:
    codes = codes if hasattr(codes, "ndim") else np.asarray(codes)
    errors = errors if hasattr(errors, "ndim") else np.asarray(errors, dtype=float)
    if codes.ndim != 2:
        raise InputError(f"codes must be a 2-D array of bin indices, got shape {codes.shape}.")
    if tuple(errors.shape) != (codes.shape[0],):
        raise InputError(
            f"errors must have one value per row of codes ({codes.shape[0]}), got shape {errors.shape}."
        )


class _Search:
    """State of one lattice search: the data, the running top-K and the evaluated family."""

    def __init__(self, engine: Engine, rows: Rows, domains, *, alpha, k, min_support):
        self.engine, self.rows, self.domains = engine, rows, domains
        self.offsets = np.concatenate([[0], np.cumsum(domains)[:-1]]).astype(np.int64)
        self.feature_of_item = np.repeat(np.arange(rows.n_features), domains)
        self.alpha, self.k, self.min_support = alpha, k, min_support
        # numpy's mean is this very sum divided by n: the same float to the last bit
        self.average_error = float(rows.error_sum / rows.n_rows)
        self.n_rows = rows.n_rows
        self.n_items = int(domains.sum())
        self.top = (np.zeros((0, 0), np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
        self.evaluated: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_pruned = 0

    # -- candidate generation ---------------------------------------------------------------
    def candidates(self, items, sizes, errs, max_errs, level):
        """Level-`level` candidates whose parents all survived, pruned by score upper bound."""
        joined = _join(items, self.feature_of_item)
        if joined.shape[0] == 0:
            return joined
        keys = self._keys(items)
        order = np.argsort(keys)
        sorted_keys = keys[order]
        bound_size = np.full(joined.shape[0], np.inf)
        bound_err = np.full(joined.shape[0], np.inf)
        bound_max = np.full(joined.shape[0], np.inf)
        all_parents = np.ones(joined.shape[0], dtype=bool)
        for drop in range(level):
            parent = np.delete(joined, drop, axis=1)
            pos = np.searchsorted(sorted_keys, self._keys(parent))
            pos = np.minimum(pos, len(sorted_keys) - 1)
            found = sorted_keys[pos] == self._keys(parent)
            all_parents &= found
            idx = order[pos]
            bound_size = np.minimum(bound_size, np.where(found, sizes[idx], np.inf))
            bound_err = np.minimum(bound_err, np.where(found, errs[idx], np.inf))
            bound_max = np.minimum(bound_max, np.where(found, max_errs[idx], np.inf))
        joined, bound_size, bound_err, bound_max = (
            a[all_parents] for a in (joined, bound_size, bound_err, bound_max)
        )
        bound = _score_upper_bound(
            bound_size,
            bound_err,
            bound_max,
            self.n_rows,
            self.average_error,
            self.alpha,
            self.min_support,
        )
        threshold = self.top[1][-1] if len(self.top[1]) >= self.k else -np.inf
        # ">=": a candidate whose bound only ties the k-th score may still tie it, and ties are kept
        keep = (bound >= threshold) & (bound > 0) & (bound_size >= self.min_support)
        # pruned candidates were looked at too (through their bound): they count in the family
        self.n_pruned += int((~keep & (bound_size >= self.min_support)).sum())
        return joined[keep]

    def _keys(self, items: np.ndarray) -> np.ndarray:
        """One int64 key per row of sorted item ids (mixed radix, base n_items + 1)."""
        base = self.n_items + 1
        if base ** items.shape[1] >= 2**62:
            raise InputError(
                f"Too many bins ({self.n_items}) for a lattice of level {items.shape[1]}: "
                "lower max_level or the number of bins per feature."
            )
        keys = np.zeros(items.shape[0], dtype=np.int64)
        for col in range(items.shape[1]):
            keys = keys * base + (items[:, col] + 1)
        return keys

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, items: np.ndarray):
        """Sizes, error sums and max errors of candidate slices, shape (n_candidates,) each.

        Candidates on the same features are counted together, from the statistics of their
        cells in the features' joint grid (mixed radix, first feature fastest), which the
        engine computes in one pass over the rows per feature combination.
        """
        n = items.shape[0]
        sizes, errs, max_errs = np.zeros(n), np.zeros(n), np.zeros(n)
        if n == 0:
            return sizes, errs, max_errs
        features = self.feature_of_item[items]
        local = items - self.offsets[features]
        groups, group_of = np.unique(features, axis=0, return_inverse=True)
        group_of = group_of.reshape(-1)
        members = [np.flatnonzero(group_of == g) for g in range(len(groups))]
        cells = []
        for combo, rows in zip(groups, members, strict=True):
            strides = np.cumprod(np.concatenate([[1], self.domains[combo][:-1]]))
            cells.append(local[rows] @ strides)
        counts = self.engine.count_cells(self.rows, groups, self.domains, cells)
        order = np.concatenate(members)
        sizes[order] = counts.sizes
        errs[order] = counts.errors
        max_errs[order] = counts.max_errors
        return sizes, errs, max_errs

    def record(self, items, sizes, errs):
        """Add evaluated candidates to the family and update the running top-K."""
        supported = sizes >= self.min_support
        self.evaluated.append((items[supported], sizes[supported], errs[supported]))
        scores = sliceline_score(sizes, errs, self.n_rows, self.average_error, self.alpha)
        valid = supported & (scores > 0)
        if not valid.any():
            return
        width = max(items.shape[1], self.top[0].shape[1])
        all_items = np.vstack([_pad(self.top[0], width), _pad(items[valid], width)])
        all_scores = np.concatenate([self.top[1], scores[valid]])
        all_sizes = np.concatenate([self.top[2], sizes[valid]])
        all_errs = np.concatenate([self.top[3], errs[valid]])
        in_top = rankdata(-all_scores, method="min") <= self.k
        order = np.argsort(-all_scores[in_top], kind="stable")
        self.top = tuple(a[in_top][order] for a in (all_items, all_scores, all_sizes, all_errs))

    def result(self, max_level: int) -> LatticeResult:
        width = max(max_level, 1)
        ev_items = (
            np.vstack([_pad(i, width) for i, _, _ in self.evaluated])
            if self.evaluated
            else np.zeros((0, width), np.int64)
        )
        return LatticeResult(
            top_items=_pad(self.top[0], width),
            top_scores=self.top[1],
            top_sizes=self.top[2],
            top_errors=self.top[3],
            evaluated_items=ev_items,
            evaluated_sizes=np.concatenate([s for _, s, _ in self.evaluated])
            if self.evaluated
            else np.zeros(0),
            evaluated_errors=np.concatenate([e for _, _, e in self.evaluated])
            if self.evaluated
            else np.zeros(0),
            average_error=self.average_error,
            offsets=self.offsets,
            n_pruned=self.n_pruned,
        )


def _pad(items: np.ndarray, width: int) -> np.ndarray:
    """Pad rows of item ids with -1 up to `width` columns."""
    items = (
        items.reshape(items.shape[0], -1)
        if items.size
        else np.zeros((items.shape[0], items.shape[1] if items.ndim == 2 else 0), np.int64)
    )
    if items.shape[1] >= width:
        return items.astype(np.int64)
    pad = np.full((items.shape[0], width - items.shape[1]), -1, dtype=np.int64)
    return np.hstack([items.astype(np.int64), pad])


def _join(items: np.ndarray, feature_of_item: np.ndarray) -> np.ndarray:
    """Apriori join: pairs of sorted slices sharing all but their last item, on other features.

    Parameters
    ----------
    items : ndarray of int64, shape (n_slices, level - 1)
        Each row sorted ascending (so features ascend too).

    Returns
    -------
    ndarray of int64, shape (n_candidates, level), each row sorted ascending.
    """
    width = items.shape[1]
    order = np.lexsort(items.T[::-1])
    items = items[order]
    prefix = items[:, :-1]
    if width > 1:
        change = np.any(prefix[1:] != prefix[:-1], axis=1)
        starts = np.flatnonzero(np.concatenate([[True], change]))
    else:
        starts = np.array([0])
    ends = np.concatenate([starts[1:], [items.shape[0]]])
    pieces = []
    for start, end in zip(starts, ends, strict=True):
        if end - start < 2:
            continue
        first, second = np.triu_indices(end - start, 1)
        last_a = items[start + first, -1]
        last_b = items[start + second, -1]
        ok = feature_of_item[last_a] != feature_of_item[last_b]
        if not ok.any():
            continue
        block = np.column_stack([items[start + first[ok], :-1], last_a[ok], last_b[ok]])
        pieces.append(block)
    if not pieces:
        return np.zeros((0, width + 1), dtype=np.int64)
    return np.vstack(pieces).astype(np.int64)
