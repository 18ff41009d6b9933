"""`DaskEngine`: exact quantiles from partition summaries, and its options."""

from __future__ import annotations

import numpy as np
import pytest

from weakspot._errors import InputError
from weakspot.engine import DaskEngine
from weakspot.engine._dask import _brackets, _lerp, _sample


@pytest.mark.parametrize(
    "values",
    [
        np.array([3.5]),
        np.full(2000, 7.0),  # one value everywhere
        np.repeat(np.arange(5.0), [1, 900, 3, 900, 1]),  # heavy ties at the edges
        np.random.default_rng(1).lognormal(0, 2, 9000),
        np.random.default_rng(2).integers(0, 40, 7001).astype(float),
    ],
)
def test_quantiles_are_numpys_bit_for_bit(dask_client, values) -> None:
    engine = DaskEngine(dask_client, rows_per_partition=1000)
    probabilities = np.array([0, 0.1, 0.2, 1 / 3, 0.5, 0.75, 0.999, 1])
    np.testing.assert_array_equal(
        engine.quantiles(values, probabilities), np.quantile(values, probabilities)
    )


def test_brackets_hold_every_rank_of_sorted_partitions() -> None:
    rng = np.random.default_rng(0)
    parts = [np.sort(rng.integers(0, 50, n).astype(float)) for n in (5000, 3, 12000)]
    everything = np.sort(np.concatenate(parts))
    ranks = np.array([0, 1, 2500, 8000, len(everything) - 1])
    brackets = _brackets([_sample(p) for p in parts], ranks)
    for (low, high), rank in zip(brackets, ranks, strict=True):
        assert low <= everything[rank] <= high
        # the bracket is narrow: a few sample steps, not the whole column
        assert np.sum((everything >= low) & (everything <= high)) < len(everything)


def test_lerp_is_numpys_interpolation() -> None:
    a, b = np.array([1.0, 2.0, -5.0]), np.array([2.0, 2.0, 1e16])
    t = np.array([0.3, 0.9, 0.5])
    for x, y, w, got in zip(a, b, t, _lerp(a, b, t), strict=True):
        assert got == np.quantile(np.array([x, y]), w)


def test_dask_engine_without_a_cluster_says_how_to_give_one() -> None:
    with pytest.raises(InputError, match=r"engine='dask' needs a cluster: pass client="):
        DaskEngine()
    with pytest.raises(InputError, match=r"workers= must be at least 1, got 0"):
        DaskEngine(workers=0)


class _Square:
    """Work whose cluster form (`to_workers`) differs, as the image-chunk work's does."""

    def __call__(self, x: int) -> tuple[str, int]:
        return ("here", x * x)

    def to_workers(self) -> _Cube:
        return _Cube()


class _Cube:
    def __call__(self, x: int) -> tuple[str, int]:
        return ("worker", x**3)


def test_map_chunks_sends_the_work_s_cluster_form(dask_client) -> None:
    engine = DaskEngine(dask_client)
    out = list(engine.map_chunks(_Square(), range(5), workers=1, lookahead=1))
    assert out == [("worker", x**3) for x in range(5)]
