"""The models a scenario trains: logistic regression, an MLP, gradient boosting (scikit-learn),
and a small CNN (torch CPU, images only, when torch is installed).

Images reach the scikit-learn models as PCA(50) components of their pixels (fitted on the
training split), which keeps a full run within its time; the CNN reads the pixels. Every model
is fitted with one BLAS thread (other jobs share this machine's two cores) and a seed.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from threadpoolctl import threadpool_limits

MODELS = ("logistic", "mlp", "cnn", "boosting")


def available(model: str, is_image: bool) -> bool:
    if model == "cnn":
        return is_image and importlib.util.find_spec("torch") is not None
    return True


def flat(x: np.ndarray) -> np.ndarray:
    """Rows of floats: pixels scaled to [0, 1] (images) or the table as it is."""
    if x.ndim >= 3:
        return x.reshape(len(x), -1).astype(np.float32) / 255.0
    return np.asarray(x, dtype=np.float64)


def fit_predict(
    model: str, x_tr: np.ndarray, y_tr: np.ndarray, xs: list[np.ndarray], n_classes: int, seed: int
) -> list[np.ndarray]:
    """Fit `model` on (`x_tr`, `y_tr`) and return its class probabilities on each of `xs`,
    shape (len(x), n_classes) each (a class absent from training gets probability 0)."""
    with threadpool_limits(1):
        if model == "cnn":
            return _cnn(x_tr, y_tr, xs, n_classes, seed)
        return _sklearn(model, x_tr, y_tr, xs, n_classes, seed)


def _sklearn(model, x_tr, y_tr, xs, n_classes, seed):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    steps: list = [PCA(50, random_state=seed)] if x_tr.ndim >= 3 else [StandardScaler()]
    if model == "logistic":
        steps.append(LogisticRegression(max_iter=300))
    elif model == "mlp":
        steps.append(MLPClassifier((64,), max_iter=200, early_stopping=False, random_state=seed))
    elif model == "boosting":
        steps.append(HistGradientBoostingClassifier(max_iter=60, random_state=seed))
    else:
        raise ValueError(f"unknown model {model!r}; one of {MODELS}")
    pipe = make_pipeline(*steps)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: a weaker model is a scenario too
        pipe.fit(flat(x_tr), y_tr)
    out = []
    for x in xs:
        proba = np.zeros((len(x), n_classes))
        proba[:, pipe.classes_] = pipe.predict_proba(flat(x))
        out.append(proba)
    return out


def _cnn(x_tr, y_tr, xs, n_classes, seed, epochs: int = 4):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    torch.set_num_threads(1)

    def tensor(x):
        t = torch.from_numpy(x.astype(np.float32) / 255.0)
        return t.permute(0, 3, 1, 2) if t.ndim == 4 else t[:, None]

    channels = 3 if x_tr.ndim == 4 else 1
    net = nn.Sequential(
        nn.Conv2d(channels, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(16 * 16, n_classes),
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    x, y = tensor(x_tr), torch.from_numpy(y_tr.astype(np.int64))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return [torch.softmax(net(tensor(x)), 1).numpy().astype(np.float64) for x in xs]


def embeddings(x_tr: np.ndarray | None, xs: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Small precomputed embeddings for weakspot's embedding finders and diagnoses: PCA(16)
    of the pixels, fitted on the training images (else on the first of `xs`)."""
    from sklearn.decomposition import PCA

    base = x_tr if x_tr is not None else xs[0]
    with threadpool_limits(1):
        pca = PCA(16, random_state=seed).fit(flat(base))
        return [pca.transform(flat(x)).astype(np.float32) for x in xs]
