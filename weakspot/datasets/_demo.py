"""The demo: a real classifier on Fashion-MNIST with a realistic failure in its evaluation set.

A logistic-regression model is trained on clean Fashion-MNIST training images. Its evaluation
set comes from three "cameras"; camera C, a newer device, produces dark, low-contrast images
that the training set never contained. The evaluation images are written as PNG files; the
analysis reads them, measures their properties and should find that failure and describe it
in those terms (dark, low contrast), next to the model's own class confusions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from weakspot.datasets._fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist


def make_demo_predictions(
    *, n_train: int = 20000, n_eval: int = 10000, random_state: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Train the demo model and return its predictions table and the evaluation images.

    Returns
    -------
    predictions : DataFrame, `n_eval` rows: id, label, prediction, proba_<class>, camera
    images : ndarray of uint8, shape (n_eval, 28, 28), as the model saw them
    """
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(random_state)
    train_x, train_y = load_fashion_mnist("train")
    keep = rng.permutation(len(train_x))[:n_train]
    model = make_pipeline(
        PCA(60, whiten=True, random_state=random_state), LogisticRegression(max_iter=1000)
    )
    # one BLAS thread: on a loaded 2-core machine two threads took 59 s instead of 4 s
    with threadpool_limits(1, "blas"):
        model.fit(train_x[keep].reshape(len(keep), -1) / 255.0, train_y[keep])

    test_x, test_y = load_fashion_mnist("test")
    pick = np.sort(rng.permutation(len(test_x))[:n_eval])
    test_x, test_y = test_x[pick], test_y[pick]
    camera = rng.choice(["A", "B", "C"], size=len(test_x), p=[0.45, 0.4, 0.15])
    images = test_x.astype(np.float32)
    dark = camera == "C"
    images[dark] = images[dark] * 0.35 + 10  # under-exposed, low contrast
    images = np.clip(images, 0, 255).astype(np.uint8)

    proba = model.predict_proba(images.reshape(len(images), -1) / 255.0)
    names = np.array(FASHION_MNIST_CLASSES, dtype=object)
    frame = pd.DataFrame(
        {
            "id": [f"test-{i:05d}" for i in pick],
            "label": names[test_y],
            "prediction": names[proba.argmax(axis=1)],
            "camera": camera,
        }
    )
    for k, name in enumerate(FASHION_MNIST_CLASSES):
        frame[f"proba_{name}"] = proba[:, k].round(6)
    # rounding must not break the rows' sum: put the residue on the top class
    residue = 1 - frame[[f"proba_{c}" for c in FASHION_MNIST_CLASSES]].sum(axis=1)
    top = proba.argmax(axis=1)
    for k, name in enumerate(FASHION_MNIST_CLASSES):
        frame.loc[top == k, f"proba_{name}"] += residue[top == k]
    return frame, images


def write_demo_images(frame: pd.DataFrame, images: np.ndarray, folder: Path) -> pd.DataFrame:
    """Save the evaluation images as PNG files under `folder`/images/<class>/ and return the
    table with an ``image`` column holding each file's path relative to `folder`."""
    from PIL import Image

    paths = []
    for row_id, label, pixels in zip(frame["id"], frame["label"], images, strict=True):
        relative = Path("images") / str(label).replace(" ", "_") / f"{row_id}.png"
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            Image.fromarray(pixels).save(target)
        paths.append(relative.as_posix())
    return frame.assign(image=paths)
