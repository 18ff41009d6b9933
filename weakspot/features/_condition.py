"""`Condition`: one readable condition on a feature, such as ``age in [63, 79)``."""

from __future__ import annotations

from dataclasses import dataclass
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
        ``"not in range"``, ``"in set"`` / ``"not in"`` (a list of categories),
        ``"is missing"``, ``"is not missing"``.
    value : Any
        The category (``==``), the pair ``[low, high]`` (``in``), a list of categories
        (``not in``) or ``None`` (``is missing``). JSON-serialisable.
    """

    feature: str
    op: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "op": self.op, "value": self.value}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Condition:
        """The condition of a ``{feature, op, value}`` record of analysis.json (`to_dict`'s
        inverse; an interval's JSON ``null`` bound is the infinite one it was written from)."""
        value = record.get("value")
        if record["op"] in ("in", "not in range") and isinstance(value, list):
            low, high = value
            value = [float("-inf") if low is None else low, float("inf") if high is None else high]
        return cls(str(record["feature"]), str(record["op"]), value)

    def describe(self) -> str:
        """Return the condition as text a person can read, e.g. ``age in [63, 79)``."""
        if self.op == "in":
            low, high = self.value
            if low == float("-inf"):
                return f"{self.feature} < {_fmt(high)}"
            if high == float("inf"):
                return f"{self.feature} >= {_fmt(low)}"
            return f"{self.feature} in [{_fmt(low)}, {_fmt(high)})"
        if self.op == "is missing":
            return f"{self.feature} is missing"
        if self.op == "is not missing":
            return f"{self.feature} is not missing"
        if self.op == "not in":
            return f"{self.feature} not in {{{', '.join(map(str, self.value))}}}"
        if self.op == "in set":
            return f"{self.feature} in {{{', '.join(map(str, self.value))}}}"
        if self.op == "not in range":
            low, high = self.value
            return f"{self.feature} not in [{_fmt(low)}, {_fmt(high)})"
        shown = _fmt(self.value) if isinstance(self.value, float) else self.value
        return f"{self.feature} {self.op} {shown}"

    def negated(self) -> Condition:
        """The condition that selects exactly the rows this one does not."""
        if self.op == "==":
            return Condition(self.feature, "!=", self.value)
        if self.op == "is missing":
            return Condition(self.feature, "is not missing", None)
        if self.op == "not in":
            return Condition(self.feature, "in set", self.value)
        return Condition(self.feature, "not in range", self.value)


def _fmt(x: float) -> str:
    """Format a bin edge compactly: integers without decimals, others with 3 significant digits."""
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"
