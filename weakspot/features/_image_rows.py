"""Image extraction over the rows the path rule lets through, expanded back to every row.

Rows whose image is refused before any file is opened (an empty cell, a path outside the image
root) are never given to the image stage; they come back as skipped rows, with their reason,
exactly like an image that could not be decoded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import ImageError

logger = logging.getLogger("weakspot")


def extract_allowed(
    extract: Callable[..., Any],
    paths: list[str],
    refused: Mapping[int, str],
    *,
    labels: np.ndarray | None,
    embeddings: np.ndarray | None,
    max_failed_share: float,
) -> Any:
    """Run ``extract(paths, labels=, embeddings=, max_failed_share=)`` on the rows not in
    `refused` (row -> reason).

    Returns the extraction's `ImageFeatures` with one row per row of the table.
    """
    n = len(paths)
    if not refused:
        return extract(
            paths, labels=labels, embeddings=embeddings, max_failed_share=max_failed_share
        )
    for index, reason in sorted(refused.items()):
        logger.warning("skipping image %s: %s", paths[index] or f"<row {index}>", reason)
    allowed = np.array([i for i in range(n) if i not in refused], dtype=np.int64)
    budget = max_failed_share * n - len(refused)
    if budget < 0 or len(allowed) == 0:
        first = min(refused)
        raise ImageError(
            f"{len(refused)} of {n} images cannot be opened, more than "
            f"max_failed_share={max_failed_share}; first: row {first} "
            f"({paths[first]!r}): {refused[first]}."
        )
    part = extract(
        [paths[i] for i in allowed],
        labels=None if labels is None else labels[allowed],
        embeddings=None if embeddings is None else embeddings[allowed],
        max_failed_share=min(1.0, budget / len(allowed)),
    )
    return _expand(part, allowed, paths, refused, embeddings)


def _expand(
    part: Any, allowed: np.ndarray, paths: list[str], refused: Mapping[int, str], embeddings: Any
) -> Any:
    """The features of `allowed` rows spread over `n` rows; refused rows are empty (NaN/False)."""
    from dataclasses import replace

    n = len(paths)

    def spread(frame: pd.DataFrame) -> pd.DataFrame:
        full = frame.set_axis(allowed).reindex(range(n))
        for column in frame.columns:
            if frame[column].dtype == bool:
                full[column] = full[column].fillna(False).astype(bool)
            elif frame[column].dtype == object:
                full[column] = full[column].astype(object).where(full[column].notna(), None)
        return full

    vectors = embeddings
    if vectors is None and part.embeddings is not None:
        vectors = np.full((n, part.embeddings.shape[1]), np.nan, dtype=part.embeddings.dtype)
        vectors[allowed] = part.embeddings
    skipped = [{**s, "index": int(allowed[s["index"]])} for s in part.skipped]
    skipped += [{"index": i, "path": paths[i], "reason": reason} for i, reason in refused.items()]
    return replace(
        part,
        properties=spread(part.properties),
        flags=spread(part.flags),
        concepts=None if part.concepts is None else spread(part.concepts),
        embeddings=vectors,
        skipped=sorted(skipped, key=lambda s: s["index"]),
    )
