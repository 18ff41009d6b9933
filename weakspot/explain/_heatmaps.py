"""Where in an image a backbone feature fires: last convolutional maps, upsampled to the image.

For EfficientNet-Lite0 the embedding is the spatial mean of the 1280-channel map of the last
convolution, so embedding feature ``j`` is channel ``j`` of that map averaged; the map itself,
upsampled to the image, shows where the feature is active. torch is imported lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from weakspot._errors import InputError, missing_dependency


def _torch(purpose: str) -> Any:
    try:
        import torch
    except ImportError:
        raise missing_dependency("torch", "torch", purpose) from None
    return torch


def _check_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise InputError(
            f"images must be uint8 RGB of shape (n, height, width, 3); got {images.dtype} "
            f"{images.shape}. Decode with weakspot.features.images and stack the arrays."
        )
    return images


def _resize(images: np.ndarray, side: int) -> np.ndarray:
    if images.shape[1:3] == (side, side):
        return images
    return np.stack(
        [
            np.asarray(Image.fromarray(im).resize((side, side), Image.Resampling.BILINEAR))
            for im in images
        ]
    )


def feature_maps(backbone: Any, images: np.ndarray, *, layer: str | None = None) -> np.ndarray:
    """Run a backbone's convolutional trunk and return its last feature map.

    Parameters
    ----------
    backbone : EfficientNetLite0, TorchBackbone or torch.nn.Module
        The default backbone gives the 1280-channel map before pooling; a torch model gives
        the output of `layer` (by default its last ``nn.Conv2d``).
    images : ndarray of uint8, shape (n, height, width, 3)
        RGB images; resized to the backbone's input size where it has one.
    layer : str, optional
        For torch models, the name of a module with a 4-d output.

    Returns
    -------
    ndarray of float32, shape (n, channels, h, w)
    """
    images = _check_images(images)
    model = getattr(backbone, "model_", None)
    if model is not None and hasattr(model, "extract_features"):
        return _efficientnet_maps(model, _resize(images, backbone.input_size))
    module = getattr(backbone, "module", backbone)
    if not hasattr(module, "named_modules"):
        raise InputError(
            f"Cannot take feature maps from {type(backbone).__name__}; pass the default "
            "EfficientNet-Lite0 backbone, a TorchBackbone or a torch.nn.Module."
        )
    size = getattr(backbone, "input_size", None)
    x = _resize(images, size) if isinstance(size, int) else images
    return _torch_maps(module, x, layer or getattr(backbone, "layer", None))


def _efficientnet_maps(model: Any, images: np.ndarray) -> np.ndarray:
    torch = _torch("Feature maps of the default backbone")
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
        maps = model.extract_features((x - 127.0) / 128.0)
    return maps.numpy().astype(np.float32)


def _torch_maps(module: Any, images: np.ndarray, layer: str | None) -> np.ndarray:
    torch = _torch("Feature maps of a torch model")
    modules = dict(module.named_modules())
    if layer is None:
        convs = [name for name, m in modules.items() if isinstance(m, torch.nn.Conv2d)]
        if not convs:
            raise InputError("The torch model has no nn.Conv2d; pass layer= with a module name.")
        layer = convs[-1]
    if layer not in modules:
        raise InputError(
            f"Layer {layer!r} is not a module of the torch model; pass one of "
            f"{', '.join(list(modules)[1:12])}"
        )
    captured: list[Any] = []
    handle = modules[layer].register_forward_hook(lambda _m, _a, out: captured.append(out))
    try:
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0
            module.eval()(x)
    finally:
        handle.remove()
    maps = captured[0].detach().float().numpy()
    if maps.ndim != 4:
        raise InputError(f"Layer {layer!r} outputs shape {maps.shape}, not (n, c, h, w).")
    return maps.astype(np.float32)


def activation_heatmaps(maps: np.ndarray, channel: int, size: tuple[int, int]) -> np.ndarray:
    """One channel of feature maps, upsampled to the image and scaled to [0, 1].

    Parameters
    ----------
    maps : ndarray of float, shape (n, channels, h, w)
    channel : int
        The feature (channel) to draw.
    size : (height, width)
        The image's size.

    Returns
    -------
    ndarray of float32, shape (n, height, width); each map divided by its maximum (negative
    activations, below a ReLU's threshold, count as 0).
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 4 or not 0 <= channel < maps.shape[1]:
        raise InputError(
            f"Expected maps of shape (n, channels, h, w) and 0 <= channel < channels; got "
            f"shape {maps.shape} and channel {channel}."
        )
    height, width = size
    out = np.empty((maps.shape[0], height, width), dtype=np.float32)
    for i, plane in enumerate(np.maximum(maps[:, channel], 0.0)):
        up = np.asarray(
            Image.fromarray(plane, mode="F").resize((width, height), Image.Resampling.BILINEAR)
        )
        peak = float(up.max())
        out[i] = up / peak if peak > 0 else 0.0
    return out


def overlay_heatmap(image: np.ndarray, heatmap: np.ndarray, *, alpha: float = 0.5) -> np.ndarray:
    """Blend a heat map (red where high, through yellow) over an image.

    Parameters
    ----------
    image : ndarray of uint8, shape (height, width, 3)
    heatmap : ndarray of float in [0, 1], shape (height, width)

    Returns
    -------
    ndarray of uint8, shape (height, width, 3)
    """
    if image.shape[:2] != heatmap.shape:
        raise InputError(
            f"The heat map's shape {heatmap.shape} differs from the image's {image.shape[:2]}; "
            "upsample it with activation_heatmaps(..., size=image.shape[:2])."
        )
    h = np.clip(heatmap, 0.0, 1.0)[..., None]
    colour = np.concatenate([np.ones_like(h), h, np.zeros_like(h)], axis=-1) * 255.0
    weight = alpha * h
    return (image * (1 - weight) + colour * weight).round().astype(np.uint8)
