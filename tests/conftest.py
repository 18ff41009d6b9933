"""Shared fixtures: small prediction tables with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def planted_table(
    seed: int, n: int = 4000, base: float = 0.08, inside: float = 0.4, null: bool = False
) -> pd.DataFrame:
    """A binary-task predictions table whose errors rise inside ``site == B and age >= 60``.

    With ``null=True`` the errors are independent of every column.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": [f"ex{i}" for i in range(n)],
            "site": rng.choice(list("ABCD"), n),
            "age": rng.integers(18, 90, n),
            "device": rng.choice(["phone", "scanner", "tablet"], n),
            "label": rng.choice(["cat", "dog"], n),
        }
    )
    wrong = rng.random(n) < base
    if not null:
        planted = ((frame.site == "B") & (frame.age >= 60)).to_numpy()
        wrong[planted] = rng.random(planted.sum()) < inside
    frame["prediction"] = np.where(wrong, np.where(frame.label == "cat", "dog", "cat"), frame.label)
    return frame


@pytest.fixture
def planted() -> pd.DataFrame:
    return planted_table(0)
