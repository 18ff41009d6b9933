"""Row sets shared by every stage: member masks and the random half that finders fit on."""

from __future__ import annotations

import numpy as np


def member_mask(members: np.ndarray, n: int) -> np.ndarray:
    """Boolean mask of shape (n,) that is True at the row positions `members`."""
    mask = np.zeros(n, dtype=bool)
    mask[members] = True
    return mask


def random_half(n: int, random_state: int) -> np.ndarray:
    """The rows a split-sample finder may fit on: a random half, shape (n,) of bool.

    Every finder draws the same half for the same seed, so that rows held out by one are held
    out by all, and the tests on the other half stay honest across finders.
    """
    rng = np.random.default_rng(random_state)
    return member_mask(rng.permutation(n)[: n // 2], n)
