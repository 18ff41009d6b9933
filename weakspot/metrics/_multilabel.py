"""A multi-label tagger's performance, overall and per subgroup: per-label precision, recall,
F1 and support, subset accuracy (every label right) and the Hamming loss (the share of labels
wrong, per example), each with a 95% interval.

The intervals: precision, recall and subset accuracy are binomial proportions, so they get
Wilson intervals (as a classifier's accuracy does); F1 and the Hamming loss are not, so they
get percentile intervals from `N_BOOTSTRAP` resamples of the examples. A resample of the
examples is drawn exactly as a multinomial draw of the counts it depends on (a label's four
cells: true and false positives, misses, true negatives; the Hamming loss's histogram of
wrong labels per example), which costs a few microseconds whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weakspot.features import BinnedFeatures
from weakspot.metrics._disaggregated import MIN_GROUP_FOR_GAP, feature_groups
from weakspot.stats import wilson_interval
from weakspot.tasks import MultiLabelOutcomes

N_BOOTSTRAP = 2000
MULTILABEL_INTERVALS = {
    "precision": "wilson",
    "recall": "wilson",
    "subset_accuracy": "wilson",
    "f1": f"bootstrap ({N_BOOTSTRAP} resamples of the examples, percentile)",
    "hamming_loss": f"bootstrap ({N_BOOTSTRAP} resamples of the examples, percentile)",
}


def multilabel_overall(outcomes: MultiLabelOutcomes, *, random_state: int = 0) -> dict[str, Any]:
    """A tagger's performance on the whole evaluation set.

    Parameters
    ----------
    outcomes : MultiLabelOutcomes
        ``truth`` and ``predicted`` of shape (n, n_labels).
    random_state : int
        Seed of the bootstrap intervals.

    Returns
    -------
    dict with ``n``, ``n_labels``, ``labels``; ``subset_accuracy`` (every label right) and
    ``subset_accuracy_ci``; ``hamming_loss`` (mean share of labels wrong) and
    ``hamming_loss_ci``; ``errors`` (examples with a wrong label) and ``error_rate`` (the
    mean loss, the Hamming loss); ``per_label`` (one `label_records` record per label);
    ``micro`` (precision, recall and F1 over every label's counts pooled); ``macro_f1``;
    and ``intervals`` (which interval each figure has).
    """
    rng = np.random.default_rng(random_state)
    everyone = np.zeros(len(outcomes), dtype=np.int64)
    (counts,) = _label_counts(_cells(outcomes), everyone, 1)
    tp, fn, fp = counts[:, 0], counts[:, 1], counts[:, 2]
    (histogram,) = _wrong_histograms(outcomes, everyone, 1)
    summary = _example_summary(histogram, rng)
    per_label = label_records(outcomes.label_names, tp, fp, fn, len(outcomes), rng)
    defined = [r["f1"] for r in per_label if r["f1"] is not None]
    micro_tp, micro_fp, micro_fn = int(tp.sum()), int(fp.sum()), int(fn.sum())
    return {
        **summary,
        "n_labels": len(outcomes.label_names),
        "labels": list(outcomes.label_names),
        "errors": int(np.count_nonzero(outcomes.loss)),
        "error_rate": summary["hamming_loss"],
        "per_label": per_label,
        "micro": {
            "precision": _ratio(micro_tp, micro_tp + micro_fp),
            "recall": _ratio(micro_tp, micro_tp + micro_fn),
            "f1": _ratio(2 * micro_tp, 2 * micro_tp + micro_fp + micro_fn),
        },
        "macro_f1": float(np.mean(defined)) if defined else None,
        "intervals": dict(MULTILABEL_INTERVALS),
    }


def multilabel_disaggregated(
    binned: BinnedFeatures,
    outcomes: MultiLabelOutcomes,
    *,
    sensitive: list[str] | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """A tagger's performance in every subgroup: the bins of each slicing feature and the
    intersection of the sensitive columns, as for a classifier.

    Parameters
    ----------
    binned : BinnedFeatures
        Codes of shape (n, n_features).
    outcomes : MultiLabelOutcomes
    sensitive : list of str, optional
        Feature names whose intersection is also measured.
    random_state : int
        Seed of the bootstrap intervals.

    Returns
    -------
    dict with ``groups`` (one record per non-empty subgroup: feature, group, n, subset
    accuracy and Hamming loss with intervals, ``error_rate`` (the Hamming loss), and
    ``per_label`` records) and ``features`` (per feature: the largest Hamming-loss gap between
    groups of at least `MIN_GROUP_FOR_GAP` examples and whether the intervals part, and per
    label the largest recall gap, ``label_gaps``).
    """
    rng = np.random.default_rng(random_state)
    groups: list[dict[str, Any]] = []
    features: list[dict[str, Any]] = []
    cells = _cells(outcomes)
    for name, codes, group_names in feature_groups(binned, sensitive):
        records = _group_records(name, np.asarray(codes), group_names, outcomes, cells, rng)
        groups.extend(records)
        features.append(_feature_summary(name, records, outcomes.label_names, sensitive or []))
    return {"groups": groups, "features": features}


def label_records(
    names: list[str],
    tp: np.ndarray,
    fp: np.ndarray,
    fn: np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """One record per label from its counts (each shape (n_labels,), on `n` examples):
    ``label``, ``support`` (examples that have it), ``predicted`` (examples it is predicted
    for), ``precision``, ``recall``, ``f1`` (None where undefined: no prediction, no support,
    neither) with ``precision_ci``, ``recall_ci`` (Wilson) and ``f1_ci`` (bootstrap)."""
    support, said = tp + fn, tp + fp
    p_low, p_high = wilson_interval(tp, said)
    r_low, r_high = wilson_interval(tp, support)
    records = []
    for j, name in enumerate(names):
        cells = (int(tp[j]), int(fp[j]), int(fn[j]))
        records.append(
            {
                "label": name,
                "support": int(support[j]),
                "predicted": int(said[j]),
                "precision": _ratio(cells[0], int(said[j])),
                "precision_ci": [float(p_low[j]), float(p_high[j])],
                "recall": _ratio(cells[0], int(support[j])),
                "recall_ci": [float(r_low[j]), float(r_high[j])],
                "f1": _ratio(2 * cells[0], 2 * cells[0] + cells[1] + cells[2]),
                "f1_ci": _f1_interval(*cells, n, rng),
            }
        )
    return records


def _cells(outcomes: MultiLabelOutcomes) -> np.ndarray:
    """Each example's cell of each label's 2x2 table, uint8 (n, n_labels): 0 a hit (true
    positive), 1 a miss (false negative), 2 a false alarm (false positive), 3 a true
    negative."""
    return (~outcomes.predicted).astype(np.uint8) + 2 * (~outcomes.truth).astype(np.uint8)


def _label_counts(cells: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Each group's counts of the four cells of each label, shape (n_groups, n_labels, 4) in
    `_cells`' order: one `np.bincount` per label over group and cell together (a mask per
    group took seconds on millions of rows)."""
    counts = np.zeros((n_groups, cells.shape[1], 4), dtype=np.int64)
    for j in range(cells.shape[1]):
        joint = np.bincount(codes * 4 + cells[:, j], minlength=n_groups * 4)
        counts[:, j, :] = joint[: n_groups * 4].reshape(n_groups, 4)
    return counts


def _wrong_histograms(outcomes: MultiLabelOutcomes, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Each group's histogram of wrong labels per example, shape (n_groups, n_labels + 1):
    column k counts the examples with exactly k labels wrong."""
    n_labels = len(outcomes.label_names)
    wrong = np.rint(outcomes.loss * n_labels).astype(np.int64)
    joint = np.bincount(codes * (n_labels + 1) + wrong, minlength=n_groups * (n_labels + 1))
    return joint[: n_groups * (n_labels + 1)].reshape(n_groups, n_labels + 1)


def _example_summary(histogram: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Subset accuracy (Wilson) and the Hamming loss (bootstrap) of examples whose numbers of
    wrong labels have `histogram` (shape (n_labels + 1,))."""
    n, n_labels = int(histogram.sum()), histogram.shape[0] - 1
    exact = int(histogram[0])
    low, high = wilson_interval(exact, n)
    return {
        "n": n,
        "subset_accuracy": exact / n,
        "subset_accuracy_ci": [float(low), float(high)],
        "hamming_loss": float(histogram @ np.arange(n_labels + 1)) / (n * n_labels),
        "hamming_loss_ci": _hamming_interval(histogram, rng),
    }


def _hamming_interval(histogram: np.ndarray, rng: np.random.Generator) -> list[float]:
    """Percentile bootstrap interval of the Hamming loss: the examples' numbers of wrong
    labels (0 to n_labels, `histogram`) are resampled as one multinomial draw."""
    n, n_labels = int(histogram.sum()), histogram.shape[0] - 1
    draws = rng.multinomial(n, histogram / n, size=N_BOOTSTRAP)
    means = draws @ np.arange(n_labels + 1) / (n * n_labels)
    return [float(v) for v in np.quantile(means, [0.025, 0.975])]


def _f1_interval(tp: int, fp: int, fn: int, n: int, rng: np.random.Generator) -> list[float] | None:
    """Percentile bootstrap interval of F1 = 2 tp / (2 tp + fp + fn), the examples resampled
    as a multinomial draw of the four cells; None where F1 is undefined (no support and no
    prediction), resamples where it is undefined left out."""
    if tp + fp + fn == 0:
        return None
    draws = rng.multinomial(n, np.array([tp, fp, fn, n - tp - fp - fn]) / n, size=N_BOOTSTRAP)
    denominator = 2 * draws[:, 0] + draws[:, 1] + draws[:, 2]
    f1 = 2 * draws[denominator > 0, 0] / denominator[denominator > 0]
    return [float(v) for v in np.quantile(f1, [0.025, 0.975])]


def _group_records(
    feature: str,
    codes: np.ndarray,
    group_names: list[str],
    outcomes: MultiLabelOutcomes,
    cells: np.ndarray,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    n_groups = len(group_names)
    codes = codes.astype(np.int64)
    counts = _label_counts(cells, codes, n_groups)
    histograms = _wrong_histograms(outcomes, codes, n_groups)
    sizes = histograms.sum(axis=1)
    records = []
    for g in np.flatnonzero(sizes):
        summary = _example_summary(histograms[g], rng)
        tp, fn, fp = counts[g, :, 0], counts[g, :, 1], counts[g, :, 2]
        labels = label_records(outcomes.label_names, tp, fp, fn, int(sizes[g]), rng)
        records.append(
            {
                "feature": feature,
                "group": group_names[g],
                **summary,
                "error_rate": summary["hamming_loss"],
                "per_label": labels,
            }
        )
    return records


def _feature_summary(
    name: str, records: list[dict[str, Any]], labels: list[str], sensitive: list[str]
) -> dict[str, Any]:
    """The largest gap of a feature's groups in Hamming loss, and per label in recall, among
    groups of at least `MIN_GROUP_FOR_GAP` examples (positive examples, for recall); a gap is
    significant when the two groups' intervals do not overlap."""
    big = [r for r in records if r["n"] >= MIN_GROUP_FOR_GAP] or records
    best = min(big, key=lambda r: r["hamming_loss"])
    worst = max(big, key=lambda r: r["hamming_loss"])
    label_gaps = []
    for j, label in enumerate(labels):
        rows = [
            (r["group"], r["per_label"][j])
            for r in records
            if r["per_label"][j]["support"] >= MIN_GROUP_FOR_GAP
        ]
        if len(rows) < 2:
            continue
        top = max(rows, key=lambda item: item[1]["recall"])
        low = min(rows, key=lambda item: item[1]["recall"])
        label_gaps.append(
            {
                "label": label,
                "recall_gap": top[1]["recall"] - low[1]["recall"],
                "best_group": top[0],
                "worst_group": low[0],
                "gap_significant": low[1]["recall_ci"][1] < top[1]["recall_ci"][0],
            }
        )
    return {
        "feature": name,
        "sensitive": name in sensitive or " x " in name,
        "n_groups": len(records),
        "hamming_loss_gap": worst["hamming_loss"] - best["hamming_loss"],
        "best_group": best["group"],
        "worst_group": worst["group"],
        "gap_significant": worst["hamming_loss_ci"][0] > best["hamming_loss_ci"][1],
        "label_gaps": label_gaps,
    }


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
