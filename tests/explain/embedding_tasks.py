"""Planted and null synthetic tasks for the embedding finders, and the measurement behind
their defaults.

Run ``python -m tests.explain.embedding_tasks`` from the repository root to print, for each
embedding finder, the recovery F1 of a planted high-error cluster and the number of slices
reported on tasks whose errors are random, over several seeds.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from weakspot.features._binning import bin_features
from weakspot.slices._base import FINDERS, SearchContext
from weakspot.slices._select import select_slices
from weakspot.tasks import ClassificationOutcomes


@dataclass
class EmbeddingTask:
    """A synthetic evaluation set: embeddings, labels, predictions and a planted slice."""

    context: SearchContext
    planted: np.ndarray  # bool, shape (n,)


def embedding_task(
    seed: int,
    *,
    n: int = 4000,
    d: int = 64,
    n_blobs: int = 12,
    n_classes: int = 3,
    base: float = 0.08,
    inside: float = 0.4,
    null: bool = False,
    within_class: bool = False,
) -> EmbeddingTask:
    """Blobs in embedding space; blob 0 (or blob 0 within class 0) fails at rate `inside`.

    Each blob has a main class (70% of its rows). With ``null=True`` every row fails at
    rate `base`, independently of everything.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.5, size=(n_blobs, d)) * (np.arange(d) < 16)
    blob = rng.integers(0, n_blobs, n)
    embeddings = centres[blob] + rng.normal(0.0, 1.0, size=(n, d))
    main = np.arange(n_blobs) % n_classes
    labels = np.where(rng.random(n) < 0.7, main[blob], rng.integers(0, n_classes, n))
    planted = blob == 0
    if within_class:
        planted &= labels == 0
    wrong = rng.random(n) < base
    if not null:
        wrong[planted] = rng.random(int(planted.sum())) < inside
    shift = rng.integers(1, n_classes, n)
    predicted = np.where(wrong, (labels + shift) % n_classes, labels)
    confidence = rng.uniform(0.4, 0.95, n)
    proba = np.full((n, n_classes), 0.0)
    proba[np.arange(n), predicted] = confidence
    rest = (1 - confidence) / (n_classes - 1)
    proba += np.where(proba == 0, rest[:, None], 0.0)
    classes = [f"c{k}" for k in range(n_classes)]
    features = pd.DataFrame(
        {
            "label": np.array(classes)[labels],
            "site": rng.choice(list("ABCD"), n),
            "brightness": rng.normal(0.5, 0.1, n),
        }
    )
    context = SearchContext(
        binned=bin_features(features),
        features=features,
        outcomes=ClassificationOutcomes(
            loss=wrong.astype(float),
            labels=np.array(classes)[labels],
            predictions=np.array(classes)[predicted],
            classes=classes,
            proba=proba,
        ),
        embeddings=embeddings.astype(np.float32),
        min_support=max(20, n // 100),
        random_state=seed,
    )
    return EmbeddingTask(context, planted)


def best_f1(members_list: list[np.ndarray], planted: np.ndarray) -> float:
    """Highest F1 of any member set against the planted mask (0 when there is none)."""
    best = 0.0
    for members in members_list:
        mask = np.zeros(len(planted), dtype=bool)
        mask[members] = True
        tp = int((mask & planted).sum())
        if tp:
            best = max(best, 2 * tp / (int(mask.sum()) + int(planted.sum())))
    return best


def run_finder(finder, task: EmbeddingTask) -> list[np.ndarray]:
    """Members of the slices `finder` gets reported after selection (q <= 0.05)."""
    context = task.context
    output = finder.find(context)
    slices, _ = select_slices([output], context.errors, min_support=context.min_support)
    return [s.members for s in slices]


def measure(name: str, options: dict, seeds=range(5), **task_options) -> dict[str, float]:
    """Mean planted F1 (and worst), and reported slices on null tasks, over `seeds`."""
    start = time.perf_counter()
    f1s, false = [], 0
    for seed in seeds:
        finder = FINDERS[name](**options)
        task = embedding_task(seed, **task_options)
        f1s.append(best_f1(run_finder(finder, task), task.planted))
        false += len(run_finder(finder, embedding_task(seed + 100, null=True, **task_options)))
    return {
        "f1_mean": float(np.mean(f1s)),
        "f1_min": float(np.min(f1s)),
        "null_slices": false,
        "seconds": time.perf_counter() - start,
    }


if __name__ == "__main__":
    import weakspot.slices  # noqa: F401  (registers the finders)

    shapes = {
        "12 blobs, d=64, n=4000": {},
        "20 blobs, d=128, n=6000": {"n_blobs": 20, "d": 128, "n": 6000},
    }
    for name in sys.argv[1:] or ["domino", "failure_direction", "barlow"]:
        for label, shape in shapes.items():
            for within in (True, False):
                result = measure(name, {}, within_class=within, **shape)
                where = "blob 0 within class 0" if within else "blob 0, all classes"
                rounded = {k: round(v, 3) for k, v in result.items()}
                print(f"{name:17s} {label:24s} {where:22s} {rounded}", flush=True)
