"""The model under test: a small torch MLP on pixels (784 -> 128 ReLU -> 10), trained here.

Its 128 hidden activations on the evaluation images are the embeddings given to the embedding
finders (weakspot's domino and failure_direction; Domino's method run alone).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)


def train(images: np.ndarray, labels: np.ndarray, *, seed: int, epochs: int = 8) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = _tensor(images), torch.from_numpy(labels.astype(np.int64))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(128):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(predicted class (n,), class probabilities (n, 10), hidden activations (n, 128))."""
    x = _tensor(images)
    hidden = model[1](model[0](x))
    proba = torch.softmax(model[2](hidden), dim=1)
    return proba.argmax(1).numpy(), proba.numpy().astype(np.float64), hidden.numpy()
