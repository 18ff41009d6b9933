"""Describe a member-set slice in words: the short rule that best reproduces it, and how it differs.

Slices found in embedding space are sets of examples, not predicates. To say what they hold,
we search for the conjunction of at most three bin conditions over the interpretable features
(metadata, label, image properties, flags, concept tags) whose selection best matches the
members (beam search maximising F1), report how faithful that rule is, and list the features
whose values most set the slice apart from the rest, with effect sizes. When no rule is
faithful, the description says so instead of presenting a poor rule as an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.features import BinnedFeatures, Condition
from weakspot.stats import member_mask, unique_inverse


@dataclass
class MemberDescription:
    """How a member-set slice reads in terms of interpretable features.

    Attributes
    ----------
    rule : list of Condition or None
        The best short rule, or None when even the best has F1 below the faithfulness bar
        (see `best_rule` for it).
    precision, recall, f1 : float
        Of the best rule's selection against the members: the share of selected examples
        that are members, and the share of members it selects.
    best_rule : list of Condition
        The best rule found, faithful or not (empty when no candidate selects a member).
    distinguishing : list of dict
        The features that most set the slice apart, strongest first: ``feature``, ``kind``
        (``"numeric"`` or ``"categorical"``), ``effect`` (standardised mean difference, or
        share in the slice minus share elsewhere), ``in_slice`` and ``elsewhere`` (means or
        shares), ``value`` (the category, for categorical features) and ``strength`` (|d| or
        Cohen's |h|, comparable across kinds).
    sentence : str
        A standalone description a person can read.
    subject : str
        A noun phrase naming the group, to start a sentence such as "... fail 40% of the time".
    """

    rule: list[Condition] | None
    precision: float
    recall: float
    f1: float
    best_rule: list[Condition]
    distinguishing: list[dict[str, Any]]
    sentence: str
    subject: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, for ``analysis.json``."""
        return {
            "rule": None if self.rule is None else [c.to_dict() for c in self.rule],
            "rule_text": _rule_text(self.rule) if self.rule else None,
            "best_rule": [c.to_dict() for c in self.best_rule],
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "distinguishing": self.distinguishing,
            "sentence": self.sentence,
            "subject": self.subject,
        }


def describe_members(
    members: np.ndarray,
    binned: BinnedFeatures,
    features: pd.DataFrame,
    *,
    max_conditions: int = 3,
    beam_width: int = 8,
    min_f1: float = 0.5,
    min_gain: float = 0.02,
    n_distinguishing: int = 5,
) -> MemberDescription:
    """Find the short rule that best reproduces a set of examples, and what sets it apart.

    Parameters
    ----------
    members : ndarray of int, shape (size,)
        Row positions of the slice's members.
    binned : BinnedFeatures
        Bin codes of the interpretable features, shape (n, n_features); the rule's
        conditions are bins, ranges of adjacent numeric bins, or negated categories.
    features : DataFrame, shape (n, n_columns)
        The same features before binning, for the effect sizes.
    max_conditions : int
        Most conditions in the rule.
    beam_width : int
        Rules kept at each step of the beam search.
    min_f1 : float
        A rule below this F1 is not presented as a description.
    min_gain : float
        A longer rule must beat the best shorter one by at least this much F1.
    n_distinguishing : int
        How many distinguishing features to report.
    """
    target = _member_mask(members, binned.codes.shape[0])
    if len(features) != len(target):
        raise InputError(
            f"features has {len(features)} rows but the binned features have {len(target)}; "
            "pass the frame the bins were computed from."
        )
    conditions, masks = rule_candidates(binned)
    rule, (precision, recall, f1) = _beam_search(
        target, conditions, masks, max_conditions, beam_width, min_gain
    )
    distinguishing = distinguishing_features(target, features)[:n_distinguishing]
    faithful = bool(rule) and f1 >= min_f1
    sentence, subject = _sentences(
        rule, faithful, precision, recall, f1, distinguishing, max_conditions
    )
    return MemberDescription(
        rule=list(rule) if faithful else None,
        precision=precision,
        recall=recall,
        f1=f1,
        best_rule=list(rule),
        distinguishing=distinguishing,
        sentence=sentence,
        subject=subject,
    )


def _member_mask(members: np.ndarray, n: int) -> np.ndarray:
    members = np.asarray(members, dtype=np.int64).ravel()
    if members.size and (members.min() < 0 or members.max() >= n):
        raise InputError(
            f"Member positions must lie in [0, {n}); got values from {members.min()} to "
            f"{members.max()}. Pass row positions, not ids."
        )
    return member_mask(members, n)


def rule_candidates(binned: BinnedFeatures) -> tuple[list[tuple[int, Condition]], np.ndarray]:
    """Every single condition a rule may use, with its selection.

    Returns ``(conditions, masks)``: ``conditions[i]`` is ``(feature index, Condition)`` and
    ``masks[:, i]`` (bool, shape (n, m)) the rows it selects. Candidates are each bin, each
    range of two or more adjacent numeric bins, and each negated bin of a categorical feature
    with three bins or more.
    """
    conditions: list[tuple[int, Condition]] = []
    selections: list[tuple[int, int, int, bool]] = []  # (feature, low, high, negated) codes
    for j, bins in enumerate(binned.bins):
        for b, condition in enumerate(bins):
            conditions.append((j, condition))
            selections.append((j, b, b, False))
        ordinal = [b for b, c in enumerate(bins) if c.op == "in"]
        for low in ordinal:
            for high in ordinal:
                if high > low and (low, high) != (ordinal[0], ordinal[-1]):
                    value = [bins[low].value[0], bins[high].value[1]]
                    conditions.append((j, Condition(binned.names[j], "in", value)))
                    selections.append((j, low, high, False))
        if not ordinal and len(bins) >= 3:
            for b, condition in enumerate(bins):
                conditions.append((j, condition.negated()))
                selections.append((j, b, b, True))
    # one array filled column by column (Fortran order: each column contiguous), not a list of
    # columns stacked afterwards, which held every mask twice (470 MB at 2,000,000 rows)
    masks = np.empty((binned.codes.shape[0], len(selections)), dtype=bool, order="F")
    for i, (j, low, high, negated) in enumerate(selections):
        masks[:, i] = binned.codes_in(j, list(range(low, high + 1)))
        if negated:
            np.logical_not(masks[:, i], out=masks[:, i])
    return conditions, masks


def _beam_search(
    target: np.ndarray,
    conditions: list[tuple[int, Condition]],
    masks: np.ndarray,
    max_conditions: int,
    beam_width: int,
    min_gain: float,
) -> tuple[list[Condition], tuple[float, float, float]]:
    """Best conjunction by F1 against `target`; returns it with (precision, recall, F1)."""
    n_target = int(target.sum())
    if n_target == 0 or masks.shape[1] == 0:
        return [], (0.0, 0.0, 0.0)
    features = np.array([j for j, _ in conditions])
    beam: list[tuple[tuple[int, ...], np.ndarray]] = [((), np.ones(len(target), dtype=bool))]
    best: tuple[float, tuple[int, ...], float, float] = (0.0, (), 0.0, 0.0)
    for _ in range(max_conditions):
        scored: dict[tuple[int, ...], tuple[float, float, float]] = {}
        for items, base in beam:
            selected = _column_counts(masks, base)
            hits = _column_counts(masks, base & target)
            f1 = 2 * hits / (selected + n_target)
            used = set(features[list(items)]) if items else set()
            for i in np.argsort(-f1, kind="stable")[: 4 * beam_width]:
                if features[i] in used or hits[i] == 0 or selected[i] == len(target):
                    continue
                key = tuple(sorted((*items, int(i))))
                scored[key] = (
                    float(f1[i]),
                    float(hits[i] / selected[i]),
                    float(hits[i] / n_target),
                )
        if not scored:
            break
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[0]))[:beam_width]
        top_key, (top_f1, top_p, top_r) = ranked[0]
        if top_f1 > best[0] + (min_gain if best[1] else 0.0):
            best = (top_f1, top_key, top_p, top_r)
        beam = [(key, np.asarray(masks[:, list(key)].all(axis=1))) for key, _ in ranked]
    f1, items, precision, recall = best
    return [conditions[i][1] for i in items], (precision, recall, f1)


_COUNT_BLOCK = 1 << 16  # rows per block when counting a subset of rows


def _column_counts(masks: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """True values of each column of `masks` (n, m) among `rows` (n,) of bool, shape (m,).

    Float32, the type the F1 has always been computed in (exact below 2^24 rows). Counting the
    booleans replaced a float32 copy of `masks` multiplied by a vector: the copy was four
    times the masks, 2.4 GB at 5,000,000 rows (docs/scaling.md). The rows are taken in blocks:
    selecting them all at once copied the masks again (0.2 GB at 2,000,000 rows x 122).
    """
    if rows.all():
        return np.count_nonzero(masks, axis=0).astype(np.float32)
    counts = np.zeros(masks.shape[1], dtype=np.int64)
    for start in range(0, len(rows), _COUNT_BLOCK):
        block = slice(start, start + _COUNT_BLOCK)
        counts += np.count_nonzero(masks[block][rows[block]], axis=0)
    return counts.astype(np.float32)


def distinguishing_features(target: np.ndarray, features: pd.DataFrame) -> list[dict[str, Any]]:
    """Effect size of every feature between the members and the rest, strongest first.

    Numeric columns: standardised mean difference (pooled SD). Other columns: for the category
    whose share differs most, the share in the slice minus the share elsewhere, with Cohen's h
    as the comparable strength.
    """
    out: list[dict[str, Any]] = []
    if target.all() or not target.any():
        return out
    for name in features.columns:
        column = features[name]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        entry = _numeric_effect(column, target) if numeric else _categorical_effect(column, target)
        if entry is not None:
            out.append({"feature": str(name), **entry})
    return sorted(out, key=lambda e: (-e["strength"], e["feature"]))


def _numeric_effect(column: pd.Series, target: np.ndarray) -> dict[str, Any] | None:
    values = column.to_numpy(dtype=float, na_value=np.nan)
    inside, outside = values[target], values[~target]
    inside, outside = inside[~np.isnan(inside)], outside[~np.isnan(outside)]
    if len(inside) < 2 or len(outside) < 2:
        return None
    pooled = np.sqrt((inside.var(ddof=1) + outside.var(ddof=1)) / 2)
    if not pooled > 0:
        return None
    effect = float((inside.mean() - outside.mean()) / pooled)
    return {
        "kind": "numeric",
        "effect": effect,
        "in_slice": float(inside.mean()),
        "elsewhere": float(outside.mean()),
        "strength": abs(effect),
    }


def _categorical_effect(column: pd.Series, target: np.ndarray) -> dict[str, Any] | None:
    text = column.astype("string").fillna("(missing)").to_numpy(dtype=object)
    values, codes = unique_inverse(text)
    if len(values) < 2:
        return None
    share_in = np.bincount(codes[target], minlength=len(values)) / target.sum()
    share_out = np.bincount(codes[~target], minlength=len(values)) / (~target).sum()
    h = np.abs(2 * np.arcsin(np.sqrt(share_in)) - 2 * np.arcsin(np.sqrt(share_out)))
    k = int(np.argmax(h))
    return {
        "kind": "categorical",
        "value": str(values[k]),
        "effect": float(share_in[k] - share_out[k]),
        "in_slice": float(share_in[k]),
        "elsewhere": float(share_out[k]),
        "strength": float(h[k]),
    }


def _rule_text(rule: list[Condition]) -> str:
    return " and ".join(c.describe() for c in rule)


def _difference_text(entry: dict[str, Any]) -> str:
    if entry["kind"] == "numeric":
        return (
            f"{entry['feature']} (mean {entry['in_slice']:.3g} against {entry['elsewhere']:.3g}, "
            f"{entry['effect']:+.1f} SD)"
        )
    return (
        f"{entry['feature']} = {entry['value']} ({entry['in_slice']:.0%} of the group against "
        f"{entry['elsewhere']:.0%} elsewhere)"
    )


def _sentences(
    rule: list[Condition],
    faithful: bool,
    precision: float,
    recall: float,
    f1: float,
    distinguishing: list[dict[str, Any]],
    max_conditions: int,
) -> tuple[str, str]:
    """The standalone sentence and the subject noun phrase."""
    strong = [e for e in distinguishing if e["strength"] >= 0.2][:2]
    differs = (
        " It differs most in " + " and ".join(_difference_text(e) for e in strong) + "."
        if strong
        else " No interpretable feature sets it clearly apart."
    )
    if faithful:
        text = _rule_text(rule)
        sentence = (
            f"Mostly examples where {text}: the rule covers {recall:.0%} of the group, and "
            f"{precision:.0%} of the examples it selects are in the group (F1 {f1:.2f})."
        )
        return sentence + differs, f"Examples mostly where {text} (rule F1 {f1:.2f})"
    closest = f" (the closest, {_rule_text(rule)}, has F1 {f1:.2f})" if rule else ""
    sentence = (
        f"No rule of at most {max_conditions} conditions on the interpretable features "
        f"describes this group{closest}."
    )
    return sentence + differs, "A group of examples that no short rule describes"
