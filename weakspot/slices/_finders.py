"""The rule-based slice finders: exact lattice search and the error tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._lattice import lattice_search, sliceline_score
from weakspot.slices._slice import Condition, Slice
from weakspot.slices._stats import excess_error_p_value
from weakspot.slices._trees import leaf_paths


@register_finder
@dataclass
class LatticeFinder:
    """SliceLine's exact lattice search over binned features.

    The family for false-discovery control is every candidate whose statistics the search
    computed (all supported 1-item slices, and every deeper candidate not pruned).
    """

    name: ClassVar[str] = "lattice"
    alpha: float = 0.95
    k: int = 30
    max_level: int = 3
    n_by_excess: int = 100
    max_per_feature: int = 10

    def find(self, context: SearchContext) -> FinderOutput:
        binned = context.binned
        if binned.codes.shape[1] == 0 or context.errors.sum() == 0:
            return FinderOutput([], np.zeros(0), np.zeros(0))
        result = lattice_search(
            binned.codes,
            context.errors,
            alpha=self.alpha,
            k=self.k,
            max_level=self.max_level,
            min_support=context.min_support,
            domains=binned.domains,
            engine=context.engine,
        )
        n, total = len(context.errors), int(context.errors.sum())
        family = excess_error_p_value(result.evaluated_errors, result.evaluated_sizes, total, n)
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
                    conditions=binned.conditions_of(items),
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

    def _proposals(self, result, family: np.ndarray, n: int, total: int) -> np.ndarray:
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


@register_finder
@dataclass
class ErrorTreeFinder:
    """A shallow decision tree fitted to the error indicator, in the manner of Error Analysis.

    Its leaves are chosen by looking at the errors, so testing them on the same rows would
    overstate their significance. The tree is grown on a random half of the rows and each leaf
    is tested on the other half only; the reported statistics use all rows.
    """

    name: ClassVar[str] = "error_tree"
    max_depth: int = 3
    min_leaf_share: float = 0.02

    def find(self, context: SearchContext) -> FinderOutput:
        errors = context.errors
        n = len(errors)
        if context.binned.codes.shape[1] == 0 or errors.sum() == 0 or n < 4 * context.min_support:
            return FinderOutput([], np.zeros(0), np.zeros(0))
        design, columns = _tree_design(context)
        rng = np.random.default_rng(context.random_state)
        grow = np.zeros(n, dtype=bool)
        grow[rng.permutation(n)[: n // 2]] = True
        tree = DecisionTreeClassifier(
            max_depth=self.max_depth,
            min_samples_leaf=max(context.min_support // 2, int(self.min_leaf_share * n / 2), 1),
            random_state=context.random_state,
        ).fit(design[grow], errors[grow])
        leaves = tree.apply(design)
        paths = _leaf_paths(tree, columns)
        held_out = ~grow
        slices, p_values = [], []
        for leaf in np.unique(leaves):
            in_leaf = leaves == leaf
            test_errors = int(errors[in_leaf & held_out].sum())
            test_size = int((in_leaf & held_out).sum())
            p = excess_error_p_value(
                [test_errors], [test_size], int(errors[held_out].sum()), int(held_out.sum())
            )[0]
            p_values.append(p)
            conditions = _merge_conditions(paths[leaf], context)
            rate = errors[in_leaf].mean()
            slices.append(
                Slice(
                    np.flatnonzero(in_leaf),
                    self.name,
                    conditions,
                    score=float(rate),
                    extra={"held_out_size": test_size, "held_out_errors": test_errors},
                )
            )
        p_arr = np.array(p_values)
        return FinderOutput(
            slices, p_arr, p_arr, [f"error_tree: {len(slices)} leaves, tested on a held-out half"]
        )


def _tree_design(context: SearchContext) -> tuple[np.ndarray, list[tuple[int, int | None]]]:
    """Ordered bin codes for numeric features, one indicator per bin for categorical ones.

    Returns the design matrix, shape (n, n_columns), and for each column ``(feature, None)``
    (ordinal) or ``(feature, bin)`` (indicator).
    """
    binned = context.binned
    blocks: list[np.ndarray] = []
    columns: list[tuple[int, int | None]] = []
    for j, bins in enumerate(binned.bins):
        codes = binned.codes[:, j].astype(np.int32)
        if bins and bins[0].op == "in" and not any(b.op == "is missing" for b in bins):
            blocks.append(codes[:, None])
            columns.append((j, None))
        else:
            for b in range(len(bins)):
                blocks.append((codes == b)[:, None].astype(np.int32))
                columns.append((j, b))
    return np.hstack(blocks), columns


def _leaf_paths(tree: DecisionTreeClassifier, columns) -> dict[int, list[tuple]]:
    """For each leaf id, the list of (column spec, go_left, threshold) on its path."""
    return {
        leaf: [(columns[column], left, threshold) for column, left, threshold in path]
        for leaf, path in leaf_paths(tree).items()
    }


def _merge_conditions(path: list[tuple], context: SearchContext) -> list[Condition]:
    """Turn a tree path into readable conditions, one per feature where possible."""
    binned = context.binned
    ranges: dict[int, list[int]] = {}
    equals: dict[int, int] = {}
    excluded: dict[int, list[int]] = {}
    for (feature, b), go_left, threshold in path:
        if b is None:
            low, high = ranges.get(feature, [0, len(binned.bins[feature])])
            cut = int(np.floor(threshold)) + 1  # codes < cut go left
            ranges[feature] = [low, min(high, cut)] if go_left else [max(low, cut), high]
        elif go_left:  # indicator <= 0.5: not this bin
            excluded.setdefault(feature, []).append(b)
        else:
            equals[feature] = b
    conditions = []
    for feature in sorted(set(ranges) | set(equals) | set(excluded)):
        bins = binned.bins[feature]
        name = binned.names[feature]
        if feature in equals:
            conditions.append(bins[equals[feature]])
        elif feature in ranges:
            low, high = ranges[feature]
            if low == 0 and high >= len(bins):
                continue  # the path narrowed nothing on this feature
            conditions.append(Condition(name, "in", [bins[low].value[0], bins[high - 1].value[1]]))
        else:
            kept = [bins[b] for b in range(len(bins)) if b not in excluded[feature]]
            if len(kept) == 1:
                conditions.append(kept[0])
            else:
                for b in sorted(excluded[feature]):
                    conditions.append(bins[b].negated())
    return conditions
