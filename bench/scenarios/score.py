"""Score one analysis against its scenario's truth, and the targets of issue 24 over a run.

Per scenario (`score`):

- *bites*: the members fail at least 1.5 times as often as the rest; the targets below count
  planted scenarios that bite (a plant that does not hurt the model is no failure to find).
- *found*: a failure mode whose members match the truth's members with F1 >= 0.5 (the best
  such mode is "the planted mode"); *found among slices*: one of the top 5 reported slices
  does.
- *named*: the planted mode's title uses a word of the truth's strict word list (titles are
  split into words; ``label == shirt`` names the class ``shirt``).
- *modes sound*: every failure mode has lift (its error rate over the rest's) >= `min_lift`
  and is significant on its own rows: the one-sided exact (hypergeometric) test of its errors
  against a random draw of the same size, p <= 0.05.
- *top right*: the planted mode's most confident tested diagnosis is the planted cause.
- *calibration point*: (that diagnosis's confidence, right); on a scenario with no fixable
  cause, the most confident diagnosis of any mode, right only if the scenario allows it
  (``class_confusion`` on a class-confusion scenario).
- *clean* (no fixable cause): no diagnosis outside the allowed ones above confidence 0.5.
- *relabel*: where labels were flipped, the evaluation ids in the relabel queues against them.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import hypergeom

MIN_F1 = 0.5
TOP_SLICES = 5
ALPHA = 0.05
MIN_BITE = 1.5


def f1(members: np.ndarray, truth: np.ndarray) -> float:
    members, truth = np.asarray(members), np.asarray(truth)
    if len(members) == 0 or len(truth) == 0:
        return 0.0
    hit = len(np.intersect1d(members, truth))
    return 2 * hit / (len(members) + len(truth))


def words_of(title: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z0-9_]+", title or "")}


def mode_check(members: np.ndarray, errors: np.ndarray, min_lift: float) -> dict[str, Any]:
    """Lift and one-sided exact p-value of a mode's own rows (`errors` bool, shape (n,))."""
    inside = np.zeros(len(errors), dtype=bool)
    inside[np.asarray(members, dtype=np.int64)] = True
    k, size = int(errors[inside].sum()), int(inside.sum())
    rest = errors[~inside].mean() if (~inside).any() else 0.0
    rate = k / size if size else 0.0
    lift = rate / rest if rest > 0 else float("inf")
    p = float(hypergeom.sf(k - 1, len(errors), int(errors.sum()), size)) if size else 1.0
    return {
        "size": size,
        "error_rate": round(rate, 4),
        "rest_error_rate": round(float(rest), 4),
        "lift": round(lift, 3) if np.isfinite(lift) else None,
        "p": p,
        "sound": bool((not np.isfinite(lift) or lift >= min_lift) and p <= ALPHA),
    }


def score(scenario, analysis, *, min_lift: float = 1.1) -> dict[str, Any]:
    truth = scenario.truth
    ev = scenario.evaluation
    errors = (ev["label"] != ev["prediction"]).to_numpy()
    actions = {a.id: a for a in analysis.actions}
    modes = []
    for m in analysis.failure_modes:
        tested = [d for d in m.diagnoses if d.tested]
        first = next((actions[a] for a in m.actions if a in actions), None)
        modes.append(
            {
                "id": m.id,
                "title": m.title,
                "f1": round(f1(m.members, truth.members), 4),
                "diagnoses": [[d.cause, round(float(d.confidence), 4)] for d in tested],
                "top_action": first.kind if first is not None else None,
                **mode_check(m.members, errors, min_lift),
            }
        )
    slices = [
        {"f1": round(f1(s.members, truth.members), 4), "size": len(s.members)}
        for s in analysis.slices[:TOP_SLICES]
    ]
    record: dict[str, Any] = {
        "error_rate": round(float(errors.mean()), 4),
        "members": len(truth.members),
        "members_error_rate": round(float(errors[truth.members].mean()), 4)
        if len(truth.members)
        else None,  # fmt: skip
        "bites": _bites(errors, truth.members),
        "modes": modes,
        "modes_sound": all(m["sound"] for m in modes),
        "found_slice": any(s["f1"] >= MIN_F1 for s in slices),
    }
    best = max(modes, key=lambda m: m["f1"], default=None)
    found = bool(truth.members.size and best is not None and best["f1"] >= MIN_F1)
    record["found"] = found
    record["best_f1"] = best["f1"] if best else 0.0
    if found and best is not None:
        record["title"] = best["title"]
        record["named"] = bool(words_of(best["title"]) & {w.lower() for w in truth.words})
        top = best["diagnoses"][0] if best["diagnoses"] else None
        record["top"] = top[0] if top else None
        record["top_confidence"] = top[1] if top else 0.0
        record["right"] = record["top"] == truth.cause
        record["top_action"] = best["top_action"]
        record["action_serves"] = best["top_action"] in truth.fix_kinds
    if not truth.fixable:
        outside = [d for m in modes for d in m["diagnoses"] if d[0] not in truth.allowed]
        record["max_confidence"] = max((d[1] for d in outside), default=0.0)
        record["clean"] = record["max_confidence"] <= 0.5
    record["calibration"] = _calibration_point(record, modes, truth)
    if len(truth.flipped):
        record["relabel"] = _relabel(analysis, truth)
    return record


def _bites(errors: np.ndarray, members: np.ndarray) -> bool:
    """Whether the planted members fail at least `MIN_BITE` times as often as the rest (a plant
    that does not hurt the model is no failure to find)."""
    if not len(members):
        return False
    inside = np.zeros(len(errors), dtype=bool)
    inside[members] = True
    return bool(errors[inside].mean() >= MIN_BITE * max(errors[~inside].mean(), 1e-9))


def _calibration_point(record, modes, truth) -> list | None:
    if truth.fixable:
        if record.get("found") and record.get("top"):
            return [record["top_confidence"], bool(record["right"])]
        return None
    every = [d for m in modes for d in m["diagnoses"]]
    if not every:
        return None
    cause, confidence = max(every, key=lambda d: d[1])
    return [confidence, cause in truth.allowed]


def _relabel(analysis, truth) -> dict[str, Any]:
    queued: set[str] = set()
    for action in analysis.actions:
        if action.kind != "relabel":
            continue
        for text in action.files.values():
            table = pd.read_csv(io.StringIO(text), dtype=str)
            queued |= set(table.loc[table["split"] == "evaluation", "id"])
    flipped = set(truth.flipped.astype(str))
    hit = len(queued & flipped)
    return {"queued": len(queued), "flipped": len(flipped), "hit": hit}


def _confidence(record: dict[str, Any], cause: str) -> float:
    """The planted (best-matching) mode's confidence in `cause`, 0 when not tested."""
    best = max(record["modes"], key=lambda m: m["f1"], default=None)
    found = [d[1] for d in (best["diagnoses"] if best else []) if d[0] == cause]
    return float(found[0]) if found else 0.0


# ------------------------------------------------------------------ the targets over a run
def reliability(points: list[list], bins: int = 5) -> tuple[float | None, list[dict[str, Any]]]:
    """Expected calibration error of (confidence, right) points over `bins` equal-width bins,
    and the table: per bin, its count, mean confidence and share right."""
    if not points:
        return None, []
    conf = np.array([p[0] for p in points], dtype=float)
    right = np.array([p[1] for p in points], dtype=float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            gap = abs(conf[sel].mean() - right[sel].mean())
            ece += sel.sum() * gap
            rows.append({"bin": f"[{b / bins:.1f}, {(b + 1) / bins:.1f}{']' if b == bins - 1 else ')'}",
                         "n": int(sel.sum()), "confidence": round(float(conf[sel].mean()), 3),
                         "right": round(float(right[sel].mean()), 3)})  # fmt: skip
        else:
            rows.append({"bin": f"[{b / bins:.1f}, {(b + 1) / bins:.1f})", "n": 0, "confidence": None, "right": None})  # fmt: skip
    return float(ece / len(points)), rows


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.0%})" if n else "0/0"


def targets(records: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(target, threshold, measured, met) rows of issue 24's targets this runner measures."""
    ok = [r for r in records if "error" not in r]
    planted = [r for r in ok if r["truth"]["members"] > 0 and r["bites"]]
    found = [r for r in planted if r["found"]]
    fixable_found = [r for r in found if r["truth"]["fixable"]]
    named = sum(r["named"] for r in found)
    right = sum(r["right"] for r in found)
    modes = [m for r in ok for m in r["modes"]]
    unsound = [m for m in modes if not m["sound"]]
    nofix = [r for r in ok if not r["truth"]["fixable"]]
    clean = sum(r["clean"] for r in nofix)
    ece, _ = reliability([r["calibration"] for r in ok if r.get("calibration")])
    serves = sum(bool(r.get("action_serves")) for r in fixable_found)

    def met(flag: bool) -> str:
        return "met" if flag else "**not met**"

    rows = [
        (
            "planted failure found (a failure mode, F1 >= 0.5)",
            "-",
            _share(len(found), len(planted)),
            "-",
        ),  # fmt: skip
        (
            "planted failure among the top 5 slices",
            "-",
            _share(sum(r["found_slice"] for r in planted), len(planted)),
            "-",
        ),  # fmt: skip
        (
            "titles name the cause (strict words), found scenarios",
            ">= 90%",
            _share(named, len(found)),
            met(bool(found) and named >= 0.9 * len(found)),
        ),  # fmt: skip
        (
            "modes with lift < min_lift or not significant on their own rows",
            "0",
            f"{len(unsound)} of {len(modes)} modes, in {sum(not r['modes_sound'] for r in ok)} of {len(ok)} scenarios",
            met(not unsound),
        ),  # fmt: skip
        (
            "top diagnosis right, found scenarios",
            ">= 85%",
            _share(right, len(found)),
            met(bool(found) and right >= 0.85 * len(found)),
        ),  # fmt: skip
        (
            "ECE of the top diagnosis's confidence",
            "<= 0.10",
            "-" if ece is None else f"{ece:.3f}",
            met(ece is not None and ece <= 0.10),
        ),  # fmt: skip
        (
            "no fixable cause: clean (no confidence > 0.5)",
            ">= 95%",
            _share(clean, len(nofix)),
            met(bool(nofix) and clean >= 0.95 * len(nofix)),
        ),  # fmt: skip
        (
            "top action's kind serves the cause, found fixable scenarios",
            "-",
            _share(serves, len(fixable_found)),
            "-",
        ),  # fmt: skip
        (
            "verified top action helps the failing rows (McNemar), nonlinear trainer",
            ">= 80%",
            "not measured by this runner (verify step, later)",
            "-",
        ),  # fmt: skip
        ("perturb right", ">= 85%", "not measured by this runner (later)", "-"),
    ]
    relabel = [r["relabel"] for r in ok if "relabel" in r]
    if relabel:
        hit = sum(x["hit"] for x in relabel)
        queued = sum(x["queued"] for x in relabel)
        flipped = sum(x["flipped"] for x in relabel)
        with_queue = sum(x["queued"] > 0 for x in relabel)
        rows.append((
            "relabel queue vs flipped labels (pooled)", "-",
            f"precision {hit}/{queued} ({hit / queued:.0%})" if queued else "precision - (no queue)",
            f"recall {hit}/{flipped} ({hit / flipped:.0%}); a queue in {with_queue} of {len(relabel)} scenarios",
        ))  # fmt: skip
    noisy = [r for r in found if r["truth"]["cause"] == "label_noise"]
    for shows in (True, False):  # issue 24: "whether or not the mode's images differ"
        rs = [r for r in noisy if bool(r.get("visible")) == shows]
        if rs:
            where = "also looks different" if shows else "looks like the rest"
            diagnosed = sum(_confidence(r, "label_noise") >= 0.5 for r in rs)
            rows.append((
                f"label noise, found scenarios whose source {where}: label_noise the top "
                "diagnosis; label_noise >= 0.5", "-",
                f"top {_share(sum(r['right'] for r in rs), len(rs))}; >= 0.5 {_share(diagnosed, len(rs))}", "-",
            ))  # fmt: skip
    return rows
