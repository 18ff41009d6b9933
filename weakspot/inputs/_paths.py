"""The image path rule: paths read from a table stay under the image root.

A predictions table can come from anywhere (a colleague, a CI artefact, a scraped data set), and
its image column names files that weakspot opens, decodes and embeds, as thumbnails, in
``report.html``. So a path read from a table must lead, after every symbolic link is resolved,
to a file under the *image root*: the folder given as ``images=`` (``--images``), else the
folder of the table file, else (a DataFrame) the current working directory. A row whose path
leads elsewhere (``../../etc/passwd``, ``/home/me/.ssh/id_rsa``, a link out of the folder) is
not opened: it is skipped with its reason, like an unreadable image. ``allow_outside_root=True``
(``--allow-outside-root``) lifts the rule for a table the user trusts.

Paths given in Python as a list (``images=[...]``) are the caller's own choice and are not
checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from weakspot._errors import InputError


@dataclass(frozen=True)
class ImagePaths:
    """The image paths of a table's rows, after the path rule.

    Attributes
    ----------
    paths : list of str, length n
        Absolute path of each row's image (resolved when it lies under the root).
    refused : dict of int to str
        Row index -> reason, for rows whose image is not opened (empty cell, outside the root).
    root : Path or None
        The image root the rule was checked against (None when the rule was lifted).
    """

    paths: list[str]
    refused: dict[int, str] = field(default_factory=dict)
    root: Path | None = None


def resolve_image_paths(
    paths: np.ndarray, root: str | Path | None, *, allow_outside_root: bool = False
) -> ImagePaths:
    """Apply the path rule to a table's image column.

    Parameters
    ----------
    paths : ndarray of str, shape (n,)
        The image column as text; relative paths are relative to `root`.
    root : str, Path or None
        The image root; None means the current working directory.
    allow_outside_root : bool
        Open paths outside the root too (the table is trusted).
    """
    base = Path(root) if root is not None else Path.cwd()
    if root is not None and not base.is_dir():
        raise InputError(
            f"images={str(root)!r} is not a folder. Give the folder the table's image paths "
            "are relative to.",
            parameter="images",
        )
    real_root = Path(os.path.realpath(base))
    out: list[str] = []
    refused: dict[int, str] = {}
    for i, raw in enumerate(paths):
        text = "" if raw is None else str(raw)
        if text.strip() in ("", "nan", "None", "<NA>"):
            refused[i] = "empty image path in the table"
            out.append("")
            continue
        if "\0" in text:
            refused[i] = "image path holds a NUL character"
            out.append(text.replace("\0", "\\0"))
            continue
        joined = Path(text) if Path(text).is_absolute() else base / text
        real = Path(os.path.realpath(joined))
        if not allow_outside_root and not real.is_relative_to(real_root):
            refused[i] = (
                f"outside the image root {str(real_root)!r} (resolves to {str(real)!r}); "
                "move the image under the root, set images= to a folder that holds it, or pass "
                "allow_outside_root=True if the table is trusted"
            )
            out.append(str(joined))
            continue
        out.append(str(real))
    return ImagePaths(out, refused, None if allow_outside_root else real_root)
