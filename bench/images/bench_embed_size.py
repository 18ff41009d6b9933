"""Which input size keeps the neighbourhoods of small images? EfficientNet-Lite0 at 224 / 160 / 128 px.

Usage (from the repository root)::

    .venv/bin/python bench/images/bench_embed_size.py            # ~2 minutes on 2 cores
    .venv/bin/python bench/images/bench_embed_size.py --n 1000 --sizes 224 128

For each data set and input size, embeds the same images with weakspot's default backbone
(onnxruntime) and reports

- k-NN label agreement: the share of each image's 10 nearest neighbours (cosine) that have its
  label, averaged over images (higher: the embedding groups the classes);
- 1-NN accuracy: the share whose nearest neighbour has its label;
- overlap with 224 px: the share of each image's 10 nearest neighbours at 224 px that are
  still among its 10 nearest at this size;
- images per second of the whole embedding stage.

Data sets: Fashion-MNIST's test images (28 x 28, Debian's dataset-fashion-mnist), a class-balanced
sample; scikit-learn's 8 x 8 digits (1,797 images, shipped with scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_images import CACHE, fashion  # noqa: E402

K = 10


def neighbours(embeddings: np.ndarray, k: int = K) -> np.ndarray:
    """Indices of each row's k nearest other rows by cosine similarity, shape (n, k)."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    return np.argsort(-sim, axis=1)[:, :k]


def datasets(n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from sklearn.datasets import load_digits

    images, labels = fashion("t10k")
    per_class = n // 10
    rows = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)])
    digits = load_digits()
    scaled = np.clip(digits.images * 16, 0, 255).astype(np.uint8)  # 0-16 -> 0-255
    return {
        "fashion-mnist 28px": (images[rows], labels[rows]),
        "sklearn digits 8px": (scaled, digits.target),
    }


def measure(images: np.ndarray, labels: np.ndarray, sizes: list[int]) -> dict[int, dict]:
    from weakspot.features.images import extract_image_features

    rows: dict[int, dict] = {}
    reference = None
    for size in sizes:
        start = time.perf_counter()
        result = extract_image_features(images, embed_size=size, cache=False, concepts=False)
        seconds = time.perf_counter() - start
        assert result.embeddings is not None
        near = neighbours(result.embeddings)
        if reference is None:
            reference = near
        overlap = np.mean([len(set(a) & set(b)) / K for a, b in zip(near, reference)])
        rows[size] = {
            "knn_label_agreement": round(float((labels[near] == labels[:, None]).mean()), 4),
            "one_nn_accuracy": round(float((labels[near[:, 0]] == labels).mean()), 4),
            "overlap_with_first": round(float(overlap), 4),
            "images_per_s": round(len(images) / seconds, 1),
        }
        print(f"  {size:>4} px: {rows[size]}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="Fashion-MNIST images (balanced)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[224, 160, 128])
    args = parser.parse_args()
    report = {}
    for name, (images, labels) in datasets(args.n).items():
        print(f"[embed size] {name}, {len(images)} images, k = {K}", flush=True)
        report[name] = measure(images, labels, args.sizes)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "embed_size.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
