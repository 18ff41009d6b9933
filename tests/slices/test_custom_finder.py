"""The finder of docs/architecture.md, registered by a user and run through analyze()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import weakspot
from tests.conftest import planted_table
from weakspot.features import Condition
from weakspot.slices import FINDERS, FinderOutput, SearchContext, Slice, register_finder
from weakspot.stats import held_out_p_value, random_half


@dataclass
class WorstValueFinder:
    """The value of one metadata column whose rows fail most, tested on the held-out half."""

    name: ClassVar[str] = "worst_value"
    needs: ClassVar[frozenset[str]] = frozenset()
    column: str = "site"

    def find(self, context: SearchContext) -> FinderOutput:
        grow = random_half(len(context.errors), context.random_state)  # choose on one half
        values = context.features[self.column].astype(str).to_numpy()
        worst = max(np.unique(values), key=lambda v: context.errors[grow & (values == v)].mean())
        mask = values == worst
        p = held_out_p_value(mask, context.errors, ~grow)  # test on the other
        item = Slice(np.flatnonzero(mask), self.name, (Condition(self.column, "==", worst),))
        return FinderOutput([item], np.array([p]), np.array([p]))


@pytest.fixture
def worst_value():
    register_finder(WorstValueFinder)
    yield
    FINDERS.pop("worst_value")


def test_a_users_finder_runs_with_its_options(worst_value):
    frame = planted_table(0)
    analysis = weakspot.analyze(
        frame, methods=["worst_value"], finder_options={"worst_value": {"column": "site"}}
    )
    (item,) = analysis.slices
    assert item.rule() == "site == B"
    assert item.stats.q_value < 1e-6
    assert analysis.search.options["worst_value"] == {"column": "site"}


def test_a_users_finder_without_needs_runs_by_default(worst_value):
    analysis = weakspot.analyze(planted_table(0))
    assert "worst_value" in analysis.config["methods"]
