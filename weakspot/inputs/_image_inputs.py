"""Where the images of an analysis come from: a path column, an image folder, or an array."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.inputs._image_folder import load_images_source
from weakspot.tasks import IMAGE_NAMES, find_column


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
    found = source.merge(predictions, how="inner", on=key, suffixes=("", "_table"))
    missing = len(source) - len(found)
    if len(found) == 0:
        raise InputError(
            f"No image under {str(folder)!r} matches a row of the predictions table (e.g. "
            f"{predictions[key].astype(str).iloc[0]!r} against {source[key].iloc[0]!r}). "
            "Give each row the image's path relative to the folder in an 'id' column."
        )
    if missing:
        raise InputError(
            f"{missing} image(s) under {str(folder)!r} have no prediction, e.g. "
            f"{sorted(set(source[key]) - set(found[key]))[:3]}. Add them to the table or remove them."
        )
    lost = predictions[~predictions[key].isin(set(found[key]))]
    lost = lost.rename(columns={c: f"{c}_table" for c in lost if c in source and c != key})
    merged = pd.concat([found, lost], ignore_index=True) if len(lost) else found
    merged = _locate_missing_files(merged, Path(folder), key)
    if "label_table" in merged.columns:
        merged["label"] = merged.pop("label_table")
    if "id_table" in merged.columns:
        merged["id"] = merged.pop("id_table")
    drop = [c for c in merged.columns if c.endswith("_table") or c == "_name"]
    return merged.drop(columns=drop)


def _locate_missing_files(merged: pd.DataFrame, folder: Path, key: str) -> pd.DataFrame:
    """Rows of the table whose image is not in the tree keep their place: they point at the file
    the row names under `folder`, so that the image stage lists them as skipped ("missing file")
    instead of dropping them without a word."""
    lost = merged["path"].isna().to_numpy()
    if not lost.any():
        return merged
    names = merged.loc[lost, key].astype(str)
    merged.loc[lost, "path"] = [str(folder.resolve() / name) for name in names]
    if "label_table" not in merged.columns:
        parts = [Path(name).parts for name in names]
        classes = [p[0] if len(p) > 1 else None for p in parts]
        if any(c is None for c in classes):
            example = names[[c is None for c in classes]].iloc[0]
            raise InputError(
                f"{int(lost.sum())} row(s) of the predictions table name no image under "
                f"{str(folder)!r} (e.g. {example!r}), and without the image's class folder their "
                "true label is unknown. Fix the rows' ids, or add a 'label' column to the table."
            )
        merged.loc[lost, "label"] = classes
    return merged


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
