"""Robust thresholds, duplicates and outliers."""

from __future__ import annotations

import numpy as np
import pytest

from weakspot.features.images import FLAG_COLUMNS, _flags, extract_image_features
from weakspot.features.images._flags import knn_distances, perceptual_hash, robust_side


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_robust_side_flags_planted_tail_per_group(seed):
    rng = np.random.default_rng(seed)
    values = np.concatenate([rng.normal(0, 1, 200), rng.normal(10, 1, 200)])
    groups = np.repeat(["a", "b"], 200)
    values[[5, 250]] = [-8.0, 2.0]  # 2.0 is ordinary overall but far below group b
    low = robust_side(values, groups, k=4, floor=0.01, side="low")
    assert set(np.flatnonzero(low)) == {5, 250}
    assert not robust_side(values, np.zeros(400), k=4, floor=0.01, side="low")[250]


def test_robust_side_ignores_nan_and_respects_floor():
    values = np.array([1.0] * 50 + [1.001, np.nan])
    assert not robust_side(values, np.zeros(52), k=3, floor=0.01, side="both").any()


def test_perceptual_hash_survives_small_changes_but_not_new_content():
    rng = np.random.default_rng(0)
    grey = rng.random((32, 32)) * 255
    other = rng.random((32, 32)) * 255
    hashes = perceptual_hash(np.stack([grey, grey * 0.98 + 2, other]))
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]


def test_knn_distances_match_brute_force():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 5))
    full = np.linalg.norm(x[:, None] - x[None], axis=2)
    np.fill_diagonal(full, np.inf)
    np.testing.assert_allclose(knn_distances(x, 3), np.sort(full, axis=1)[:, :3], rtol=1e-4)


def test_duplicates_and_outliers(fashion):
    images = fashion[0][:400].copy()
    images[10] = images[3]  # exact copy
    images[20] = np.clip(images[7].astype(int) + 3, 0, 255).astype(np.uint8)  # near copy
    images[30] = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)  # noise
    flags = extract_image_features(images, embed=None).flags
    assert list(flags.columns) == list(FLAG_COLUMNS)
    assert flags.dtypes.eq(bool).all()
    assert set(np.flatnonzero(flags["is_exact_duplicate"])) == {3, 10}
    assert {7, 20} <= set(np.flatnonzero(flags["is_near_duplicate"]))
    assert not flags.loc[[3, 10], "is_near_duplicate"].any()
    assert flags.loc[30, "is_outlier"]
    assert flags["is_outlier"].mean() < 0.05


def test_user_embeddings_drive_outliers_and_near_duplicates(fashion):
    images = fashion[0][:300]
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(300, 16))
    emb[5] = emb[4] + 1e-4
    emb[9] *= 8.0
    result = extract_image_features(images, embed=None, embeddings=emb)
    assert result.embeddings is not None and result.embeddings.shape == (300, 16)
    assert result.flags.loc[[4, 5], "is_near_duplicate"].all()
    with pytest.raises(Exception, match=r"embeddings= must have shape \(n, d\) with n = 300"):
        extract_image_features(images, embed=None, embeddings=emb[:10])


def test_knn_distances_on_a_reference_sample_exclude_self():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    sampled = knn_distances(x, 2, max_reference=100)
    exact = knn_distances(x, 2)
    assert sampled.shape == (300, 2)
    assert (sampled > 0).all()
    assert (sampled >= exact - 1e-5).all()  # neighbours among fewer points are never closer


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(600, 200), (90, 130)])
def test_top_components_give_the_svds_distances(seed, shape):
    # the Gram-matrix route (more rows than columns) and the SVD route (fewer) must give the
    # projection of the full SVD, up to the axes' signs, which leave the distances unchanged
    rng = np.random.default_rng(seed)
    m, d = shape
    x = rng.normal(size=(m, 12)) @ rng.normal(size=(12, d)) + 0.05 * rng.normal(size=(m, d))
    x -= x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = _flags._top_components(x, 64)
    assert axes.shape == (64, d)
    signs = np.sign((axes * vt[:64]).sum(axis=1))
    np.testing.assert_allclose(axes[:12] * signs[:12, None], vt[:12], atol=1e-9)
    old = np.abs(x @ vt[:64].T).astype(np.float32)
    new = np.abs(x @ axes.T).astype(np.float32)
    np.testing.assert_allclose(new[:, :12], old[:, :12], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(new, axis=1), np.linalg.norm(old, axis=1), rtol=1e-5)
