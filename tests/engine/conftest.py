"""Fixtures of the engine tests: how to build each registered engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def engine_builders(request: pytest.FixtureRequest) -> dict[str, Callable[[], Any]]:
    """Builders of every registered engine; the Dask one runs on the real test cluster."""
    from weakspot.engine import DaskEngine, NumpyEngine

    def dask() -> DaskEngine:
        # small partitions: every kernel then combines several of them
        return DaskEngine(request.getfixturevalue("dask_client"), rows_per_partition=700)

    return {"numpy": NumpyEngine, "dask": dask}
