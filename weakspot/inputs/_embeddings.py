"""Embeddings the user brings: one row per example, checked once where they come in."""

from __future__ import annotations

import zipfile
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


def require_finite(values: np.ndarray) -> np.ndarray:
    """The user's embeddings (n, d), refused when a row holds NaN or infinity.

    A row without features is one whose image could not be read (`FeatureTable.unread`, the
    one definition every stage honours), never a hole in the caller's own array.
    """
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if len(bad):
        raise InputError(
            f"embeddings= has NaN or infinite values in {len(bad)} row(s) (rows "
            f"{bad[:5].tolist()}). Give every row a finite embedding, or leave those rows out of "
            "both the table and the embeddings.",
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
    if zipfile.is_zipfile(path):
        raise InputError(
            f"embeddings={str(path)!r} is an .npz archive; give a single .npy array "
            "(numpy.save(path, archive['name'])).",
            parameter="embeddings",
        )
    with open(path, "rb") as handle:
        if handle.read(6) != b"\x93NUMPY":
            raise InputError(
                f"embeddings={str(path)!r} is not a .npy file (no .npy header). Save the array "
                "with numpy.save(path, embeddings).",
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
