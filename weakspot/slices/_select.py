"""From every finder's proposals to one trustworthy, ranked, de-duplicated list of slices."""

from __future__ import annotations

import numpy as np

from weakspot.slices._base import FinderOutput
from weakspot.slices._slice import Slice
from weakspot.slices._stats import benjamini_hochberg, excess_error_p_value, slice_statistics


def select_slices(
    outputs: list[FinderOutput],
    errors: np.ndarray,
    *,
    min_support: int,
    max_q: float = 0.05,
    max_slices: int = 15,
    max_jaccard: float = 0.8,
) -> tuple[list[Slice], dict[str, int]]:
    """Keep the significant slices, fold near-copies together, rank them.

    Benjamini-Hochberg is taken over the union of every finder's family, so a slice's q-value
    accounts for all the hypotheses the search looked at, across finders.

    Parameters
    ----------
    outputs : list of FinderOutput
    errors : ndarray of {0, 1}, shape (n,)
    min_support : int
        Smallest slice reported.
    max_q : float
        Largest q-value reported.
    max_slices : int
        At most this many slices are returned.
    max_jaccard : float
        A slice whose members overlap a higher-ranked one's with Jaccard >= this is folded in.

    Returns
    -------
    slices : list of Slice, ranked, with ``stats`` filled and ``stats["rank"]`` from 1
    counts : dict with ``tested``, ``proposed``, ``significant``, ``reported``
    """
    family = np.concatenate([o.family_p_values for o in outputs]) if outputs else np.zeros(0)
    q_of = _q_value_lookup(family)
    candidates: list[Slice] = []
    for output in outputs:
        for item, p in zip(output.slices, output.proposed_p_values, strict=True):
            item.stats = slice_statistics(_mask(item, len(errors)), errors)
            item.stats["search_p_value"] = float(p)
            item.stats["q_value"] = float(q_of(p))
            candidates.append(item)
    significant = [
        s
        for s in candidates
        if s.stats["q_value"] <= max_q and s.stats["size"] >= min_support and s.stats["lift"] > 1
    ]
    ranked = sorted(significant, key=_rank_key)
    kept = _fold_redundant(ranked, errors, max_jaccard, max_q / 5)[:max_slices]
    for rank, item in enumerate(kept, start=1):
        item.stats["rank"] = rank
    counts = {
        "tested": int(family.size),
        "proposed": len(candidates),
        "significant": len(significant),
        "reported": len(kept),
    }
    return kept, counts


def _mask(item: Slice, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[item.members] = True
    return mask


def _q_value_lookup(family: np.ndarray):
    """Return a function p -> Benjamini-Hochberg q-value of p within `family`."""
    if family.size == 0:
        return lambda p: 1.0
    order = np.sort(family)
    q_sorted = np.sort(benjamini_hochberg(family))

    def lookup(p: float) -> float:
        index = min(int(np.searchsorted(order, p, side="left")), len(order) - 1)
        return float(q_sorted[index])

    return lookup


def _rank_key(item: Slice) -> tuple:
    """Most excess errors first; then higher lift; then fewer conditions; then text, for ties."""
    n_conditions = len(item.conditions) if item.conditions else 99
    return (
        -round(item.stats["excess_errors"], 9),
        -round(item.stats["lift"], 9),
        n_conditions,
        item.method,
        item.rule(),
    )


def _fold_redundant(
    ranked: list[Slice], errors: np.ndarray, max_jaccard: float, alpha: float
) -> list[Slice]:
    """Fold each slice into a higher-ranked one it adds nothing to.

    A slice adds nothing when its members are a near-copy of a kept slice's (Jaccard at least
    `max_jaccard`); when it overlaps a kept slice and its part outside that slice is not
    significantly worse than everything outside it (it is high-error only because of the
    overlap); or when it lies inside a kept slice and is not significantly worse than the
    rest of that slice. "Significantly" is a one-sided exact test at level `alpha`.
    """
    kept: list[Slice] = []
    kept_masks: list[np.ndarray] = []
    n = len(errors)
    for item in ranked:
        mask = _mask(item, n)
        home = next(
            (
                i
                for i, other in enumerate(kept_masks)
                if _redundant(mask, other, errors, max_jaccard, alpha)
            ),
            None,
        )
        if home is None:
            kept.append(item)
            kept_masks.append(mask)
            item.extra.setdefault("also_found_as", [])
        else:
            _note_alias(kept[home], item)
    return kept


def _note_alias(kept: Slice, item: Slice) -> None:
    """Record a folded slice under the one it was folded into, once per distinct rule."""
    aliases = kept.extra.setdefault("also_found_as", [])
    rule = item.rule()
    if rule and (rule == kept.rule() or any(a["rule"] == rule for a in aliases)):
        return
    aliases.append({"method": item.method, "rule": rule, "size": item.stats["size"]})


def _redundant(
    mask: np.ndarray, kept: np.ndarray, errors: np.ndarray, max_jaccard: float, alpha: float
) -> bool:
    inter = int((mask & kept).sum())
    union = int((mask | kept).sum())
    if union and inter / union >= max_jaccard:
        return True
    if inter == 0:
        return False
    if inter >= 0.9 * int(mask.sum()):
        # inside the kept slice: is it worse than the rest of that slice?
        return not _worse(mask & kept, kept, errors, alpha)
    # overlaps the kept slice: is the part outside it worse than everything outside it?
    return not _worse(mask & ~kept, ~kept, errors, alpha)


def _worse(part: np.ndarray, population: np.ndarray, errors: np.ndarray, alpha: float) -> bool:
    """Whether `part` holds significantly more errors than a random draw from `population`."""
    size = int(part.sum())
    if size == 0:
        return False
    p = excess_error_p_value(
        [errors[part].sum()], [size], int(errors[population].sum()), int(population.sum())
    )[0]
    return bool(p <= alpha)


def _jaccard(a: set[int], b: set[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0
