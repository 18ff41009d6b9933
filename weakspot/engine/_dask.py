"""`DaskEngine`: the kernels on a Dask distributed cluster, from per-partition statistics.

Rows live on the workers in partitions; the client only ever receives small summaries:

- cell counts: each partition counts its rows' cells (`count_cells_numpy`), and the counts are
  added (sizes, error sums) or maxed (largest error) in a tree of tasks on the cluster, so the
  client gets one vector per level of the lattice. Sums of 0/1 errors are exact integers in
  floating point, so the result is the local engine's to the last bit;
- quantiles: exact, in two rounds. Each partition is sorted once on its worker and sends every
  k-th value; from that sample the client brackets each wanted order statistic within a value
  range that is guaranteed to contain it, and each partition then sends its count below the
  bracket and its values inside it (about ``3 n / 1024`` values per quantile in all). The order
  statistics are then exact and interpolated as `numpy.quantile` does, so the edges are the
  local engine's bit for bit (a test checks it against numpy on every run);
- image chunks: one task per chunk (the function is sent to the cluster once, as a task the
  scheduler can rerun), at least two tasks per worker thread in flight, results in chunk
  order; a task whose worker dies is run again elsewhere by the scheduler, up to ``retries``
  more times on error. For image features a task reads, decodes, measures, embeds (the
  backbone re-opened on the worker from its file) and writes its chunk to the shared feature
  cache, so a retried task finds what its lost worker had written.

An in-memory table is scattered to the workers; a worker lost during a lattice search then
loses its partitions and the search fails. Rows given as Dask arrays (or read from Parquet by
Dask) are recomputed from their graph instead.

Dask is imported when the engine is built; install it with ``pip install 'weakspot[dask]'``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

from weakspot._errors import InputError, missing_dependency
from weakspot.engine._base import CellCounts, register_engine
from weakspot.engine._numpy import NumpyRows, count_cells_numpy

T = TypeVar("T")
R = TypeVar("R")
SAMPLE_POINTS = 1024
MERGE_FAN_IN = 8


@dataclass(frozen=True)
class DaskRows:
    """Rows split in partitions held by the workers, with their summary (see `Rows`).

    Attributes
    ----------
    parts : list of distributed.Future
        One `NumpyRows` per partition, in row order.
    """

    parts: list[Any]
    n_rows: int
    n_features: int
    error_sum: float
    binary: bool
    valid_errors: bool
    min_code: int
    max_codes: np.ndarray


@register_engine
class DaskEngine:
    """Run the kernels on a Dask cluster.

    Parameters
    ----------
    client : distributed.Client, optional
        A client of the user's cluster.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``), when no `client` is given.
    workers : int, optional
        Start a local cluster of this many one-thread worker processes instead.
    rows_per_partition : int
        Rows of an in-memory table per partition sent to the cluster.
    retries : int
        Times an image-chunk task that raised is tried again.
    """

    name: ClassVar[str] = "dask"

    def __init__(
        self,
        client: Any = None,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        rows_per_partition: int = 1_000_000,
        retries: int = 2,
    ) -> None:
        try:
            import distributed
        except ImportError:
            raise missing_dependency("dask", "dask", "engine='dask'") from None
        self._cluster, self._own_client = None, client is None
        if client is None and scheduler is not None:
            try:
                client = distributed.Client(scheduler, timeout=30)
            except OSError as exc:
                raise InputError(
                    f"Could not reach the Dask scheduler at scheduler={scheduler!r} ({exc}). "
                    "Check the address (tcp://host:8786) and that the scheduler is running.",
                    parameter="scheduler",
                ) from None
        elif client is None and workers is not None:
            if workers < 1:
                raise InputError(
                    f"workers= must be at least 1, got {workers}.", parameter="workers"
                )
            self._cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=None
            )
            client = distributed.Client(self._cluster)
        elif client is None:
            raise InputError(
                "engine='dask' needs a cluster: pass client= (a distributed.Client), "
                "scheduler='tcp://host:8786', or workers=N for a local cluster.",
                parameter="client",
            )
        self.client = client
        self.rows_per_partition, self.retries = rows_per_partition, retries

    def close(self) -> None:
        """Close the client and local cluster this engine made (a user's client stays open)."""
        if self._own_client:
            self.client.close()
            self._own_client = False
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- rows and cell counts -------------------------------------------------------------------
    def put_rows(self, codes: Any, errors: Any) -> DaskRows:
        """Send `codes` (n_rows, n_features) and `errors` (n_rows,) to the workers.

        Numpy arrays are split into partitions of `rows_per_partition` rows (at least one per
        worker); Dask arrays keep their row chunks and are never brought to the client.
        """
        if hasattr(codes, "to_delayed"):
            parts = self._parts_of_dask_arrays(codes, errors)
        else:
            codes, errors = np.asarray(codes), np.asarray(errors, dtype=float)
            bounds = _bounds(len(codes), self._n_partitions(len(codes)))
            pieces = self.client.scatter([(codes[a:b], errors[a:b]) for a, b in bounds], hash=False)
            parts = [self.client.submit(_rows_of, p, pure=False) for p in pieces]
        summaries = self.client.gather([self.client.submit(_summary, p) for p in parts])
        n_features = int(codes.shape[1])
        return DaskRows(
            parts=parts,
            n_rows=sum(s["n_rows"] for s in summaries),
            n_features=n_features,
            # partial sums of 0/1 errors are integers: their sum is exact in any order
            error_sum=float(sum(s["error_sum"] for s in summaries)),
            binary=all(s["binary"] for s in summaries),
            valid_errors=all(s["valid_errors"] for s in summaries),
            min_code=min((s["min_code"] for s in summaries if s["n_rows"]), default=0),
            max_codes=np.max(
                [s["max_codes"] for s in summaries] + [np.full(n_features, -1)], axis=0
            ).astype(np.int64),
        )

    def count_cells(
        self, rows: Any, combos: np.ndarray, domains: np.ndarray, cells: list[np.ndarray]
    ) -> CellCounts:
        """Per-partition cell counts, added on the cluster (see `Engine.count_cells`)."""
        if not rows.parts:
            total = sum(len(c) for c in cells)
            return CellCounts(np.zeros(total), np.zeros(total), np.zeros(total))
        asked = self._recomputable((combos, domains, cells))
        partial = [self.client.submit(_count_part, p, asked, pure=False) for p in rows.parts]
        while len(partial) > 1:
            partial = [
                self.client.submit(_merge_counts, *partial[i : i + MERGE_FAN_IN], pure=False)
                for i in range(0, len(partial), MERGE_FAN_IN)
            ]
        return partial[0].result()

    # -- quantiles -----------------------------------------------------------------------------
    def quantiles(self, values: Any, probabilities: np.ndarray) -> np.ndarray:
        """Exact quantiles, as ``np.quantile(values, probabilities)``, from two rounds of
        per-partition summaries (see the module's docstring)."""
        probabilities = np.asarray(probabilities, dtype=float)
        parts = self._sorted_parts(values)
        samples = self.client.gather([self.client.submit(_sample, p) for p in parts])
        n = sum(len_ for len_, _, _ in samples)
        if n == 0:
            raise InputError("quantiles of an empty column: there are no values to bin.")
        virtual = (n - 1) * probabilities
        below = np.floor(virtual).astype(np.int64)
        ranks = np.unique(np.concatenate([below, np.minimum(below + 1, n - 1)]))
        order_stats = dict(zip(ranks.tolist(), self._select(parts, samples, ranks), strict=True))
        low = np.array([order_stats[r] for r in below])
        high = np.array([order_stats[r] for r in np.minimum(below + 1, n - 1)])
        return _lerp(low, high, virtual - below)

    def _select(self, parts: list[Any], samples: list[Any], ranks: np.ndarray) -> list[float]:
        """The values of rank `ranks` (0-based, ascending) of the union of the partitions."""
        brackets = _brackets(samples, ranks)
        answers = self.client.gather(
            [self.client.submit(_bracket_counts, p, brackets, pure=False) for p in parts]
        )
        values = []
        for j, rank in enumerate(ranks):
            n_below = sum(a[j][0] for a in answers)
            inside = np.sort(np.concatenate([a[j][1] for a in answers]))
            if not n_below <= rank < n_below + len(inside):  # pragma: no cover - guaranteed
                raise RuntimeError(f"quantile bracket missed rank {rank}")
            values.append(float(inside[rank - n_below]))
        return values

    def _sorted_parts(self, values: Any) -> list[Any]:
        if hasattr(values, "to_delayed"):
            return [
                self.client.compute(_delayed_sort(block)) for block in values.to_delayed().ravel()
            ]
        values = np.asarray(values, dtype=float)
        bounds = _bounds(len(values), self._n_partitions(len(values)))
        pieces = self.client.scatter([values[a:b] for a, b in bounds], hash=False)
        return [self.client.submit(np.sort, p, pure=False) for p in pieces]

    # -- image chunks ---------------------------------------------------------------------------
    def map_chunks(
        self, function: Callable[[T], R], chunks: Iterable[T], *, workers: int, lookahead: int
    ) -> Generator[R, None, None]:
        """One task per chunk on the cluster, results in order (see `Engine.map_chunks`).

        At least two tasks per worker thread are kept in flight, so that no worker waits for
        the client; `workers` (local threads) does not apply. A `function` with a
        ``to_workers()`` method is sent as what that returns: the image-chunk work then embeds
        and writes the feature cache on the worker as well, instead of leaving it to the client.
        Each chunk then goes as ``function.pack(chunk)`` when that exists: the image work packs
        a chunk's own paths or pixels with it, so the function sent once holds none.
        """
        depth = max(lookahead, 2 * sum(self.client.nthreads().values()))
        to_workers = getattr(function, "to_workers", None)
        remote = self._shipped(to_workers() if callable(to_workers) else function)
        pack = getattr(function, "pack", None) if callable(to_workers) else None
        pending: deque[Any] = deque()
        try:
            for chunk in chunks:
                task = pack(chunk) if callable(pack) else chunk
                pending.append(
                    self.client.submit(_apply, remote, task, retries=self.retries, pure=False)
                )
                if len(pending) > depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    # -- helpers --------------------------------------------------------------------------------
    def _recomputable(self, value: Any) -> Any:
        """`value` on the cluster as a task's result, sent once; unlike scattered data, the
        scheduler can make it again if the worker holding it dies."""
        return self.client.submit(_identity, value, pure=False)

    def _shipped(self, function: Any) -> Any:
        """`function` on the cluster (`_recomputable`), or an `InputError` naming what in it
        does not pickle."""
        try:
            return self._recomputable(function)
        except TypeError as exc:
            cause = exc.__cause__ or exc.__context__ or exc
            raise InputError(
                f"The work could not be sent to the cluster's workers ({type(cause).__name__}: "
                f"{cause}). Everything a task holds must pickle: a backbone object given as "
                "embed= that keeps a live session, lock or open file cannot run on a cluster; "
                "pass its model as an .onnx path or a torch module, or use the local engine.",
                parameter="embed",
            ) from exc

    def _n_partitions(self, n_rows: int) -> int:
        n_workers = max(len(self.client.nthreads()), 1)
        return max(n_workers, math.ceil(n_rows / self.rows_per_partition), 1)

    def _parts_of_dask_arrays(self, codes: Any, errors: Any) -> list[Any]:
        import dask

        codes = codes.rechunk({1: -1})
        errors = errors.rechunk((codes.chunks[0],))
        blocks = zip(codes.to_delayed().ravel(), errors.to_delayed().ravel(), strict=True)
        return [self.client.compute(dask.delayed(_rows_of)((c, e))) for c, e in blocks]


def _bounds(n: int, parts: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, n, min(parts, max(n, 1)) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _rows_of(piece: tuple[np.ndarray, np.ndarray]) -> NumpyRows:
    return NumpyRows.of(np.asarray(piece[0]), np.asarray(piece[1], dtype=float))


def _summary(rows: NumpyRows) -> dict[str, Any]:
    keys = ("n_rows", "error_sum", "binary", "valid_errors", "min_code", "max_codes")
    return {k: getattr(rows, k) for k in keys}


def _count_part(rows: NumpyRows, asked: tuple[np.ndarray, np.ndarray, list]) -> CellCounts:
    combos, domains, cells = asked
    return count_cells_numpy(rows.codes, rows.errors, rows.binary, combos, domains, cells)


def _merge_counts(*parts: CellCounts) -> CellCounts:
    return CellCounts(
        sizes=np.sum([p.sizes for p in parts], axis=0),
        errors=np.sum([p.errors for p in parts], axis=0),
        max_errors=np.max([p.max_errors for p in parts], axis=0),
    )


def _delayed_sort(block: Any) -> Any:
    import dask

    return dask.delayed(np.sort)(dask.delayed(np.ravel)(block))


def _sample(values: np.ndarray) -> tuple[int, int, np.ndarray]:
    """(n, k, every k-th value of the sorted partition starting at rank 0)."""
    step = max(1, math.ceil(len(values) / SAMPLE_POINTS))
    return len(values), step, values[::step]


def _brackets(samples: list[tuple[int, int, np.ndarray]], ranks: np.ndarray) -> np.ndarray:
    """Value ranges [a, b], shape (len(ranks), 2), each holding the order statistic of its rank.

    A partition's value of sample index i has rank i * k in the partition, so the number of its
    values below a sample value is known within k; summing over partitions, the pooled sample's
    estimate of any value's global rank is off by less than ``slack = sum of k``. Stepping
    `slack` ranks down and up in the pooled sample therefore brackets the wanted rank.
    """
    pooled = np.concatenate([s for _, _, s in samples])
    weights = np.concatenate([np.full(len(s), k) for _, k, s in samples])
    order = np.argsort(pooled, kind="stable")
    pooled, cumulative = pooled[order], np.cumsum(weights[order])
    slack = sum(k for _, k, _ in samples)
    out = np.empty((len(ranks), 2))
    for j, rank in enumerate(ranks):
        lo = np.searchsorted(cumulative, rank - slack, side="left") - 1
        hi = np.searchsorted(cumulative, rank + slack, side="right") + 1
        out[j, 0] = pooled[lo] if lo >= 0 else -np.inf
        out[j, 1] = pooled[hi] if hi < len(pooled) else np.inf
    return out


def _bracket_counts(values: np.ndarray, brackets: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """For each bracket [a, b]: the count of values below a, and the values in [a, b]."""
    out = []
    for a, b in brackets:
        start = int(np.searchsorted(values, a, side="left"))
        end = int(np.searchsorted(values, b, side="right"))
        out.append((start, values[start:end]))
    return out


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation exactly as `numpy.quantile` computes it (numpy's ``_lerp``)."""
    diff = np.subtract(b, a)
    out = np.asanyarray(np.add(a, diff * t))
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out


def _identity(value: T) -> T:
    return value


def _apply(function: Callable[[T], R], chunk: T) -> R:
    return function(chunk)
