"""The trainer and predict contracts, loading them from a path, and calling them safely.

The trainer contract::

    fit_and_predict(train: pandas.DataFrame, sample_weight: numpy.ndarray,
                    evaluate: pandas.DataFrame) -> numpy.ndarray | pandas.DataFrame

It trains a model on `train` (the user's training table with its own columns; image paths
absolute; rows weakspot added carry images weakspot wrote) with one weight per row, and
returns predictions for `evaluate` (the evaluation table, same rows and order): an array of
labels, or a frame with a ``prediction`` column and optional ``proba_<class>`` columns. If it
accepts a ``random_state`` keyword, weakspot passes one per repeat.

The predict contract for `perturb`::

    predict(images: numpy.ndarray) -> numpy.ndarray

images ``uint8`` of shape (n, H, W) or (n, H, W, 3), returning labels, or class
probabilities with columns in the order of the analysis's classes; an ONNX classifier
(``--model model.onnx``) may stand in for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import WeakspotError


class TrainerError(WeakspotError):
    """A trainer or predict function could not be loaded, or broke its contract."""


def load_callable(spec: str, *, role: str = "trainer") -> Callable[..., Any]:
    """The function named by ``path/to/file.py:function`` or ``package.module:function``.

    Raises
    ------
    TrainerError
        When the spec has no ``:``, the file or module does not import, the name is missing
        or is not callable.
    """
    if ":" not in spec:
        raise TrainerError(
            f"--{role} {spec!r} names no function: write path/to/file.py:function or "
            "package.module:function."
        )
    where, name = spec.rsplit(":", 1)
    module = _import(where, spec, role)
    if not hasattr(module, name):
        public = sorted(n for n in vars(module) if callable(getattr(module, n)) and n[0] != "_")
        raise TrainerError(
            f"--{role} {spec!r}: {where!r} has no attribute {name!r}; its functions are "
            f"{public[:10]}."
        )
    fn = getattr(module, name)
    if not callable(fn):
        raise TrainerError(f"--{role} {spec!r}: {name!r} is a {type(fn).__name__}, not callable.")
    return fn  # type: ignore[no-any-return]


def _import(where: str, spec: str, role: str) -> Any:
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise TrainerError(f"--{role} {spec!r}: the file {where!r} does not exist.")
            module_spec = importlib.util.spec_from_file_location(f"_weakspot_{path.stem}", path)
            assert module_spec is not None and module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            sys.path.insert(0, str(path.resolve().parent))
            try:
                module_spec.loader.exec_module(module)
            finally:
                sys.path.pop(0)
            return module
        return importlib.import_module(where)
    except TrainerError:
        raise
    except Exception as error:  # the user's module: any failure is theirs to fix
        raise TrainerError(
            f"--{role} {spec!r} does not import: {type(error).__name__}: {error}"
        ) from None


def check_trainer(fn: Callable[..., Any]) -> bool:
    """Check `fn` takes (train, sample_weight, evaluate); True when it takes random_state."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    params = list(sig.parameters.values())
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < 3 and not variadic:
        names = [p.name for p in params]
        raise TrainerError(
            f"the trainer {getattr(fn, '__name__', fn)!r} takes {names}; it must take "
            "(train, sample_weight, evaluate) and optionally random_state= (see docs/verify.md)."
        )
    required = [p for p in positional[3:] if p.default is p.empty]
    if required:
        raise TrainerError(
            f"the trainer {getattr(fn, '__name__', fn)!r} needs more arguments than "
            f"(train, sample_weight, evaluate): {[p.name for p in required]} have no default."
        )
    return "random_state" in sig.parameters or any(p.kind is p.VAR_KEYWORD for p in params)


def check_predict(fn: Callable[..., Any]) -> None:
    """Refuse a predict function that cannot be called as ``predict(images)``."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or C callable: trust it
        return
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    required = [p.name for p in positional if p.default is p.empty]
    if (not positional and not variadic) or len(required) > 1:
        raise TrainerError(
            f"predict {getattr(fn, '__name__', fn)!r} takes {[p.name for p in params]}; it "
            "must take one argument, predict(images), images uint8 of shape (n, H, W) or "
            "(n, H, W, 3) (see docs/verify.md)."
        )


def call_trainer(
    fn: Callable[..., Any],
    train: pd.DataFrame,
    weight: np.ndarray,
    evaluate: pd.DataFrame,
    *,
    classes: Sequence[str],
    random_state: int | None,
    what: str,
) -> np.ndarray:
    """Run the trainer once; its predictions for `evaluate` as class text, shape (n_eval,)."""
    kwargs = {} if random_state is None else {"random_state": random_state}
    try:
        out = fn(
            train.copy(), np.asarray(weight, dtype=np.float64).copy(), evaluate.copy(), **kwargs
        )
    except Exception as error:
        raise TrainerError(
            f"the trainer raised {type(error).__name__} while training {what}: {error}"
        ) from error
    return as_labels(out, len(evaluate), classes, source=f"the trainer ({what})")


def as_labels(out: Any, n: int, classes: Sequence[str], *, source: str) -> np.ndarray:
    """A trainer's or predict's output as class text of shape (n,), with contract checks.

    Accepts labels (any 1-d array), a frame with ``prediction`` (or only ``proba_<class>``
    columns), or a 2-d probability array with one column per class in `classes`' order.
    """
    if isinstance(out, pd.DataFrame):
        if "prediction" in out.columns:
            out = out["prediction"].to_numpy()
        else:
            cols = [f"proba_{c}" for c in classes]
            if not set(cols) <= set(out.columns):
                raise TrainerError(
                    f"{source} returned a frame without a 'prediction' column (columns "
                    f"{list(out.columns)[:8]}); add one, or proba_<class> for every class."
                )
            out = out[cols].to_numpy()
    values = np.asarray(out)
    if values.ndim == 2 and values.shape[1] == len(classes) and values.dtype.kind == "f":
        bad = int((~np.isfinite(values)).any(axis=1).sum())
        if bad:
            raise TrainerError(
                f"{source} returned class probabilities with missing or infinite values in "
                f"{bad} of {len(values)} rows; return finite probabilities, or labels."
            )
        values = np.asarray(classes, dtype=object)[values.argmax(axis=1)]
    if values.ndim != 1 or len(values) != n:
        raise TrainerError(
            f"{source} returned shape {values.shape}; expected one label per example, shape "
            f"({n},), or class probabilities of shape ({n}, {len(classes)}) in the order of "
            "the analysis's classes."
        )
    missing = int(pd.isna(pd.Series(values, dtype=object)).sum())
    if missing:
        raise TrainerError(
            f"{source} returned {missing} missing labels (NaN or None) of {n}; return a class "
            "of the analysis for every example."
        )
    text = class_text(values)
    unknown = sorted(set(text) - set(classes))
    if unknown:
        raise TrainerError(
            f"{source} returned labels that are not classes of the analysis: {unknown[:5]}; "
            f"the classes are {list(classes)[:10]}."
        )
    return text


def class_text(values: Any) -> np.ndarray:
    """Labels as text the way weakspot writes classes (1.0 and 1 are the same class)."""
    series = pd.Series(np.asarray(values))
    if pd.api.types.is_float_dtype(series):
        finite = series.dropna()
        if len(finite) and np.all(np.mod(finite, 1) == 0):
            return series.astype("Int64").astype(str).to_numpy().astype(object)
    return series.astype(str).to_numpy().astype(object)
