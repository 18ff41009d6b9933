"""``weakspot compare``: two models on the same evaluation set, example by example.

Overall and per failure mode (or slice) deltas of the error rate with Wald intervals of the
paired difference and exact McNemar p-values; the examples newly wrong and newly right; the
share of the old model's correct examples the new one keeps (backward compatibility); and the
modes that appeared or vanished (a mode of one run matches one of the other when their titles
are equal or their members overlap with Jaccard at least 0.5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from weakspot.report._labels import is_multilabel, label_changes
from weakspot.report._outcomes import (
    check_same_examples,
    failure_units,
    read_analysis,
    read_outcomes,
)
from weakspot.report._paired import paired

MATCH_JACCARD = 0.5


def _match(unit: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any] | None:
    mine = set(unit["members"])
    best, best_j = None, 0.0
    for other in others:
        if other["title"] == unit["title"]:
            return other
        theirs = set(other["members"])
        j = len(mine & theirs) / max(len(mine | theirs), 1)
        if j > best_j:
            best, best_j = other, j
    return best if best_j >= MATCH_JACCARD else None


def _unit_rows(
    old_doc, new_doc, old: pd.DataFrame, new: pd.DataFrame, folders
) -> list[dict[str, Any]]:
    old_units, new_units = failure_units(old_doc, folders[0]), failure_units(new_doc, folders[1])
    rows = []
    for side, units, others in (("old", old_units, new_units), ("new", new_units, old_units)):
        for u in units:
            match = _match(u, others)
            if side == "new" and match is not None:
                continue  # already listed from the old side
            status = "persists" if match else ("vanished" if side == "old" else "appeared")
            members = [i for i in u["members"] if i in old.index]
            change = paired(
                old.loc[members, "error"].to_numpy(), new.loc[members, "error"].to_numpy()
            )
            rows.append(
                {
                    "kind": u["kind"],
                    "id": u["id"],
                    "title": u["title"],
                    "found_in": side,
                    "status": status,
                    "matched": None if match is None else match["id"],
                    **change.to_dict(),
                }
            )
    return rows


def compare_results(old_results: str | Path, new_results: str | Path) -> dict[str, Any]:
    """The comparison document (written as comparison.json) of two results folders."""
    old_doc, new_doc = read_analysis(old_results), read_analysis(new_results)
    old, new = read_outcomes(old_results), read_outcomes(new_results)
    check_same_examples(old, new, str(old_results), str(new_results))
    new = new.reindex(old.index)
    overall = paired(old["error"].to_numpy(), new["error"].to_numpy())
    if old["error"].dtype != bool or new["error"].dtype != bool:
        # a continuous loss (a regressor's) has no wrong and right examples to list: the
        # overall and per-mode records compare the mean losses (Wilcoxon signed-rank)
        newly_wrong = newly_right = old.index[:0]
        old_correct = 0
    else:
        newly_wrong = old.index[(~old["error"] & new["error"]).to_numpy()]
        newly_right = old.index[(old["error"] & ~new["error"]).to_numpy()]
        old_correct = int((~old["error"]).sum())
    labels = (  # a tagger's: each label's errors, paired (McNemar per label)
        {"labels": label_changes(old, new)}
        if is_multilabel(old_doc) and is_multilabel(new_doc)
        else {}
    )
    return {
        "old": {"results": str(old_results), "weakspot_version": old_doc.get("weakspot_version")},
        "new": {"results": str(new_results), "weakspot_version": new_doc.get("weakspot_version")},
        "overall": overall.to_dict(),
        "backward_compatibility": (old_correct - len(newly_wrong)) / old_correct
        if old_correct
        else None,
        "units": _unit_rows(old_doc, new_doc, old, new, (old_results, new_results)),
        "newly_wrong": [_example(new, i) for i in newly_wrong],
        "newly_right": [_example(old, i) for i in newly_right],
        "pictures": _pictures(old_doc, new_doc),
        **labels,
    }


def _example(frame: pd.DataFrame, ident: str) -> dict[str, str]:
    row = frame.loc[ident]
    return {"id": str(ident), "label": str(row["label"]), "prediction": str(row["prediction"])}


def _pictures(*docs: dict[str, Any]) -> dict[str, str]:
    """id -> thumbnail data URI, from every picture either analysis holds."""
    found: dict[str, str] = {}
    for doc in docs:
        for s in doc.get("slices") or []:
            for records in (s.get("examples") or {}).values():
                for r in records or []:
                    found.setdefault(str(r.get("id")), r.get("image"))
        for q in doc.get("quality") or []:
            for r in q.get("examples") or []:
                found.setdefault(str(r.get("id")), r.get("image"))
    return found
