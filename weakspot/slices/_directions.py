"""Per-class supervised finders in representation space: failure directions and Barlow trees.

- ``failure_direction`` (Jain et al., "Distilling Model Failures as Directions in Latent
  Space"): within each class, a linear SVM on the embeddings separates the examples the model
  gets wrong from those it gets right; the examples furthest along that direction form a slice.
- ``barlow`` (Singla et al., "Understanding Failures of Deep Networks via Robust Feature
  Extraction", CVPR 2021): within each class, a shallow decision tree over individual embedding
  features (the backbone's penultimate activations) separates failures from successes; each
  leaf is a slice, and the features on its path are what `weakspot.explain` draws.

Honest statistics, as for the error tree: everything that looks at the errors (the SVM, the
cut-off along the direction, the tree, the features it may use) is fitted on a random half of
the rows; each proposed slice is one hypothesis, tested on the other half only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._domino import class_codes, held_out_output, prepare_embeddings
from weakspot.slices._stats import excess_error_p_value
from weakspot.slices._trees import leaf_paths


@register_finder
@dataclass
class FailureDirectionFinder:
    """Per-class linear failure directions, tested on a held-out half.

    Parameters
    ----------
    n_pca_components : int
        Embeddings are reduced to at most this many principal components, then standardised.
    C : float
        Inverse regularisation of the linear SVM (balanced class weights).
    top_shares : tuple of float
        Candidate shares of a class, furthest along its direction, to take as the slice; the
        share is chosen on the fitting half (smallest p-value there).
    min_class_errors : int
        A class is searched only with at least this many errors and successes in the fitting
        half.
    """

    name: ClassVar[str] = "failure_direction"
    needs_embeddings: ClassVar[bool] = True
    n_pca_components: int = 16
    C: float = 0.1
    top_shares: tuple[float, ...] = (0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    min_class_errors: int = 10

    def find(self, context: SearchContext) -> FinderOutput:
        prepared = prepare_embeddings(context, self.n_pca_components)
        if prepared is None:
            return FinderOutput([], np.zeros(0), np.zeros(0), ["failure_direction: no embeddings"])
        z, valid, grow = prepared
        z = _standardise(z, valid & grow)
        errors = context.errors
        codes = class_codes(context.labels, context.classes)
        masks, extras, descriptions = [], [], []
        for k, cls in enumerate(context.classes):
            in_class = valid & (codes == k)
            fit = in_class & grow
            n_err = int(errors[fit].sum())
            if min(n_err, int(fit.sum()) - n_err) < self.min_class_errors:
                continue
            svm = LinearSVC(C=self.C, class_weight="balanced", random_state=context.random_state)
            svm.fit(z[fit], errors[fit])
            score = svm.decision_function(z)
            share, cut = self._cut(score, fit, errors, grow, context.min_support)
            if cut is None:
                continue
            masks.append(in_class & (score >= cut))
            extras.append(
                {"class": cls, "top_share": share, "cut": float(cut), "direction_dims": z.shape[1]}
            )
            descriptions.append(
                f"Class {cls} examples furthest along its failure direction (top {share:.0%})"
            )
        return held_out_output(
            masks,
            errors,
            grow,
            self.name,
            extras,
            descriptions,
            note=f"failure_direction: {len(masks)} class directions tested on a held-out half",
        )

    def _cut(
        self,
        score: np.ndarray,
        fit: np.ndarray,
        errors: np.ndarray,
        grow: np.ndarray,
        min_support: int,
    ) -> tuple[float, float | None]:
        """The share (and score cut-off) with the smallest p-value on the fitting half."""
        fit_scores = score[fit]
        total_errors, total = int(errors[grow].sum()), int(grow.sum())
        best: tuple[float, float, float | None] = (2.0, 0.0, None)
        for share in self.top_shares:
            cut = float(np.quantile(fit_scores, 1.0 - share))
            members = fit & (score >= cut)
            size = int(members.sum())
            if size < max(min_support // 2, 1):
                continue
            p = excess_error_p_value([errors[members].sum()], [size], total_errors, total)[0]
            if p < best[0]:
                best = (float(p), share, cut)
        return best[1], best[2]


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
    needs_embeddings: ClassVar[bool] = True
    max_depth: int = 1
    n_features: int = 50
    min_leaf_share: float = 0.05
    min_class_errors: int = 10

    def find(self, context: SearchContext) -> FinderOutput:
        prepared = prepare_embeddings(context, 0)
        if prepared is None:
            return FinderOutput([], np.zeros(0), np.zeros(0), ["barlow: no embeddings"])
        x, valid, grow = prepared
        errors = context.errors
        codes = class_codes(context.labels, context.classes)
        masks, extras, descriptions = [], [], []
        for k, cls in enumerate(context.classes):
            in_class = valid & (codes == k)
            fit = in_class & grow
            n_err = int(errors[fit].sum())
            if min(n_err, int(fit.sum()) - n_err) < self.min_class_errors:
                continue
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
            mask = np.zeros(len(errors), dtype=bool)
            mask[rows[leaf_of == leaf]] = True
            out.append((mask, path))
        return out


def _standardise(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
    mean = z[rows].mean(axis=0)
    sd = z[rows].std(axis=0)
    return (z - mean) / np.where(sd > 0, sd, 1.0)


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
