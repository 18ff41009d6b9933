"""Read an ImageFolder tree (one sub-folder per class) into a table of image paths."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from weakspot._errors import InputError

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}
)


def load_images_source(path: str | Path) -> pd.DataFrame:
    """Image files under a folder, labelled by their class sub-folder.

    Parameters
    ----------
    path : str or Path
        A folder laid out as ``path/<class>/<...>/<image>``; images directly under `path`
        get a missing label.

    Returns
    -------
    DataFrame, one row per image file, sorted by ``id``
        ``path`` (str, absolute), ``label`` (str: the class folder's name, or None) and
        ``id`` (str: the path relative to `path`, with forward slashes).
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(
            f"Image folder {str(path)!r} does not exist or is not a folder; pass a folder with "
            "one sub-folder of images per class."
        )
    rows = []
    for file in root.rglob("*"):
        if file.suffix.lower() not in IMAGE_SUFFIXES or not file.is_file():
            continue
        relative = file.relative_to(root)
        label = relative.parts[0] if len(relative.parts) > 1 else None
        rows.append({"path": str(file.resolve()), "label": label, "id": relative.as_posix()})
    if not rows:
        raise InputError(
            f"No image files ({', '.join(sorted(IMAGE_SUFFIXES))}) were found under {str(path)!r}."
        )
    frame = pd.DataFrame(rows, columns=["path", "label", "id"])
    return frame.sort_values("id", ignore_index=True)
