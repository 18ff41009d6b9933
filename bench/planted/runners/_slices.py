"""Shared by the planted-task runners: members of a predicate over bin codes (numpy only)."""

import numpy as np


def members_of(codes, conditions):
    """Rows meeting every (feature index, list of allowed bin codes) condition."""
    mask = np.ones(len(codes), dtype=bool)
    for feature, allowed in conditions:
        mask &= np.isin(codes[:, int(feature)], np.asarray(allowed, dtype=codes.dtype))
    return np.flatnonzero(mask).tolist()


def predicate_slice(codes, names, conditions):
    return {
        "members": members_of(codes, conditions),
        "features": sorted({names[int(f)] for f, _ in conditions}),
    }
