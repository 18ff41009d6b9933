"""Exactness of the lattice on a continuous error vector (issue 25 item 4): weakspot's lattice,
SliceLine's own top-K (its package, in the benchmark's environment, when that exists) and a
brute force that shares no code with the lattice give the same slices and the same scores;
and the lattice's pruning stays exact for a signed loss shifted as `LatticeFinder` shifts it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.core.exact import brute_force_top_k, compare
from weakspot import InputError
from weakspot.slices import lattice_search

SLICELINE = Path(__file__).resolve().parents[2] / "bench" / ".envs" / "sliceline" / "bin" / "python"


def _continuous_table(seed: int, n: int, n_features: int, domain: int):
    """Bin codes and a skewed continuous loss (squared normal residuals), heavier where
    feature 0 is 1 and feature 1 is 2."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, domain, size=(n, n_features))
    residual = rng.normal(size=n)
    hot = (codes[:, 0] == 1) & (codes[:, 1] == min(2, domain - 1))
    residual[hot] *= 2.5
    return codes, residual**2


def _ours(codes, errors, **params) -> dict:
    result = lattice_search(codes, errors, **params)
    return {
        frozenset(result.item_to_feature_bin(row)): float(score)
        for row, score in zip(result.top_items, result.top_scores, strict=True)
    }


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    n_features=st.integers(2, 4),
    domain=st.integers(2, 4),
    k=st.integers(1, 8),
    max_level=st.integers(1, 3),
    alpha=st.sampled_from([0.5, 0.8, 0.95, 1.0]),
)
def test_the_lattice_on_a_continuous_loss_equals_the_brute_force(
    seed, n_features, domain, k, max_level, alpha
):
    codes, errors = _continuous_table(seed, 240, n_features, domain)
    params = {"alpha": alpha, "k": k, "max_level": max_level, "min_support": 6}
    ours = _ours(codes, errors, **params)
    brute = brute_force_top_k(codes, errors, **params)
    difference = compare(ours, brute, tol=1e-9)
    assert difference["same"], difference


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 100_000), k=st.integers(1, 6), max_level=st.integers(1, 3))
def test_a_shifted_signed_loss_keeps_the_lattice_exact(seed, k, max_level):
    # a residual shifted by its minimum (as LatticeFinder shifts a signed view): the bound
    # that prunes candidates assumes a non-negative loss, which the shift restores
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, size=(300, 3))
    residual = rng.normal(size=300) + 0.8 * (codes[:, 2] == 0)
    shifted = residual - residual.min()
    params = {"alpha": 0.95, "k": k, "max_level": max_level, "min_support": 10}
    difference = compare(
        _ours(codes, shifted, **params), brute_force_top_k(codes, shifted, **params)
    )
    assert difference["same"], difference


def test_a_negative_loss_is_refused_by_the_lattice_itself():
    codes = np.zeros((10, 1), dtype=int)
    with pytest.raises(InputError, match="errors must be finite and non-negative"):
        lattice_search(codes, -np.ones(10), min_support=1)


_SLICELINE_SCRIPT = """
import json, sys
import numpy as np
from sliceline.slicefinder import Slicefinder
payload = json.load(open(sys.argv[1]))
out = []
for case in payload:
    codes = np.asarray(case["codes"], dtype=np.int64)
    errors = np.asarray(case["errors"], dtype=float)
    p = case["params"]
    finder = Slicefinder(alpha=p["alpha"], k=p["k"], max_l=p["max_level"],
                         min_sup=p["min_support"], verbose=False)
    finder.fit(codes, errors)
    out.append([
        {"items": [[j, int(v)] for j, v in enumerate(row) if v is not None],
         "score": float(stats["slice_score"])}
        for row, stats in zip(finder.top_slices_, finder.top_slices_statistics_)
    ])
json.dump(out, open(sys.argv[2], "w"))
"""


@pytest.mark.skipif(
    not SLICELINE.exists(),
    reason="SliceLine's environment (bench/.envs/sliceline, made by bench/core/envs.py) is absent",
)
def test_sliceline_s_own_top_k_on_a_continuous_loss_is_ours(tmp_path):
    cases = []
    for seed in range(6):
        codes, errors = _continuous_table(seed, 400, 4, 3)
        params = {"alpha": 0.95, "k": 4 + seed, "max_level": 1 + seed % 3, "min_support": 8}
        cases.append({"codes": codes.tolist(), "errors": errors.tolist(), "params": params})
    (tmp_path / "in.json").write_text(json.dumps(cases))
    (tmp_path / "run.py").write_text(_SLICELINE_SCRIPT)
    subprocess.run(
        [
            str(SLICELINE),
            str(tmp_path / "run.py"),
            str(tmp_path / "in.json"),
            str(tmp_path / "out.json"),
        ],
        check=True,
        timeout=300,
    )
    theirs = json.loads((tmp_path / "out.json").read_text())
    for case, slices in zip(cases, theirs, strict=True):
        codes, errors = np.asarray(case["codes"]), np.asarray(case["errors"])
        sliceline = {frozenset((f, b) for f, b in s["items"]): s["score"] for s in slices}
        ours = _ours(codes, errors, **case["params"])
        brute = brute_force_top_k(codes, errors, **case["params"])
        assert sliceline, "SliceLine found no slice: the case tests nothing"
        assert compare(ours, sliceline, tol=1e-9)["same"], compare(ours, sliceline, tol=1e-9)
        assert compare(ours, brute, tol=1e-9)["same"]
