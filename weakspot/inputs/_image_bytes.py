"""Images held in the table itself: a column of encoded image bytes.

The Hugging Face ``datasets`` Image feature stores each image as a struct ``{"bytes": ...,
"path": ...}`` (in Parquet and Arrow; a DataFrame read from them holds a dict per cell), and
other tables hold each file's bytes in a binary column. Such a column reads like a path column:
each image's bytes are written once to weakspot's cache folder, as
``image-bytes/<content hash>/<name>``, where the content hash is the one that keys the feature
cache (a second run writes nothing and decodes nothing), and every later stage opens that file
as it opens a file a table names, with the same limits on size, format and pixels
(docs/security.md). A struct whose ``bytes`` is empty but whose ``path`` is set names a file on
disk, which follows the path rule (`weakspot.inputs._paths`) like a path column's cell.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import platformdirs

from weakspot._errors import InputError
from weakspot.inputs._paths import ImagePaths, resolve_image_paths

CACHE_DIR_ENV = "WEAKSPOT_CACHE_DIR"
MAX_IMAGE_BYTES = 256 * 1024 * 1024  # no image a classifier is evaluated on is near this size
BYTES_FOLDER = "image-bytes"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_CHARS = 80


def user_cache_root() -> Path:
    """weakspot's cache folder: ``$WEAKSPOT_CACHE_DIR`` if set, else platformdirs' user cache."""
    folder = os.environ.get(CACHE_DIR_ENV)
    return Path(folder) if folder else Path(platformdirs.user_cache_dir("weakspot"))


def content_hash(data: bytes) -> str:
    """Hex digest (32 characters) of an image's encoded bytes: its name in the image-bytes
    folder and its key in the feature cache."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def is_image_cell(value: Any) -> bool:
    """Whether a table cell holds an image rather than its path: raw bytes, or a struct
    (mapping) with a ``bytes`` field, as the Hugging Face ``datasets`` Image feature stores it."""
    return isinstance(value, bytes | bytearray | memoryview) or (
        isinstance(value, Mapping) and "bytes" in value
    )


def holds_bytes(cells: np.ndarray | None) -> bool:
    """Whether an image column (`image_cells`) holds an image's bytes in any cell."""
    return cells is not None and any(is_image_cell(cell) for cell in cells)


def find_bytes_column(frame: pd.DataFrame) -> str | None:
    """The first column whose first non-missing cell is an image (`is_image_cell`), or None.

    Called when no column has an image-path name: a ``datasets`` table names its image column
    ``img`` as often as ``image``.
    """
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object:
            continue
        present = values.first_valid_index()
        if present is not None and is_image_cell(values.at[present]):
            return str(column)
    return None


def image_cells(values: pd.Series) -> np.ndarray:
    """The image column as the inputs stage keeps it, shape (n,).

    A column of paths becomes text, as before (a missing cell reads ``"nan"``, which the path
    rule refuses as empty); a column that holds image bytes anywhere keeps its cells as they
    are (bytes, structs, paths, None), for `resolve_image_cells`.
    """
    if values.dtype == object and values.map(is_image_cell).any():
        return values.to_numpy(dtype=object)
    return values.astype(str).to_numpy()


def resolve_image_cells(
    cells: np.ndarray, root: str | Path | None, *, allow_outside_root: bool = False
) -> ImagePaths:
    """The file each row's image is read from: a path under the path rule, or the file its
    bytes are written to.

    Parameters
    ----------
    cells : ndarray, shape (n,)
        `image_cells` of the table's image column.
    root, allow_outside_root
        As in `resolve_image_paths`, for the cells that name a file.

    Returns
    -------
    ImagePaths
        One path per row; rows that are refused (an empty cell, bytes above
        `MAX_IMAGE_BYTES`, a cell that is neither a path nor an image) come with their reason,
        and the image stage lists them as skipped.
    """
    if not holds_bytes(cells):
        return resolve_image_paths(cells, root, allow_outside_root=allow_outside_root)
    folder = user_cache_root() / BYTES_FOLDER
    out = [""] * len(cells)
    refused: dict[int, str] = {}
    named: dict[int, str] = {}  # row -> the path a cell names, checked by the path rule below
    for i, cell in enumerate(cells):
        data, name = _unpack(cell)
        if data is None and name is not None:
            named[i] = name
        elif data is None:
            refused[i] = _empty_reason(cell)
        elif len(data) > MAX_IMAGE_BYTES:
            refused[i] = (
                f"image bytes of {len(data)} bytes are above the {MAX_IMAGE_BYTES}-byte limit "
                "on image files"
            )
        else:
            out[i] = _write_once(folder, data, name)
    rows = list(named)
    checked = resolve_image_paths(
        np.array([named[i] for i in rows], dtype=object),
        root,
        allow_outside_root=allow_outside_root,
    )
    for j, i in enumerate(rows):
        out[i] = checked.paths[j]
        if j in checked.refused:
            refused[i] = checked.refused[j]
    return ImagePaths(out, dict(sorted(refused.items())), checked.root)


def _unpack(cell: Any) -> tuple[bytes | None, str | None]:
    """A cell's encoded bytes (None when it has none) and the file name it gives (or None)."""
    if isinstance(cell, str):
        return None, cell if cell.strip() not in ("", "nan", "None", "<NA>") else None
    if isinstance(cell, bytes | bytearray | memoryview):
        return (bytes(cell) or None), None
    if isinstance(cell, Mapping):
        raw, path = cell.get("bytes"), cell.get("path")
        name = str(path) if isinstance(path, str) and path.strip() else None
        if isinstance(raw, bytes | bytearray | memoryview) and len(raw):
            return bytes(raw), name
        return None, name
    return None, None


def _empty_reason(cell: Any) -> str:
    """Why a cell with neither bytes nor a path gives no image."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
        return "empty image cell in the table"
    if isinstance(cell, bytes | bytearray | memoryview | str):
        return "empty image bytes in the table (0 bytes)"
    if isinstance(cell, Mapping):
        return "the image struct has neither bytes nor a path"
    return (
        f"the image cell holds a {type(cell).__name__}, neither a file path nor image bytes "
        "(or a struct of 'bytes' and 'path')"
    )


def _write_once(folder: Path, data: bytes, name: str | None) -> str:
    """The file holding `data` under `folder`, written (atomically) only if not there yet.

    The file's folder is the content hash, so equal bytes are one folder; its name is the
    struct's file name, reduced to a safe one (no folder, no ``..``), so that a skipped image
    is listed under the name the data set gives it.
    """
    target = folder / content_hash(data) / _safe_name(name)
    try:
        if target.is_file() and target.stat().st_size == len(data):
            with contextlib.suppress(OSError):
                os.utime(target)  # used now: the cache's least-recently-used eviction keeps it
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(
            f"The table's image bytes could not be written to {str(folder)!r} "
            f"({exc.strerror or exc}), where every stage reads them from. Set "
            f"{CACHE_DIR_ENV} to a writable folder with room for the images."
        ) from None
    return str(target)


def _safe_name(name: str | None) -> str:
    """A file name from a cell's path: its last part, letters, digits and ``._-`` only."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name if name else "").lstrip("._")
    return base[-_NAME_CHARS:] or "image"
