"""The `Slice` record: one group of examples a finder proposes, with its statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weakspot.features._condition import Condition


@dataclass
class Slice:
    """A group of examples with its error statistics.

    A slice is either a predicate (``conditions`` not None) or a member set found by a
    finder that does not produce rules (``conditions`` is None).

    Attributes
    ----------
    members : ndarray of int, shape (size,)
        Row positions of the members in the analysed table, sorted ascending.
    method : str
        Name of the finder that proposed it (``"lattice"``, ``"error_tree"``, ...).
    conditions : list of Condition or None
        The predicate; None for member-set slices.
    score : float
        The finder's own score (SliceLine score, leaf impurity gain, ...).
    stats : dict
        Filled by `weakspot.slices.score_slices`: size, errors, error_rate, ci, lift,
        p_value, q_value, excess_errors.
    extra : dict
        Finder-specific details, JSON-serialisable.
    """

    members: Any
    method: str
    conditions: list[Condition] | None = None
    score: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def rule(self) -> str:
        """Return the predicate as ``a and b``, or an empty string for member sets."""
        if not self.conditions:
            return ""
        return " and ".join(c.describe() for c in self.conditions)
