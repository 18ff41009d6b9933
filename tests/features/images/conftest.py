"""Shared fixtures: real Fashion-MNIST images and small synthetic image files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

FASHION = Path("/usr/share/datasets/fashion-mnist")


def _idx(name: str, offset: int) -> np.ndarray:
    with gzip.open(FASHION / name) as handle:
        return np.frombuffer(handle.read(), dtype=np.uint8, offset=offset)


@pytest.fixture(scope="session")
def fashion() -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST test set: images (10000, 28, 28) uint8 and labels (10000,)."""
    if not (FASHION / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    images = _idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    return images, _idx("t10k-labels-idx1-ubyte.gz", 8)


@pytest.fixture
def photo() -> np.ndarray:
    """A textured colour picture (96 x 128 x 3 uint8) with a bright square in the middle."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:128]
    base = np.stack([xx * 2, yy * 2, (xx + yy)], axis=2).astype(np.float64)
    base += rng.normal(0, 10, base.shape)
    base[30:66, 40:88] = 230
    return np.clip(base, 0, 255).astype(np.uint8)
