"""The `Engine` protocol: the three kernels that touch every row, and the registry of engines.

Everything else in weakspot works on small summaries (candidate slices, bin edges, chunks of
features); only these kernels read the whole table or every image, so an engine that runs them
somewhere else (a Dask cluster) runs the whole analysis at that scale:

1. `Engine.count_cells`: sizes, error sums and largest errors of the cells of feature
   combinations (the lattice's evaluation of candidate slices);
2. `Engine.quantiles`: quantiles of a numeric column (the edges of its bins);
3. `Engine.map_chunks`: a function over chunks of image inputs, results in input order.

Rows go to the engine once, with `Engine.put_rows`; the handle it returns carries the summary
every caller checks (number of rows, total error, whether errors are 0/1).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from weakspot._errors import InputError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class CellCounts:
    """Statistics of the cells asked for, concatenated over feature combinations.

    Attributes
    ----------
    sizes : ndarray of float, shape (n_cells_asked,)
        Number of rows in each cell.
    errors : ndarray of float, shape (n_cells_asked,)
        Sum of the rows' errors in each cell.
    max_errors : ndarray of float, shape (n_cells_asked,)
        Largest error of a row in each cell (0 for an empty cell).
    """

    sizes: np.ndarray
    errors: np.ndarray
    max_errors: np.ndarray


class Rows(Protocol):
    """Bin codes and errors placed where an engine computes, with their summary.

    Attributes
    ----------
    n_rows : int
    n_features : int
    error_sum : float
        Sum of the errors over every row.
    binary : bool
        True when every error is 0 or 1.
    valid_errors : bool
        True when every error is finite and non-negative.
    min_code : int
        Smallest bin code (0 with no code at all).
    max_codes : ndarray of int64, shape (n_features,)
        Largest bin code of each feature (-1 for an empty table).
    """

    n_rows: int
    n_features: int
    error_sum: float
    binary: bool
    valid_errors: bool
    min_code: int
    max_codes: np.ndarray


class Engine(Protocol):
    """Where the row-touching kernels run; options in the constructor."""

    name: ClassVar[str]

    def put_rows(self, codes: Any, errors: Any) -> Rows:
        """Place `codes` (n_rows, n_features) of int and `errors` (n_rows,) of float."""
        ...

    def count_cells(
        self, rows: Rows, combos: np.ndarray, domains: np.ndarray, cells: list[np.ndarray]
    ) -> CellCounts:
        """Statistics of chosen cells of feature combinations.

        Parameters
        ----------
        rows : Rows
            From `put_rows`.
        combos : ndarray of int, shape (n_combos, width)
            Feature indices of each combination, ascending within a row.
        domains : ndarray of int64, shape (n_features,)
            Number of bins of each feature.
        cells : list of ndarray of int64, length n_combos
            Cells to report for each combination. A row's cell in combination
            ``(f_1, ..., f_w)`` is ``sum_i codes[:, f_i] * stride_i`` with ``stride_1 = 1`` and
            ``stride_{i+1} = stride_i * domains[f_i]`` (first feature fastest).

        Returns
        -------
        CellCounts
            One entry per asked cell, in the order of ``np.concatenate(cells)``.
        """
        ...

    def quantiles(self, values: Any, probabilities: np.ndarray) -> np.ndarray:
        """Quantiles of `values` (n,) of float without NaN, shape (len(probabilities),).

        The same numbers as ``np.quantile(values, probabilities)`` (linear interpolation).
        """
        ...

    def map_chunks(
        self, function: Callable[[T], R], chunks: Iterable[T], *, workers: int, lookahead: int
    ) -> Generator[R, None, None]:
        """``function(chunk)`` for every chunk, yielded in the chunks' order.

        At most `lookahead` results are computed ahead of the one being consumed, so that
        memory stays bounded whatever the number of chunks; `workers` bounds the local
        threads (an engine with its own workers may ignore it). An engine that runs
        `function` in other processes sends ``function.to_workers()`` instead when `function`
        has that method (the image-chunk work: it then embeds and caches on the workers), and
        each chunk as ``function.pack(chunk)`` when it has that too (the chunk with its own
        images, so that the function sent once does not carry every image).
        """
        ...


ENGINES: dict[str, type[Any]] = {}


def register_engine(cls: type[Any]) -> type[Any]:
    """Class decorator that adds an engine to the registry under ``cls.name``."""
    ENGINES[cls.name] = cls
    return cls


def get_engine(engine: str | Engine | None = None, **options: Any) -> Engine:
    """The engine named `engine` (built with `options`), an engine instance as is, or numpy.

    Parameters
    ----------
    engine : str, Engine or None
        A name of `ENGINES` ("numpy", "dask"), an engine object, or None for "numpy".
    **options
        Constructor options of a named engine (for "dask": ``client=``, ``partitions=``).
    """
    if engine is None:
        engine = "numpy"
    if not isinstance(engine, str):
        return engine
    if engine not in ENGINES:
        raise InputError(
            f"engine={engine!r} is not a known engine; choose among {sorted(ENGINES)}.",
            parameter="engine",
        )
    return ENGINES[engine](**options)
