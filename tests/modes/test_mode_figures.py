"""A failure mode's figures are those of the rows its title selects."""

from __future__ import annotations

import weakspot
from tests.conftest import planted_table


def test_a_modes_size_and_error_rate_are_its_titles_rows():
    frame = planted_table(0)
    analysis = weakspot.analyze(frame)
    mode = analysis.to_dict()["failure_modes"][0]
    assert mode["title"] == "site == B and age >= 60"  # where the planted failure starts
    rows = (frame.site == "B") & (frame.age >= 60)
    wrong = frame.label != frame.prediction
    assert mode["size"] == int(rows.sum())
    assert abs(mode["error_rate"] - wrong[rows].mean()) < 1e-12
    assert abs(mode["rest_error_rate"] - wrong[~rows].mean()) < 1e-12
