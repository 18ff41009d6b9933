"""Which of a failure mode's causes a report may call its diagnosis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weakspot.actions import MIN_CONFIDENCE


def likeliest(mode: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, bool]:
    """The most confident tested cause of `mode` (a record of ``failure_modes``), and whether
    it is a diagnosis: at least `MIN_CONFIDENCE`, below which a cause gets no action either.
    A cause at confidence 0 in a headline would read as the diagnosis; it is none."""
    tested = [d for d in mode.get("diagnoses") or [] if d.get("tested")]
    if not tested:
        return None, False
    top = max(tested, key=lambda d: d.get("confidence") or 0)
    return top, (top.get("confidence") or 0) >= MIN_CONFIDENCE
