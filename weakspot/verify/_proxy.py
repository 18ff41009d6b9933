"""``--trainer embeddings``: a proxy trainer for users without training code.

A logistic-regression head (scikit-learn) is retrained on the backbone's embeddings of the
training images, in the manner of last-layer retraining (Kirichenko et al., 2023, "Last
Layer Re-Training is Sufficient for Robustness to Spurious Correlations"). It ranks actions
without the user's code; it is **a proxy**: a head on frozen features, not the user's model,
so a verdict on it says what the change does to a linear read-out of the backbone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError

PROXY_NOTE = (
    "PROXY: these retrains fit a logistic head on the backbone's embeddings of the images "
    "(last-layer retraining), not your model; they rank actions, they do not measure your "
    "training run."
)


def backbone_embedder(
    embed: Any = "efficientnet", layer: str | None = None
) -> Callable[[list[str]], np.ndarray]:
    """Embed image files with weakspot's backbone: ``paths -> (n, d)`` float32."""
    from weakspot.features.images import decode_bytes, read_file, resolve_backbone

    backbone = resolve_backbone(embed, layer=layer)
    if backbone is None:
        raise InputError("--trainer embeddings needs a backbone; the analysis ran with embed=None.")

    def run(paths: list[str]) -> np.ndarray:
        nets = [_net(decode_bytes(read_file(p), net_size=backbone.input_size).net) for p in paths]
        out = [backbone.run(np.stack(nets[i : i + 64])).embeddings for i in range(0, len(nets), 64)]
        return np.concatenate(out).astype(np.float32)

    return run


def _net(net: np.ndarray | None) -> np.ndarray:
    assert net is not None  # decoded with a net_size, so the backbone input is there
    return net


class EmbeddingsTrainer:
    """The proxy trainer: follows the trainer contract (see `weakspot.verify`).

    Parameters
    ----------
    label : str
        The label column of the training table.
    image_column : str
        The image-path column of both tables.
    embed : callable, optional
        ``paths -> ndarray (n, d)``; default `backbone_embedder()`. Embeddings are cached by path.
    """

    def __init__(
        self, label: str, image_column: str, embed: Callable[[list[str]], np.ndarray] | None = None
    ):
        self.label, self.image_column = label, image_column
        self._embed = embed
        self._cache: dict[str, np.ndarray] = {}
        self.__name__ = "embeddings"

    def vectors(self, frame: pd.DataFrame) -> np.ndarray:
        paths = [str(Path(p)) for p in frame[self.image_column]]
        todo = sorted({p for p in paths if p not in self._cache})
        if todo:
            if self._embed is None:
                self._embed = backbone_embedder()
            for path, vector in zip(todo, self._embed(todo), strict=True):
                self._cache[path] = vector
        return np.stack([self._cache[p] for p in paths])

    def __call__(
        self,
        train: pd.DataFrame,
        sample_weight: np.ndarray,
        evaluate: pd.DataFrame,
        random_state: int = 0,
    ) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(self.vectors(train))
        head = LogisticRegression(max_iter=2000, random_state=random_state)
        head.fit(
            scaler.transform(self.vectors(train)),
            train[self.label].astype(str),
            sample_weight=sample_weight,
        )
        return head.predict(scaler.transform(self.vectors(evaluate)))
