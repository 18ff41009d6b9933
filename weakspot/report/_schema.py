"""analysis.json's JSON Schema, with the causes and action kinds of the registered plug-ins.

The schema ships in the package as ``analysis.schema.json``; its ``cause`` and ``action_kind``
definitions are plain strings there, because which causes and kinds exist is decided by what
is registered (`weakspot.diagnoses.DIAGNOSES`, `weakspot.actions.ACTIONS`), a user's plug-ins
included. `analysis_schema` returns the schema with both as enums of the registries' names, so a
new diagnosis or action needs no edit of the schema file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weakspot.actions import ACTIONS
from weakspot.diagnoses import DIAGNOSES

SCHEMA_FILE = Path(__file__).with_name("analysis.schema.json")


def analysis_schema() -> dict[str, Any]:
    """analysis.json's JSON Schema (2020-12) with the registered causes and action kinds.

    Returns
    -------
    dict
        The shipped schema, with ``$defs.cause.enum`` the sorted causes of
        `weakspot.diagnoses.DIAGNOSES` and ``$defs.action_kind.enum`` the sorted kinds of
        `weakspot.actions.ACTIONS`, as registered when it is called.
    """
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    schema["$defs"]["cause"]["enum"] = sorted(DIAGNOSES)
    schema["$defs"]["action_kind"]["enum"] = sorted(ACTIONS)
    return schema
