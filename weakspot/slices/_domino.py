"""Error-aware clustering of the embedding space, in the manner of Domino (Eyuboglu et al. 2022).

Domino's slice discovery model (SDM) is a mixture whose components each carry a Gaussian over
the (PCA-reduced) embeddings, a categorical distribution over the true class and one over the
model's predicted probabilities. The label and prediction terms, weighted up in the E-step,
pull components toward groups that are coherent in embedding space *and* in the kind of error
the model makes there.

Honest statistics. The mixture is fitted on a random half of the rows; the components worth
testing are chosen on that half; each chosen component is tested on the other half only. A
row's component is decided from its embedding and its true label, never from the prediction:
membership that used the prediction as well would sort held-out errors into "error"
components and make every test significant, even on random errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import logsumexp

from weakspot.slices._base import FinderOutput, SearchContext, register_finder
from weakspot.slices._embedding_space import (
    class_codes,
    held_out_output,
    one_hot,
    prepare_embeddings,
)

_EPS = float(np.finfo(np.float64).eps)


@register_finder
@dataclass
class DominoFinder:
    """Domino's error-aware Gaussian mixture over embeddings, tested on a held-out half.

    Parameters
    ----------
    n_components : int
        Mixture components (Domino's ``n_mixture_components``).
    n_slices : int
        Components tested per run: those with the most excess errors on the fitting half.
    n_pca_components : int
        Embeddings are reduced to at most this many principal components first.
    y_log_likelihood_weight, y_hat_log_likelihood_weight : float
        Weights of the true-class and predicted-probability terms in the E-step.
    max_iter : int
        EM iterations at most.
    tol : float
        EM stops when the mean log-likelihood moves by less than this.
    confusion_noise : float
        Noise added to the confusion-matrix initialisation of the responsibilities.
    """

    name: ClassVar[str] = "domino"
    needs: ClassVar[frozenset[str]] = frozenset({"embeddings", "classes"})
    n_components: int = 25
    n_slices: int = 5
    n_pca_components: int = 32
    y_log_likelihood_weight: float = 20.0
    y_hat_log_likelihood_weight: float = 20.0
    max_iter: int = 100
    tol: float = 1e-4
    confusion_noise: float = 1e-3

    def find(self, context: SearchContext) -> FinderOutput:
        if "classes" not in context.available:
            # it searches class by class: a loss without classes (a regressor's) has none
            return FinderOutput.empty(f"{self.name}: needs a classifier's classes")
        prepared = prepare_embeddings(context, self.n_pca_components)
        if prepared is None:
            return FinderOutput.empty("domino: no embeddings")
        z, valid, grow = prepared
        errors = context.errors
        y = one_hot(class_codes(context.labels, context.classes), len(context.classes))
        y_hat = _prediction_matrix(context)
        rng = np.random.default_rng(context.random_state)
        fit_rows = valid & grow
        model = fit_mixture(
            z[fit_rows],
            y[fit_rows],
            y_hat[fit_rows],
            n_components=min(self.n_components, int(fit_rows.sum()) // 2),
            y_weight=self.y_log_likelihood_weight,
            y_hat_weight=self.y_hat_log_likelihood_weight,
            max_iter=self.max_iter,
            tol=self.tol,
            noise=self.confusion_noise,
            rng=rng,
        )
        assign = np.full(len(errors), -1)
        assign[valid] = model.assign(z[valid], y[valid], self.y_log_likelihood_weight)
        chosen = _choose_components(assign, errors, grow, self.n_slices, context.min_support)
        return held_out_output(
            [assign == c for c in chosen],
            errors,
            grow,
            self.name,
            [{"component": int(c)} for c in chosen],
            [f"Examples in embedding cluster {int(c)}" for c in chosen],
            note=f"domino: {model.means.shape[0]} components, {len(chosen)} tested on a held-out half",
        )


@dataclass
class SliceMixture:
    """A fitted Domino mixture.

    Attributes
    ----------
    weights : ndarray, shape (k,)
    means, variances : ndarray, shape (k, d)
        Diagonal Gaussian of each component over the reduced embeddings.
    y_probs, y_hat_probs : ndarray, shape (k, n_classes)
        Each component's distribution over the true class and over the predicted class.
    n_iter : int
    """

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    y_probs: np.ndarray
    y_hat_probs: np.ndarray
    n_iter: int

    def log_gaussian(self, z: np.ndarray) -> np.ndarray:
        """Log density of each row under each component's Gaussian, shape (n, k)."""
        precision = 1.0 / self.variances
        quad = (
            (z**2) @ precision.T
            - 2.0 * z @ (self.means * precision).T
            + np.sum(self.means**2 * precision, axis=1)
        )
        return -0.5 * (quad + np.sum(np.log(2 * np.pi * self.variances), axis=1))

    def log_joint(
        self,
        z: np.ndarray,
        y: np.ndarray,
        y_hat: np.ndarray | None,
        y_weight: float,
        y_hat_weight: float,
    ) -> np.ndarray:
        """Weighted log joint of rows and components, shape (n, k); `y_hat` None leaves it out."""
        out = self.log_gaussian(z) + np.log(self.weights + _EPS)
        out += y_weight * np.log(y @ self.y_probs.T + _EPS)
        if y_hat is not None:
            out += y_hat_weight * np.log(y_hat @ self.y_hat_probs.T + _EPS)
        return out

    def assign(self, z: np.ndarray, y: np.ndarray, y_weight: float) -> np.ndarray:
        """Component of each row from its embedding and true class only, shape (n,)."""
        return np.argmax(self.log_joint(z, y, None, y_weight, 0.0), axis=1)


def fit_mixture(
    z: np.ndarray,
    y: np.ndarray,
    y_hat: np.ndarray,
    *,
    n_components: int,
    y_weight: float,
    y_hat_weight: float,
    max_iter: int,
    tol: float,
    noise: float,
    rng: np.random.Generator,
) -> SliceMixture:
    """Fit Domino's mixture by EM.

    Parameters
    ----------
    z : ndarray of float, shape (n, d)
        Reduced embeddings.
    y : ndarray of {0, 1}, shape (n, n_classes)
        One-hot true classes.
    y_hat : ndarray of float, shape (n, n_classes)
        Predicted class probabilities (or one-hot predictions); rows sum to 1.
    """
    resp = _confusion_init(y, y_hat, max(n_components, 1), noise, rng)
    reg = 1e-3 * float(np.mean(np.var(z, axis=0))) + 1e-12
    model = _m_step(z, y, y_hat, resp, reg, 0)
    previous = -np.inf
    for iteration in range(1, max_iter + 1):
        joint = model.log_joint(z, y, y_hat, y_weight, y_hat_weight)
        norm = logsumexp(joint, axis=1)
        resp = np.exp(joint - norm[:, None])
        # subnormal responsibilities make the M-step's products tens of times slower
        resp[resp < 1e-12] = 0.0
        model = _m_step(z, y, y_hat, resp, reg, iteration)
        bound = float(norm.mean())
        if abs(bound - previous) < tol:
            break
        previous = bound
    return model


def _m_step(
    z: np.ndarray, y: np.ndarray, y_hat: np.ndarray, resp: np.ndarray, reg: float, n_iter: int
) -> SliceMixture:
    counts = resp.sum(axis=0) + 10 * _EPS
    means = resp.T @ z / counts[:, None]
    variances = np.maximum(resp.T @ (z**2) / counts[:, None] - means**2, 0.0) + reg
    return SliceMixture(
        weights=counts / counts.sum(),
        means=means,
        variances=variances,
        y_probs=resp.T @ y / counts[:, None],
        y_hat_probs=resp.T @ y_hat / counts[:, None],
        n_iter=n_iter,
    )


def _confusion_init(
    y: np.ndarray, y_hat: np.ndarray, k: int, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """Responsibilities that put each confusion-matrix cell in its own components.

    As in Domino, cells are repeated to fill `k` components. With more cells than components
    the most populous cells get a component each and the other rows start uniform.
    """
    n, n_classes = y.shape
    cells = (y[:, :, None] * y_hat[:, None, :]).reshape(n, n_classes * n_classes)
    if cells.shape[1] <= k:
        resp = np.tile(cells, (1, -(-k // cells.shape[1])))[:, :k]
    else:
        keep = np.argsort(-cells.sum(axis=0), kind="stable")[:k]
        resp = cells[:, keep]
    resp = resp + 1e-12
    resp /= resp.sum(axis=1, keepdims=True)
    resp += rng.random((n, k)) * noise
    return resp / resp.sum(axis=1, keepdims=True)


def _choose_components(
    assign: np.ndarray, errors: np.ndarray, grow: np.ndarray, n_slices: int, min_support: int
) -> list[int]:
    """Components with the most excess errors on the fitting half, large enough to report."""
    rate = errors[grow].mean()
    scored = []
    for c in np.unique(assign[assign >= 0]):
        members = (assign == c) & grow
        size = int(members.sum())
        excess = float(errors[members].sum() - size * rate)
        if size >= max(min_support // 2, 1) and excess > 0:
            scored.append((-excess, int(c)))
    return [c for _, c in sorted(scored)[:n_slices]]


def _prediction_matrix(context: SearchContext) -> np.ndarray:
    """Predicted class probabilities, shape (n, n_classes); one-hot predictions without them."""
    k = len(context.classes)
    if context.proba is not None and context.proba.shape == (len(context.errors), k):
        proba = np.nan_to_num(np.asarray(context.proba, dtype=float), nan=1.0 / k)
        proba = np.clip(proba, 0.0, None) + 1e-12
        return proba / proba.sum(axis=1, keepdims=True)
    return one_hot(class_codes(context.predictions, context.classes), k)
