"""`NumpyEngine`: the kernels in this process, on numpy arrays (the default engine)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

from weakspot.engine._base import CellCounts, register_engine

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class NumpyRows:
    """Bin codes and errors in memory, with their summary (see `weakspot.engine.Rows`).

    Attributes
    ----------
    codes : ndarray of int, shape (n_rows, n_features), Fortran order
        Column-major, so that reading one feature's codes is one contiguous read.
    errors : ndarray of float, shape (n_rows,)
    error_rows : ndarray of int64, shape (n_errors,)
        Rows whose error is not zero.
    """

    codes: np.ndarray
    errors: np.ndarray
    error_rows: np.ndarray
    n_rows: int
    n_features: int
    error_sum: float
    binary: bool
    valid_errors: bool
    min_code: int
    max_codes: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, errors: np.ndarray) -> NumpyRows:
        """Summarise `codes` (n_rows, n_features) and `errors` (n_rows,) once."""
        codes = np.asfortranarray(codes)
        errors = np.asarray(errors, dtype=float)
        return cls(
            codes=codes,
            errors=errors,
            error_rows=np.flatnonzero(errors),
            n_rows=int(codes.shape[0]),
            n_features=int(codes.shape[1]),
            error_sum=float(errors.sum()),
            binary=bool(np.all((errors == 0) | (errors == 1))),
            valid_errors=bool(np.all(errors >= 0) and np.all(np.isfinite(errors))),
            min_code=int(codes.min()) if codes.size else 0,
            max_codes=(
                codes.max(axis=0).astype(np.int64)
                if codes.size
                else np.full(codes.shape[1], -1, np.int64)
            ),
        )


@register_engine
class NumpyEngine:
    """Run every kernel here, in this process; image chunks on a thread pool."""

    name: ClassVar[str] = "numpy"

    def put_rows(self, codes: Any, errors: Any) -> NumpyRows:
        """Keep `codes` (n_rows, n_features) and `errors` (n_rows,) in memory."""
        return NumpyRows.of(np.asarray(codes), np.asarray(errors, dtype=float))

    def count_cells(
        self, rows: Any, combos: np.ndarray, domains: np.ndarray, cells: list[np.ndarray]
    ) -> CellCounts:
        """Statistics of chosen cells of feature combinations (see `Engine.count_cells`).

        Each row gets its cell index in a combination's joint grid and one `bincount` gives
        every cell's size. Combinations come sorted, so consecutive ones share their leading
        features and the cells of that prefix are reused.
        """
        return count_cells_numpy(rows.codes, rows.errors, rows.binary, combos, domains, cells)

    def quantiles(self, values: Any, probabilities: np.ndarray) -> np.ndarray:
        """``np.quantile(values, probabilities)``, shape (len(probabilities),)."""
        return np.quantile(np.asarray(values, dtype=float), probabilities)

    def map_chunks(
        self, function: Callable[[T], R], chunks: Iterable[T], *, workers: int, lookahead: int
    ) -> Generator[R, None, None]:
        """Results in order from a pool of `workers` threads, `lookahead` chunks in flight."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[R]] = deque()
            for chunk in chunks:
                pending.append(pool.submit(function, chunk))
                if len(pending) > lookahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def count_cells_numpy(
    codes: np.ndarray,
    errors: np.ndarray,
    binary: bool,
    combos: np.ndarray,
    domains: np.ndarray,
    cells: list[np.ndarray],
) -> CellCounts:
    """`Engine.count_cells` on arrays: `codes` (n, n_features), `errors` (n,); also the
    per-partition step of engines that split the rows."""
    total = sum(len(c) for c in cells)
    sizes, errs, max_errs = np.zeros(total), np.zeros(total), np.zeros(total)
    grids = [_grid(combo, domains) for combo in combos]
    widest = max((n for _, n in grids), default=1)
    # the joint grid of the widest combination must fit the cell index type
    dtype = np.dtype(np.int32 if widest < 2**31 else np.int64)
    error_rows = np.flatnonzero(errors) if binary else None
    prefix: tuple[tuple[int, ...], np.ndarray | None] | None = None
    start = 0
    for combo, (strides, n_cells), asked in zip(combos, grids, cells, strict=True):
        out = slice(start, start + len(asked))
        start += len(asked)
        head = tuple(int(f) for f in combo[:-1])
        if prefix is None or prefix[0] != head:
            prefix = (head, _cells(codes, combo[:-1], strides[:-1], dtype))
        last = codes[:, combo[-1]].astype(dtype) * dtype.type(strides[-1])
        cells_of_rows = last if prefix[1] is None else prefix[1] + last
        sizes[out] = np.bincount(cells_of_rows, minlength=n_cells)[asked]
        if error_rows is not None:
            # errors are 0/1: counting the error rows alone is enough
            cell_errs = np.bincount(cells_of_rows[error_rows], minlength=n_cells)[asked]
            errs[out] = cell_errs
            max_errs[out] = (cell_errs > 0).astype(float)
        else:
            errs[out] = np.bincount(cells_of_rows, weights=errors, minlength=n_cells)[asked]
            cell_max = np.zeros(n_cells)
            np.maximum.at(cell_max, cells_of_rows, errors)
            max_errs[out] = cell_max[asked]
    return CellCounts(sizes, errs, max_errs)


def _grid(combo: np.ndarray, domains: np.ndarray) -> tuple[np.ndarray, int]:
    """Strides (first feature fastest) and number of cells of a combination's joint grid."""
    strides = np.cumprod(np.concatenate([[1], domains[combo][:-1]])).astype(np.int64)
    return strides, int(strides[-1] * domains[combo[-1]])


def _cells(
    codes: np.ndarray, features: np.ndarray, strides: np.ndarray, dtype: np.dtype
) -> np.ndarray | None:
    """Cell index of every row in the joint grid of `features` (None for no feature)."""
    if len(features) == 0:
        return None
    cells = codes[:, features[0]].astype(dtype)
    for feature, stride in zip(features[1:], strides[1:], strict=True):
        cells += codes[:, feature].astype(dtype) * dtype.type(stride)
    return cells
