"""Fixtures of the engine tests: the demo's inputs, made once per session (about 20 s)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.engine.golden_cases import demo_inputs


@pytest.fixture(scope="session")
def demo_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_inputs(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def engine_builders() -> dict[str, Callable[[], Any]]:
    """How to build each registered engine for the contract tests."""
    from weakspot.engine import NumpyEngine

    return {"numpy": NumpyEngine}
