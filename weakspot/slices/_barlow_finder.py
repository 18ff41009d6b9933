"""Per-class shallow trees over individual embedding features, in the manner of Barlow
(Singla et al., "Understanding Failures of Deep Networks via Robust Feature Extraction", CVPR
2021).

Within each class, a shallow decision tree over individual embedding features (the backbone's
penultimate activations) separates failures from successes; each leaf is a slice, and the
features on its path are what `weakspot.explain` draws. The tree and the features it may use are
chosen on a random half of the rows; each leaf is tested on the other half only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._embedding_space import (
    held_out_output,
    prepare_embeddings,
    searchable_classes,
)
from weakspot.slices._trees import leaf_paths
from weakspot.stats import member_mask


@register_finder
@dataclass
class BarlowFinder:
    """Per-class shallow trees over individual embedding features, tested on a held-out half.

    Parameters
    ----------
    max_depth : int
        Depth of each class's tree.
    n_features : int
        The tree may use only the features that best separate failures from successes on the
        fitting half (largest absolute standardised mean difference), as Barlow preselects
        features by mutual information.
    min_leaf_share : float
        Smallest leaf, as a share of the class's fitting rows.
    min_class_errors : int
        A class is searched only with at least this many errors and successes in the fitting
        half.
    """

    name: ClassVar[str] = "barlow"
    needs: ClassVar[frozenset[str]] = frozenset({"embeddings", "classes"})
    max_depth: int = 1
    n_features: int = 50
    min_leaf_share: float = 0.05
    min_class_errors: int = 10

    def find(self, context: SearchContext) -> FinderOutput:
        if "classes" not in context.available:
            # it searches class by class: a loss without classes (a regressor's) has none
            return FinderOutput.empty(f"{self.name}: needs a classifier's classes")
        prepared = prepare_embeddings(context, 0)
        if prepared is None:
            return FinderOutput.empty("barlow: no embeddings")
        x, valid, grow = prepared
        errors = context.errors
        masks, extras, descriptions = [], [], []
        for cls, in_class, fit in searchable_classes(context, valid, grow, self.min_class_errors):
            for mask, path in self._leaves(x, errors, in_class, fit, context):
                masks.append(mask)
                extras.append(
                    {
                        "class": cls,
                        "rule": path,
                        "embedding_features": sorted({step["feature"] for step in path}),
                    }
                )
                descriptions.append(f"Class {cls} examples with {describe_path(path)}")
        return held_out_output(
            masks,
            errors,
            grow,
            self.name,
            extras,
            descriptions,
            note=f"barlow: {len(masks)} leaves of per-class trees tested on a held-out half",
        )

    def _leaves(
        self,
        x: np.ndarray,
        errors: np.ndarray,
        in_class: np.ndarray,
        fit: np.ndarray,
        context: SearchContext,
    ) -> list[tuple[np.ndarray, list[dict]]]:
        """Each leaf of the class's tree: its members over all rows, and its path."""
        chosen = _separating_features(x[fit], errors[fit], self.n_features)
        tree = DecisionTreeClassifier(
            max_depth=self.max_depth,
            criterion="entropy",
            min_samples_leaf=max(int(self.min_leaf_share * fit.sum()), context.min_support // 2, 1),
            random_state=context.random_state,
        ).fit(x[fit][:, chosen], errors[fit])
        rows = np.flatnonzero(in_class)
        leaf_of = tree.apply(x[rows][:, chosen])
        out = []
        for leaf, path in _tree_paths(tree, chosen).items():
            out.append((member_mask(rows[leaf_of == leaf], len(errors)), path))
        return out


def _separating_features(x: np.ndarray, errors: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` columns with the largest |standardised mean difference|, sorted."""
    wrong = errors.astype(bool)
    diff = x[wrong].mean(axis=0) - x[~wrong].mean(axis=0)
    sd = np.sqrt((x[wrong].var(axis=0) + x[~wrong].var(axis=0)) / 2)
    effect = np.abs(diff) / np.where(sd > 0, sd, np.inf)
    order = np.argsort(-effect, kind="stable")[: min(k, x.shape[1])]
    return np.sort(order)


def _tree_paths(tree: DecisionTreeClassifier, columns: np.ndarray) -> dict[int, list[dict]]:
    """For each leaf id, its path as ``{"feature", "op" ("<=" or ">"), "threshold"}`` steps."""
    return {
        leaf: [
            {"feature": int(columns[column]), "op": "<=" if left else ">", "threshold": threshold}
            for column, left, threshold in path
        ]
        for leaf, path in leaf_paths(tree).items()
    }


def describe_path(path: list[dict]) -> str:
    """A tree path as text, e.g. ``embedding feature 12 > 0.31 and embedding feature 7 <= 1.2``."""
    if not path:
        return "any embedding"
    return " and ".join(
        f"embedding feature {step['feature']} {step['op']} {step['threshold']:.3g}" for step in path
    )
