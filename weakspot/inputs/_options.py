"""Checks of `analyze`'s file and number options, before any work starts.

Each check raises `InputError` naming the parameter, echoing the value and saying the fix, so
that a wrong option never surfaces as a traceback from numpy, onnx or the file system.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from weakspot._errors import InputError


def check_random_state(random_state: Any) -> int:
    """`random_state` must be an integer in ``[0, 2**32)``: numpy seeds refuse negatives, and
    scikit-learn's estimators seeds above 32 bits."""
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise InputError(
            f"random_state= must be a whole number, got {random_state!r}. Give an integer >= 0."
        )
    if not 0 <= int(random_state) < 2**32:
        raise InputError(
            f"random_state= must be an integer from 0 to 2**32 - 1, got {random_state}. "
            "Give a seed >= 0, e.g. 0."
        )
    return int(random_state)


def check_cache_dir(cache_dir: str | Path | None) -> Path | None:
    """The feature cache must be a folder that exists or can be made, and be writable."""
    if cache_dir is None:
        return None
    path = Path(cache_dir)
    if path.exists() and not path.is_dir():
        raise InputError(
            f"cache_dir={str(path)!r} is a file, not a folder. Give a folder for the image-feature "
            "cache (it is created when missing), or leave cache_dir out."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cache_dir={str(path)!r} cannot be created: {exc.strerror or exc}. Give a folder you "
            "can write to, or leave cache_dir out."
        ) from None
    return path


def load_embeddings(embeddings: Any, n: int) -> np.ndarray | None:
    """Precomputed embeddings as float32, shape (n, d): an array, or a ``.npy`` file.

    A ``.npy`` file is read with ``allow_pickle=False``: weakspot never unpickles a file, since
    unpickling runs code chosen by whoever wrote it.
    """
    if embeddings is None:
        return None
    if isinstance(embeddings, str | Path):
        values = _read_npy(Path(embeddings))
        where = f"embeddings={str(embeddings)!r}"
    else:
        values = np.asarray(embeddings)
        where = "embeddings="
    if values.dtype.kind not in "biuf":
        raise InputError(
            f"{where} holds {values.dtype} values, not numbers. Give a numeric array of shape "
            f"(n, d), e.g. np.save('emb.npy', vectors.astype('float32'))."
        )
    if values.ndim != 2 or values.shape[0] != n:
        raise InputError(
            f"{where} must have shape (n, d) with n = {n} rows of the table, got "
            f"{values.shape}. Give one row per example, in the table's order."
        )
    vectors = values.astype(np.float32)
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        raise InputError(
            f"{where} has {int(bad.sum())} row(s) with NaN or infinite values (first: row "
            f"{int(np.flatnonzero(bad)[0])}). Recompute or drop those rows."
        )
    return vectors


def _read_npy(path: Path) -> np.ndarray:
    if not path.exists():
        raise InputError(f"embeddings={str(path)!r} does not exist. Check the path.")
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError(f"embeddings={str(path)!r} is not a regular file. Give a .npy file.")
    if zipfile.is_zipfile(path):
        raise InputError(
            f"embeddings={str(path)!r} is an .npz archive, not one array. Save the array alone "
            "with np.save('emb.npy', vectors), or load it yourself and pass the array."
        )
    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic != b"\x93NUMPY":
        raise _not_npy(path, ValueError("no .npy header"))
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InputError(
                f"embeddings={str(path)!r} holds Python objects (a pickled array); weakspot never "
                "loads pickles. Save a numeric array with np.save('emb.npy', "
                "vectors.astype('float32'))."
            ) from None
        raise _not_npy(path, exc) from None
    except (OSError, EOFError) as exc:
        raise _not_npy(path, exc) from None


def _not_npy(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"embeddings={str(path)!r} is not a readable .npy file ({str(exc)[:120]}). Save the "
        "array with np.save('emb.npy', vectors)."
    )


def check_embed(embed: Any) -> None:
    """`embed` must be "efficientnet", None, a backbone object, or an ONNX model file."""
    if embed is None or not isinstance(embed, str | Path) or embed == "efficientnet":
        return  # objects are checked by the image stage, which knows the protocols
    if not str(embed).lower().endswith(".onnx"):
        raise InputError(
            f"embed={str(embed)!r} is not understood: use 'efficientnet' (the offline ImageNet "
            "backbone), None (no backbone), or the path of an .onnx model file."
        )
    path = Path(embed)
    if not path.is_file():
        raise InputError(
            f"embed={str(embed)!r}: the ONNX model file does not exist. Check the path, or use "
            "embed='efficientnet' or embed=None."
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
            "with torch.onnx.export(...), or use embed='efficientnet' or embed=None."
        ) from None
