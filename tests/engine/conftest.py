"""Fixtures of the engine tests: the demo's inputs, made once per session (about 20 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.golden_cases import demo_inputs


@pytest.fixture(scope="session")
def demo_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_inputs(tmp_path_factory.mktemp("demo"))
