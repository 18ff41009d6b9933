"""From every finder's proposals to one trustworthy, ranked, de-duplicated list of slices."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from weakspot.slices._base import FinderOutput
from weakspot.slices._slice import Alias, Slice, slice_statistics
from weakspot.stats import benjamini_hochberg, significantly_worse, unique_inverse


def select_slices(
    outputs: list[FinderOutput],
    errors: np.ndarray,
    *,
    min_support: int,
    max_q: float = 0.05,
    min_lift: float = 1.1,
    max_slices: int = 15,
    max_jaccard: float = 0.8,
    labels: np.ndarray | None = None,
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
    min_lift : float
        Smallest ratio of a reported slice's error rate to the rest's. Significance alone is
        not enough on large sets: with 5,000,000 rows a chance slice at 6.7% errors against
        6.5% elsewhere (lift 1.03) passed q < 0.05, among the hundreds of variants of a real
        slice that fill the family (docs/finders.md, "Significant is not enough").
    max_slices : int
        At most this many slices are returned.
    max_jaccard : float
        A slice whose members overlap a higher-ranked one's with Jaccard >= this is folded in.

    Returns
    -------
    slices : list of Slice, ranked, with ``stats``, ``rank`` (from 1) and ``aliases`` filled
    counts : dict with ``tested``, ``proposed``, ``significant``, ``reported``
    """
    # errors each row would have at its class's error rate: what class difficulty alone explains
    expected = (
        _class_error_rates(labels, errors)
        if labels is not None
        else np.full(len(errors), errors.mean())
    )
    family = np.concatenate([o.family_p_values for o in outputs]) if outputs else np.zeros(0)
    q_of = _q_value_lookup(family)
    candidates: list[Slice] = []
    for output in outputs:
        for item, p in zip(output.slices, output.proposed_p_values, strict=True):
            mask = item.mask(len(errors))
            stats = replace(
                slice_statistics(mask, errors),
                class_adjusted_excess=float(errors[mask].sum() - expected[mask].sum()),
                search_p_value=float(p),
                q_value=float(q_of(p)),
            )
            candidates.append(item.replace(stats=stats))
    significant = [
        s for s in candidates if _stats(s).q_value <= max_q and _stats(s).size >= min_support
    ]
    significant = [s for s in significant if _stats(s).lift > 1 and _stats(s).lift >= min_lift]
    ranked = sorted(significant, key=_rank_key)
    folded = _fold_redundant(ranked, errors, max_jaccard, max_q / 5)[:max_slices]
    kept = [item.replace(rank=rank) for rank, item in enumerate(folded, start=1)]
    counts = {
        "tested": int(family.size),
        "proposed": len(candidates),
        "significant": len(significant),
        "reported": len(kept),
    }
    return kept, counts


def _stats(item: Slice):
    assert item.stats is not None, "select_slices fills every candidate's statistics first"
    return item.stats


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


def _class_error_rates(labels: np.ndarray, errors: np.ndarray) -> np.ndarray:
    """Each row's class error rate, shape (n,)."""
    classes, index = unique_inverse(np.asarray(labels))
    rates = np.bincount(index, weights=errors, minlength=len(classes)) / np.bincount(
        index, minlength=len(classes)
    )
    return rates[index]


def _rank_key(item: Slice) -> tuple:
    """Most errors beyond what the members' classes explain first; then higher lift; then fewer
    conditions; then text, for ties.

    A slice of hard classes (or of a property that only tracks them) fails often, but the
    per-class metrics already say so; a failure that cuts across classes is news.
    """
    n_conditions = len(item.conditions) if item.conditions else 99
    return (
        -round(_stats(item).class_adjusted_excess, 9),
        -round(_stats(item).lift, 9),
        n_conditions,
        item.method,
        item.rule(),
    )


def _fold_redundant(
    ranked: list[Slice], errors: np.ndarray, max_jaccard: float, alpha: float
) -> list[Slice]:
    """Fold each slice into a higher-ranked one it adds nothing to, and each kept slice into a
    later one that explains it.

    A slice adds nothing when its members are a near-copy of a kept slice's (Jaccard at least
    `max_jaccard`); when it overlaps a kept slice and its part outside that slice is not
    significantly worse than everything outside it (it is high-error only because of the
    overlap); or when it lies inside a kept slice and is not significantly worse than the
    rest of that slice. Ranking by excess errors puts a broad slice before the sharper one
    inside it that carries its errors (``clipping < 0.51``, 1,495 rows, before
    ``noise >= 0.065``, 503): once the sharper slice is kept, a kept slice whose part outside
    it is no worse than the rest of the data is folded into it. "Significantly" is a one-sided
    exact test at level `alpha`.
    """
    kept: list[Slice] = []
    kept_masks: list[np.ndarray] = []
    n = len(errors)
    for item in ranked:
        mask = item.mask(n)
        home = next(
            (
                i
                for i, other in enumerate(kept_masks)
                if _redundant(mask, other, errors, max_jaccard, alpha)
            ),
            None,
        )
        if home is not None:
            kept[home] = _with_alias(kept[home], item)
            continue
        explained = [
            i for i, other in enumerate(kept_masks) if _explains(mask, other, errors, alpha)
        ]
        for i in explained:
            item = _with_alias(item, kept[i])
            for alias in kept[i].aliases:
                item = _with_inherited_alias(item, alias)
        kept = [k for i, k in enumerate(kept) if i not in explained]
        kept_masks = [m for i, m in enumerate(kept_masks) if i not in explained]
        kept.append(item)
        kept_masks.append(mask)
    return sorted(kept, key=_rank_key)


def _explains(mask: np.ndarray, kept: np.ndarray, errors: np.ndarray, alpha: float) -> bool:
    """Whether the slice `mask`, lying inside the kept slice, carries all of its excess errors."""
    size = int(mask.sum())
    if size == 0 or (mask & kept).sum() < 0.9 * size or kept.sum() <= size:
        return False
    rest_of_kept = kept & ~mask
    outside = ~(kept | mask)
    return not significantly_worse(rest_of_kept, outside, errors, alpha)


def _with_alias(kept: Slice, item: Slice) -> Slice:
    """`kept` with the folded slice `item` recorded among its aliases, once per distinct rule."""
    rule = item.rule() or None
    key = rule or item.label or item.method
    if rule == (kept.rule() or None) and rule is not None:
        return kept
    if any((a.rule or a.description or a.method) == key for a in kept.aliases):
        return kept
    alias = Alias(item.method, rule, None if rule else item.label, _stats(item).size)
    return kept.replace(aliases=(*kept.aliases, alias))


def _with_inherited_alias(item: Slice, alias: Alias) -> Slice:
    """`item` with an alias of a slice folded into it, unless it names `item` or is known."""
    known = [(a.rule, a.description) for a in item.aliases]
    if alias.rule == (item.rule() or None) or (alias.rule, alias.description) in known:
        return item
    return item.replace(aliases=(*item.aliases, alias))


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
        return not significantly_worse(mask & kept, kept, errors, alpha)
    # overlaps the kept slice: is the part outside it worse than everything outside it?
    return not significantly_worse(mask & ~kept, ~kept, errors, alpha)
