"""Checks of `analyze`'s file and number options, before any work starts.

Each check raises `InputError` naming the parameter, echoing the value and saying the fix, so
that a wrong option never surfaces as a traceback from onnx or the file system.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from weakspot._errors import InputError
from weakspot.tasks import TASKS, check_loss, check_multilabel_options


@dataclass(frozen=True)
class ColumnOptions:
    """Which columns of the table hold what, and the task that reads them (see
    `weakspot.analyze`). `as_kwargs` gives `build_examples`' keyword arguments, generated from
    the fields so that an option added here reaches every table form at once."""

    label: str | None = None
    prediction: str | None = None
    id_column: str | None = None
    score_column: str | None = None
    positive_class: str | None = None
    classes: list[str] | None = None
    metadata: list[str] | None = None
    ignore: list[str] | None = None
    task: str | None = None
    loss: str | None = None
    threshold: float | None = None
    separator: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def check(self) -> None:
        """The task must be registered (or None: chosen from the columns), `loss` must suit
        it, as must a tagger's `threshold` and `separator`, and the column lists must be lists
        of names."""
        if self.task is not None and self.task not in TASKS:
            raise InputError(
                f"task={self.task!r} is not a known task; choose among {sorted(TASKS)}.",
                parameter="task",
            )
        if self.loss is not None:
            if self.task not in (None, "regression"):
                raise InputError(
                    f"loss={self.loss!r} is a regressor's option, but task={self.task!r}: a "
                    "classifier's loss is 0 or 1 (wrong or right). Leave loss= out, or choose "
                    "task='regression'.",
                    parameter="loss",
                )
            check_loss(self.loss)
        for name in ("threshold", "separator"):
            if getattr(self, name) is not None and self.task != "multilabel":
                raise InputError(
                    f"{name}={getattr(self, name)!r} is a multi-label option, but task="
                    f"{self.task!r}. Choose task='multilabel' (--task multilabel) for a table "
                    "whose examples have several labels each, or leave it out.",
                    parameter=name,
                )
        check_multilabel_options(self.threshold, self.separator)
        for name in ("classes", "metadata", "ignore"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, str) or not hasattr(value, "__iter__")):
                raise InputError(
                    f"{name}= must be a list of names, got {value!r}; write {name}=[{value!r}].",
                    parameter=name,
                )


@dataclass(frozen=True)
class ReadOptions:
    """Where the rows' images and embeddings come from (see `weakspot.analyze`)."""

    predictions: Any = None
    images: Any = None
    image_column: str | None = None
    embeddings: Any = None
    allow_outside_root: bool = False

    def as_kwargs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def check_file_options(cache_dir: Any, embed: Any, max_failed_share: float) -> Path | None:
    """Check `cache_dir`, `embed` and `max_failed_share` before any work; return the cache."""
    if not 0 <= max_failed_share <= 1:
        raise InputError(
            f"max_failed_share= must be between 0 and 1, got {max_failed_share}. It is the "
            "largest share of images that may be unreadable, e.g. 0.2.",
            parameter="max_failed_share",
        )
    check_embed(embed)
    return check_cache_dir(cache_dir)


def check_cache_dir(cache_dir: str | Path | None) -> Path | None:
    """The feature cache must be a folder that exists or can be made, and be writable."""
    if cache_dir is None:
        return None
    path = Path(cache_dir)
    if path.exists() and not path.is_dir():
        raise InputError(
            f"cache_dir={str(path)!r} is a file, not a folder. Give a folder for the image-feature "
            "cache (it is created when missing), or leave cache_dir= out.",
            parameter="cache_dir",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cache_dir={str(path)!r} cannot be created: {exc.strerror or exc}. Give a folder you "
            "can write to, or leave cache_dir= out.",
            parameter="cache_dir",
        ) from None
    return path


def check_embed(embed: Any) -> None:
    """`embed` must be "efficientnet", None, a backbone object, or an ONNX model file."""
    if embed is None or not isinstance(embed, str | Path) or embed == "efficientnet":
        return  # objects are checked by the image stage, which knows the protocols
    if not str(embed).lower().endswith(".onnx"):
        raise InputError(
            f"embed={str(embed)!r} is not understood: use 'efficientnet' (the offline ImageNet "
            "backbone), None (no backbone), or the path of an .onnx model file.",
            parameter="embed",
        )
    path = Path(embed)
    if not path.is_file():
        raise InputError(
            f"embed={str(embed)!r}: the ONNX model file does not exist. Check the path, or use "
            "embed='efficientnet' or embed=None.",
            parameter="embed",
        )
    try:
        import onnx
    except ImportError:
        return  # the backbone says which extra to install
    try:
        onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - protobuf's decode errors have no common base
        raise InputError(
            f"embed={str(embed)!r} is not an ONNX model ({type(exc).__name__}). Export the model "
            "with torch.onnx.export(...), or use embed='efficientnet' or embed=None.",
            parameter="embed",
        ) from None
