"""The words for a sampled finding's figures on every row (`weakspot._whole`), in every report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def whole_sentence(whole: Mapping[str, Any] | None) -> str | None:
    """``on all 20,000 rows: 2,046 examples, 40.9% fail (95% CI 38.7%-43.0%), 8.0% elsewhere``.

    None for an analysis of every row (its record has no ``whole``).
    """
    if not whole:
        return None
    rows = f"on all {whole['of']:,} rows"
    if not whole["counted"]:
        return f"not counted {rows}: {whole['reason']}"
    if not whole["size"]:
        return f"{rows}: the rule selects no row"
    low, high = whole["ci"]
    rest = whole.get("rest_error_rate")
    elsewhere = "" if rest is None else f", {rest:.1%} elsewhere"
    return (
        f"{rows}: {whole['size']:,} examples, {whole['error_rate']:.1%} fail "
        f"(95% CI {low:.1%}-{high:.1%}){elsewhere}"
    )
