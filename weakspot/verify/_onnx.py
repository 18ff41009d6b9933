"""An ONNX classifier standing in for ``predict`` (``weakspot perturb --model model.onnx``).

The model takes one float32 image batch, NCHW (or NHWC when its last input dimension is 3),
scaled to [0, 1]; a fixed spatial size in the graph is honoured by resizing. Its first
output holds one score per class in the analysis's class order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from weakspot._errors import InputError, missing_dependency


def onnx_predict(path: str | Path) -> Callable[[np.ndarray], np.ndarray]:
    """``predict(images) -> scores (n, n_classes)`` backed by onnxruntime."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise missing_dependency("onnxruntime", "onnx", "--model model.onnx") from None
    if not Path(path).is_file():
        raise InputError(f"--model {str(path)!r} does not exist.")
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's own exception classes are not importable stably
        raise InputError(
            f"--model {str(path)!r} is not an ONNX model onnxruntime can load "
            f"({type(error).__name__}: {str(error).splitlines()[0][:200]})."
        ) from None
    spec = session.get_inputs()[0]
    shape = list(spec.shape)
    if len(shape) != 4:
        raise InputError(
            f"--model {str(path)!r} takes input {spec.name!r} of shape {shape}; perturb feeds "
            "images as (n, 3, H, W) or (n, H, W, 3) float32 in [0, 1]."
        )
    channels_last = len(shape) == 4 and shape[-1] == 3
    size = shape[1:3] if channels_last else shape[2:4]

    def predict(images: np.ndarray) -> np.ndarray:
        batch = [_rgb(im, size) for im in images]
        x = np.stack(batch).astype(np.float32) / 255.0
        if not channels_last:
            x = x.transpose(0, 3, 1, 2)
        return np.asarray(session.run(None, {spec.name: x})[0], dtype=np.float64)

    return predict


def _rgb(image: np.ndarray, size: list) -> np.ndarray:
    im = Image.fromarray(image).convert("RGB")
    if all(isinstance(s, int) for s in size) and len(size) == 2:
        im = im.resize((size[1], size[0]))
    return np.asarray(im)
