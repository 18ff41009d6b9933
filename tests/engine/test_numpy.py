"""`NumpyEngine`'s kernels against brute-force recounts."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weakspot.engine import NumpyEngine, get_engine
from weakspot.engine._base import InputError


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 60))
    domains = np.array(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)), np.int64)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, d, n_rows) for d in domains])
    binary = draw(st.booleans())
    errors = (rng.random(n_rows) < 0.3).astype(float) if binary else rng.random(n_rows).round(2)
    return codes, errors, domains


def _cells_of(combo, domains):
    """Every cell of a combination and the bins it stands for, first feature fastest."""
    grids = itertools.product(*[range(domains[f]) for f in reversed(combo)])
    return [tuple(reversed(bins)) for bins in grids]


@settings(max_examples=60, deadline=None)
@given(tables(), st.data())
def test_count_cells_equals_a_brute_force_recount(table, data) -> None:
    codes, errors, domains = table
    width = data.draw(st.integers(1, len(domains)))
    combos = np.array(list(itertools.combinations(range(len(domains)), width)), np.int64)
    engine = NumpyEngine()
    cells = [np.arange(int(np.prod(domains[c])), dtype=np.int64) for c in combos]
    counts = engine.count_cells(engine.put_rows(codes, errors), combos, domains, cells)
    expected = []
    for combo in combos:
        for bins in _cells_of(combo, domains):
            inside = np.all(codes[:, combo] == np.array(bins), axis=1)
            expected.append(
                (inside.sum(), errors[inside].sum(), errors[inside].max() if inside.any() else 0)
            )
    sizes, errs, maxes = (np.array(e, float) for e in zip(*expected, strict=True))
    np.testing.assert_array_equal(counts.sizes, sizes)
    np.testing.assert_allclose(counts.errors, errs, rtol=1e-12)
    np.testing.assert_array_equal(counts.max_errors, maxes)


def test_count_cells_reports_only_the_asked_cells_in_their_order() -> None:
    codes = np.array([[0, 1], [1, 1], [1, 0], [1, 1]])
    errors = np.array([1.0, 0.0, 1.0, 1.0])
    engine = NumpyEngine()
    # cell of (f0, f1) = code0 + 2 * code1: rows fall in cells 2, 3, 1, 3
    counts = engine.count_cells(
        engine.put_rows(codes, errors),
        np.array([[0, 1], [1, 1]])[:1],
        np.array([2, 2]),
        [np.array([3, 0, 2])],
    )
    np.testing.assert_array_equal(counts.sizes, [2, 0, 1])
    np.testing.assert_array_equal(counts.errors, [1, 0, 1])
    np.testing.assert_array_equal(counts.max_errors, [1, 0, 1])


def test_put_rows_summarises_the_rows() -> None:
    rows = NumpyEngine().put_rows(np.array([[2, 0], [1, 3]]), np.array([0.5, 0.0]))
    assert (rows.n_rows, rows.n_features, rows.error_sum) == (2, 2, 0.5)
    assert (rows.binary, rows.valid_errors, rows.min_code) == (False, True, 0)
    np.testing.assert_array_equal(rows.max_codes, [2, 3])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50),
    st.integers(1, 9),
)
def test_quantiles_are_numpys_and_the_ends_are_min_and_max(values, n_bins) -> None:
    values = np.array(values)
    probabilities = np.linspace(0, 1, n_bins + 1)
    edges = NumpyEngine().quantiles(values, probabilities)
    np.testing.assert_array_equal(edges, np.quantile(values, probabilities))
    assert (edges[0], edges[-1]) == (values.min(), values.max())


def test_map_chunks_keeps_order_and_bounds_work_in_flight() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def work(chunk: int) -> int:
        with lock:
            started.append(chunk)
        time.sleep(0.002 * (chunk % 3))  # later chunks may finish first
        return chunk * 10

    mapped = NumpyEngine().map_chunks(work, iter(range(20)), workers=3, lookahead=2)
    first = next(mapped)
    assert first == 0 and len(started) <= 3  # lookahead + 1 submitted before the first result
    assert [first, *mapped] == [10 * i for i in range(20)]


def test_get_engine_builds_by_name_passes_instances_and_names_the_choices() -> None:
    engine = NumpyEngine()
    assert get_engine(engine) is engine
    assert isinstance(get_engine(None), NumpyEngine)
    assert isinstance(get_engine("numpy"), NumpyEngine)
    with pytest.raises(InputError, match=r"Unknown engine 'spark'; choose among \[.*'numpy'"):
        get_engine("spark")
