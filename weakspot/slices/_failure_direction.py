"""Per-class linear failure directions in embedding space (Jain et al., "Distilling Model
Failures as Directions in Latent Space").

Within each class, a linear SVM on the embeddings separates the examples the model gets wrong
from those it gets right; the examples furthest along that direction form a slice. Everything
that looks at the errors (the SVM, the cut-off along the direction) is fitted on a random half
of the rows; each proposed slice is one hypothesis, tested on the other half only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.svm import LinearSVC

from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._embedding_space import (
    held_out_output,
    prepare_embeddings,
    searchable_classes,
)
from weakspot.stats import excess_error_p_value


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
    needs: ClassVar[frozenset[str]] = frozenset({"embeddings", "classes"})
    n_pca_components: int = 16
    C: float = 0.1
    top_shares: tuple[float, ...] = (0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    min_class_errors: int = 10

    def find(self, context: SearchContext) -> FinderOutput:
        if "classes" not in context.available:
            # it searches class by class: a loss without classes (a regressor's) has none
            return FinderOutput.empty(f"{self.name}: needs a classifier's classes")
        prepared = prepare_embeddings(context, self.n_pca_components)
        if prepared is None:
            return FinderOutput.empty("failure_direction: no embeddings")
        z, valid, grow = prepared
        z = _standardise(z, valid & grow)
        errors = context.errors
        masks, extras, descriptions = [], [], []
        for cls, in_class, fit in searchable_classes(context, valid, grow, self.min_class_errors):
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


def _standardise(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
    mean = z[rows].mean(axis=0)
    sd = z[rows].std(axis=0)
    return (z - mean) / np.where(sd > 0, sd, 1.0)
