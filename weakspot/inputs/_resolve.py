"""The inputs stage: from what the caller handed over to validated `Inputs`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.inputs._arrow_memory import release_arrow_memory
from weakspot.inputs._embeddings import load_embeddings, require_finite
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.inputs._image_bytes import holds_bytes, resolve_image_cells
from weakspot.inputs._image_inputs import check_image_array, table_for_image_folder
from weakspot.inputs._partitioned import is_partitioned, map_partitions
from weakspot.inputs._paths import ImagePaths
from weakspot.inputs._sample import RowSample, sample_examples


@dataclass(frozen=True, eq=False)
class Inputs:
    """Everything the later stages read from the caller, validated once.

    Attributes
    ----------
    examples : Examples
        One row per example: ids, labels, predictions, probabilities, metadata.
    images : ndarray of shape (n, H, W[, C]), list of n absolute paths, or None
        What to decode, one image per example.
    embeddings : ndarray of float32, shape (n, d), or None
        The caller's own embeddings.
    refused : mapping of int to str
        Rows whose image is never opened, with the reason: an empty image cell, or a path
        outside the image root (docs/security.md). The image stage lists them as skipped.
    sample : RowSample or None
        Which rows of the input these are, when `sample=` kept fewer than all of them.
    """

    examples: Examples
    images: np.ndarray | list[str] | None
    embeddings: np.ndarray | None
    refused: Mapping[int, str] = field(default_factory=dict)
    sample: RowSample | None = None


def resolve_inputs(
    data: pd.DataFrame | str | Path,
    *,
    predictions: pd.DataFrame | str | Path | None = None,
    images: Any = None,
    image_column: str | None = None,
    embeddings: Any = None,
    allow_outside_root: bool = False,
    sample: int | None = None,
    random_state: int = 0,
    rows: RowSample | None = None,
    root: str | Path | None = None,
    **columns: Any,
) -> Inputs:
    """Read and validate the table, its images and embeddings.

    Parameters
    ----------
    data, predictions, images, image_column, embeddings, allow_outside_root, sample, random_state
        As in `weakspot.analyze`: with `sample`, the whole table is validated, then the
        `sample` rows of lowest id hash are kept (`weakspot.inputs._sample`).
    rows : RowSample, optional
        The rows of the input that `data` holds, when it is a sample already drawn (by
        `read_partitioned_sample`): per-row `images` and `embeddings`, given for the whole
        input, are taken at its positions.
    root : str or Path, optional
        For a DataFrame `data` read from a file by the caller: that file's folder, which its
        relative image paths are under, as they are under a table path's own folder. It is
        no promise of images: a table without an image-path column has none (unlike
        `images`, which asks for them).
    **columns
        `build_examples`'s column options: label, prediction, id_column, score_column,
        positive_class, classes, metadata, ignore.
    """
    frame, root, image_column = _resolve_table(
        data,
        predictions,
        images,
        root,
        id_column=columns.get("id_column"),
        image_column=image_column,
    )
    examples = build_examples(frame, image_column=image_column, **columns)
    del frame
    if sample is not None and len(examples) > sample:
        examples, rows = sample_examples(examples, sample, random_state)
    found = _image_input(examples, root, _per_row(images, rows), allow_outside_root)
    refused: dict[int, str] = {}
    pixels = found
    if isinstance(found, ImagePaths):
        pixels, refused = found.paths, dict(found.refused)
        if holds_bytes(examples.image_paths):  # now in files: keep their paths, not the bytes
            examples = replace(examples, image_paths=np.array(found.paths, dtype=object))
    given = load_embeddings(embeddings, len(examples) if rows is None else rows.of)
    if given is not None:
        require_finite(given)
    release_arrow_memory()
    return Inputs(
        examples=examples,
        images=pixels,
        embeddings=given if given is None or rows is None else given[rows.positions],
        refused=refused,
        sample=rows if rows is not None and len(rows.positions) < rows.of else None,
    )


def _per_row(images: Any, rows: RowSample | None) -> Any:
    """Images given one per input row (an array, a list of paths), at the sample's rows."""
    if rows is None or images is None or isinstance(images, str | Path):
        return images
    images = check_image_array(images, rows.of)
    if isinstance(images, np.ndarray):
        return images[rows.positions]
    return [images[i] for i in rows.positions]


def _resolve_table(
    data, predictions, images, root=None, *, id_column=None, image_column=None
) -> tuple[pd.DataFrame, Path | None, str | None]:
    """The predictions table, the folder its image paths are relative to (if any): the
    `images` folder, else a table path's folder, else `root` (a DataFrame's), and its image
    column (`image_column`, or the column an image folder's join wrote)."""
    if isinstance(data, str | Path) and Path(data).is_dir():
        if predictions is None:
            raise InputError(
                f"{str(data)!r} is an image folder: also give the model's predictions for its "
                "images (predictions=PREDS.csv, with an 'id' column holding each image's path "
                "relative to the folder).",
                parameter="predictions",
            )
        table = read_table(predictions) if isinstance(predictions, str | Path) else predictions
        joined, column = table_for_image_folder(
            data, table, id_column=id_column, image_column=image_column
        )
        return joined, Path(data), column
    if predictions is not None:
        raise InputError(
            "predictions= goes with an image folder as data; here data is already the "
            "predictions table.",
            parameter="predictions",
        )
    frame = read_table(data) if isinstance(data, str | Path) else data
    if isinstance(images, str | Path):
        return frame, Path(images), image_column
    if isinstance(data, str | Path):
        return frame, Path(data).parent, image_column
    return frame, None if root is None else Path(root), image_column


def _image_input(examples: Examples, root: Path | None, images: Any, allow_outside: bool) -> Any:
    """What to decode: the given array / paths, or the table's image paths, or None."""
    if images is not None and not isinstance(images, str | Path):
        return check_image_array(images, len(examples))
    if examples.image_paths is None:
        if images is not None:
            raise InputError(
                f"images={str(images)!r} was given but the table has no image-path column "
                "(image, image_path, path, file, filename, filepath); name it with "
                "image_column=COLUMN.",
                parameter="image_column",
            )
        return None
    return resolve_image_cells(examples.image_paths, root, allow_outside_root=allow_outside)


def map_examples(
    data: Any,
    fn: Callable[[Examples], Any],
    *,
    predictions: Any = None,
    images: Any = None,
    image_column: str | None = None,
    **columns: Any,
) -> list[Any]:
    """`fn` applied to the `Examples` of every partition of the whole input, in order.

    A second pass over an input already validated (by `resolve_inputs`): a Parquet folder is
    read here by threads, a Dask DataFrame's partitions are turned into `Examples` and given to
    `fn` where they are computed (the cluster's workers when a client runs, so `fn` must
    pickle), and any other input is one partition. `columns` are `build_examples`' options;
    give ``classes=`` (those of the whole input), since one partition may lack some.
    """
    if predictions is None and is_partitioned(data):
        return map_partitions(data, fn, image_column=image_column, **columns)
    frame, _, image_column = _resolve_table(
        data, predictions, images, id_column=columns.get("id_column"), image_column=image_column
    )
    return [fn(build_examples(frame, image_column=image_column, **columns))]
