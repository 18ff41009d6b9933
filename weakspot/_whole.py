"""A sample's findings counted on every row of its input.

An analysis of ``sample=N`` rows finds its slices and failure modes on the sample; their sizes,
error rates and intervals are the sample's. A finding with a rule (``site == b and f0 == 1``)
can be counted on the whole input in one more pass over it: each partition sends back, per
rule, how many of its rows the rule selects and how many of those fail (sufficient statistics,
summed here), so that the report can set "on all 20,000,000 rows: 35.1% fail" beside the
sample's figures. The pass runs where the partitions are (a Dask DataFrame's on its workers)
and holds one partition at a time per thread.

The rows outside the sample never took part in the search, so they also test each finding
afresh: its errors there against the rest of those rows (the same one-sided exact test as the
search's, Benjamini-Hochberg across the findings), and a finding whose q-value there passes
`max_q` with a lift of at least `min_lift` (the bars a reported slice passed on the sample) is
*confirmed*; one that is not is likely the sample's chance.

A rule over image features (brightness, an embedding direction) is not counted: those
features exist for the sampled rows only. Nor is a member set (an embedding finder's).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np

from weakspot.features import Condition, slicing_features
from weakspot.inputs import ColumnOptions, Examples, ReadOptions, map_examples
from weakspot.metrics import accuracy_gap
from weakspot.modes import rule_mask
from weakspot.stats import (
    LossPopulation,
    benjamini_hochberg,
    excess_loss_p_value,
    wilson_interval,
)
from weakspot.tasks import ClassificationOutcomes

NOT_COUNTED_IMAGES = "rests on image features, which exist for the sampled rows only"
NOT_COUNTED_MEMBERS = "a member set without a rule: only its sampled members are known"
NOT_COUNTED_VIEW = (
    "found on the {view} view, while the whole input's pass counts the loss; its figures are "
    "the sample's"
)


@dataclass(frozen=True)
class WholeCounts:
    """Rows and errors of the whole input, overall and under each finding's rule.

    Attributes
    ----------
    rows, errors : int
        The whole input's rows and wrong predictions (for a continuous loss, a regressor's,
        `errors` is the summed loss, a float).
    counted : dict of str to (int, int)
        Finding id (``S1``, ``F1``) -> (rows its rule selects, errors among them).
    not_counted : dict of str to str
        Finding id -> why it was not counted.
    held_out : dict of str to dict
        Finding id -> its test on the rows outside the sample: ``{rows, errors, of, lift,
        p_value, q_value, verdict}``, `verdict` being ``confirmed``, ``not
        significant`` (q above `max_q`: likely the sample's chance) or ``too weak`` (lift
        below `min_lift` there).
    binary : bool
        Whether the loss is 0/1 (a classifier's); otherwise `squares` holds, per finding and
        group (and ``""`` for the whole input), the summed squared loss its interval needs.
    """

    rows: int
    errors: int | float
    counted: dict[str, tuple[int, int | float]]
    not_counted: dict[str, str]
    held_out: dict[str, dict[str, Any]]
    groups: dict[tuple[str, str], tuple[int, int | float]] = field(default_factory=dict)
    binary: bool = True
    squares: dict[Any, float] = field(default_factory=dict)

    def disaggregated(self, sample: dict[str, Any]) -> dict[str, Any]:
        """The sample's ``disaggregated`` with each countable subgroup's ``whole`` figures
        (``{n, errors, accuracy, ci}``) and each feature's gap on every row (``whole``)."""
        groups = []
        by_feature: dict[str, list[dict[str, Any]]] = {}
        for group in sample["groups"]:
            counts = self.groups.get((group["feature"], group["group"]))
            if counts is None or counts[0] == 0:
                groups.append(group)
                continue
            n, errors = counts
            if not self.binary:  # a continuous loss: the group's mean loss and its interval
                key = (group["feature"], group["group"])
                mean, ci = _mean_interval(errors, self.squares.get(key, 0.0), n)
                groups.append({**group, "whole": {"n": n, "mean_loss": mean, "ci": ci}})
                continue
            low, high = wilson_interval(n - errors, n)
            whole: dict[str, Any] = {"n": n, "errors": errors, "accuracy": 1 - errors / n}
            whole["ci"] = [float(low), float(high)]
            groups.append({**group, "whole": whole})
            by_feature.setdefault(group["feature"], []).append({**whole, "group": group["group"]})
        features = [
            {**f, "whole": accuracy_gap(by_feature[f["feature"]])}
            if f["feature"] in by_feature
            else f
            for f in sample["features"]
        ]
        return {**sample, "groups": groups, "features": features}

    def to_dict(self) -> dict[str, Any]:
        """``dataset.sample.whole``: the input's own error rate beside the sample's."""
        return {
            "rows": self.rows,
            "errors": self.errors,
            "error_rate": _rate(self.errors, self.rows),
        }

    def figures(self, finding: str) -> dict[str, Any] | None:
        """``whole`` of a slice or failure mode record: its figures on every row, or why none."""
        if finding in self.not_counted:
            return {"counted": False, "of": self.rows, "reason": self.not_counted[finding]}
        if finding not in self.counted:
            return None
        size, errors = self.counted[finding]
        bounds: Any
        if self.binary:
            bounds = wilson_interval(errors, size)
        else:
            _, bounds = _mean_interval(errors, self.squares.get(finding, 0.0), size)
        low, high = bounds[0], bounds[1]
        rest_rate = _rate(self.errors - errors, self.rows - size)
        rate = _rate(errors, size)
        return {
            "counted": True,
            "of": self.rows,
            "size": size,
            "errors": errors,
            "error_rate": rate,
            "ci": [float(low), float(high)],
            "rest_error_rate": rest_rate,
            "lift": None if rate is None or not rest_rate else rate / rest_rate,
            "held_out": self.held_out[finding],
        }


def count_whole(
    data: Any,
    findings: dict[str, Sequence[Condition] | None],
    sample: Examples,
    *,
    columns: ColumnOptions | None = None,
    reading: ReadOptions | None = None,
    max_q: float = 0.05,
    min_lift: float = 1.1,
    groups: dict[tuple[str, str], list[Condition]] | None = None,
    views: dict[str, str] | None = None,
) -> WholeCounts:
    """Count every finding's rule on the whole input `data` (one pass over its partitions).

    Parameters
    ----------
    data : the input `analyze` was given (a table, its path, a Parquet folder, a Dask DataFrame)
    findings : dict of str to rule or None
        Finding id -> its rule; None for a member set.
    sample : Examples
        The analysed sample, whose columns tell which rules the input's own columns hold.
    columns, reading : ColumnOptions, ReadOptions, optional
        How `analyze` read the input (default: the detected columns of a plain table); the
        classes are those of the sample, so that every partition reads its labels alike.
    max_q, min_lift : float
        The bars a finding must pass on the rows outside the sample to be confirmed.
    groups : dict of (feature, group) to rule, optional
        The subgroups to count too (`group_rules`); they are measured, not tested.
    views : dict of str to str, optional
        Finding id -> the loss view it was found on (default ``"error"``); a finding of
        another view (a regressor's bias) is not counted, since the pass counts the loss.
    """
    table_columns = {*sample.metadata.columns, "label"}
    rules: dict[str, list[Condition]] = {}
    not_counted: dict[str, str] = {}
    for finding, rule in findings.items():
        view = (views or {}).get(finding, "error")
        if rule is None:
            not_counted[finding] = NOT_COUNTED_MEMBERS
        elif view != "error":
            not_counted[finding] = NOT_COUNTED_VIEW.format(view=view)
        elif not _countable(rule, table_columns):
            not_counted[finding] = NOT_COUNTED_IMAGES
        else:
            rules[finding] = list(rule)
    groups = {key: rule for key, rule in (groups or {}).items() if _countable(rule, table_columns)}
    found = list(rules.values())
    count = partial(partition_counts, rules=[*found, *groups.values()])
    reading = reading or ReadOptions()
    # every partition is read by the sample's task (a partition alone might look like another)
    task: dict[str, Any] = {"task": sample.task, **sample.outcomes.task_options()}
    if isinstance(sample.outcomes, ClassificationOutcomes):
        task["classes"] = list(sample.classes)
    as_read = replace(columns or ColumnOptions(), **task)
    parts = map_examples(
        data,
        count,
        predictions=reading.predictions,
        images=reading.images,
        image_column=reading.image_column,
        **as_read.as_kwargs(),
    )
    total = np.stack(parts).sum(axis=0)
    binary = sample.outcomes.binary
    loss = int if binary else float  # a 0/1 loss's sums are counts
    pairs = [(int(n), loss(e)) for n, e, _ in total[1:]]
    held_out = total[: 1 + len(found)] - partition_counts(sample, found)
    same = [tuple(sorted(c.describe() for c in rule)) for rule in found]
    tests = _held_out_tests(held_out, same, max_q=max_q, min_lift=min_lift, binary=binary)
    keys = [*rules, *groups]
    squares = (
        {}
        if binary
        else {"": float(total[0, 2])}
        | {key: float(q) for key, q in zip(keys, total[1:, 2], strict=True)}
    )
    return WholeCounts(
        int(total[0, 0]),
        loss(total[0, 1]),
        dict(zip(rules, pairs[: len(found)], strict=True)),
        not_counted,
        dict(zip(rules, tests, strict=True)),
        dict(zip(groups, pairs[len(found) :], strict=True)),
        binary=binary,
        squares=squares,
    )


def group_rules(
    binned: Any, sensitive: Sequence[str] | None
) -> dict[tuple[str, str], list[Condition]]:
    """Every subgroup `metrics.disaggregated_metrics` measures, as (feature, group) -> rule:
    each bin of each feature, and each cell of the sensitive features' intersection."""
    rules = {
        (name, c.describe()): [c]
        for name, bins in zip(binned.names, binned.bins, strict=True)
        for c in bins
    }
    if sensitive and len(sensitive) >= 2:
        per = [binned.bins[binned.names.index(f)] for f in sensitive]
        for cell in itertools.product(*per):
            key = (" x ".join(sensitive), " and ".join(c.describe() for c in cell))
            rules[key] = list(cell)
    return rules


def _countable(rule: Sequence[Condition], columns: set[str]) -> bool:
    return all(c.feature in columns for c in rule)


def _held_out_tests(
    counts: np.ndarray,
    rules: list[tuple[str, ...]],
    *,
    max_q: float,
    min_lift: float,
    binary: bool = True,
) -> list[dict[str, Any]]:
    """Each rule tested on the rows outside the sample; `counts` as `partition_counts` gives,
    `rules` each rule's conditions as text. The test is the search's (`excess_loss_p_value`):
    exact for a 0/1 loss, normal with the finite-population correction for a continuous one.

    The family is the distinct rules: a slice and the failure mode it titles are one test.
    """
    loss = int if binary else float
    rows, errors = int(counts[0, 0]), loss(counts[0, 1])
    sizes, hits = counts[1:, 0].astype(np.int64), counts[1:, 1]
    first = {rule: i for i, rule in reversed(list(enumerate(rules)))}
    family = sorted(set(first.values()))
    population = LossPopulation(rows, float(counts[0, 1]), float(counts[0, 2]), binary)
    p_family = excess_loss_p_value(hits[family], sizes[family], population)
    q_family = benjamini_hochberg(p_family)
    slot = {i: k for k, i in enumerate(family)}
    which = [slot[first[rule]] for rule in rules]
    tests = []
    for n, e, k in zip(sizes, hits, which, strict=True):
        p_value, q_value = p_family[k], q_family[k]
        rate, rest = _rate(loss(e), int(n)), _rate(errors - loss(e), rows - int(n))
        lift = None if rate is None or not rest else rate / rest
        significant = bool(n > 0 and q_value <= max_q)
        strong = lift is None or lift >= min_lift
        verdict = "not significant" if not significant else "confirmed" if strong else "too weak"
        tests.append(
            {
                "rows": int(n),
                "errors": loss(e),
                "of": rows,
                "lift": lift,
                "p_value": float(p_value),
                "q_value": float(q_value),
                "verdict": verdict,
            }
        )
    return tests


def partition_counts(examples: Examples, rules: list[list[Condition]]) -> np.ndarray:
    """One partition's sufficient statistics, float64 of shape (1 + len(rules), 3).

    Row 0: the partition's rows, summed loss and summed squared loss; row 1 + i: the same
    for the rows rule i selects. For a 0/1 loss the sums are error counts (whole numbers that
    float64 holds exactly); summed over partitions, they are the whole input's.
    """
    features = slicing_features(examples.outcomes.target_feature(), examples.metadata)
    loss = examples.errors.astype(np.float64)
    out = np.empty((1 + len(rules), 3), dtype=np.float64)
    out[0] = len(examples), loss.sum(), loss @ loss
    prepared: dict[Any, Any] = {}  # each column's values made once for all the rules
    for i, rule in enumerate(rules, start=1):
        mask = rule_mask(rule, features, prepared)
        inside = loss[mask]
        out[i] = np.count_nonzero(mask), inside.sum(), inside @ inside
    return out


def _mean_interval(total: float, squares: float, n: int) -> tuple[float, list[float]]:
    """The mean loss of `n` rows from their summed loss and squared loss, with its normal 95%
    interval (the central limit holds on the whole input's counts, which are large; the rows
    themselves are gone, so no bootstrap)."""
    mean = total / n
    spread = np.sqrt(max(squares / n - mean * mean, 0.0) / n)
    return float(mean), [float(mean - 1.959964 * spread), float(mean + 1.959964 * spread)]


def _rate(errors: float, rows: int) -> float | None:
    return None if rows == 0 else errors / rows
