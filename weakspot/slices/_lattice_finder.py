"""The exact lattice search as a slice finder: SliceLine's search over binned features."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._lattice import lattice_search, sliceline_score
from weakspot.slices._slice import Slice
from weakspot.stats import LossPopulation, excess_loss_p_value


@register_finder
@dataclass
class LatticeFinder:
    """SliceLine's exact lattice search over binned features.

    The family for false-discovery control is every candidate whose statistics the search
    computed (all supported 1-item slices, and every deeper candidate not pruned).
    """

    name: ClassVar[str] = "lattice"
    needs: ClassVar[frozenset[str]] = frozenset()
    alpha: float = 0.95
    k: int = 30
    max_level: int = 3
    n_by_excess: int = 100
    max_per_feature: int = 10

    def find(self, context: SearchContext) -> FinderOutput:
        binned = context.binned
        errors = context.errors
        if binned.codes.shape[1] == 0 or errors.size == 0:
            return FinderOutput.empty()
        low = errors.min()
        if low < 0:
            # SliceLine's score and its pruning bound assume a non-negative loss (a slice's
            # loss is at most its size times its largest unit's, and the children of a
            # slice without loss are not searched); a signed loss (a residual, a negated one
            # for a deficit) is shifted by its minimum. Every test is of a sum against a
            # random draw of the same size, the same for a shifted loss, so only SliceLine's
            # ranking score sees the shift.
            errors = errors - low
        if errors.sum() == 0:
            return FinderOutput.empty()
        result = lattice_search(
            binned.codes,
            errors,
            alpha=self.alpha,
            k=self.k,
            max_level=self.max_level,
            min_support=context.min_support,
            domains=binned.domains,
            engine=context.engine,
        )
        n, total = len(errors), float(errors.sum())
        population = LossPopulation.of(errors)  # exact test for 0/1 errors
        family = excess_loss_p_value(result.evaluated_errors, result.evaluated_sizes, population)
        rows = self._proposals(result, family, n, total)
        scores = sliceline_score(
            result.evaluated_sizes[rows],
            result.evaluated_errors[rows],
            n,
            result.average_error,
            self.alpha,
        )
        slices = []
        for row, score in zip(result.evaluated_items[rows], scores, strict=True):
            items = result.item_to_feature_bin(row)
            slices.append(
                Slice(
                    members=np.flatnonzero(binned.mask_of(items)),
                    method=self.name,
                    conditions=tuple(binned.conditions_of(items)),
                    score=float(score),
                )
            )
        note = (
            f"lattice: {len(family)} candidate slices evaluated, {result.n_pruned} pruned by their "
            f"score bound, {len(rows)} proposed"
        )
        # pruned candidates enter the family with p = 1: examined, never significant
        return FinderOutput(
            slices, np.concatenate([family, np.ones(result.n_pruned)]), family[rows], [note]
        )

    def _proposals(self, result, family: np.ndarray, n: int, total: float) -> np.ndarray:
        """Rows of the evaluated family to propose.

        Three lists go forward: the top-K by SliceLine score; every significant single-condition
        slice (the most readable kind); and up to `n_by_excess` significant slices that explain
        the most errors beyond the base rate, taking at most `max_per_feature` that use any one
        feature. SliceLine's score favours small slices with extreme error rates, and with many
        features the variants of one strong slice (``A``, ``A and B``, ``A and C``, ...) can fill
        any single list and crowd out a different failure.
        """
        sizes, errs = result.evaluated_sizes, result.evaluated_errors
        items = result.evaluated_items
        in_top = np.isin(_item_keys(items), _item_keys(result.top_items))
        significant = family < 0.05
        excess = np.where(significant, errs - sizes * total / n, -np.inf)
        single = np.flatnonzero(significant & (excess > 0) & ((items >= 0).sum(axis=1) == 1))
        chosen: list[int] = []
        uses: dict[int, int] = {}
        for row in np.argsort(-excess, kind="stable"):
            if excess[row] <= 0 or len(chosen) >= self.n_by_excess:
                break
            features = [f for f, _ in result.item_to_feature_bin(items[row])]
            if all(uses.get(f, 0) < self.max_per_feature for f in features):
                chosen.append(int(row))
                for f in features:
                    uses[f] = uses.get(f, 0) + 1
        return np.union1d(
            np.union1d(np.flatnonzero(in_top), single), np.array(chosen, dtype=np.int64)
        )


def _item_keys(items: np.ndarray) -> np.ndarray:
    """One hashable key per padded row of item ids (its bytes)."""
    items = np.ascontiguousarray(items, dtype=np.int64)
    return np.array([row.tobytes() for row in items], dtype=object)
