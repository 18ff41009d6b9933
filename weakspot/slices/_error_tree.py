"""The error tree as a slice finder: a shallow tree fitted to the errors, in the manner of
Microsoft's Error Analysis, grown on one half of the rows and tested on the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from weakspot.features import Condition
from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._slice import Slice
from weakspot.slices._trees import leaf_paths
from weakspot.stats import held_out_p_value, random_half


@register_finder
@dataclass
class ErrorTreeFinder:
    """A shallow decision tree fitted to the error indicator, in the manner of Error Analysis.

    Its leaves are chosen by looking at the errors, so testing them on the same rows would
    overstate their significance. The tree is grown on a random half of the rows and each leaf
    is tested on the other half only; the reported statistics use all rows.
    """

    name: ClassVar[str] = "error_tree"
    needs: ClassVar[frozenset[str]] = frozenset()
    max_depth: int = 3
    min_leaf_share: float = 0.02

    def find(self, context: SearchContext) -> FinderOutput:
        errors = context.errors
        n = len(errors)
        # 0/1 errors: a classification tree, as Error Analysis grows; any other loss
        # (a residual, an absolute error): a regression tree on its value
        binary = bool(np.all((errors == 0) | (errors == 1)))
        # no error, or a continuous loss that does not vary: no slice to find
        flat = errors.sum() == 0 if binary else bool(np.ptp(errors) == 0)
        if context.binned.codes.shape[1] == 0 or flat or n < 4 * context.min_support:
            return FinderOutput.empty()
        columns = _design_columns(context)
        grow = random_half(n, context.random_state)
        tree = (DecisionTreeClassifier if binary else DecisionTreeRegressor)(
            max_depth=self.max_depth,
            min_samples_leaf=max(context.min_support // 2, int(self.min_leaf_share * n / 2), 1),
            random_state=context.random_state,
        ).fit(_design(context, columns, np.flatnonzero(grow)), errors[grow])
        leaves = _leaves(tree, context, columns)
        paths = _leaf_paths(tree, columns)
        held_out = ~grow
        slices, p_values = [], []
        for leaf in np.unique(leaves):
            in_leaf = leaves == leaf
            held_sum = errors[in_leaf & held_out].sum()
            test_errors = int(held_sum) if binary else float(held_sum)
            test_size = int((in_leaf & held_out).sum())
            p_values.append(held_out_p_value(in_leaf, errors, held_out))
            conditions = _merge_conditions(paths[leaf], context)
            rate = errors[in_leaf].mean()
            slices.append(
                Slice(
                    np.flatnonzero(in_leaf),
                    self.name,
                    tuple(conditions),
                    score=float(rate),
                    details={"held_out_size": test_size, "held_out_errors": test_errors},
                )
            )
        p_arr = np.array(p_values)
        return FinderOutput(
            slices, p_arr, p_arr, [f"error_tree: {len(slices)} leaves, tested on a held-out half"]
        )


def _design_columns(context: SearchContext) -> list[tuple[int, int | None]]:
    """The tree's columns: ``(feature, None)`` for an ordinal feature (its bin codes in order),
    ``(feature, bin)`` for one bin's indicator of a categorical feature."""
    columns: list[tuple[int, int | None]] = []
    for j, bins in enumerate(context.binned.bins):
        if bins and bins[0].op == "in" and not any(b.op == "is missing" for b in bins):
            columns.append((j, None))
        else:
            columns.extend((j, b) for b in range(len(bins)))
    return columns


def _design(context: SearchContext, columns: list[tuple[int, int | None]], rows) -> np.ndarray:
    """The design matrix of `rows` (index array or slice), shape (n_rows, n_columns).

    Float32, the type scikit-learn's trees convert to, written column by column into one
    array: the values are those of the integer codes and indicators. Building every row's
    integer matrix first and letting the tree convert it took 2.2 GB above the table for
    5,000,000 rows with 57 indicator columns (docs/scaling.md).
    """
    codes = context.binned.codes[rows]
    design = np.empty((len(codes), len(columns)), dtype=np.float32)
    for k, (j, b) in enumerate(columns):
        design[:, k] = codes[:, j] if b is None else codes[:, j] == b
    return design


def _leaves(
    tree: DecisionTreeClassifier | DecisionTreeRegressor, context: SearchContext, columns
) -> np.ndarray:
    """Leaf id of every row, shape (n,), from blocks of rows so that memory stays small."""
    n = len(context.errors)
    step = 1 << 18
    return np.concatenate(
        [tree.apply(_design(context, columns, slice(a, a + step))) for a in range(0, n, step)]
    )


def _leaf_paths(
    tree: DecisionTreeClassifier | DecisionTreeRegressor, columns
) -> dict[int, list[tuple]]:
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
