"""Results folders shared by the gate and comparison tests."""

from __future__ import annotations

import numpy as np
import pytest

import weakspot
from tests.conftest import planted_table


def _flip(frame, mask):
    frame = frame.copy()
    other = np.where(frame.label == "cat", "dog", "cat")
    frame.loc[mask, "prediction"] = other[mask]
    return frame


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A baseline, a copy of it, a model worse on site B, and a result on other examples."""
    root = tmp_path_factory.mktemp("gate")
    base = planted_table(0)
    rng = np.random.default_rng(5)
    right_b = ((base.site == "B") & (base.label == base.prediction)).to_numpy()
    worse = _flip(base, right_b & (rng.random(len(base)) < 0.3))
    other = planted_table(0, n=3000)
    folders = {}
    for name, frame in (("base", base), ("same", base), ("worse", worse), ("other", other)):
        weakspot.write_results(weakspot.analyze(frame, sensitive=["site"]), root / name)
        folders[name] = root / name
    return folders
