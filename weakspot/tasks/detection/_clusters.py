"""Rates of boxes inside and outside a slice with the image as the cluster.

Boxes of one image share its light, its camera and its clutter, so their misses are not
independent: an image that is too dark loses all its objects at once. A test that counts boxes
as independent draws then takes 30 boxes of 5 images for 30 observations and finds slices of
image metadata more significant than they are. Here a rate is a ratio of sums over images
(misses over boxes), and its variance is the cluster-robust one of a ratio estimator
(Taylor linearisation, as survey statistics and a GEE with robust errors compute it):

    r = sum_c a_c / sum_c m_c,    Var(r) ~ C / (C - 1) * sum_c ((a_c - r m_c) / M)^2

for images c = 1..C holding m_c of the boxes and a_c of their errors (M = sum m_c). The
difference of the rates inside and outside a slice is linearised the same way, with each image
contributing to both sides, and tested one-sided against Student's t with C - 1 degrees of
freedom. The design effect (the cluster variance over the independent one) shrinks each
side's count to an effective number of boxes for its Wilson interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from weakspot.stats import unique_inverse, wilson_interval


@dataclass(frozen=True)
class ClusteredRates:
    """A slice's error rate against the rest's, with images as clusters.

    Attributes
    ----------
    rate, rest_rate : float
        Errors over units inside the slice, and outside it.
    ci, rest_ci : tuple of float
        95% Wilson intervals on the effective number of units (count / design effect).
    design_effect, rest_design_effect : float
        Cluster variance over the variance of independent units (at least 1).
    p_value : float
        One-sided: the slice's rate exceeds the rest's, clusters accounted for.
    n_images : int
        Images holding at least one of the units.
    """

    rate: float
    rest_rate: float
    ci: tuple[float, float]
    rest_ci: tuple[float, float]
    design_effect: float
    rest_design_effect: float
    p_value: float
    n_images: int


def clustered_rates(errors: np.ndarray, inside: np.ndarray, clusters: np.ndarray) -> ClusteredRates:
    """The rates inside and outside `inside`, their intervals and the cluster-robust test.

    Parameters
    ----------
    errors : ndarray of {0, 1}, shape (n,)
        The units' errors (misses among boxes, or false positives among detections).
    inside : ndarray of bool, shape (n,)
        The slice's members.
    clusters : ndarray, shape (n,)
        Each unit's image id.
    """
    errors = np.asarray(errors, dtype=np.float64)
    inside = np.asarray(inside, dtype=bool)
    _, cluster = unique_inverse(np.asarray(clusters, dtype=object).astype(str))
    n_clusters = int(cluster.max(initial=-1)) + 1

    def sums(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.bincount(cluster[mask], weights=errors[mask], minlength=n_clusters)
        m = np.bincount(cluster[mask], minlength=n_clusters).astype(np.float64)
        return a, m

    a_in, m_in = sums(inside)
    a_out, m_out = sums(~inside)
    rate, ci, deff, u_in = _side(a_in, m_in, n_clusters)
    rest_rate, rest_ci, rest_deff, u_out = _side(a_out, m_out, n_clusters)
    scale = n_clusters / max(n_clusters - 1, 1)
    spread = float(np.sqrt(scale * np.sum((u_in - u_out) ** 2)))
    difference = rate - rest_rate
    if not (m_in.sum() and m_out.sum()) or n_clusters < 2:
        p = 1.0
    elif spread > 0:
        p = float(student_t.sf(difference / spread, n_clusters - 1))
    else:  # every image splits the same way: no spread, the sign decides
        p = 0.0 if difference > 0 else 1.0
    return ClusteredRates(
        rate=rate,
        rest_rate=rest_rate,
        ci=ci,
        rest_ci=rest_ci,
        design_effect=deff,
        rest_design_effect=rest_deff,
        p_value=p,
        n_images=int(np.count_nonzero(m_in + m_out)),
    )


def _side(
    a: np.ndarray, m: np.ndarray, n_clusters: int
) -> tuple[float, tuple[float, float], float, np.ndarray]:
    """One side's rate, Wilson interval on its effective size, design effect and each image's
    linearised contribution (shape (C,))."""
    total = float(m.sum())
    if total == 0:
        return float("nan"), (0.0, 1.0), 1.0, np.zeros(n_clusters)
    rate = float(a.sum()) / total
    contribution = (a - rate * m) / total
    scale = n_clusters / max(n_clusters - 1, 1)
    clustered = scale * float(np.sum(contribution**2))
    independent = rate * (1.0 - rate) / total
    deff = max(clustered / independent, 1.0) if independent > 0 else 1.0
    effective = total / deff
    low, high = wilson_interval(rate * effective, effective)
    return rate, (float(low), float(high)), deff, contribution
