"""How the outcomes of two models on the same examples changed: counts, deltas, p-values.

Two analyses of one evaluation set are paired example by example, so a difference in error
rate is tested on the examples whose outcome changed (McNemar), not as two independent samples.
The statistics themselves are `weakspot.stats`'s; this module counts what they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from weakspot.stats import (
    mcnemar_p_value,
    paired_difference_interval,
    unpaired_worse_p_value,
    wilson_interval,
)

TESTS = ("mcnemar", "fisher")


@dataclass(frozen=True)
class PairedChange:
    """How the outcomes of `n` examples changed from an old model to a new one.

    Attributes
    ----------
    n : int
    old_errors, new_errors : int
    newly_wrong, newly_right : int
        Examples right before and wrong now, and the reverse.
    """

    n: int
    old_errors: int
    new_errors: int
    newly_wrong: int
    newly_right: int

    @classmethod
    def of(cls, old: np.ndarray, new: np.ndarray) -> PairedChange:
        """From two bool arrays of errors, shape (n,), same examples in the same order."""
        old, new = np.asarray(old, bool), np.asarray(new, bool)
        return cls(
            n=len(old),
            old_errors=int(old.sum()),
            new_errors=int(new.sum()),
            newly_wrong=int((new & ~old).sum()),
            newly_right=int((old & ~new).sum()),
        )

    @property
    def delta(self) -> float:
        """New error rate minus old error rate (positive: worse)."""
        return (self.new_errors - self.old_errors) / self.n if self.n else 0.0

    def delta_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        """Wald interval of the paired difference of error rates (approximate for small n)."""
        return paired_difference_interval(
            self.newly_wrong, self.newly_right, self.n, confidence=confidence
        )

    def p_worse(self, test: str = "mcnemar") -> float:
        """One-sided p-value that the new model errs more often on these examples.

        ``mcnemar``: exact McNemar (binomial on the discordant pairs); ``fisher``: Fisher's exact
        test on the 2x2 table of errors, treating the two runs as independent samples.
        """
        if test == "mcnemar":
            return mcnemar_p_value(self.newly_wrong, self.newly_right, alternative="greater")
        return unpaired_worse_p_value(self.new_errors, self.old_errors, self.n)

    def p_two_sided(self) -> float:
        """Exact McNemar p-value of any change."""
        return mcnemar_p_value(self.newly_wrong, self.newly_right)

    def to_dict(self) -> dict[str, Any]:
        old_ci = wilson_interval(self.old_errors, self.n)
        new_ci = wilson_interval(self.new_errors, self.n)
        return {
            "n": self.n,
            "old_error_rate": self.old_errors / self.n if self.n else None,
            "old_ci": [float(old_ci[0]), float(old_ci[1])],
            "new_error_rate": self.new_errors / self.n if self.n else None,
            "new_ci": [float(new_ci[0]), float(new_ci[1])],
            "delta": self.delta,
            "delta_ci": list(self.delta_ci()),
            "newly_wrong": self.newly_wrong,
            "newly_right": self.newly_right,
            "p_value": self.p_two_sided(),
        }


@dataclass(frozen=True)
class PairedLoss:
    """How a continuous loss (a regressor's, per example) changed from an old model to a new
    one on the same `n` examples; the same figures as `PairedChange`, with the summed loss in
    place of the error count and the Wilcoxon signed-rank test of the paired differences in
    place of McNemar's (McNemar counts flips, which a continuous loss does not have).

    Attributes
    ----------
    n : int
    old_errors, new_errors : float
        The summed loss before and after.
    newly_wrong, newly_right : int
        Examples whose loss rose, and whose loss fell.
    differences : ndarray of float, shape (n,)
        New loss minus old loss, per example.
    """

    n: int
    old_errors: float
    new_errors: float
    newly_wrong: int
    newly_right: int
    differences: np.ndarray

    @classmethod
    def of(cls, old: np.ndarray, new: np.ndarray) -> PairedLoss:
        """From two float arrays of per-example loss, shape (n,), same examples in order."""
        old, new = np.asarray(old, dtype=np.float64), np.asarray(new, dtype=np.float64)
        diff = new - old
        return cls(
            len(old), float(old.sum()), float(new.sum()), int((diff > 0).sum()),
            int((diff < 0).sum()), diff,
        )  # fmt: skip

    @property
    def delta(self) -> float:
        """New mean loss minus old mean loss (positive: worse)."""
        return (self.new_errors - self.old_errors) / self.n if self.n else 0.0

    def p_worse(self, test: str = "wilcoxon") -> float:
        """One-sided Wilcoxon signed-rank p-value that the new loss is larger (whatever
        `test` names: the paired test of a continuous loss is this one)."""
        return self._wilcoxon("greater")

    def p_two_sided(self) -> float:
        return self._wilcoxon("two-sided")

    def _wilcoxon(self, alternative: str) -> float:
        from scipy.stats import wilcoxon

        if not np.any(self.differences):
            return 1.0
        return float(wilcoxon(self.differences, alternative=alternative).pvalue)

    def to_dict(self) -> dict[str, Any]:
        """`PairedChange.to_dict`'s keys: the ``*_error_rate`` are mean losses, their ``ci``
        none (no interval is claimed), and ``test`` names the paired test."""
        return {
            "n": self.n,
            "old_error_rate": self.old_errors / self.n if self.n else None,
            "old_ci": None,
            "new_error_rate": self.new_errors / self.n if self.n else None,
            "new_ci": None,
            "delta": self.delta,
            "delta_ci": None,
            "newly_wrong": self.newly_wrong,
            "newly_right": self.newly_right,
            "p_value": self.p_two_sided(),
            "test": "wilcoxon",
        }


def paired(old: np.ndarray, new: np.ndarray) -> PairedChange | PairedLoss:
    """The paired change of two per-example loss columns (examples.csv ``error``): McNemar's
    counts for a 0/1 loss (bool), the Wilcoxon signed-rank record for a continuous one."""
    if np.asarray(old).dtype == bool and np.asarray(new).dtype == bool:
        return PairedChange.of(old, new)
    return PairedLoss.of(old, new)
