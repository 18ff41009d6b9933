"""Embeddings the user brings: one row per example, checked once where they come in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from weakspot._errors import InputError


def load_embeddings(embeddings: Any, n: int) -> np.ndarray | None:
    """The user's embeddings as float32 of shape (n, d), or None when none were given.

    Parameters
    ----------
    embeddings : ndarray of shape (n, d), path of a .npy file, or None
    n : int
        Rows of the table, in order.

    Never unpickles: a ``.npy`` holding Python objects is refused.
    """
    if embeddings is None:
        return None
    if isinstance(embeddings, str | Path):
        embeddings = _read_npy(Path(embeddings))
    try:
        values = np.asarray(embeddings, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError(
            "embeddings= must hold numbers, one row of d floats per example; got values of "
            f"type {type(embeddings).__name__}.",
            parameter="embeddings",
        ) from None
    if values.ndim != 2 or values.shape[0] != n:
        raise InputError(
            f"embeddings= must have shape (n, d) with n = {n} rows of the table, got "
            f"{values.shape}. Give one embedding row per example, in the table's order "
            "(reshape with embeddings.reshape(n, -1)).",
            parameter="embeddings",
        )
    return values


def _read_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(
            f"embeddings={str(path)!r} does not exist or is not a file. Give the path of a .npy "
            "file saved with numpy.save, one row per example.",
            parameter="embeddings",
        )
    try:
        values = np.load(path, allow_pickle=False)
    except ValueError:
        raise InputError(
            f"embeddings={str(path)!r} holds Python objects (a pickle), which weakspot never "
            "loads. Save a numeric array instead: numpy.save(path, embeddings.astype('float32')).",
            parameter="embeddings",
        ) from None
    except (OSError, EOFError):
        raise InputError(
            f"embeddings={str(path)!r} is not a .npy file that numpy can read. Save the array "
            "with numpy.save(path, embeddings).",
            parameter="embeddings",
        ) from None
    if not isinstance(values, np.ndarray):
        values.close()
        raise InputError(
            f"embeddings={str(path)!r} is an .npz archive; give a single .npy array "
            "(numpy.save(path, archive['name'])).",
            parameter="embeddings",
        )
    return values
