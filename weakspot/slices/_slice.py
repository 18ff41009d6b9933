"""The `Slice` record: one group of examples a finder proposes, with its statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Condition:
    """One condition of a predicate, such as ``age in [63, 79)``.

    Attributes
    ----------
    feature : str
        Column name of the feature.
    op : str
        One of ``"=="``, ``"!="``, ``"in"`` (half-open numeric interval ``[low, high)``),
        ``"not in"`` (a set of categories), ``"is missing"``.
    value : Any
        The category (``==``), the pair ``[low, high]`` (``in``), a list of categories
        (``not in``) or ``None`` (``is missing``). JSON-serialisable.
    """

    feature: str
    op: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "op": self.op, "value": self.value}

    def describe(self) -> str:
        """Return the condition as text a person can read, e.g. ``age in [63, 79)``."""
        if self.op == "in":
            low, high = self.value
            return f"{self.feature} in [{_fmt(low)}, {_fmt(high)})"
        if self.op == "is missing":
            return f"{self.feature} is missing"
        if self.op == "not in":
            return f"{self.feature} not in {{{', '.join(map(str, self.value))}}}"
        return f"{self.feature} {self.op} {self.value}"


def _fmt(x: float) -> str:
    """Format a bin edge compactly: integers without decimals, others with 3 significant digits."""
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"


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
