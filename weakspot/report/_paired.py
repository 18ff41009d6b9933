"""Paired statistics for two models on the same examples: McNemar's exact test and deltas.

Two analyses of one evaluation set are paired example by example, so a difference in error
rate is tested on the examples whose outcome changed (McNemar), not as two independent samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import binomtest, fisher_exact, norm

from weakspot.stats import wilson_interval

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
        if not self.n:
            return (-1.0, 1.0)
        b, c, n = self.newly_wrong, self.newly_right, self.n
        se = np.sqrt(max(b + c - (b - c) ** 2 / n, 0.0)) / n
        z = norm.ppf(0.5 + confidence / 2)
        return (max(-1.0, self.delta - z * se), min(1.0, self.delta + z * se))

    def p_worse(self, test: str = "mcnemar") -> float:
        """One-sided p-value that the new model errs more often on these examples.

        ``mcnemar``: exact McNemar (binomial on the discordant pairs); ``fisher``: Fisher's exact
        test on the 2x2 table of errors, treating the two runs as independent samples.
        """
        if test == "mcnemar":
            k = self.newly_wrong + self.newly_right
            return (
                1.0
                if k == 0
                else float(binomtest(self.newly_wrong, k, 0.5, alternative="greater").pvalue)
            )
        table = [
            [self.new_errors, self.n - self.new_errors],
            [self.old_errors, self.n - self.old_errors],
        ]
        return float(fisher_exact(table, alternative="greater")[1])

    def p_two_sided(self) -> float:
        """Exact McNemar p-value of any change."""
        k = self.newly_wrong + self.newly_right
        return 1.0 if k == 0 else float(binomtest(self.newly_wrong, k, 0.5).pvalue)

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


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given)."""
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted.tolist()
