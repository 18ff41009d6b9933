"""What the embedding-space finders share: reduced embeddings, the fitting half, class codes,
and the held-out test of member sets."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from weakspot.slices._base import FinderOutput, SearchContext
from weakspot.slices._slice import Slice
from weakspot.stats import held_out_p_value, random_half


def prepare_embeddings(
    context: SearchContext, n_pca_components: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Reduce the context's embeddings and draw the fitting half.

    Returns None when there is nothing to search (no embeddings, no errors, too few rows).
    Otherwise ``(z, valid, grow)``: the embeddings reduced to `n_pca_components` principal
    components (kept as they are when it is 0), shape (n, p), zero on invalid rows; which
    rows have an embedding (`SearchContext.readable`); and the random half the finder may fit
    on (the same draw as the error tree's for the same seed).
    """
    embeddings = context.embeddings
    errors = context.errors
    n = len(errors)
    if embeddings is None:
        return None
    # the shape was checked once, where the embeddings came in (weakspot.features)
    embeddings = np.asarray(embeddings, dtype=np.float64)
    valid = (
        np.asarray(context.readable, dtype=bool)
        if context.readable is not None
        else np.isfinite(embeddings).all(axis=1)
    )
    if errors.sum() == 0 or valid.sum() < 4 * context.min_support:
        return None
    grow = random_half(n, context.random_state)
    x = embeddings[valid]
    if n_pca_components > 0:
        # PCA looks at the embeddings alone, never at the errors, so it may use every row.
        p = max(1, min(n_pca_components, x.shape[1], x.shape[0] - 1))
        pca = PCA(n_components=p, svd_solver="auto", random_state=context.random_state)
        # one BLAS thread: OpenBLAS's spinning threads made this PCA several times slower
        # on a loaded 2-core machine (weakspot.diagnoses._evidence.separability)
        with threadpool_limits(1, "blas"):
            x = pca.fit_transform(x)
    z = np.zeros((n, x.shape[1]))
    z[valid] = x
    return z, valid, grow


def class_codes(values: np.ndarray, classes: list[str]) -> np.ndarray:
    """Index of each value in `classes`, shape (n,); -1 for values not among them."""
    lookup = {str(c): i for i, c in enumerate(classes)}
    return np.array([lookup.get(str(v), -1) for v in values], dtype=np.int64)


def one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    """One-hot rows, shape (n, k); rows of code -1 are all zero but one tiny uniform mass."""
    out = np.zeros((len(codes), k))
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    out[~known] = 1.0 / max(k, 1)
    return out


def held_out_output(
    masks: list[np.ndarray],
    errors: np.ndarray,
    grow: np.ndarray,
    method: str,
    extras: list[dict],
    descriptions: list[str],
    *,
    note: str,
) -> FinderOutput:
    """Test each member mask on the held-out half; every mask is one hypothesis of the family.

    Parameters
    ----------
    masks : list of ndarray of bool, shape (n,)
        Members over all rows, chosen by looking at the fitting half only.
    """
    held_out = ~grow
    slices, p_values = [], []
    for mask, extra, description in zip(masks, extras, descriptions, strict=True):
        test = mask & held_out
        test_errors, test_size = int(errors[test].sum()), int(test.sum())
        p_values.append(held_out_p_value(mask, errors, held_out))
        slices.append(
            Slice(
                np.flatnonzero(mask),
                method,
                None,
                score=float(errors[mask].mean()) if mask.any() else 0.0,
                label=description,
                details={**extra, "held_out_size": test_size, "held_out_errors": test_errors},
            )
        )
    p = np.array(p_values, dtype=float)
    return FinderOutput(slices, p, p.copy(), [note])


def searchable_classes(
    context: SearchContext, valid: np.ndarray, grow: np.ndarray, min_class_errors: int
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """``(class, in_class, fit)`` for each class with at least `min_class_errors` errors and as
    many successes among its fitting rows; `in_class` and `fit` are masks of shape (n,)."""
    codes = class_codes(context.labels, context.classes)
    for k, cls in enumerate(context.classes):
        in_class = valid & (codes == k)
        fit = in_class & grow
        n_err = int(context.errors[fit].sum())
        if min(n_err, int(fit.sum()) - n_err) >= min_class_errors:
            yield cls, in_class, fit
