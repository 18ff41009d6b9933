"""`analysis.json`: the one document every report and the CI gate read (schema in docs/schema.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np

SCHEMA_VERSION = "1.0"


class Document(Protocol):
    """Anything that turns into an ``analysis.json`` document (an `Analysis`)."""

    def to_dict(self) -> dict[str, Any]: ...


def plain(value: Any) -> Any:
    """Numpy scalars to Python, non-finite floats to None, recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(analysis: Document | dict[str, Any], path: str | Path) -> Path:
    """Write ``analysis.json``; the same analysis always gives the same bytes."""
    path = Path(path)
    doc = analysis if isinstance(analysis, dict) else analysis.to_dict()
    text = json.dumps(plain(doc), indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
