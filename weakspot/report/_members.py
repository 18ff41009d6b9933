"""Member ids of large slices, kept in Parquet files beside ``analysis.json``.

A slice of millions of rows would make ``analysis.json`` mostly ids. Above `MAX_INLINE_MEMBERS`,
a slice's ``members`` is instead ``{"parquet": "members/S3.parquet", "count": n}``: a path
relative to the JSON file's folder, holding one ``id`` column in the slice's order. Every reader
goes through `read_members`, which accepts both forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from weakspot._errors import InputError

MAX_INLINE_MEMBERS = 100_000
MEMBERS_FOLDER = "members"


def write_large_members(
    doc: dict[str, Any], folder: str | Path, *, max_inline: int = MAX_INLINE_MEMBERS
) -> dict[str, Any]:
    """`doc` with the member lists longer than `max_inline` moved to Parquet files in `folder`.

    Parameters
    ----------
    doc : dict
        The analysis document (``analysis_to_dict``); not modified.
    folder : str or Path
        The folder of ``analysis.json``; files go to its ``members/`` sub-folder.
    max_inline : int
        Longest member list kept in the JSON.
    """
    moved: dict[str, Any] = {}
    for key in ("slices", "failure_modes"):  # a mode's members are written beside it too
        records = []
        for record in doc.get(key) or []:
            members = record.get("members")
            if isinstance(members, list) and len(members) > max_inline:
                relative = f"{MEMBERS_FOLDER}/{record['id']}.parquet"
                target = Path(folder) / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                frame = pd.DataFrame({"id": pd.Series(members, dtype=object)})
                frame.to_parquet(target, index=False)
                record = {**record, "members": {"parquet": relative, "count": len(members)}}
            records.append(record)
        if key in doc:
            moved[key] = records
    return {**doc, **moved}


def read_members(record: dict[str, Any], folder: str | Path) -> list[str]:
    """The member ids of one slice (or failure-mode) record, inline or in its Parquet file
    under `folder`."""
    members = record["members"]
    if isinstance(members, list):
        return [str(m) for m in members]
    path = Path(folder) / members["parquet"]
    if not path.exists():
        raise InputError(
            f"Slice {record.get('id')}'s members are in {str(path)!r}, which does not exist; "
            "keep the members/ folder next to analysis.json when moving it."
        )
    ids = pd.read_parquet(path)["id"].astype(str).tolist()
    if len(ids) != members["count"]:
        raise InputError(
            f"{str(path)!r} holds {len(ids)} ids but analysis.json says {members['count']}; "
            "the two files come from different runs. Rerun the analysis."
        )
    return ids
