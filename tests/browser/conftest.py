"""Browser fixtures: one Chromium for the module, skipped with a reason where none exists."""

from __future__ import annotations

import pytest

from tests.browser._browser import browser, skip_reason


@pytest.fixture(scope="session")
def chromium():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    with browser() as instance:
        yield instance
