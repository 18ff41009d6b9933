"""The records of the slice stage: a `Slice` a finder proposes, its `SliceStats`, its aliases.

Records are frozen: a stage that adds to a slice (statistics, a refined rule, the slices
folded into it) returns a new one with `dataclasses.replace`, so what a finder proposed is
never changed behind its back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from weakspot._display import html_of
from weakspot.features import Condition
from weakspot.stats import (
    LossPopulation,
    bootstrap_intervals,
    excess_loss_p_value,
    loss_ratio,
    mean_interval,
    member_mask,
    shift_ratio,
    wilson_interval,
)


@dataclass(frozen=True)
class SliceStats:
    """Error statistics of one slice against the rest of the table.

    Attributes
    ----------
    For a continuous loss (a regressor's error, a view's signed residual) the "errors" are
    the summed loss and the "rates" mean losses; see `slice_statistics`.

    size : int
    errors : int or float
        Errors in the slice (a 0/1 loss), or its summed loss.
    error_rate : float
        Error rate, or mean loss (signed for a signed view).
    ci : tuple of float
        95% interval of `error_rate`: Wilson for a 0/1 loss, a percentile bootstrap otherwise
        (a normal interval until `with_bootstrap` fills it for a reported slice).
    rest_error_rate : float
        The same outside the slice (among the view's units).
    lift : float
        ``error_rate / rest_error_rate`` (inf when the rest has no error): the loss ratio; for
        a signed view, `weakspot.stats.shift_ratio` (1 + the gap between the means over the
        rest's mean absolute deviation).
    excess_errors : float
        Errors (summed loss) beyond what the overall rate puts in a group of this size
        (negative for a slice below the rest of a signed view).
    p_value : float
        One-sided test of the slice's loss against a random draw of its size: exact for a 0/1
        loss; for a continuous one, the normal screen until `select_views` replaces it by the
        permutation test of a finalist.
    lift_ci : tuple of float, or None
        95% percentile bootstrap interval of `lift` for a continuous loss; None for 0/1.
    class_adjusted_excess : float
        Errors beyond what the members' own classes' error rates explain.
    beyond_confidence : float or None
        With a classifier's probabilities: errors beyond what the model's own probabilities
        predict for the members (`weakspot.stats.ModelConfidence`); the slices are ranked by
        it. None without probabilities.
    search_p_value : float
        The p-value of the hypothesis the finder tested (held-out for split-sample finders).
    q_value : float
        Benjamini-Hochberg q-value of `search_p_value` within every finder's family.
    """

    size: int
    errors: int | float
    error_rate: float
    ci: tuple[float, float]
    rest_error_rate: float
    lift: float
    excess_errors: float
    p_value: float
    class_adjusted_excess: float = 0.0
    search_p_value: float = 1.0
    q_value: float = 1.0
    lift_ci: tuple[float, float] | None = None
    beyond_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {} if self.lift_ci is None else {"lift_ci": list(self.lift_ci)}
        if self.beyond_confidence is not None:
            extra["beyond_confidence"] = self.beyond_confidence
        return {
            "size": self.size,
            "errors": self.errors,
            "error_rate": self.error_rate,
            "ci": list(self.ci),
            "rest_error_rate": self.rest_error_rate,
            "lift": self.lift,
            "excess_errors": self.excess_errors,
            "class_adjusted_excess": self.class_adjusted_excess,
            "p_value": self.p_value,
            "search_p_value": self.search_p_value,
            "q_value": self.q_value,
            **extra,
        }


@dataclass(frozen=True)
class Alias:
    """A slice folded into a reported one: the same failure, found again or said differently."""

    method: str
    rule: str | None
    description: str | None
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "rule": self.rule,
            "description": self.description,
            "size": self.size,
        }


@dataclass(frozen=True, eq=False)
class Slice:
    """A group of examples a finder proposes, and what later steps learn about it.

    A slice is either a predicate (``conditions`` not None) or a member set found by a
    finder that does not produce rules (``conditions`` is None).

    Attributes
    ----------
    members : ndarray of int, shape (size,)
        Row positions of the members in the analysed table, sorted ascending.
    method : str
        Name of the finder that proposed it (``"lattice"``, ``"error_tree"``, ...).
    conditions : tuple of Condition, or None
        The predicate; None for member-set slices.
    score : float
        The finder's own score (SliceLine score, leaf error rate, ...).
    label : str
        The finder's own words for a member set ("Class shirt examples furthest along its
        failure direction"); empty for predicates.
    details : mapping
        Finder-specific facts, JSON-ready (held-out size and errors, a Barlow path, ...).
    refined_from : str or None
        The rule as the finder proposed it, when refinement simplified or widened it.
    stats : SliceStats or None
        Filled by `select_slices`.
    rank : int
        Position among the reported slices, from 1; 0 before ranking.
    aliases : tuple of Alias
        The slices folded into this one.
    view : str
        The loss the slice was found on (`weakspot.tasks.LossView`): ``"error"`` (the unit's
        loss, every task) or another view's name (a regressor's ``"bias"``, a tagger's
        ``"missed:<label>"`` or ``"false_alarm:<label>"``); its `stats` are that view's.
    """

    members: np.ndarray
    method: str
    conditions: tuple[Condition, ...] | None = None
    score: float = 0.0
    label: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    refined_from: str | None = None
    stats: SliceStats | None = None
    rank: int = 0
    aliases: tuple[Alias, ...] = ()
    view: str = "error"

    def __post_init__(self) -> None:
        if self.conditions is not None and not isinstance(self.conditions, tuple):
            object.__setattr__(self, "conditions", tuple(self.conditions))
        object.__setattr__(self, "members", compact_positions(self.members))

    @property
    def id(self) -> str:
        """``S<rank>``, the slice's id in analysis.json."""
        return f"S{self.rank}"

    def rule(self) -> str:
        """Return the predicate as ``a and b``, or an empty string for member sets."""
        if not self.conditions:
            return ""
        return " and ".join(c.describe() for c in self.conditions)

    def mask(self, n: int) -> np.ndarray:
        """Membership as a boolean mask of shape (n,)."""
        return member_mask(self.members, n)

    def replace(self, **changes: Any) -> Slice:
        """A copy with `changes` applied (the record itself never changes)."""
        return replace(self, **changes)

    def _repr_html_(self) -> str | None:
        """A scored slice in a notebook: the report's card (see `weakspot._display`), or None."""
        return html_of(self)


def compact_positions(members: np.ndarray) -> np.ndarray:
    """Sorted row positions as int32 when they fit (below 2^31 rows), else as they are.

    Half the memory of numpy's int64 positions: the candidate slices of a search hold many
    large member sets at once (0.5 GB at 5,000,000 rows, docs/scaling.md).
    """
    members = np.asarray(members)
    if members.dtype == np.int32 or members.dtype.kind not in "iu":
        return members
    if members.size and int(members.max()) >= 2**31:
        return members
    return members.astype(np.int32)


def slice_statistics(
    member_mask: np.ndarray,
    errors: np.ndarray,
    *,
    confidence: float = 0.95,
    sign: int = 1,
    two_sided: bool = False,
) -> SliceStats:
    """Size, errors, error rate with interval, lift, excess errors and p-value of one slice.

    A 0/1 loss gets counts, a Wilson interval and the exact test. Any other loss gets its
    sum, means, a normal interval of the mean, the loss ratio (`shift_ratio` for a signed
    or two-sided loss) and the normal screen of `weakspot.stats.excess_loss_p_value`.

    Parameters
    ----------
    member_mask : ndarray of bool, shape (n,)
    errors : ndarray, shape (n,)
        The loss (0/1 errors, or any value: a signed view's value, not negated).
    confidence : float
    sign : {1, -1}
        The direction tested: -1 tests a deficit of the loss (a two-sided view's second
        search), as an excess of its negation.
    two_sided : bool
        Whether the loss is a two-sided view's (its effect size is then `shift_ratio`).
    """
    population = LossPopulation.of(errors)
    if population.binary and sign == 1 and not two_sided:
        return _count_statistics(member_mask, errors, confidence)
    values = np.asarray(errors, dtype=np.float64)
    size = int(member_mask.sum())
    n = values.shape[0]
    inside, outside = values[member_mask], values[~member_mask]
    total, rest = float(inside.sum()), float(outside.sum())
    rate = total / size if size else 0.0
    rest_rate = rest / (n - size) if n - size else 0.0
    signed = two_sided or bool(values.size and values.min() < 0)
    directed = LossPopulation.of(sign * values)
    return SliceStats(
        size=size,
        errors=total,
        error_rate=rate,
        ci=mean_interval(inside, confidence=confidence),
        rest_error_rate=rest_rate,
        lift=_effect(signed, sign)(inside, outside),
        excess_errors=total - size * float(values.mean()),
        p_value=float(excess_loss_p_value([sign * total], [size], directed)[0]),
    )


def _effect(signed: bool, sign: int) -> Callable[[np.ndarray, np.ndarray], float]:
    """The effect size of a loss: the loss ratio, or for a signed loss the shift ratio in the
    direction the slice was found in (`weakspot.stats.shift_ratio`)."""
    if not signed:
        return loss_ratio
    return lambda inside, outside: shift_ratio(inside, outside, sign)


def _count_statistics(member_mask: np.ndarray, errors: np.ndarray, confidence: float) -> SliceStats:
    """`slice_statistics` of a 0/1 loss: counts, Wilson interval, exact test."""
    size = int(member_mask.sum())
    n = errors.shape[0]
    slice_errors = int(errors[member_mask].sum())
    total_errors = int(errors.sum())
    rest_size = n - size
    rest_errors = total_errors - slice_errors
    rate = slice_errors / size if size else 0.0
    rest_rate = rest_errors / rest_size if rest_size else 0.0
    low, high = wilson_interval(slice_errors, size, confidence=confidence)
    lift = rate / rest_rate if rest_rate > 0 else float("inf") if rate > 0 else 1.0
    return SliceStats(
        size=size,
        errors=slice_errors,
        error_rate=rate,
        ci=(float(low), float(high)),
        rest_error_rate=rest_rate,
        lift=lift,
        excess_errors=slice_errors - size * total_errors / n,
        # the test follows the loss's kind: exact for 0/1 errors (weakspot.stats._loss)
        p_value=float(excess_loss_p_value([slice_errors], [size], LossPopulation.of(errors))[0]),
    )


def with_bootstrap(
    stats: SliceStats,
    member_mask: np.ndarray,
    errors: np.ndarray,
    *,
    sign: int = 1,
    two_sided: bool = False,
    random_state: int | list[int] = 0,
    confidence: float = 0.95,
) -> SliceStats:
    """`stats` of a continuous loss with percentile bootstrap intervals of the mean loss
    (`ci`) and of the loss ratio (`lift_ci`); a 0/1 loss's statistics come back unchanged.

    Parameters
    ----------
    stats : SliceStats
        From `slice_statistics` on the same mask and loss.
    member_mask : ndarray of bool, shape (n,)
    errors : ndarray, shape (n,)
        The loss the statistics were computed on.
    sign : {1, -1}
        The direction the slice was found in (as in `slice_statistics`).
    two_sided : bool
    random_state : int or list of int
        Seed of the resamples.
    confidence : float
    """
    if isinstance(stats.errors, int):
        return stats
    values = np.asarray(errors, dtype=np.float64)
    signed = two_sided or bool(values.size and values.min() < 0)
    ci, lift_ci = bootstrap_intervals(
        values[member_mask],
        values[~member_mask],
        _effect(signed, sign),
        random_state=random_state,
        confidence=confidence,
    )
    return replace(stats, ci=ci, lift_ci=lift_ci)
