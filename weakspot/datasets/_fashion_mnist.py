"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package (the original idx files)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from weakspot._errors import InputError

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = [
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
]


def _root() -> Path:
    return Path(os.environ.get("WEAKSPOT_FASHION_MNIST", DEFAULT_DIR))


def fashion_mnist_available() -> bool:
    """Whether the idx files are installed."""
    return (_root() / "t10k-images-idx3-ubyte.gz").exists()


def load_fashion_mnist(split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one split.

    Parameters
    ----------
    split : {"train", "test"}

    Returns
    -------
    images : ndarray of uint8, shape (n, 28, 28)   (60,000 train, 10,000 test)
    labels : ndarray of int64, shape (n,)          indices into FASHION_MNIST_CLASSES
    """
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise InputError(f"split must be 'train' or 'test', got {split!r}.")
    root = _root()
    image_file = root / f"{prefix}-images-idx3-ubyte.gz"
    if not image_file.exists():
        raise InputError(
            f"Fashion-MNIST is not installed ({image_file} is missing). Install Debian's package: "
            "apt-get update && apt-get install -y dataset-fashion-mnist (or set WEAKSPOT_FASHION_MNIST "
            "to a folder with the idx .gz files)."
        )
    images = _read_idx(image_file).reshape(-1, 28, 28)
    labels = _read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return images, labels


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    n_dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)
