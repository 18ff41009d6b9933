"""Where the images of an analysis come from: a path column, an image folder, or an array."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.inputs._image_folder import load_images_source
from weakspot.tasks import ID_NAMES, IMAGE_NAMES


def table_for_image_folder(
    folder: str | Path,
    predictions: pd.DataFrame,
    *,
    id_column: str | None = None,
    image_column: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Join an ImageFolder tree (``folder/<class>/<image>``) with a predictions table.

    Each row of the table names its image in one column: `image_column` or `id_column` when
    given, else the first of ``id``, the image-path names (image, image_path, path, file,
    filename, filepath) and the other id names whose values name images under `folder`. A
    value names an image by its path relative to `folder` (``cat/0001.png``, as
    `load_images_source` writes ids), by a path that ends in it (``/data/val/cat/0001.png``),
    or by its file name alone when no other image has that name. The folder names give the
    labels unless the table has its own label column.

    A row whose value names no image keeps its place at the end: its image path is the file
    its value names under `folder`, so that the image stage skips it as a missing file and
    lists it.

    Returns
    -------
    table : DataFrame
        One row per image in the order of their relative paths, then the rows that name no
        image: the table's columns, ``label`` and ``id`` (the image's path relative to
        `folder`) unless the table has its own, and the image column.
    image_column : str
        The column of absolute image paths (`image_column` when given, else ``path``); the
        table's own naming column is left out unless it holds the ids.
    """
    source = load_images_source(folder)
    key = _join_column(predictions, source, folder, id_column or image_column, image_column)
    found = _match(predictions[key], source, Path(folder), key)
    missing = np.setdiff1d(np.arange(len(source)), found[found >= 0])
    if len(missing):
        raise InputError(
            f"{len(missing)} image(s) under {str(folder)!r} have no prediction, e.g. "
            f"{source['id'].iloc[missing[:3]].tolist()}. Add them to the table or remove them."
        )
    matched, lost = np.flatnonzero(found >= 0), np.flatnonzero(found < 0)
    order = np.concatenate([matched[np.argsort(found[matched], kind="stable")], lost])
    frame = predictions.take(order).reset_index(drop=True)
    rows = found[order]
    naming = _Naming.of(Path(folder))
    named = np.array([naming.relative(v) for v in frame[key].tolist()], dtype=object)
    relative = np.where(rows >= 0, source["id"].to_numpy(dtype=object)[rows], named)
    root = Path(folder).resolve()
    absolute = [
        source["path"].iloc[r] if r >= 0 else str(root / rel)
        for r, rel in zip(rows, relative, strict=True)
    ]
    keeps_ids = key == id_column or (key in ID_NAMES and id_column is None)
    # the image column is the one named, else `path` (but not over the ids' own `path`)
    image_out = image_column or ("image_path" if keeps_ids and key == "path" else "path")
    if key != image_out and not keeps_ids:
        frame = frame.drop(columns=[key])  # the image column and the ids say what it said
    if "id" not in frame.columns and id_column is None:
        frame["id"] = relative
    frame[image_out] = absolute
    if "label" not in frame.columns:
        frame["label"] = _folder_labels(source, rows, relative, folder)
    return frame, image_out


@dataclass(frozen=True)
class _Naming:
    """How a table's name of an image reads as a path under the folder (looked up once)."""

    root: str  # the folder's absolute path, with a trailing slash
    own_name: str | None  # the folder's name, when no sub-folder has it

    @classmethod
    def of(cls, folder: Path) -> _Naming:
        own = None if (folder / folder.name).is_dir() else folder.name
        return cls(folder.resolve().as_posix().rstrip("/") + "/", own)

    def relative(self, value: Any) -> str:
        """Forward slashes; a path inside the folder, or under a first component that is the
        folder's own name (``val/cat/1.png`` for the folder ``val``), made relative to it; any
        other absolute path kept (the path rule refuses it)."""
        text = str(value).replace("\\", "/")
        parts = [p for p in text.removeprefix(self.root).split("/") if p not in ("", ".")]
        if len(parts) > 1 and parts[0] == self.own_name:
            parts = parts[1:]
        outside = text.startswith("/") and not text.startswith(self.root)
        return ("/" if outside else "") + "/".join(parts)


def _join_column(
    table: pd.DataFrame,
    source: pd.DataFrame,
    folder: str | Path,
    named: str | None,
    image: str | None,
) -> str:
    """The column whose values name each row's image: the one named, else the first of ``id``,
    the image-path names and the other id names that names at least one image."""
    if named is not None:
        if named not in table.columns:
            flag = "image_column" if named == image else "id_column"
            raise InputError(
                f"{flag}={named!r} is not a column of the predictions table; its columns are "
                f"{list(table.columns)[:12]}.",
                parameter=flag,
            )
        return named
    candidates = [c for c in dict.fromkeys(("id", *IMAGE_NAMES, *ID_NAMES)) if c in table.columns]
    for column in candidates:
        if (_match(table[column], source, Path(folder), column, strict=False) >= 0).any():
            return column
    if candidates:
        raise InputError(
            f"No image under {str(folder)!r} matches a row of the predictions table (e.g. "
            f"{table[candidates[0]].astype(str).iloc[0]!r} in column {candidates[0]!r} against "
            f"{source['id'].iloc[0]!r}). Give each row the image's path relative to the folder "
            "in an 'id' column."
        )
    raise InputError(
        "The predictions table does not say which image each row is: add an 'id' column with the "
        "image's path relative to the image folder (e.g. 'sandal/0001.png')."
    )


def _match(
    values: pd.Series, source: pd.DataFrame, folder: Path, column: str, *, strict: bool = True
) -> np.ndarray:
    """The row of `source` each value names (-1: none), shape (len(values),).

    A value names the image whose relative path is the longest ending of the value's path
    (``x/cat/1.png`` and ``cat/1.png`` name ``cat/1.png``; ``1.png`` names it when it is the
    only ``1.png``). With `strict`, a value that fits several images, and two rows that name
    the same image, are refused."""
    ids = source["id"].tolist()
    endings: dict[str, list[int]] = {}
    for row, rel in enumerate(ids):
        parts = rel.split("/")
        for k in range(1, len(parts) + 1):
            endings.setdefault("/".join(parts[-k:]), []).append(row)
    naming = _Naming.of(folder)
    found = np.full(len(values), -1, dtype=np.int64)
    for i, value in enumerate(values.tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        parts = [p for p in naming.relative(value).split("/") if p]
        for k in range(len(parts), 0, -1):
            rows = endings.get("/".join(parts[-k:]))
            if rows is None:
                continue
            if len(rows) > 1 and strict:
                raise InputError(
                    f"{value!r} in column {column!r} names {len(rows)} images under "
                    f"{str(folder)!r} ({', '.join(ids[r] for r in rows[:3])}): give each row "
                    "the image's path relative to the folder."
                )
            found[i] = rows[0] if len(rows) == 1 else -1
            break
    if strict:
        taken, counts = np.unique(found[found >= 0], return_counts=True)
        if (counts > 1).any():
            image = ids[int(taken[counts > 1][0])]
            twice = np.flatnonzero(found == taken[counts > 1][0])[:2].tolist()
            raise InputError(
                f"Rows {twice} of the predictions table (column {column!r}) both name the image "
                f"{image!r} under {str(folder)!r}: give each image one row."
            )
    return found


def _folder_labels(
    source: pd.DataFrame, rows: np.ndarray, relative: np.ndarray, folder: str | Path
) -> np.ndarray:
    """The class folder of each row's image; for a row that names no image, the first folder of
    the path it names (its label cannot be known without one)."""
    labels = np.full(len(rows), None, dtype=object)
    labels[rows >= 0] = source["label"].to_numpy(dtype=object)[rows[rows >= 0]]
    for i in np.flatnonzero(rows < 0):
        parts = str(relative[i]).split("/")
        if len(parts) < 2:
            raise InputError(
                f"{int((rows < 0).sum())} row(s) of the predictions table name no image under "
                f"{str(folder)!r} (e.g. {relative[i]!r}), and without the image's class folder "
                "their true label is unknown. Fix the rows' ids, or add a 'label' column to the "
                "table."
            )
        labels[i] = parts[0]
    return labels


def check_image_array(images: Any, n: int) -> Any:
    """Images given in Python: an array (n, H, W[, C]) or a list of n paths."""
    if isinstance(images, np.ndarray):
        if images.ndim not in (3, 4) or images.shape[0] != n:
            raise InputError(
                f"images must be an array of shape (n, H, W) or (n, H, W, C) with n = {n} rows of the table, "
                f"got shape {images.shape}."
            )
        return images
    images = list(images)
    if len(images) != n:
        raise InputError(
            f"images has {len(images)} entries but the table has {n} rows: give one image per row."
        )
    return [str(p) for p in images]
