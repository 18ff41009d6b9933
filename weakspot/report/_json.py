"""`analysis.json`: the one document every report and the CI gate read (schema in docs/schema.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from weakspot._analysis import Analysis

SCHEMA_VERSION = "1.0"


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """The analysis as plain JSON-ready containers."""
    ex = analysis.examples
    doc = {
        "schema_version": SCHEMA_VERSION,
        "weakspot_version": analysis.config.get("weakspot_version"),
        "config": analysis.config,
        "dataset": {
            "n_examples": len(ex),
            "classes": ex.classes,
            "has_probabilities": ex.proba is not None,
            "metadata_columns": list(ex.metadata.columns),
            "slicing_features": analysis.binned.names,
        },
        "notes": analysis.notes,
        "skipped": analysis.skipped,
        "overall": analysis.overall,
        "disaggregated": analysis.disaggregated,
        "features": [
            {
                "name": name,
                "human_name": analysis.feature_info.get(name, (name, ""))[0],
                "unit": analysis.feature_info.get(name, (name, ""))[1],
                "bins": [c.describe() for c in bins],
            }
            for name, bins in zip(analysis.binned.names, analysis.binned.bins, strict=True)
        ],
        "search": analysis.search,
        "slices": [_slice_record(item, ex.ids) for item in analysis.slices],
        "failure_modes": [mode.to_dict() for mode in analysis.failure_modes],
        "actions": [action.to_dict() for action in analysis.actions],
    }
    mode_of = {s: m.id for m in analysis.failure_modes for s in m.slices}
    slices: list[dict[str, Any]] = doc["slices"]  # type: ignore[assignment]
    for record in slices:
        record["failure_mode"] = mode_of.get(record["id"])
    return _plain(doc)


def _slice_record(item, ids: np.ndarray) -> dict[str, Any]:
    s = item.stats
    return {
        "id": f"S{s['rank']}",
        "rank": s["rank"],
        "description": item.description,
        "title": item.extra.get("title") or item.rule() or item.method,
        "rule": item.rule() or None,
        "predicate": [c.to_dict() for c in item.conditions] if item.conditions else None,
        "method": item.method,
        "size": s["size"],
        "errors": s["errors"],
        "error_rate": s["error_rate"],
        "ci": s["ci"],
        "rest_error_rate": s["rest_error_rate"],
        "lift": s["lift"],
        "excess_errors": s["excess_errors"],
        "class_adjusted_excess": s["class_adjusted_excess"],
        "p_value": s["p_value"],
        "search_p_value": s["search_p_value"],
        "q_value": s["q_value"],
        "score": item.score,
        "also_found_as": item.extra.get("also_found_as", []),
        "distinguishing": item.extra.get("distinguishing", []),
        "explanation": item.extra.get("explanation"),
        "found_as": item.extra.get("found_as"),
        "examples": item.extra.get("examples"),
        "feature_pictures": item.extra.get("feature_pictures"),
        "members": [str(i) for i in ids[item.members]],
    }


def _plain(value: Any) -> Any:
    """Numpy scalars to Python, non-finite floats to None, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(analysis: Analysis, path: str | Path) -> Path:
    """Write ``analysis.json``; the same analysis always gives the same bytes."""
    path = Path(path)
    text = json.dumps(analysis_to_dict(analysis), indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
