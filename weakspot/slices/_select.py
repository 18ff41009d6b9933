"""From every finder's proposals to one trustworthy, ranked, de-duplicated list of slices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from weakspot.slices._base import FinderOutput
from weakspot.slices._slice import Alias, Slice, slice_statistics, with_bootstrap
from weakspot.stats import (
    LossPopulation,
    benjamini_hochberg,
    permutation_draws,
    permutation_p_values,
    significantly_worse,
    unique_inverse,
)


@dataclass(frozen=True)
class ViewOutputs:
    """What the finders proposed on one directed view, and the loss to judge it by.

    Attributes
    ----------
    outputs : list of FinderOutput
        Member positions among the view's units.
    errors : ndarray, shape (n_units,)
        The directed loss the tests count (a two-sided view's deficit search: the negation).
    value : ndarray, shape (n_units,)
        The view's value (not negated): what the statistics report.
    name : str
        The view (`Slice.view`).
    sign : {1, -1}
    two_sided : bool
    rows : ndarray of int, shape (n_units,), or None
        Positions of the view's units in the table; None: every row.
    labels : ndarray, shape (n_units,), or None
        A classifier's labels, for the class-adjusted excess.
    beyond : callable (Slice, mask) -> float, or None
        With a classifier's probabilities (the error view): a slice's errors beyond what the
        model's own probabilities predict (`beyond_confidence`), by which slices are ranked.
    """

    outputs: list[FinderOutput]
    errors: np.ndarray
    value: np.ndarray
    name: str = "error"
    sign: int = 1
    two_sided: bool = False
    rows: np.ndarray | None = None
    labels: np.ndarray | None = None
    beyond: Callable[[Slice, np.ndarray], float] | None = None


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
    random_state: int = 0,
) -> tuple[list[Slice], dict[str, int]]:
    """Keep the significant slices of one loss, fold near-copies together, rank them
    (`select_views` with the one ``"error"`` view; same parameters)."""
    view = ViewOutputs(outputs, errors, errors, labels=labels)
    return select_views(
        [view],
        min_support=min_support,
        max_q=max_q,
        min_lift=min_lift,
        max_slices=max_slices,
        max_jaccard=max_jaccard,
        random_state=random_state,
    )


def select_views(
    views: list[ViewOutputs],
    *,
    min_support: int,
    max_q: float = 0.05,
    min_lift: float = 1.1,
    max_slices: int = 15,
    max_jaccard: float = 0.8,
    random_state: int = 0,
) -> tuple[list[Slice], dict[str, int]]:
    """Keep the significant slices of every view, fold near-copies together, rank them.

    Benjamini-Hochberg is taken over the union of every finder's family on every view, so a
    slice's q-value accounts for all the hypotheses the search looked at, across finders and
    losses. For a continuous loss, the finalists (the slices that pass the normal screen)
    are tested again by permutation (`weakspot.stats.permutation_p_values`): their reported
    `p_value` is the permutation one, their q-value that of the larger of the two p-values,
    and a finalist whose permutation p-value does not pass is dropped. Slices are folded
    within their view only (a large error and a bias on the same rows say different things),
    then ranked together.

    Parameters
    ----------
    views : list of ViewOutputs
    min_support : int
        Smallest slice reported.
    max_q : float
        Largest q-value reported.
    min_lift : float
        Smallest ratio of a reported slice's error rate (mean loss) to the rest's (the loss
        ratio; `weakspot.stats.shift_ratio` for a signed view). Significance alone is not
        enough on large sets: with 5,000,000 rows a chance slice at 6.7% errors against 6.5%
        elsewhere (lift 1.03) passed q < 0.05, among the hundreds of variants of a real
        slice that fill the family (docs/finders.md, "Significant is not enough").
    max_slices : int
        At most this many slices are returned.
    max_jaccard : float
        A slice whose members overlap a higher-ranked one's with Jaccard >= this is folded in.
    random_state : int
        Seed of the permutation tests and bootstrap intervals.

    Returns
    -------
    slices : list of Slice, ranked, with ``stats``, ``rank`` (from 1), ``aliases`` and
        ``view`` filled, members as positions in the table
    counts : dict with ``tested``, ``proposed``, ``significant``, ``reported``
    """
    family = np.concatenate([o.family_p_values for v in views for o in v.outputs] or [np.zeros(0)])
    q_of = _q_value_lookup(family)
    cutoff = _bh_cutoff(family, max_q)
    folded: list[tuple[Slice, int]] = []
    n_candidates = n_significant = 0
    for index, view in enumerate(views):
        candidates = _candidates(view, q_of)
        n_candidates += len(candidates)
        significant = [
            s for s in candidates if _stats(s).q_value <= max_q and _stats(s).size >= min_support
        ]
        significant = [s for s in significant if _stats(s).lift > 1 and _stats(s).lift >= min_lift]
        significant = _confirm(significant, view, q_of, cutoff, max_q, [random_state, index])
        n_significant += len(significant)
        ranked = sorted(significant, key=_rank_key)
        view_folded = _fold_redundant(ranked, view.errors, max_jaccard, max_q / 5)
        folded.extend((item, index) for item in view_folded)
    # one view (a classifier): its folded list is already in this order, and sorted is stable
    chosen = sorted(folded, key=lambda pair: _rank_key(pair[0]))[:max_slices]
    kept = [
        _in_table(item, views[index], [random_state, index, rank]).replace(rank=rank)
        for rank, (item, index) in enumerate(chosen, start=1)
    ]
    counts = {
        "tested": int(family.size),
        "proposed": n_candidates,
        "significant": n_significant,
        "reported": len(kept),
    }
    return kept, counts


def _candidates(view: ViewOutputs, q_of) -> list[Slice]:
    """Every proposal of `view`'s finders with its statistics on the view's loss."""
    errors = view.errors
    n = len(errors)
    # errors each unit would have at its class's error rate: what class difficulty explains
    expected = (
        _class_error_rates(view.labels, errors)
        if view.labels is not None
        else np.full(n, errors.mean())
    )
    candidates: list[Slice] = []
    for output in view.outputs:
        for item, p in zip(output.slices, output.proposed_p_values, strict=True):
            mask = item.mask(n)
            stats = replace(
                slice_statistics(mask, view.value, sign=view.sign, two_sided=view.two_sided),
                class_adjusted_excess=float(errors[mask].sum() - expected[mask].sum()),
                beyond_confidence=None if view.beyond is None else view.beyond(item, mask),
                search_p_value=float(p),
                q_value=float(q_of(p)),
            )
            candidates.append(item.replace(stats=stats, view=view.name))
    return candidates


def _confirm(
    finalists: list[Slice], view: ViewOutputs, q_of, cutoff: float, max_q: float, seed: list[int]
) -> list[Slice]:
    """The finalists of a continuous loss that the permutation test confirms, with its
    p-value; a 0/1 loss's finalists come back as they are (their test is already exact).

    The draws are enough to resolve the Benjamini-Hochberg cut-off of the family where the
    work allows (`weakspot.stats.permutation_draws`); where it does not, a finalist that no
    draw reached keeps its screen's q-value (the draws cannot say more).
    """
    population = LossPopulation.of(view.errors)
    if not finalists or population.binary:
        return finalists
    n = len(view.errors)
    masks = [item.mask(n) for item in finalists]
    totals = [float(view.errors[mask].sum()) for mask in masks]
    sizes = [int(mask.sum()) for mask in masks]
    draws = permutation_draws(n, cutoff)
    p_values = permutation_p_values(view.errors, totals, sizes, draws=draws, random_state=seed)
    floor = 1.0 / (draws + 1)
    confirmed = []
    for item, p in zip(finalists, p_values, strict=True):
        stats = _stats(item)
        unresolved = p <= floor and floor > cutoff
        q = (
            stats.q_value
            if unresolved
            else max(stats.q_value, float(q_of(max(p, stats.search_p_value))))
        )
        if q <= max_q:
            confirmed.append(item.replace(stats=replace(stats, p_value=float(p), q_value=q)))
    return confirmed


def _bh_cutoff(family: np.ndarray, max_q: float) -> float:
    """The largest p-value Benjamini-Hochberg rejects at level `max_q` within `family` (the
    level a finalist's permutation p-value must reach); ``max_q / m`` when it rejects none."""
    m = family.size
    if m == 0:
        return max_q
    ordered = np.sort(family)
    passing = np.flatnonzero(ordered <= max_q * np.arange(1, m + 1) / m)
    return float(ordered[passing[-1]]) if passing.size else max_q / m


def _in_table(item: Slice, view: ViewOutputs, seed: list[int]) -> Slice:
    """A kept slice with its bootstrap intervals (continuous loss) and its members (and its
    aliases' view) as positions in the table."""
    stats = with_bootstrap(
        _stats(item),
        item.mask(len(view.errors)),
        view.value,
        sign=view.sign,
        two_sided=view.two_sided,
        random_state=seed,
    )
    if view.rows is None:
        return item.replace(stats=stats)
    return item.replace(stats=stats, members=view.rows[item.members])


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
    """Most errors beyond what the members' classes explain first, or, for a rule over the true
    label with probabilities, beyond what the model's own probabilities predict; then higher
    lift; then fewer conditions; then text, for ties.

    A slice of hard classes (or of a property that only tracks them) fails often, but the
    per-class metrics already say so; a failure that cuts across classes is news. A rule that
    cuts the label (``label == 0 and x1 >= 0.02``) selects rows by their outcome: on the wrong
    side of the boundary every row fails by construction and the class-adjusted excess is
    inflated, while the probabilities predict those errors, so `beyond_confidence` ranks it
    and a confidently wrong subgroup (a clinic whose labels are inverted) outranks it. A rule
    over the inputs keeps the class-adjusted excess: a model unsure on dark images is honest
    about a real failure, which its probabilities cannot tell from the boundary (the
    diagnoses weigh that, `weakspot.diagnoses._surprise`).
    """
    n_conditions = len(item.conditions) if item.conditions else 99
    stats = _stats(item)
    on_label = any(c.feature == "label" for c in item.conditions or ())
    news = (
        stats.beyond_confidence
        if on_label and stats.beyond_confidence is not None
        else stats.class_adjusted_excess
    )
    return (
        -round(news, 9),
        -round(_stats(item).lift, 9),
        n_conditions,
        item.method,
        item.rule(),
        item.view,
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
