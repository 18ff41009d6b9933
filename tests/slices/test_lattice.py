from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from weakspot import InputError
from weakspot.slices import lattice_search, sliceline_score


def brute_force_top(codes, errors, *, alpha, k, max_level, min_support):
    """Every conjunction up to max_level, scored; the top-k scores (ties kept) and their slices."""
    n, m = codes.shape
    found = {}
    for level in range(1, min(m, max_level) + 1):
        for features in itertools.combinations(range(m), level):
            domains = [range(codes[:, f].max() + 1) for f in features]
            for bins in itertools.product(*domains):
                mask = np.ones(n, dtype=bool)
                for f, b in zip(features, bins, strict=True):
                    mask &= codes[:, f] == b
                size, errs = mask.sum(), errors[mask].sum()
                if size >= min_support and errs > 0:
                    score = sliceline_score(
                        np.array([size]), np.array([errs]), n, errors.mean(), alpha
                    )[0]
                    if score > 0:
                        found[tuple(zip(features, bins, strict=True))] = score
    if not found:
        return {}
    scores = np.array(sorted(found.values(), reverse=True))
    kth = scores[min(k, len(scores)) - 1]
    return {key: s for key, s in found.items() if s >= kth - 1e-12}


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_features=st.integers(2, 5),
    k=st.integers(1, 6),
    max_level=st.integers(1, 4),
    alpha=st.sampled_from([0.5, 0.8, 0.95, 1.0]),
)
@example(seed=6224, n_features=4, k=6, max_level=2, alpha=0.95)  # a tie at the k-th score
def test_top_k_equals_brute_force(seed, n_features, k, max_level, alpha):
    rng = np.random.default_rng(seed)
    n = 300
    codes = rng.integers(0, 3, size=(n, n_features))
    errors = (rng.random(n) < 0.15).astype(float)
    hot = (codes[:, 0] == 1) & (codes[:, 1] == 2)
    errors[hot] = (rng.random(hot.sum()) < 0.5).astype(float)
    if errors.sum() == 0:
        errors[0] = 1
    result = lattice_search(codes, errors, alpha=alpha, k=k, max_level=max_level, min_support=8)
    expected = brute_force_top(codes, errors, alpha=alpha, k=k, max_level=max_level, min_support=8)
    got = {
        tuple(result.item_to_feature_bin(row)): s
        for row, s in zip(result.top_items, result.top_scores, strict=True)
    }
    # `expected` keeps every slice tied with the k-th score (within 1e-12): the search may
    # return any of those ties (seed 6224 has two slices scoring 0.1 up to 5e-16), but
    # every slice strictly above the k-th, and only slices of the tied top set
    assert set(got) <= set(expected)
    kth = min(expected.values()) if expected else 0.0
    assert {key for key, score in expected.items() if score > kth + 1e-12} <= set(got)
    assert len(got) >= min(k, len(expected))  # exact ties at the k-th are all returned
    for key, score in got.items():
        assert score == pytest.approx(expected[key], abs=1e-9)


def test_planted_conjunction_is_the_top_slice():
    rng = np.random.default_rng(3)
    n = 20_000
    codes = rng.integers(0, 5, size=(n, 8))
    errors = (rng.random(n) < 0.08).astype(float)
    planted = (codes[:, 2] == 4) & (codes[:, 5] == 1)
    errors[planted] = (rng.random(planted.sum()) < 0.4).astype(float)
    result = lattice_search(codes, errors, alpha=0.95, k=5, max_level=3, min_support=50)
    assert result.item_to_feature_bin(result.top_items[0]) == [(2, 4), (5, 1)]
    assert result.top_sizes[0] == planted.sum()
    assert result.top_errors[0] == errors[planted].sum()


def test_sizes_and_errors_of_evaluated_candidates_are_exact():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, size=(500, 4))
    errors = (rng.random(500) < 0.2).astype(float)
    result = lattice_search(codes, errors, alpha=0.9, k=4, max_level=3, min_support=5)
    for row, size, errs in zip(
        result.evaluated_items, result.evaluated_sizes, result.evaluated_errors, strict=True
    ):
        mask = np.ones(500, dtype=bool)
        for f, b in result.item_to_feature_bin(row):
            mask &= codes[:, f] == b
        assert (mask.sum(), errors[mask].sum()) == (size, errs)


def test_real_valued_errors_are_supported():
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 3, size=(400, 3))
    errors = rng.random(400) * 0.2
    errors[codes[:, 0] == 2] += 0.5
    result = lattice_search(codes, errors, alpha=0.95, k=3, max_level=2, min_support=10)
    expected = brute_force_top(codes, errors, alpha=0.95, k=3, max_level=2, min_support=10)
    got = {tuple(result.item_to_feature_bin(r)) for r in result.top_items}
    assert got == set(expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 0.0}, r"alpha must be in \(0, 1\]"),
        ({"k": 0}, "k and max_level must be"),
    ],
)
def test_bad_options(kwargs, message):
    codes = np.zeros((10, 2), dtype=int)
    with pytest.raises(InputError, match=message):
        lattice_search(codes, np.ones(10), **kwargs)


def test_all_zero_errors_is_an_error():
    with pytest.raises(InputError, match="errors are all zero"):
        lattice_search(np.zeros((10, 2), dtype=int), np.zeros(10))


def test_ties_at_the_kth_score_are_all_kept():
    # alpha = 1 drops the size term: every all-error slice scores 1 / mean_error - 1, a tie;
    # a search that prunes candidates whose bound only equals the k-th score keeps 7 of 52
    rng = np.random.default_rng(14)
    n, m = int(rng.integers(100, 400)), int(rng.integers(3, 6))
    codes = rng.integers(0, int(rng.integers(2, 4)), size=(n, m))
    errors = (rng.random(n) < 0.3).astype(float)
    k = int(rng.integers(2, 6))
    result = lattice_search(codes, errors, alpha=1.0, k=k, max_level=4, min_support=1)
    expected = brute_force_top(codes, errors, alpha=1.0, k=k, max_level=4, min_support=1)
    assert len(expected) == 52
    got = {tuple(result.item_to_feature_bin(r)) for r in result.top_items}
    assert got == set(expected)
