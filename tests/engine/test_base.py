"""Contract of every registered engine: the numpy engine's numbers, and the lattice's result."""

from __future__ import annotations

import numpy as np
import pytest

from weakspot.engine import ENGINES, NumpyEngine, get_engine
from weakspot.slices import lattice_search


def test_every_registered_engine_has_a_builder(engine_builders) -> None:
    assert set(ENGINES) == set(engine_builders)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_engine_kernels_match_the_numpy_engine(name, engine_builders) -> None:
    engine = engine_builders[name]()
    reference = NumpyEngine()
    rng = np.random.default_rng(3)
    codes = np.column_stack([rng.integers(0, d, 1000) for d in (3, 5, 2, 4)])
    errors = (rng.random(1000) < 0.2).astype(float)
    combos = np.array([[0, 1], [0, 2], [1, 3]])
    domains = np.array([3, 5, 2, 4])
    cells = [rng.integers(0, int(np.prod(domains[c])), 7) for c in combos]
    got = engine.count_cells(engine.put_rows(codes, errors), combos, domains, cells)
    want = reference.count_cells(reference.put_rows(codes, errors), combos, domains, cells)
    for field in ("sizes", "errors", "max_errors"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field))
    values = rng.normal(size=5001)
    probabilities = np.linspace(0, 1, 6)
    np.testing.assert_array_equal(
        engine.quantiles(values, probabilities), np.quantile(values, probabilities)
    )
    mapped = engine.map_chunks(_square, iter(range(25)), workers=2, lookahead=3)
    assert list(mapped) == [i * i for i in range(25)]


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_lattice_search_gives_the_same_result_on_every_engine(name, engine_builders) -> None:
    rng = np.random.default_rng(5)
    codes = np.column_stack([rng.integers(0, d, 3000) for d in (4, 3, 5, 2, 3)])
    errors = (rng.random(3000) < 0.1 + 0.4 * ((codes[:, 0] == 1) & (codes[:, 2] == 3))).astype(
        float
    )
    local = lattice_search(codes, errors, k=5, min_support=20)
    other = lattice_search(codes, errors, k=5, min_support=20, engine=engine_builders[name]())
    for field in ("top_items", "top_scores", "evaluated_items", "evaluated_sizes"):
        np.testing.assert_array_equal(getattr(other, field), getattr(local, field))
    assert other.n_pruned == local.n_pruned
    assert local.item_to_feature_bin(local.top_items[0]) == [(0, 1), (2, 3)]


def test_named_engine_is_built_by_get_engine() -> None:
    assert type(get_engine("numpy")).name == "numpy"


def _square(x: int) -> int:
    return x * x
