"""Where the images of an analysis come from: a path column, an image folder, or an array."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.inputs._columns import IMAGE_NAMES, find_column
from weakspot.inputs._image_folder import load_images_source


def table_for_image_folder(folder: str | Path, predictions: pd.DataFrame) -> pd.DataFrame:
    """Join an ImageFolder tree (``folder/<class>/<image>``) with a predictions table.

    The predictions table must identify each image by an ``id`` column holding the path
    relative to `folder` (as ``load_images_source`` writes it), or by a path/file-name column.
    The folder names give the labels unless the table has its own label column.

    Returns
    -------
    DataFrame with one row per image: ``id``, ``path`` (absolute), ``label`` and the columns of
    `predictions`.
    """
    source, predictions, key = _with_join_key(load_images_source(folder), predictions)
    merged = source.merge(predictions, how="inner", on=key, suffixes=("", "_table"))
    missing = len(source) - len(merged)
    if len(merged) == 0:
        raise InputError(
            f"No image under {str(folder)!r} matches a row of the predictions table (e.g. "
            f"{predictions[key].astype(str).iloc[0]!r} against {source[key].iloc[0]!r}). "
            "Give each row the image's path relative to the folder in an 'id' column."
        )
    if missing:
        raise InputError(
            f"{missing} image(s) under {str(folder)!r} have no prediction, e.g. "
            f"{sorted(set(source[key]) - set(merged[key]))[:3]}. Add them to the table or remove them."
        )
    if "label_table" in merged.columns:
        merged["label"] = merged.pop("label_table")
    if "id_table" in merged.columns:
        merged["id"] = merged.pop("id_table")
    drop = [c for c in merged.columns if c.endswith("_table") or c == "_name"]
    return merged.drop(columns=drop)


def _with_join_key(
    source: pd.DataFrame, predictions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Pick the column that ties table rows to image files: the relative path, or the file name."""
    if "id" in predictions.columns and predictions["id"].astype(str).isin(set(source["id"])).any():
        return source, predictions.assign(id=predictions["id"].astype(str)), "id"
    column = find_column(predictions, None, IMAGE_NAMES, "image path", "image_column")
    if column is not None:
        source = source.assign(_name=source["id"].map(lambda p: Path(p).name))
        predictions = predictions.assign(
            _name=predictions[column].astype(str).map(lambda p: Path(p).name)
        )
        if predictions["_name"].isin(set(source["_name"])).any():
            return source, predictions.drop(columns=[column]), "_name"
    raise InputError(
        "The predictions table does not say which image each row is: add an 'id' column with the "
        "image's path relative to the image folder (e.g. 'sandal/0001.png')."
    )


def resolve_image_paths(paths: np.ndarray, root: str | Path | None) -> list[str]:
    """Absolute image paths; relative ones are taken relative to `root` (or the working dir)."""
    base = Path(root) if root is not None else Path.cwd()
    if root is not None and not base.is_dir():
        raise InputError(
            f"images={str(root)!r} is not a folder. Give the folder the image paths are relative to.",
            parameter="images",
        )
    return [str(p) if Path(p).is_absolute() else str(base / p) for p in paths]


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
