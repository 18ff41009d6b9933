"""Escaping for every place a user string can land: HTML text, attributes, SVG, JSON, links.

Class names, column names, metadata values, ids and file names all come from the user's data,
so every one goes through `esc` (text and quoted attributes; SVG text is XML and takes the same
escaping), `json_script` (a JSON ``<script>`` block, where ``</script>`` must not appear),
`data_uri` (an image source: only base64 PNG/JPEG/WebP data URIs pass) or `href` (a link:
only relative paths inside the results folder pass, never ``javascript:`` or another scheme).
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from typing import Any

_DATA_URI = re.compile(r"data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def esc(value: Any) -> str:
    """`value` as text safe inside HTML or SVG text and inside a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def json_script(value: Any, element_id: str) -> str:
    """A ``<script type="application/json">`` block holding `value`, safe to embed.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so no string in the data can close
    the script element or open a comment; U+2028/9 are escaped for older parsers.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, code)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def data_uri(value: Any) -> str | None:
    """`value` if it is a base64 image data URI, else None (never a script or remote URL)."""
    if isinstance(value, str) and _DATA_URI.fullmatch(value):
        return value
    return None


def href(path: Any) -> str | None:
    """A relative link into the results folder, or None for anything else.

    Schemes (``javascript:``, ``http:``, ``file:``), absolute paths and ``..`` are refused.
    """
    if not isinstance(path, str) or not path or _SCHEME.match(path.strip()):
        return None
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\")) or ".." in parts:
        return None
    return "/".join(parts)


def num(value: Any, spec: str = ".3g", missing: str = "–") -> str:
    """A number formatted with `spec`, or `missing` for None / NaN / non-numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return missing
    if isinstance(value, float) and not math.isfinite(value):
        return "∞" if value > 0 else missing
    return format(value, spec)


def pct(value: Any, digits: int = 1) -> str:
    """A share as a percentage, or a dash when missing."""
    return num(value * 100 if isinstance(value, int | float) else None, f".{digits}f") + (
        "%" if isinstance(value, int | float) else ""
    )


def interval(ci: Any, digits: int = 1) -> str:
    """``"low%-high%"`` from a [low, high] pair of shares."""
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return "–"
    return f"{pct(ci[0], digits)}–{pct(ci[1], digits)}"
