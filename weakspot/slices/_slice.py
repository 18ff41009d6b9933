"""The records of the slice stage: a `Slice` a finder proposes, its `SliceStats`, its aliases.

Records are frozen: a stage that adds to a slice (statistics, a refined rule, the slices
folded into it) returns a new one with `dataclasses.replace`, so what a finder proposed is
never changed behind its back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from weakspot._display import html_of
from weakspot.features import Condition
from weakspot.stats import LossPopulation, excess_loss_p_value, member_mask, wilson_interval


@dataclass(frozen=True)
class SliceStats:
    """Error statistics of one slice against the rest of the table.

    Attributes
    ----------
    size, errors : int
    error_rate : float
    ci : tuple of float
        95% Wilson interval of the error rate.
    rest_error_rate : float
        Error rate of the rows outside the slice.
    lift : float
        ``error_rate / rest_error_rate`` (inf when the rest has no error).
    excess_errors : float
        Errors beyond what the overall error rate puts in a group of this size.
    p_value : float
        One-sided exact test of the slice's errors against a random draw, on all rows.
    class_adjusted_excess : float
        Errors beyond what the members' own classes' error rates explain.
    search_p_value : float
        The p-value of the hypothesis the finder tested (held-out for split-sample finders).
    q_value : float
        Benjamini-Hochberg q-value of `search_p_value` within every finder's family.
    """

    size: int
    errors: int
    error_rate: float
    ci: tuple[float, float]
    rest_error_rate: float
    lift: float
    excess_errors: float
    p_value: float
    class_adjusted_excess: float = 0.0
    search_p_value: float = 1.0
    q_value: float = 1.0

    def to_dict(self) -> dict[str, Any]:
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
    member_mask: np.ndarray, errors: np.ndarray, *, confidence: float = 0.95
) -> SliceStats:
    """Size, errors, error rate with interval, lift, excess errors and p-value of one slice.

    Parameters
    ----------
    member_mask : ndarray of bool, shape (n,)
    errors : ndarray of {0, 1}, shape (n,)
    """
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
